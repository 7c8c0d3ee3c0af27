package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func postJSON(t *testing.T, target, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Post(target, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("post %s: %v", target, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header
}

func postForm(t *testing.T, target string, values url.Values, bearer string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post %s: %v", target, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	return out
}

func TestServer_Webhook(t *testing.T) {
	s := NewServer()
	defer s.Close()
	var seen []Message
	var mu sync.Mutex
	s.OnMessage(func(m Message) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, m)
	})

	status, body, _ := postJSON(t, s.URL()+"/services/T1/B2/C3", `{"text":"hello","blocks":[{"type":"divider"}]}`)
	if status != http.StatusOK || body != "ok" {
		t.Errorf("answer: got %d %q, want 200 \"ok\"", status, body)
	}
	status, _, _ = postJSON(t, s.WebhookURL(), `{"text":""}`)
	if status != http.StatusBadRequest {
		t.Errorf("empty message: got status %d, want 400", status)
	}
	status, _, _ = postJSON(t, s.URL()+"/elsewhere", `{"text":"x"}`)
	if status != http.StatusNotFound {
		t.Errorf("unknown path: got status %d, want 404", status)
	}

	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("messages: got %d, want 1", len(msgs))
	}
	if got := msgs[0]; got.Path != "/services/T1/B2/C3" || got.Text != "hello" || string(got.Blocks) != `[{"type":"divider"}]` {
		t.Errorf("message: got %+v", got)
	}
	if msgs[0].At.IsZero() {
		t.Error("message time is zero")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 {
		t.Errorf("OnMessage calls: got %d, want 1", len(seen))
	}
	if got := s.Requests(); got != 3 {
		t.Errorf("requests: got %d, want 3", got)
	}
}

func TestServer_PostMessage(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.RequireToken("xoxb-good")
	target := s.APIURL() + "chat.postMessage"

	tests := []struct {
		name      string
		values    url.Values
		bearer    string
		wantOK    bool
		wantError string
	}{
		{name: "form_token", values: url.Values{"token": {"xoxb-good"}, "channel": {"#a"}, "text": {"hi"}}, wantOK: true},
		{name: "bearer", values: url.Values{"channel": {"#a"}, "text": {"hi"}}, bearer: "xoxb-good", wantOK: true},
		{name: "wrong_token", values: url.Values{"token": {"xoxb-bad"}, "channel": {"#a"}, "text": {"hi"}}, wantError: "invalid_auth"},
		{name: "no_channel", values: url.Values{"token": {"xoxb-good"}, "text": {"hi"}}, wantError: "channel_not_found"},
		{name: "no_text", values: url.Values{"token": {"xoxb-good"}, "channel": {"#a"}}, wantError: "no_text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := postForm(t, target, tt.values, tt.bearer)
			if got := out["ok"] == true; got != tt.wantOK {
				t.Errorf("ok: got %v, want %v (%v)", got, tt.wantOK, out)
			}
			if tt.wantOK && (out["channel"] != "#a" || out["ts"] == "") {
				t.Errorf("answer: got %v, want channel and ts", out)
			}
			if got, _ := out["error"].(string); got != tt.wantError {
				t.Errorf("error: got %q, want %q", got, tt.wantError)
			}
		})
	}

	if got := len(s.Messages()); got != 2 {
		t.Errorf("messages: got %d, want 2", got)
	}
}

func TestServer_Misbehaves(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.RateLimit(2, "7")
	s.FailNext(1, http.StatusServiceUnavailable)

	_, _, header := postJSON(t, s.WebhookURL(), `{"text":"a"}`)
	if got := header.Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After: got %q, want \"7\"", got)
	}
	status, _, _ := postJSON(t, s.WebhookURL(), `{"text":"a"}`)
	if status != http.StatusTooManyRequests {
		t.Errorf("second request: got status %d, want 429", status)
	}
	status, _, _ = postJSON(t, s.WebhookURL(), `{"text":"a"}`)
	if status != http.StatusServiceUnavailable {
		t.Errorf("third request: got status %d, want 503", status)
	}
	s.RateLimit(1, "")
	status, _, header = postJSON(t, s.WebhookURL(), `{"text":"a"}`)
	if status != http.StatusTooManyRequests || header.Get("Retry-After") != "" {
		t.Errorf("429 without Retry-After: got %d with %q", status, header.Get("Retry-After"))
	}
	status, _, _ = postJSON(t, s.WebhookURL(), `{"text":"a"}`)
	if status != http.StatusOK {
		t.Errorf("after the failures: got status %d, want 200", status)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("messages: got %d, want 1", got)
	}
}

func TestServer_HangReleasedByUnhang(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Hang(true)

	answered := make(chan int, 1)
	go func() {
		resp, err := http.Post(s.WebhookURL(), "application/json", strings.NewReader(`{"text":"late"}`))
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for s.Requests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case status := <-answered:
		t.Fatalf("hung server answered %d", status)
	default:
	}

	s.Hang(false)
	if got := <-answered; got != http.StatusOK {
		t.Errorf("status after un-hang: got %d, want 200", got)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("messages: got %d, want 1", got)
	}
}

func TestServer_CloseWhileHung(t *testing.T) {
	s := NewServer()
	s.Hang(true)

	failed := make(chan error, 1)
	go func() {
		resp, err := http.Post(s.WebhookURL(), "application/json", strings.NewReader(`{"text":"x"}`))
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	for s.Requests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}

	s.Close() // must return although a request is hung
	s.Close()
	if err := <-failed; err == nil {
		t.Error("hung request: got an answer, want a dropped connection")
	}
	if got := len(s.Messages()); got != 0 {
		t.Errorf("messages: got %d, want 0", got)
	}
}

func TestServer_WaitFor(t *testing.T) {
	s := NewServer()
	defer s.Close()

	go func() {
		for range 2 {
			resp, err := http.Post(s.WebhookURL(), "application/json", strings.NewReader(`{"text":"x"}`))
			if err == nil {
				resp.Body.Close()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := s.WaitFor(ctx, 2)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("WaitFor(2): got %d messages and %v", len(msgs), err)
	}

	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	msgs, err = s.WaitFor(short, 3)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor(3): got %v, want %v", err, context.DeadlineExceeded)
	}
	if len(msgs) != 2 {
		t.Errorf("WaitFor(3) messages: got %d, want 2", len(msgs))
	}
}

func TestServer_Loopback(t *testing.T) {
	s := NewServer()
	defer s.Close()
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatalf("parse %q: %v", s.URL(), err)
	}
	if got := u.Hostname(); got != "127.0.0.1" {
		t.Errorf("host: got %q, want 127.0.0.1", got)
	}
	if !strings.HasSuffix(s.APIURL(), "/api/") {
		t.Errorf("APIURL: got %q, want it to end in /api/", s.APIURL())
	}
}
