// Package dtstest is an in-process emulator of the DTS API for tests and
// demos. It serves the three synchronization actions that package dts
// calls, over HTTP on 127.0.0.1, and verifies every request's RPC
// signature. It keeps one-way and two-way jobs with an endpoint pair per
// direction and runs each switch as a task with configurable phase
// durations. It records every call and injects faults on request.
package dtstest

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"dts-reconciler/dts"
)

// Default credentials of a Server whose Options leave them empty.
const (
	DefaultAccessKeyID     = "dtstest-access-key-id"
	DefaultAccessKeySecret = "dtstest-access-key-secret"
)

// Default task phase durations.
const (
	DefaultInitializingDelay = 50 * time.Millisecond
	DefaultSwitchingDelay    = 50 * time.Millisecond
)

// Options configures a Server.
type Options struct {
	// AccessKeyID and AccessKeySecret are the only credentials the server
	// accepts. Empty means DefaultAccessKeyID and DefaultAccessKeySecret.
	AccessKeyID, AccessKeySecret string
	// InitializingDelay and SwitchingDelay are how long a switch task stays
	// in each phase. Zero means the defaults (50 ms each).
	InitializingDelay, SwitchingDelay time.Duration
	// Logger, when set, receives one line per call.
	Logger *slog.Logger
}

// Call is one request the server received.
type Call struct {
	Action string
	// Method is the HTTP method, so a test can check that the client
	// sent POST.
	Method string
	// Params are the request parameters of the query string and form body,
	// without Signature.
	Params map[string]string
	At     time.Time
	// HTTPStatus is the status of the response, or 0 when none was sent
	// (a Hang fault).
	HTTPStatus int
	// Code is the error code of the response, "" on success.
	Code string
	// TaskID is the task that a switch call created, or that a switch
	// status call asked about.
	TaskID string
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:PORT", to use as
	// dts.Config.Endpoint.
	URL string

	opts      Options
	ts        *httptest.Server
	closing   chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	jobs     map[string]*job
	tasks    map[string]*task
	taskSeq  int
	failNext map[string]int
	nonces   map[string]time.Time
	faults   []*pendingFault
	calls    []Call
	hooks    []func(Call)
}

// NewServer starts an emulator on a free port of 127.0.0.1. Call Close when
// done.
func NewServer(opts Options) *Server {
	if opts.AccessKeyID == "" {
		opts.AccessKeyID = DefaultAccessKeyID
	}
	if opts.AccessKeySecret == "" {
		opts.AccessKeySecret = DefaultAccessKeySecret
	}
	if opts.InitializingDelay <= 0 {
		opts.InitializingDelay = DefaultInitializingDelay
	}
	if opts.SwitchingDelay <= 0 {
		opts.SwitchingDelay = DefaultSwitchingDelay
	}
	s := &Server{
		opts:     opts,
		closing:  make(chan struct{}),
		jobs:     make(map[string]*job),
		tasks:    make(map[string]*task),
		taskSeq:  100000,
		failNext: make(map[string]int),
		nonces:   make(map[string]time.Time),
	}
	// httptest.NewServer listens on 127.0.0.1 (or [::1] without IPv4).
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	return s
}

// Close sends at once the responses that Delay faults hold back, ends the
// calls that Hang faults hold without a response, stops the server and
// waits for its handlers to return. Tasks need no stopping because their
// state is computed from their start time when read.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.ts.Close()
	})
}

// Calls returns every call received since the start or the last ResetCalls,
// in order of arrival.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c
		out[i].Params = cloneParams(c.Params)
	}
	return out
}

// CallsOf returns the calls of one action.
func (s *Server) CallsOf(action string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls deletes the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// OnCall registers fn to be called with each call once its response is
// decided, before any Delay fault. fn runs on the request's goroutine and
// must not call methods of s that wait for that request.
func (s *Server) OnCall(fn func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, fn)
}

// record stores c, logs it and runs the hooks.
func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	hooks := append([]func(Call){}, s.hooks...)
	s.mu.Unlock()

	if s.opts.Logger != nil {
		s.opts.Logger.Info("dts emulator call", "action", c.Action, "method", c.Method,
			"job", c.Params["SynchronizationJobId"], "direction", c.Params["SynchronizationDirection"],
			"endpoint_type", c.Params["Endpoint.Type"], "task_id", c.TaskID,
			"http_status", c.HTTPStatus, "code", c.Code)
	}
	for _, fn := range hooks {
		fn(cloneCall(c))
	}
}

func cloneCall(c Call) Call {
	c.Params = cloneParams(c.Params)
	return c
}

func cloneParams(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// newRequestID returns a random id shaped like DTS request ids.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := strings.ToUpper(hex.EncodeToString(b))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// readForm returns the form body of a POST, limited to 1 MiB.
func readForm(r *http.Request) (string, error) {
	if r.Method != http.MethodPost || r.Body == nil {
		return "", nil
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return "", nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return string(b), err
}

// endpointOf returns the side t of a direction.
func endpointOf(d *direction, t dts.EndpointType) *dts.Endpoint {
	if t == dts.Destination {
		return &d.destination
	}
	return &d.source
}
