package reconcile

import (
	"context"
	"slices"
	"testing"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

func TestTick_InSyncMakesNoCall(t *testing.T) {
	h := newHarness(t, nil)
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if got := endpointState(rep, "job1", dts.Forward, dts.Source); got != StateInSync {
		t.Errorf("Forward/Source state = %q, want %q", got, StateInSync)
	}
	if got := h.notifier.postKinds(); len(got) != 0 {
		t.Errorf("posts = %v, want none", got)
	}
	if !h.observer.has("job job1 Forward drift=false") {
		t.Errorf("observer lines %q lack the job check", h.observer.lines)
	}
}

func TestTick_OneWaySourceDrift(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Jobs[0].SourceOwnerID = "1234567890"
		c.Jobs[0].SourceRole = "dts-role"
	})
	h.failover("orders", "orders-b")
	rep := h.tick()
	wantExit(t, rep, ExitInSync)

	if len(h.dts.switches) != 1 {
		t.Fatalf("switch calls = %d, want 1", len(h.dts.switches))
	}
	want := dts.SwitchRequest{
		RegionID: "cn-shanghai", JobID: "job1", Direction: dts.Forward, EndpointType: dts.Source,
		Endpoint:      dts.Endpoint{InstanceType: "ECS", InstanceID: "i-b", Port: "3306"},
		SourceOwnerID: "1234567890", SourceRole: "dts-role",
	}
	if got := h.dts.switches[0]; got != want {
		t.Errorf("switch request = %+v, want %+v", got, want)
	}
	if got := endpointState(rep, "job1", dts.Forward, dts.Source); got != StateSwitched {
		t.Errorf("Forward/Source state = %q, want %q", got, StateSwitched)
	}
	wantKinds := []notify.Kind{notify.KindSwitchStarted, notify.KindSwitchFinished}
	if got := h.notifier.postKinds(); !slices.Equal(got, wantKinds) {
		t.Errorf("posts = %v, want %v", got, wantKinds)
	}
	drift := h.notifier.conditionsOf(notify.KindDrift)
	if len(drift) != 1 || drift[0].state != "drift:orders-a->orders-b" || drift[0].ev.Key != "job/job1/Forward/Source" {
		t.Errorf("drift conditions = %+v, want one drift:orders-a->orders-b on job/job1/Forward/Source", drift)
	}
	if !h.notifier.clearedKey("job/job1/Forward/Source") {
		t.Errorf("drift condition of job/job1/Forward/Source not cleared after the switch")
	}
	post := h.notifier.posts[0]
	if post.Old.Name != "orders-a" || post.New.Name != "orders-b" || post.New.Identity != "id-orders-b" || post.TaskID != "task-1" {
		t.Errorf("started event = %+v, want old orders-a, new orders-b (id-orders-b), task task-1", post)
	}
	if !h.observer.has("switch job1 Forward finished") {
		t.Errorf("observer lines %q lack the finished switch", h.observer.lines)
	}
}

func TestTick_TwoWaySwitchOrder(t *testing.T) {
	tests := []struct {
		name      string
		job       config.Job
		cluster   string
		primary   string
		want      []string
		wantTypes [][2]string
	}{
		{
			name:    "source_side",
			job:     config.Job{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true},
			cluster: "orders", primary: "orders-b",
			want: []string{"switch job2 Forward/Source i-b", "switch job2 Reverse/Destination i-b"},
		},
		{
			name:    "destination_side",
			job:     config.Job{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true},
			cluster: "reports", primary: "reports-b",
			want: []string{"switch job2 Forward/Destination 203.0.113.12", "switch job2 Reverse/Source 203.0.113.12"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *config.Config) { c.Jobs = []config.Job{tt.job} })
			h.failover(tt.cluster, tt.primary)
			rep := h.tick()
			wantExit(t, rep, ExitInSync)
			wantLines(t, "switch calls", h.switchLines(), tt.want)
			if got := h.dts.finishedBeforeSwitch; !slices.Equal(got, []bool{true, true}) {
				t.Errorf("earlier tasks finished before each switch = %v, want [true true]", got)
			}
			// The second call comes only after the first task was polled Finished.
			calls := h.dts.calls()
			first := slices.Index(calls, "status task-1 Finished")
			second := slices.Index(calls, tt.want[1])
			if first < 0 || second < first {
				t.Errorf("calls = %q: second switch at %d, first task Finished at %d", calls, second, first)
			}
			if len(h.engine.store.data.InFlight) != 0 {
				t.Errorf("in-flight tasks after the switch = %+v, want none", h.engine.store.data.InFlight)
			}
		})
	}
}

func TestTick_TwoWayDestinationSwitchFields(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Jobs = []config.Job{{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true}}
	})
	h.failover("reports", "reports-b")
	h.tick()
	want := dts.Endpoint{InstanceType: "LocalInstance", IP: "203.0.113.12", Port: "3306"}
	for i, req := range h.dts.switches {
		if req.Endpoint != want {
			t.Errorf("switch %d endpoint = %+v, want %+v", i, req.Endpoint, want)
		}
	}
	if got := h.dts.endpoint("job2", dts.Reverse, dts.Source); got != want {
		t.Errorf("Reverse/Source after the switch = %+v, want %+v", got, want)
	}
}

func TestTick_BothSidesSourceFirst(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Jobs = []config.Job{{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true}}
	})
	h.failover("orders", "orders-b")
	h.failover("reports", "reports-b")
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	wantLines(t, "switch calls", h.switchLines(), []string{
		"switch job2 Forward/Source i-b",
		"switch job2 Reverse/Destination i-b",
		"switch job2 Forward/Destination 203.0.113.12",
		"switch job2 Reverse/Source 203.0.113.12",
	})
}

func TestTick_SecondTickMakesNoCall(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Jobs = []config.Job{{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true}}
	})
	h.failover("orders", "orders-b")
	h.tick()
	before := h.dts.switchCount()
	posts := len(h.notifier.posts)
	h.clock.advance(10 * 60e9)
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	if got := h.dts.switchCount(); got != before {
		t.Errorf("switch calls after the second tick = %d, want %d", got, before)
	}
	if got := len(h.notifier.posts); got != posts {
		t.Errorf("posts after the second tick = %d, want %d", got, posts)
	}
}

func TestTick_DryRun(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.DryRun = true })
	h.failover("orders", "orders-b")
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls in dry-run = %d, want 0", got)
	}
	if !rep.DryRun {
		t.Errorf("report DryRun = false, want true")
	}
	drift := h.notifier.conditionsOf(notify.KindDrift)
	if len(drift) != 1 || !drift[0].ev.DryRun {
		t.Errorf("drift conditions = %+v, want one with DryRun set", drift)
	}
	if got := endpointState(rep, "job1", dts.Forward, dts.Source); got != StateDrift {
		t.Errorf("Forward/Source state = %q, want %q", got, StateDrift)
	}
	if len(rep.Jobs) != 1 || len(rep.Jobs[0].Calls) != 1 || rep.Jobs[0].Calls[0].Result != "planned" {
		t.Errorf("calls = %+v, want one planned call", rep.Jobs)
	}
	if got := len(h.prober.locks); got != 0 {
		t.Errorf("locks taken in dry-run = %d, want 0", got)
	}
}

func TestTick_DryRunInSync(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.DryRun = true })
	wantExit(t, h.tick(), ExitInSync)
}

func TestTick_EndpointMatchingNoNode(t *testing.T) {
	h := newHarness(t, nil)
	h.dts.setEndpoint("job1", dts.Forward, dts.Source, dts.Endpoint{InstanceType: "ECS", InstanceID: "i-zzz", Port: "3306"})
	h.failover("orders", "orders-b")
	rep := h.tick()
	wantExit(t, rep, ExitUnknown)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	unsafe := h.notifier.conditionsOf(notify.KindUnsafe)
	if len(unsafe) != 1 || unsafe[0].ev.Key != "job/job1/Forward/Source" {
		t.Fatalf("unsafe conditions = %+v, want one on job/job1/Forward/Source", unsafe)
	}
	if want := "no_match:ECS i-zzz :3306"; unsafe[0].state != want {
		t.Errorf("condition state = %q, want %q", unsafe[0].state, want)
	}
}

func TestTick_UnsafeVerdictMakesNoCall(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(h *harness)
	}{
		{name: "no_primary", prepare: func(h *harness) { h.failover("orders", "none") }},
		{name: "split_brain", prepare: func(h *harness) {
			h.prober.set("orders-b", true)
		}},
		{name: "primary_unreachable", prepare: func(h *harness) {
			h.failover("orders", "orders-b")
			h.prober.nodes["orders-b"].down = true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			tt.prepare(h)
			rep := h.tick()
			wantExit(t, rep, ExitUnknown)
			if got := h.dts.switchCount(); got != 0 {
				t.Errorf("switch calls = %d, want 0", got)
			}
			unsafe := h.notifier.conditionsOf(notify.KindUnsafe)
			if len(unsafe) != 1 || unsafe[0].ev.Key != "cluster/orders" {
				t.Errorf("unsafe conditions = %+v, want one on cluster/orders", unsafe)
			}
		})
	}
}

func TestTick_DTSReadError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantText string
	}{
		{name: "not_found", err: &dts.APIError{Code: "InvalidJobId.NotFound", RequestID: "req-9"}, wantText: "check the job id"},
		{name: "throttled", err: &dts.APIError{Code: "Throttling.User", HTTPStatus: 400, RequestID: "req-8"}, wantText: "Throttling.User"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.failover("orders", "orders-b")
			h.dts.describeErr = func(int, string, dts.Direction) error { return tt.err }
			rep := h.tick()
			wantExit(t, rep, ExitUnknown)
			if got := h.dts.switchCount(); got != 0 {
				t.Errorf("switch calls = %d, want 0", got)
			}
			if got := rep.Jobs[0].Reason; !contains(got, tt.wantText) {
				t.Errorf("job reason = %q, want it to contain %q", got, tt.wantText)
			}
			if logs := h.logs.String(); !contains(logs, "request_id="+tt.err.(*dts.APIError).RequestID) {
				t.Errorf("logs lack the request id:\n%s", logs)
			}
		})
	}
}

func TestTick_PanicIsRecovered(t *testing.T) {
	h := newHarness(t, nil)
	h.dts.describeErr = func(int, string, dts.Direction) error { panic("boom in the fake") }
	rep := h.tick()
	wantExit(t, rep, ExitUnknown)
	if !contains(rep.Error, "boom in the fake") {
		t.Errorf("report error = %q, want the panic", rep.Error)
	}
	if logs := h.logs.String(); !contains(logs, "tick panicked") || !contains(logs, "stack=") {
		t.Errorf("logs lack the panic and its stack:\n%s", logs)
	}
	if !h.observer.has("tick ok=false") {
		t.Errorf("observer lines %q lack a failed tick", h.observer.lines)
	}
	// The engine keeps working after a panic.
	h.dts.describeErr = nil
	wantExit(t, h.tick(), ExitInSync)
}

// TestTick_UnsafeClusterTickIsOK checks that a tick that ran to its end is
// ok for readiness even when it found a cluster without a primary, and
// that a cancelled one is not.
func TestTick_UnsafeClusterTickIsOK(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "")
	wantExit(t, h.tick(), ExitUnknown)
	if !h.observer.has("tick ok=true") {
		t.Errorf("observer lines %q, want an ok tick", h.observer.lines)
	}

	h.failover("orders", "orders-b")
	ctx, cancel := context.WithCancel(context.Background())
	h.dts.onStatus = func(string) { cancel() }
	rep := h.engine.Tick(ctx)
	if rep.Error == "" {
		t.Errorf("report error is empty after a cancelled tick, want the cancellation")
	}
	if !h.observer.has("tick ok=false") {
		t.Errorf("observer lines %q, want a tick that is not ok", h.observer.lines)
	}
}
