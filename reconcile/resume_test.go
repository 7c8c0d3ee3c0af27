package reconcile

import (
	"context"
	"slices"
	"testing"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

// halfDone prepares a two-way switch of job2 to orders-b whose first call
// (Forward/Source, task t-first) was accepted by DTS before a crash: the
// state file lists the task with the Reverse/Destination call remaining.
func halfDone(t *testing.T, firstStatuses []string, finishedRecorded bool) *harness {
	t.Helper()
	h := newHarness(t, twoWayJob)
	h.failover("orders", "orders-b")
	h.dts.tasks["t-first"] = &fakeTask{
		req: dts.SwitchRequest{JobID: "job2", Direction: dts.Forward, EndpointType: dts.Source,
			Endpoint: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-b", Port: "3306"}},
		statuses: firstStatuses,
	}
	if finishedRecorded {
		h.dts.setEndpoint("job2", dts.Forward, dts.Source, epOrdersB)
	}
	s := &store{path: h.cfg.StateFile, data: stateData{Version: stateVersion}}
	s.putInFlight(inFlightTask{
		Plan: "job2/source/1", JobID: "job2", RegionID: "cn-hangzhou", TaskID: "t-first", StartedAt: t0,
		Finished: finishedRecorded,
		Step: step{Direction: dts.Forward, EndpointType: dts.Source, Cluster: "orders",
			TargetNode: "orders-b", TargetIdentity: "id-orders-b", FromNode: "orders-a", FromIdentity: "id-orders-a"},
		Remaining: []step{{Direction: dts.Reverse, EndpointType: dts.Destination, Cluster: "orders",
			TargetNode: "orders-b", TargetIdentity: "id-orders-b", FromNode: "orders-a", FromIdentity: "id-orders-a"}},
	})
	if err := s.save(); err != nil {
		t.Fatalf("save state: %v", err)
	}
	return h
}

func TestResume_FinishesHalfDoneTwoWaySwitch(t *testing.T) {
	tests := []struct {
		name             string
		firstStatuses    []string
		finishedRecorded bool
		wantFirstPolled  bool
	}{
		{name: "first_task_already_finished", firstStatuses: []string{dts.TaskFinished}, wantFirstPolled: true},
		{name: "first_task_still_running", firstStatuses: []string{dts.TaskSwitching, dts.TaskSwitching, dts.TaskFinished}, wantFirstPolled: true},
		{name: "finish_recorded_before_crash", firstStatuses: []string{dts.TaskFinished}, finishedRecorded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := halfDone(t, tt.firstStatuses, tt.finishedRecorded)
			if err := h.open().Resume(context.Background()); err != nil {
				t.Fatalf("Resume: %v", err)
			}
			wantLines(t, "switch calls", h.switchLines(), []string{"switch job2 Reverse/Destination i-b"})
			if got := slices.Contains(h.dts.calls(), "status t-first Finished"); got != tt.wantFirstPolled {
				t.Errorf("first task polled = %v, want %v (calls %q)", got, tt.wantFirstPolled, h.dts.calls())
			}
			if n := len(h.engine.store.data.InFlight); n != 0 {
				t.Errorf("in-flight tasks after Resume = %d, want 0", n)
			}
			want := epOrdersB
			if got := h.dts.endpoint("job2", dts.Reverse, dts.Destination); got != (dts.Endpoint{InstanceType: "ECS", InstanceID: "i-b", Port: "3306"}) {
				t.Errorf("Reverse/Destination after Resume = %+v, want %+v", got, want)
			}
			if got := len(h.prober.locks); got != 1 {
				t.Errorf("locks taken = %d, want 1", got)
			}
			// The next tick finds the job in sync and calls nothing.
			wantExit(t, h.tick(), ExitInSync)
			if got := h.dts.switchCount(); got != 1 {
				t.Errorf("switch calls after the next tick = %d, want 1", got)
			}
		})
	}
}

func TestResume_DropsRemainingWhenPrimaryMoved(t *testing.T) {
	h := halfDone(t, []string{dts.TaskFinished}, false)
	h.failover("orders", "orders-c")
	if err := h.open().Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	wantKinds := []notify.Kind{notify.KindSwitchFinished, notify.KindSwitchFailed}
	if got := h.notifier.postKinds(); !slices.Equal(got, wantKinds) {
		t.Errorf("posts = %v, want %v", got, wantKinds)
	}
	if got := h.notifier.posts[1].Reason; !contains(got, "orders-c") {
		t.Errorf("drop reason = %q, want it to name the new primary", got)
	}
	if n := len(h.engine.store.data.InFlight); n != 0 {
		t.Errorf("in-flight tasks = %d, want 0", n)
	}
}

func TestResume_FailedTask(t *testing.T) {
	h := halfDone(t, []string{dts.TaskFailed}, false)
	if err := h.open().Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	hist := h.engine.store.data.History
	if len(hist) != 1 || hist[0].Result != resultFailed || hist[0].TaskID != "t-first" {
		t.Errorf("history = %+v, want one failed entry for t-first", hist)
	}
}

func TestResume_UnknownTaskIsDropped(t *testing.T) {
	h := halfDone(t, []string{dts.TaskFinished}, false)
	delete(h.dts.tasks, "t-first")
	if err := h.open().Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if n := len(h.engine.store.data.InFlight); n != 0 {
		t.Errorf("in-flight tasks = %d, want 0", n)
	}
	// DTS may have switched before it forgot the task.
	if got, want := h.notifier.postKinds(), []notify.Kind{notify.KindSwitchUnknown}; !slices.Equal(got, want) {
		t.Errorf("posts = %v, want %v", got, want)
	}
}

func TestResume_TimeoutKeepsTask(t *testing.T) {
	h := halfDone(t, []string{dts.TaskSwitching}, false)
	if err := h.open().Resume(context.Background()); err == nil {
		t.Errorf("Resume error = nil, want the task that has not ended")
	}
	if n := len(h.engine.store.data.InFlight); n != 1 {
		t.Errorf("in-flight tasks = %d, want 1", n)
	}
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
}

func TestResume_DryRunDoesNothing(t *testing.T) {
	h := halfDone(t, []string{dts.TaskFinished}, false)
	h.cfg.DryRun = true
	if err := h.open().Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if got := h.dts.calls(); len(got) != 0 {
		t.Errorf("dts calls in dry-run = %q, want none", got)
	}
}

func TestTick_FollowsTaskOfEarlierTick(t *testing.T) {
	// The first tick times out on the first call. By the next tick the task
	// has finished, so that tick makes the second call without a new plan.
	h := newHarness(t, func(c *config.Config) {
		twoWayJob(c)
		c.Safety.Confirmations = 3
	})
	h.dts.taskStatuses = func(n int) []string {
		if n == 1 {
			return []string{dts.TaskSwitching}
		}
		return []string{dts.TaskFinished}
	}
	h.failover("orders", "orders-b")
	wantExit(t, h.tick(), ExitDrift)

	h.dts.tasks["task-1"].statuses = []string{dts.TaskFinished}
	probes := h.prober.probeCount()
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	wantLines(t, "switch calls", h.switchLines(), []string{
		"switch job2 Forward/Source i-b",
		"switch job2 Reverse/Destination i-b",
	})
	// One probe to check the primary before the rest of the switch, one for
	// the tick itself: no confirmation re-probes.
	if got := h.prober.probeCount() - probes; got != 2 {
		t.Errorf("probe calls in the second tick = %d, want 2", got)
	}
	if got := len(rep.Jobs[0].Calls); got != 1 || rep.Jobs[0].Calls[0].Result != resultFinished {
		t.Errorf("calls in the report = %+v, want the finished second call", rep.Jobs[0].Calls)
	}
}

func TestTick_FollowInFlightOutcomes(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []string
		remove       bool
		wantInFlight int
		wantSwitches []string
		wantHistory  string
	}{
		{name: "finished_continues", statuses: []string{dts.TaskFinished}, wantInFlight: 0,
			wantSwitches: []string{"switch job2 Reverse/Destination i-b"}, wantHistory: resultFinished},
		// A failed first half starts the cooldown: this tick makes no call.
		{name: "failed_stops", statuses: []string{dts.TaskFailed}, wantInFlight: 0, wantHistory: resultFailed},
		{name: "running_holds", statuses: []string{dts.TaskSwitching}, wantInFlight: 1},
		{name: "unknown_task_dropped", remove: true, wantInFlight: 0, wantHistory: resultUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := halfDone(t, tt.statuses, false)
			if tt.remove {
				delete(h.dts.tasks, "t-first")
			}
			rep := h.tick()
			wantLines(t, "switch calls", h.switchLines(), tt.wantSwitches)
			if n := len(h.engine.store.data.InFlight); n != tt.wantInFlight {
				t.Errorf("in-flight tasks = %d, want %d", n, tt.wantInFlight)
			}
			hist := h.engine.store.data.History
			if tt.wantHistory != "" && (len(hist) == 0 || hist[0].Result != tt.wantHistory) {
				t.Errorf("history = %+v, want first entry %q", hist, tt.wantHistory)
			}
			if tt.wantSwitches == nil {
				wantExit(t, rep, ExitDrift)
			}
		})
	}
}
