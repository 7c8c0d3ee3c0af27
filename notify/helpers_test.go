package notify

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"dts-reconciler/notify/slacktest"
)

// fakeClock is a clock that moves only when Advance is called.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 4, 5, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// results records what OnResult was called with.
type results struct {
	mu        sync.Mutex
	delivered int
	failed    []string
}

func (r *results) record(ok bool, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok {
		r.delivered++
		return
	}
	r.failed = append(r.failed, reason)
}

func (r *results) snapshot() (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delivered, append([]string(nil), r.failed...)
}

// logBuffer is a bytes.Buffer that the delivery goroutine may write while
// the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger(buf *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newServer starts a recording Slack server that is closed after the
// test.
func newServer(t *testing.T) *slacktest.Server {
	t.Helper()
	srv := slacktest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// newNotifier returns a notifier for cfg, posting to srv's webhook unless
// cfg names a destination, and closes it after the test, before srv.
func newNotifier(t *testing.T, srv *slacktest.Server, cfg Config) *Notifier {
	t.Helper()
	if cfg.WebhookURL == "" && cfg.Token == "" {
		cfg.WebhookURL = srv.WebhookURL()
	}
	if cfg.Logger == nil {
		cfg.Logger = newLogger(&logBuffer{})
	}
	n := New(cfg)
	t.Cleanup(n.Close)
	return n
}

// flush waits for n to deliver everything queued so far.
func flush(t *testing.T, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

// waitUntil polls cond until it is true, and fails the test after 10s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// texts returns the text of each message.
func texts(msgs []slacktest.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}
