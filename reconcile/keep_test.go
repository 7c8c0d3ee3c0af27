package reconcile

import (
	"context"
	"testing"
	"time"

	"dts-reconciler/notify"
	"dts-reconciler/notify/slacktest"
)

// Each run of this test's loop is one `once` process: a new engine and a
// new notifier over the same state file. An unsafe cluster is posted by
// the first run only, and its recovery by the run that sees it clear.
func TestConditions_KeptAcrossRuns(t *testing.T) {
	srv := slacktest.NewServer()
	defer srv.Close()
	h := newHarness(t, nil)

	run := func() {
		t.Helper()
		n := notify.New(notify.Config{WebhookURL: srv.WebhookURL(), Now: h.clock.Now, RemindEvery: time.Hour, Timeout: 5 * time.Second})
		e, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts, Notifier: n, Clock: h.clock, Logger: newTestLogger(h.logs)})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		e.decide = fakeDecide
		e.Tick(context.Background())
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.Flush(ctx); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		n.Close()
		h.clock.advance(time.Minute)
	}

	h.failover("orders", "none")
	for range 3 {
		run()
	}
	if got := len(srv.Messages()); got != 1 {
		t.Fatalf("messages after three runs with no primary = %d, want 1", got)
	}
	h.failover("orders", "orders-a")
	run()
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("messages after the primary came back = %d, want 2", len(msgs))
	}
	if !contains(msgs[1].Text, "Recovered") {
		t.Errorf("second message = %q, want a recovery", msgs[1].Text)
	}
}

// A dry-run engine neither restores nor writes the kept conditions.
func TestConditions_DryRunKeepsNothing(t *testing.T) {
	srv := slacktest.NewServer()
	defer srv.Close()
	h := newHarness(t, nil)
	h.cfg.DryRun = true
	n := notify.New(notify.Config{WebhookURL: srv.WebhookURL(), Now: h.clock.Now, Timeout: 5 * time.Second})
	defer n.Close()
	e, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts, Notifier: n, Clock: h.clock, Logger: newTestLogger(h.logs)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer e.Close()
	e.decide = fakeDecide
	h.failover("orders", "none")
	e.Tick(context.Background())
	if got := len(e.store.data.Conditions); got != 0 {
		t.Errorf("kept conditions in dry-run = %d, want 0", got)
	}
}
