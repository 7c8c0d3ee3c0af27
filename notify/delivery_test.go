package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"dts-reconciler/notify/slacktest"
)

// blockTypes returns the "type" of each block in a Block Kit array.
func blockTypes(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var blocks []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatalf("decode blocks %s: %v", raw, err)
	}
	var types []string
	for _, b := range blocks {
		types = append(types, b.Type)
	}
	return types
}

// transports configures a notifier for each way of reaching Slack.
var transports = []struct {
	name      string
	configure func(srv *slacktest.Server, cfg *Config)
	path      string
	channel   string
}{
	{
		name:      "webhook",
		configure: func(srv *slacktest.Server, cfg *Config) { cfg.WebhookURL = srv.WebhookURL() },
		path:      "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
	},
	{
		name: "bot",
		configure: func(srv *slacktest.Server, cfg *Config) {
			srv.RequireToken("xoxb-test-token")
			cfg.Token = "xoxb-test-token"
			cfg.Channel = "#dba-oncall"
			// No final slash: New adds it.
			cfg.APIURL = strings.TrimSuffix(srv.APIURL(), "/")
		},
		path:    "/api/chat.postMessage",
		channel: "#dba-oncall",
	},
}

func TestNotifier_Delivers(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			srv := newServer(t)
			var res results
			cfg := Config{OnResult: res.record}
			tr.configure(srv, &cfg)
			n := newNotifier(t, srv, cfg)

			ev := jobEvent(KindSwitchFinished)
			ev.Result = "task 1234 Finished"
			ev.TaskID = "1234"
			ev.Reason = "orders-b became the primary"
			n.Post(ev)
			flush(t, n)

			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("messages: got %d, want 1", len(msgs))
			}
			m := msgs[0]
			if m.Path != tr.path {
				t.Errorf("path: got %q, want %q", m.Path, tr.path)
			}
			if m.Channel != tr.channel {
				t.Errorf("channel: got %q, want %q", m.Channel, tr.channel)
			}
			if want := render(post{ev: ev}).text; m.Text != want {
				t.Errorf("text:\n%s\nwant:\n%s", m.Text, want)
			}
			gotTypes := blockTypes(t, m.Blocks)
			wantTypes := []string{"header", "section", "section", "context"}
			if !slices.Equal(gotTypes, wantTypes) {
				t.Errorf("block types: got %q, want %q", gotTypes, wantTypes)
			}
			if !strings.Contains(string(m.Blocks), `"text":"Switch finished: dtsexjk1alb116xxxx Forward Source"`) {
				t.Errorf("blocks lack the header text: %s", m.Blocks)
			}
			if delivered, failed := res.snapshot(); delivered != 1 || len(failed) != 0 {
				t.Errorf("results: got %d delivered and %q failed, want 1 and none", delivered, failed)
			}
		})
	}
}

func TestNotifier_BotRejectedToken(t *testing.T) {
	srv := newServer(t)
	srv.RequireToken("xoxb-right")
	var res results
	n := newNotifier(t, srv, Config{Token: "xoxb-wrong", Channel: "#dba", APIURL: srv.APIURL(), OnResult: res.record})

	n.Post(jobEvent(KindSwitchStarted))
	flush(t, n)

	if got := len(srv.Messages()); got != 0 {
		t.Errorf("messages: got %d, want 0", got)
	}
	if _, failed := res.snapshot(); !slices.Equal(failed, []string{ReasonAPIError}) {
		t.Errorf("failures: got %q, want [%s]", failed, ReasonAPIError)
	}
}

func TestNotifier_Failures(t *testing.T) {
	tests := []struct {
		name         string
		misbehave    func(srv *slacktest.Server)
		timeout      time.Duration
		wantRequests int
		wantMessages int
		wantFailed   []string
	}{
		{
			name:         "429_retry_after",
			misbehave:    func(srv *slacktest.Server) { srv.RateLimit(1, "1") },
			wantRequests: 2,
			wantMessages: 1,
		},
		{
			name:         "429_without_retry_after",
			misbehave:    func(srv *slacktest.Server) { srv.RateLimit(1, "") },
			wantRequests: 1,
			wantFailed:   []string{ReasonRateLimited},
		},
		{
			name:         "429_retry_after_too_long",
			misbehave:    func(srv *slacktest.Server) { srv.RateLimit(1, "120") },
			wantRequests: 1,
			wantFailed:   []string{ReasonRateLimited},
		},
		{
			name:         "429_retry_after_not_seconds",
			misbehave:    func(srv *slacktest.Server) { srv.RateLimit(1, "soon") },
			wantRequests: 1,
			wantFailed:   []string{ReasonRateLimited},
		},
		{
			name:         "429_retries_exhausted",
			misbehave:    func(srv *slacktest.Server) { srv.RateLimit(10, "0") },
			wantRequests: 1 + maxRetries,
			wantFailed:   []string{ReasonRateLimited},
		},
		{
			name:         "500_not_retried",
			misbehave:    func(srv *slacktest.Server) { srv.FailNext(1, http.StatusInternalServerError) },
			wantRequests: 1,
			wantFailed:   []string{ReasonHTTPStatus},
		},
		{
			name:         "timeout_not_retried",
			misbehave:    func(srv *slacktest.Server) { srv.Hang(true) },
			timeout:      200 * time.Millisecond,
			wantRequests: 1,
			wantFailed:   []string{ReasonTimeout},
		},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				srv := newServer(t)
				var res results
				cfg := Config{OnResult: res.record, Timeout: tt.timeout}
				tr.configure(srv, &cfg)
				n := newNotifier(t, srv, cfg)
				tt.misbehave(srv)

				start := time.Now()
				n.Post(jobEvent(KindSwitchStarted))
				flush(t, n)
				srv.Hang(false)

				if got := srv.Requests(); got != tt.wantRequests {
					t.Errorf("requests: got %d, want %d", got, tt.wantRequests)
				}
				msgs := srv.Messages()
				if len(msgs) != tt.wantMessages {
					t.Fatalf("messages: got %d, want %d", len(msgs), tt.wantMessages)
				}
				delivered, failed := res.snapshot()
				if delivered != tt.wantMessages {
					t.Errorf("delivered: got %d, want %d", delivered, tt.wantMessages)
				}
				if !slices.Equal(failed, tt.wantFailed) {
					t.Errorf("failures: got %q, want %q", failed, tt.wantFailed)
				}
				// The retry honoured Retry-After: 1 rather than
				// sending at once.
				if tt.name == "429_retry_after" {
					if waited := msgs[0].At.Sub(start); waited < time.Second {
						t.Errorf("retry came %v after the post, want at least 1s", waited)
					}
				}
			})
		}
	}
}

func TestNotifier_HungServerNeverBlocks(t *testing.T) {
	srv := newServer(t)
	n := newNotifier(t, srv, Config{})
	srv.Hang(true)

	// If Post waited on Slack, this loop would never end.
	for range 100 {
		n.Post(jobEvent(KindSwitchStarted))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := n.Flush(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("flush while hung: got %v, want %v", err, context.DeadlineExceeded)
	}

	// Nothing was lost: once Slack responds, every message goes out.
	srv.Hang(false)
	flush(t, n)
	if got := len(srv.Messages()); got != 100 {
		t.Errorf("messages: got %d, want 100", got)
	}
}

func TestNotifier_QueueFullDrops(t *testing.T) {
	srv := newServer(t)
	var res results
	var logs logBuffer
	n := newNotifier(t, srv, Config{QueueSize: 2, OnResult: res.record, Logger: newLogger(&logs)})
	srv.Hang(true)

	// The first message is in flight, the next two fill the queue and
	// the last three are dropped.
	n.Post(jobEvent(KindSwitchStarted))
	waitUntil(t, "the first request", func() bool { return srv.Requests() == 1 })
	for range 5 {
		n.Post(jobEvent(KindSwitchFinished))
	}

	if got := n.Dropped(); got != 3 {
		t.Errorf("Dropped: got %d, want 3", got)
	}
	if _, failed := res.snapshot(); !slices.Equal(failed, []string{ReasonQueueFull, ReasonQueueFull, ReasonQueueFull}) {
		t.Errorf("failures: got %q, want three %s", failed, ReasonQueueFull)
	}
	if got := strings.Count(logs.String(), "slack queue full"); got != 1 {
		t.Errorf("queue-full warnings: got %d, want 1 (rate-limited)", got)
	}

	srv.Hang(false)
	flush(t, n)
	if got := len(srv.Messages()); got != 3 {
		t.Errorf("messages: got %d, want 3", got)
	}
}

func TestNotifier_DroppedConditionIsRetried(t *testing.T) {
	srv := newServer(t)
	n := newNotifier(t, srv, Config{QueueSize: 1})
	srv.Hang(true)

	n.Post(jobEvent(KindSwitchStarted))
	waitUntil(t, "the first request", func() bool { return srv.Requests() == 1 })
	n.Post(jobEvent(KindSwitchStarted)) // fills the queue
	n.Condition("split_brain", unsafeEvent("split_brain"))
	if got := n.Dropped(); got != 1 {
		t.Fatalf("Dropped: got %d, want 1", got)
	}

	srv.Hang(false)
	flush(t, n)
	n.Condition("split_brain", unsafeEvent("split_brain"))
	flush(t, n)

	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("messages: got %d, want 3", len(msgs))
	}
	if got := msgs[2].Text; !strings.HasPrefix(got, "Cluster unsafe: orders") {
		t.Errorf("last message: got %q, want the condition", got)
	}
}

func TestNotifier_CloseWhileHung(t *testing.T) {
	srv := newServer(t)
	var res results
	n := newNotifier(t, srv, Config{Timeout: 200 * time.Millisecond, OnResult: res.record})
	srv.Hang(true)

	for range 3 {
		n.Post(jobEvent(KindSwitchStarted))
	}
	n.Close() // must return although Slack never responds

	delivered, failed := res.snapshot()
	if delivered != 0 {
		t.Errorf("delivered: got %d, want 0", delivered)
	}
	if len(failed) != 3 {
		t.Fatalf("failures: got %q, want 3", failed)
	}
	for _, reason := range failed {
		if reason != ReasonTimeout && reason != ReasonClosed {
			t.Errorf("failure reason: got %q, want %s or %s", reason, ReasonTimeout, ReasonClosed)
		}
	}
}
