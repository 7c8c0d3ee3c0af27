// Package slacktest is a recording Slack server on 127.0.0.1 for tests and
// the demo. It accepts incoming-webhook posts and chat.postMessage calls,
// records every message, and can hang, rate-limit or fail on request.
package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Message is one message the server accepted.
type Message struct {
	// Path is the request path, such as "/services/T0/B0/X" or
	// "/api/chat.postMessage".
	Path    string
	Channel string
	Text    string
	// Blocks is the Block Kit JSON array as sent, or nil when the message
	// had no blocks.
	Blocks json.RawMessage
	At     time.Time
}

// Server is a recording Slack server. Its methods are safe for concurrent
// use.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	messages  []Message
	requests  int
	token     string
	hung      chan struct{} // non-nil while Hang is on; closed to release
	limitN    int
	limitWait string
	failN     int
	failCode  int
	onMessage func(Message)
	changed   chan struct{} // closed and replaced on every new message
	seq       int

	closing   chan struct{}
	closeOnce sync.Once
}

// NewServer starts a server on a free port of 127.0.0.1. Call Close when
// done.
func NewServer() *Server {
	s := &Server{
		changed: make(chan struct{}),
		closing: make(chan struct{}),
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	// httptest binds 127.0.0.1 already, but its -httptest.serve flag can
	// change that, so the listener is made here.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("slacktest: listen on 127.0.0.1: %v", err))
	}
	s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	return s
}

// URL returns the base URL of the server, such as "http://127.0.0.1:40123".
func (s *Server) URL() string { return s.srv.URL }

// WebhookURL returns an incoming-webhook URL on this server. Any path under
// /services/ is accepted as well.
func (s *Server) WebhookURL() string {
	return s.srv.URL + "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
}

// APIURL returns the Slack Web API base URL of this server, ending in "/".
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// RequireToken makes chat.postMessage accept only this bot token, given as
// an "Authorization: Bearer" header or as the "token" form field (the way
// slack-go v0.36.0 sends it). An empty token accepts any.
func (s *Server) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// Hang makes every request from now on wait without a response, until
// Hang(false) or Close. Requests already waiting are released by
// Hang(false) and then served normally.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on && s.hung == nil {
		s.hung = make(chan struct{})
	}
	if !on && s.hung != nil {
		close(s.hung)
		s.hung = nil
	}
}

// RateLimit makes the next n requests fail with status 429 and the given
// Retry-After header value; an empty retryAfter sends no header.
func (s *Server) RateLimit(n int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limitN = n
	s.limitWait = retryAfter
}

// FailNext makes the next n requests (after any rate-limited ones) fail
// with the given HTTP status.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN = n
	s.failCode = status
}

// OnMessage sets a function called with every accepted message, outside
// the server's lock and before the response is written.
func (s *Server) OnMessage(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = fn
}

// Messages returns a copy of the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Requests returns how many requests arrived so far, including
// rate-limited, failed and hung ones.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// WaitFor waits until at least n messages were accepted and returns them
// all, or returns ctx's error with the messages accepted so far.
func (s *Server) WaitFor(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		if len(s.messages) >= n {
			msgs := append([]Message(nil), s.messages...)
			s.mu.Unlock()
			return msgs, nil
		}
		changed := s.changed
		msgs := append([]Message(nil), s.messages...)
		s.mu.Unlock()

		select {
		case <-changed:
		case <-ctx.Done():
			return msgs, fmt.Errorf("wait for %d slack messages, got %d: %w", n, len(msgs), ctx.Err())
		}
	}
}

// Close releases hung requests and stops the server. It does not wait for
// a client to give up.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	hung := s.hung
	s.mu.Unlock()

	if hung != nil {
		select {
		case <-hung:
		case <-s.closing:
			// Drop the connection without a response, as a server that
			// went away would.
			panic(http.ErrAbortHandler)
		case <-r.Context().Done():
			return
		}
	}
	if s.misbehave(w) {
		return
	}

	switch {
	case strings.HasPrefix(r.URL.Path, "/services/"):
		s.serveWebhook(w, r)
	case r.URL.Path == "/api/chat.postMessage":
		s.servePostMessage(w, r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// misbehave writes a 429 or an error status when one is pending,
// and reports whether it did.
func (s *Server) misbehave(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limitN > 0 {
		s.limitN--
		if s.limitWait != "" {
			w.Header().Set("Retry-After", s.limitWait)
		}
		http.Error(w, "rate_limited", http.StatusTooManyRequests)
		return true
	}
	if s.failN > 0 {
		s.failN--
		http.Error(w, "injected failure", s.failCode)
		return true
	}
	return false
}

func (s *Server) serveWebhook(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Channel string          `json:"channel"`
		Text    string          `json:"text"`
		Blocks  json.RawMessage `json:"blocks"`
	}
	data, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(data, &body)
	}
	if err != nil || (body.Text == "" && len(body.Blocks) == 0) {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.record(Message{Path: r.URL.Path, Channel: body.Channel, Text: body.Text, Blocks: body.Blocks})
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok")
}

func (s *Server) servePostMessage(w http.ResponseWriter, r *http.Request) {
	var channel, text, token, blocks string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct {
			Channel string          `json:"channel"`
			Text    string          `json:"text"`
			Blocks  json.RawMessage `json:"blocks"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_json"})
			return
		}
		channel, text, blocks = body.Channel, body.Text, string(body.Blocks)
	} else {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_form_data"})
			return
		}
		channel, text, blocks = r.PostForm.Get("channel"), r.PostForm.Get("text"), r.PostForm.Get("blocks")
		token = r.PostForm.Get("token")
	}
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = bearer
	}

	s.mu.Lock()
	want := s.token
	s.mu.Unlock()
	switch {
	case want != "" && token != want:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	case channel == "":
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	case text == "" && blocks == "":
		writeJSON(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}

	var raw json.RawMessage
	if blocks != "" {
		raw = json.RawMessage(blocks)
	}
	seq := s.record(Message{Path: r.URL.Path, Channel: channel, Text: text, Blocks: raw})
	writeJSON(w, map[string]any{"ok": true, "channel": channel, "ts": fmt.Sprintf("1700000000.%06d", seq)})
}

// record stores msg, wakes WaitFor and calls the OnMessage function. It
// returns the message's sequence number, starting at 1.
func (s *Server) record(msg Message) int {
	msg.At = time.Now()
	s.mu.Lock()
	s.messages = append(s.messages, msg)
	s.seq++
	seq := s.seq
	close(s.changed)
	s.changed = make(chan struct{})
	fn := s.onMessage
	s.mu.Unlock()

	if fn != nil {
		fn(msg)
	}
	return seq
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
