package reconcile

import (
	"context"
	"strings"
	"testing"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

// TestTick_DrainStartsNoNewSwitch calls Drain while the first call of a
// two-way switch runs, as a SIGTERM would. The switch already started makes
// its second call; nothing else is started or checked.
func TestTick_DrainStartsNoNewSwitch(t *testing.T) {
	tests := []struct {
		name      string
		failovers []string // clusters whose second node becomes primary
		// wantNotSwitched is an endpoint that drifted but must not be
		// switched.
		wantNotSwitched []string
	}{
		{
			name:            "next_job_not_checked",
			failovers:       []string{"orders"},
			wantNotSwitched: []string{"job3 Forward/Source"},
		},
		{
			name:            "other_side_not_started",
			failovers:       []string{"orders", "reports"},
			wantNotSwitched: []string{"job2 Forward/Destination", "job2 Reverse/Source", "job3 Forward/Source"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *config.Config) {
				c.Safety.Cooldown = 0
				c.Jobs = []config.Job{
					{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true},
					{ID: "job3", Source: "orders"},
				}
			})
			for _, c := range tt.failovers {
				h.failover(c, c+"-b")
			}
			e := h.open()
			drainedAt := -1
			h.dts.switchErr = func(n int, _ dts.SwitchRequest) error {
				if n == 1 {
					e.Drain()
					drainedAt = len(h.dts.calls())
				}
				return nil
			}
			rep := e.Tick(context.Background())

			wantLines(t, "switch calls", h.switchLines(), []string{
				"switch job2 Forward/Source i-b",
				"switch job2 Reverse/Destination i-b",
			})
			// job3 may have been read while the nodes were probed, before
			// Drain; nothing about it may follow.
			if drainedAt < 0 {
				t.Fatal("Drain was never called")
			}
			for _, l := range h.dts.calls()[drainedAt:] {
				if strings.HasPrefix(l, "describe job3") {
					t.Errorf("call %q after Drain, want job3 left unchecked", l)
					break
				}
			}
			if !contains(rep.Error, "stopping") {
				t.Errorf("report error = %q, want it to say that the daemon is stopping", rep.Error)
			}
			if got := endpointState(rep, "job2", dts.Reverse, dts.Destination); got != StateSwitched {
				t.Errorf("job2 Reverse/Destination state = %q, want %q", got, StateSwitched)
			}
			for _, ep := range tt.wantNotSwitched {
				for _, l := range h.switchLines() {
					if strings.HasPrefix(l, "switch "+ep+" ") {
						t.Errorf("switch call %q after Drain", l)
					}
				}
			}
		})
	}
}

func TestTick_DrainBeforeTickProbesNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	e := h.open()
	e.Drain()
	rep := e.Tick(context.Background())
	if got := h.prober.probeCount(); got != 0 {
		t.Errorf("probe calls = %d, want 0", got)
	}
	if got := h.dts.calls(); len(got) != 0 {
		t.Errorf("DTS calls = %q, want none", got)
	}
	if !contains(rep.Error, "stopping") {
		t.Errorf("report error = %q, want it to say that the daemon is stopping", rep.Error)
	}
}
