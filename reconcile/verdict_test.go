package reconcile

import (
	"context"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// decideAs returns a decide function that gives the verdict kind for the
// orders cluster and defers to fakeDecide otherwise.
func decideAs(kind probe.VerdictKind) func(string, []probe.Status, map[string]string) probe.Verdict {
	return func(cluster string, statuses []probe.Status, prev map[string]string) probe.Verdict {
		if cluster != "orders" {
			return fakeDecide(cluster, statuses, prev)
		}
		v := probe.Verdict{Cluster: cluster, Kind: kind, Reason: "decided " + string(kind)}
		for _, st := range statuses {
			if !st.Answered() {
				v.Unanswered = append(v.Unanswered, st)
			}
		}
		return v
	}
}

func TestTick_EachUnsafeVerdict(t *testing.T) {
	tests := []struct {
		kind      probe.VerdictKind
		prepare   func(h *harness)
		wantState string
	}{
		{kind: probe.VerdictNoPrimary, wantState: "no_primary",
			prepare: func(h *harness) { h.failover("orders", "none") }},
		{kind: probe.VerdictSplitBrain, wantState: "split_brain:orders-a,orders-b",
			prepare: func(h *harness) { h.prober.set("orders-b", true) }},
		{kind: probe.VerdictDuplicateIdentity, wantState: "duplicate_identity:orders-a,orders-c",
			prepare: func(h *harness) { h.prober.nodes["orders-c"].identity = "id-orders-a" }},
		{kind: probe.VerdictReplicatingPrimary, wantState: "writable_replica:orders-a,orders-b",
			prepare: func(h *harness) {
				h.failover("orders", "orders-b")
				h.prober.nodes["orders-a"].down = true
			}},
		{kind: probe.VerdictReplicaNotApplying, wantState: "replica_not_applying:orders-b",
			prepare: func(h *harness) { h.failover("orders", "orders-b") }},
		{kind: probe.VerdictIdentityChanged, wantState: "identity_changed:orders-c",
			prepare: func(h *harness) { h.prober.nodes["orders-c"].identity = "id-someone-else" }},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			h := newHarness(t, nil)
			// A first tick records the identities; the problem appears after it.
			wantExit(t, h.tick(), ExitInSync)
			tt.prepare(h)
			h.engine.decide = decideAs(tt.kind)
			rep := h.tick()
			wantExit(t, rep, ExitUnknown)
			if got := h.dts.switchCount(); got != 0 {
				t.Errorf("switch calls = %d, want 0", got)
			}
			unsafe := h.notifier.conditionsOf(notify.KindUnsafe)
			if len(unsafe) != 1 {
				t.Fatalf("unsafe conditions = %+v, want 1", unsafe)
			}
			if unsafe[0].state != tt.wantState {
				t.Errorf("condition state = %q, want %q", unsafe[0].state, tt.wantState)
			}
			// The verdict's reason already ends with what to check; the
			// engine passes it on unchanged.
			if want := "decided " + string(tt.kind); unsafe[0].ev.Reason != want {
				t.Errorf("condition reason = %q, want %q", unsafe[0].ev.Reason, want)
			}
			if rep.Clusters[0].Verdict != string(tt.kind) {
				t.Errorf("cluster verdict = %q, want %q", rep.Clusters[0].Verdict, tt.kind)
			}
			// Back to a single primary: the condition clears.
			h.engine.decide = fakeDecide
			h.failover("orders", "orders-a")
			h.prober.nodes["orders-a"].down = false
			h.prober.nodes["orders-c"].identity = "id-orders-c"
			h.tick()
			if !h.notifier.clearedKey("cluster/orders") {
				t.Errorf("cluster condition not cleared")
			}
		})
	}
}

func TestTick_UnknownSideBlocksPlan(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.failover("orders", "orders-b")
	// The reverse direction cannot be read: the source side's second call
	// could not be planned, so neither call is made.
	h.dts.describeErr = func(_ int, _ string, dir dts.Direction) error {
		if dir == dts.Reverse {
			return &dts.APIError{Code: "InternalError", HTTPStatus: 500}
		}
		return nil
	}
	rep := h.tick()
	wantExit(t, rep, ExitUnknown)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if got := endpointState(rep, "job2", dts.Forward, dts.Source); got != StateDrift {
		t.Errorf("Forward/Source state = %q, want %q", got, StateDrift)
	}
}

func TestTick_SwitchNotConfirmed(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	// DTS reports the task Finished but keeps pointing at the old node.
	h.dts.onStatus = func(taskID string) {
		h.dts.mu.Lock()
		h.dts.tasks[taskID].applied = true
		h.dts.mu.Unlock()
	}
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	if got := endpointState(rep, "job1", dts.Forward, dts.Source); got != StateFailed {
		t.Errorf("Forward/Source state = %q, want %q", got, StateFailed)
	}
	if h.notifier.clearedKey("job/job1/Forward/Source") {
		t.Errorf("drift condition cleared although DTS still points at the old node")
	}
}

func TestTick_CancelBetweenTwoWayCalls(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.failover("orders", "orders-b")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.dts.onStatus = func(string) {
		h.dts.mu.Lock()
		done := h.dts.tasks["task-1"].polls >= 1
		h.dts.mu.Unlock()
		if done {
			cancel()
		}
	}
	h.open().Tick(ctx)
	wantLines(t, "switch calls", h.switchLines(), []string{"switch job2 Forward/Source i-b"})
	data, err := loadState(h.cfg.StateFile)
	if err != nil {
		t.Fatalf("loadState: %v", err)
	}
	if len(data.InFlight) != 1 || !data.InFlight[0].Finished || len(data.InFlight[0].Remaining) != 1 {
		t.Fatalf("in-flight on disk = %+v, want the finished first call with one call remaining", data.InFlight)
	}

	// The next start makes the second call only.
	h.dts.onStatus = nil
	if err := h.reopen().Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	wantLines(t, "switch calls", h.switchLines(), []string{
		"switch job2 Forward/Source i-b",
		"switch job2 Reverse/Destination i-b",
	})
}

func TestResume_WaitsForLock(t *testing.T) {
	h := halfDone(t, []string{dts.TaskFinished}, false)
	h.prober.tryLock = func(probe.Target, string) (func(), bool, error) { return nil, false, nil }
	if err := h.open().Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if n := len(h.engine.store.data.InFlight); n != 1 {
		t.Errorf("in-flight tasks = %d, want 1 kept for a later try", n)
	}
}

func TestNew_Defaults(t *testing.T) {
	cfg := testConfig(t)
	if _, err := New(nil, Deps{}); err == nil {
		t.Errorf("New(nil) error = nil, want one")
	}
	if _, err := New(cfg, Deps{DTS: newFakeDTS()}); err == nil {
		t.Errorf("New without a prober: error = nil, want one")
	}
	if _, err := New(cfg, Deps{Prober: &fakeProber{}}); err == nil {
		t.Errorf("New without a DTS client: error = nil, want one")
	}
	h := newHarness(t, nil)
	e, err := New(cfg, Deps{Prober: h.prober, DTS: h.dts})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.decide = fakeDecide
	wantExit(t, e.Tick(context.Background()), ExitInSync)
}

func TestRealClock(t *testing.T) {
	c := NewClock()
	if c.Now().IsZero() {
		t.Errorf("Now() is zero")
	}
	if err := c.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err == nil {
		t.Errorf("Sleep on a cancelled context: error = nil, want one")
	}
}
