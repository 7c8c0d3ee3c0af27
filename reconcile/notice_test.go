package reconcile

import (
	"context"
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/notify"
	"dts-reconciler/notify/slacktest"
)

// flapJobs has a one-way and a two-way job on orders, so that a change of
// its primary touches three endpoints.
func flapJobs(c *config.Config) {
	c.Safety.Confirmations = 2
	c.Safety.ConfirmInterval = 300 * time.Millisecond
	c.Jobs = []config.Job{
		{ID: "job1", Source: "orders"},
		{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true},
	}
}

// TestTick_FlapPostsNothing makes orders-b the only writable node for one
// probe: the confirmation re-probe finds orders-a again. Slack, through
// the real notifier, gets no message about it, neither then nor when the
// next ticks find every job in sync.
func TestTick_FlapPostsNothing(t *testing.T) {
	srv := slacktest.NewServer()
	defer srv.Close()
	h := newHarness(t, flapJobs)
	n := notify.New(notify.Config{WebhookURL: srv.WebhookURL(), Now: h.clock.Now, Timeout: 5 * time.Second})
	defer n.Close()
	h.notifier = nil
	e, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts, Notifier: n, Clock: h.clock, Logger: newTestLogger(h.logs)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer e.Close()
	e.decide = fakeDecide

	h.failover("orders", "orders-b")
	h.prober.beforeProbe = func(call int) {
		if call == 2 {
			h.failover("orders", "orders-a")
		}
	}
	wantExit(t, e.Tick(context.Background()), ExitDrift)
	for range 2 {
		h.clock.advance(10 * time.Second)
		wantExit(t, e.Tick(context.Background()), ExitInSync)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	for _, m := range srv.Messages() {
		t.Errorf("slack message after a rejected flap:\n%s", m.Text)
	}
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if got := countLines(h.logs.String(), "guard=unconfirmed"); got != 2 {
		t.Errorf("log lines about the unconfirmed primary = %d, want 2 (one per job):\n%s", got, h.logs)
	}
}

// TestTick_DriftToldOnceConfirmed checks that the drift condition is
// raised when the confirmation agrees, and also in dry-run, where no
// confirmation runs.
func TestTick_DriftToldOnceConfirmed(t *testing.T) {
	tests := []struct {
		name      string
		flap      bool
		dryRun    bool
		wantDrift int
	}{
		{name: "confirmed", wantDrift: 3},
		{name: "flap", flap: true, wantDrift: 0},
		{name: "dry_run", dryRun: true, wantDrift: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *config.Config) {
				flapJobs(c)
				c.DryRun = tt.dryRun
			})
			h.failover("orders", "orders-b")
			h.prober.beforeProbe = func(call int) {
				if call == 2 && tt.flap {
					h.failover("orders", "orders-a")
				}
			}
			h.tick()
			if got := len(h.notifier.conditionsOf(notify.KindDrift)); got != tt.wantDrift {
				t.Errorf("drift conditions = %d, want %d", got, tt.wantDrift)
			}
			if got := heldStates(h.notifier); len(got) != 0 {
				t.Errorf("held conditions = %q, want none", got)
			}
		})
	}
}
