package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

func twoWayJob(c *config.Config) {
	c.Jobs = []config.Job{{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true}}
}

func TestAct_TaskIDWrittenBeforeFirstPoll(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	var onDisk []string
	h.dts.onStatus = func(taskID string) {
		raw, err := os.ReadFile(h.cfg.StateFile)
		if err != nil {
			t.Errorf("read state file at poll of %s: %v", taskID, err)
			return
		}
		var data stateData
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Errorf("decode state file: %v", err)
			return
		}
		for _, task := range data.InFlight {
			onDisk = append(onDisk, task.TaskID)
		}
	}
	h.tick()
	if len(onDisk) == 0 || onDisk[0] != "task-1" {
		t.Errorf("in-flight task ids on disk at the first poll = %q, want [task-1 ...]", onDisk)
	}
	info, err := os.Stat(h.cfg.StateFile)
	if err != nil {
		t.Fatalf("stat state file: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("state file mode = %o, want 600", mode)
	}
}

func TestAct_FailedTaskStopsPlan(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.dts.taskStatuses = func(int) []string { return []string{dts.TaskSwitching, dts.TaskFailed} }
	h.dts.taskError = "cannot connect to the new source"
	h.failover("orders", "orders-b")

	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	wantLines(t, "switch calls", h.switchLines(), []string{"switch job2 Forward/Source i-b"})
	wantKinds := []notify.Kind{notify.KindSwitchStarted, notify.KindSwitchFailed}
	if got := h.notifier.postKinds(); !slices.Equal(got, wantKinds) {
		t.Errorf("posts = %v, want %v", got, wantKinds)
	}
	if got := h.notifier.posts[1].Reason; !contains(got, "cannot connect to the new source") {
		t.Errorf("failed event reason = %q, want DTS's reason", got)
	}
	if got := endpointState(rep, "job2", dts.Reverse, dts.Destination); got != StateFailed {
		t.Errorf("Reverse/Destination state = %q, want %q", got, StateFailed)
	}
	if n := len(h.engine.store.data.InFlight); n != 0 {
		t.Errorf("in-flight tasks = %d, want 0", n)
	}

	// The next tick is within the cooldown: no call, and no new post.
	h.clock.advance(time.Minute)
	rep = h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls after the next tick = %d, want 1", got)
	}
	if got := heldStates(h.notifier); !slices.Equal(got, []string{guardCooldown}) {
		t.Errorf("held conditions = %q, want [%q]", got, guardCooldown)
	}
	if got := len(h.notifier.posts); got != 2 {
		t.Errorf("posts after the next tick = %d, want 2", got)
	}
}

func TestAct_UnknownOutcome(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		twoWayJob(c)
		c.Safety.Cooldown = 0
	})
	h.failover("orders", "orders-b")
	h.failover("reports", "reports-b")
	h.dts.switchErr = func(n int, req dts.SwitchRequest) error {
		if n == 1 {
			return fmt.Errorf("dts switch: read timeout: %w", dts.ErrUnknownOutcome)
		}
		return nil
	}
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls in the tick = %d, want 1: nothing more after an unknown outcome", got)
	}
	if got := h.engine.store.data.History; len(got) != 1 || got[0].Result != resultUnknown {
		t.Errorf("history = %+v, want one unknown entry", got)
	}
	if !h.observer.has("switch job2 Forward unknown") {
		t.Errorf("observer lines %q lack the unknown outcome", h.observer.lines)
	}
	// DTS may have switched: the message must not say that it failed.
	if got, want := h.notifier.postKinds(), []notify.Kind{notify.KindSwitchUnknown}; !slices.Equal(got, want) {
		t.Errorf("posts = %v, want %v", got, want)
	} else if reason := h.notifier.posts[0].Reason; !contains(reason, "DTS is read again before any new call") {
		t.Errorf("unknown outcome reason = %q, want it to say that DTS is read again first", reason)
	}
	if got := heldStates(h.notifier); !slices.Equal(got, []string{guardUnknownOutcome}) {
		t.Errorf("held conditions = %q, want the destination side held [%q]", got, guardUnknownOutcome)
	}

	// The next tick reads the job again before it calls again.
	mark := len(h.dts.calls())
	h.clock.advance(time.Minute)
	h.tick()
	calls := h.dts.calls()[mark:]
	firstSwitch := slices.IndexFunc(calls, func(s string) bool { return strings.HasPrefix(s, "switch ") })
	if firstSwitch < 0 {
		t.Fatalf("calls of the next tick = %q, want a switch", calls)
	}
	if prev := calls[firstSwitch-1]; prev != "describe job2 Forward" {
		t.Errorf("call before the next switch = %q, want the re-read %q", prev, "describe job2 Forward")
	}
}

func TestAct_JobBusyOnSecondCall(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.failover("orders", "orders-b")
	h.dts.switchErr = func(n int, req dts.SwitchRequest) error {
		if n == 2 {
			return &dts.APIError{Action: "SwitchSynchronizationEndpoint", HTTPStatus: 403, Code: dts.CodeJobStatusModifying, RequestID: "req-busy"}
		}
		return nil
	}
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	wantLines(t, "switch calls", h.switchLines(), []string{
		"switch job2 Forward/Source i-b",
		"switch job2 Reverse/Destination i-b",
		"switch job2 Reverse/Destination i-b",
	})
	calls := h.dts.calls()
	busy := slices.Index(calls, "switch job2 Reverse/Destination i-b")
	between := calls[busy+1:]
	retry := slices.Index(between, "switch job2 Reverse/Destination i-b")
	if !slices.Contains(between[:retry], "status task-1 Finished") {
		t.Errorf("calls between the busy refusal and the retry = %q, want a read of task-1", between[:retry])
	}
	if !slices.Contains(h.clock.sleeps, time.Second) {
		t.Errorf("sleeps = %v, want a wait of the confirm interval (1s)", h.clock.sleeps)
	}
}

func TestAct_JobBusyWaitIsAtLeast200ms(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		twoWayJob(c)
		c.Safety.ConfirmInterval = 10 * time.Millisecond
	})
	h.failover("orders", "orders-b")
	h.dts.switchErr = func(n int, req dts.SwitchRequest) error {
		if n == 2 {
			return &dts.APIError{Code: dts.CodeJobStatusModifying}
		}
		return nil
	}
	h.tick()
	if !slices.Contains(h.clock.sleeps, 200*time.Millisecond) {
		t.Errorf("sleeps = %v, want a wait of 200ms", h.clock.sleeps)
	}
}

func TestAct_JobBusyOnFirstCallIsRefused(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.failover("orders", "orders-b")
	h.dts.switchErr = func(int, dts.SwitchRequest) error { return &dts.APIError{Code: dts.CodeJobStatusModifying} }
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls = %d, want 1", got)
	}
	wantKinds := []notify.Kind{notify.KindSwitchFailed}
	if got := h.notifier.postKinds(); !slices.Equal(got, wantKinds) {
		t.Errorf("posts = %v, want %v", got, wantKinds)
	}
	if !h.observer.has("switch job2 Forward refused") {
		t.Errorf("observer lines %q lack the refusal", h.observer.lines)
	}
}

func TestAct_SwitchTimeoutKeepsTaskInFlight(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.dts.taskStatuses = func(int) []string { return []string{dts.TaskSwitching} }
	h.failover("orders", "orders-b")
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls = %d, want 1", got)
	}
	data, err := loadState(h.cfg.StateFile)
	if err != nil {
		t.Fatalf("loadState: %v", err)
	}
	if len(data.InFlight) != 1 || data.InFlight[0].TaskID != "task-1" || len(data.InFlight[0].Remaining) != 1 {
		t.Errorf("in-flight on disk = %+v, want task-1 with one remaining call", data.InFlight)
	}
	if !h.observer.has("switch job2 Forward timeout") {
		t.Errorf("observer lines %q lack the timeout", h.observer.lines)
	}
	// No sleep of the poll loop may pass the switch timeout by much.
	var slept time.Duration
	for _, d := range h.clock.sleeps {
		slept += d
	}
	if slept < time.Minute || slept > time.Minute+maxPoll {
		t.Errorf("time spent polling = %s, want about the switch timeout of 1m", slept)
	}

	// The next tick holds the job while the task runs.
	h.tick()
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls after the next tick = %d, want 1", got)
	}
	if got := heldStates(h.notifier); !slices.Equal(got, []string{guardInFlight}) {
		t.Errorf("held conditions = %q, want [%q]", got, guardInFlight)
	}
}

func TestAct_PollBackoff(t *testing.T) {
	h := newHarness(t, nil)
	h.dts.taskStatuses = func(int) []string {
		return []string{dts.TaskNotStarted, dts.TaskInitializing, dts.TaskSwitching, dts.TaskSwitching, dts.TaskSwitching, dts.TaskSwitching, dts.TaskFinished}
	}
	h.failover("orders", "orders-b")
	h.tick()
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second, 2 * time.Second}
	if got := h.clock.sleeps; !slices.Equal(got, want) {
		t.Errorf("poll delays = %v, want %v", got, want)
	}
}

func TestAct_CancelWhilePolling(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.dts.taskStatuses = func(int) []string { return []string{dts.TaskSwitching} }
	h.failover("orders", "orders-b")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.dts.onStatus = func(string) { cancel() }
	rep := h.open().Tick(ctx)
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls = %d, want 1", got)
	}
	data, err := loadState(h.cfg.StateFile)
	if err != nil {
		t.Fatalf("loadState: %v", err)
	}
	if len(data.InFlight) != 1 || data.InFlight[0].TaskID != "task-1" {
		t.Errorf("in-flight on disk = %+v, want task-1 kept for the next start", data.InFlight)
	}
	if rep.ExitCode() == ExitInSync {
		t.Errorf("ExitCode() = 0 after a cancelled switch, want non-zero")
	}
}

func TestAct_AcceptedWithoutTaskID(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	h.dts.switchErr = nil
	h.engine = nil
	e := h.open()
	e.dts = emptyTaskDTS{h.dts}
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	for _, l := range h.dts.calls() {
		if strings.HasPrefix(l, "status ") {
			t.Errorf("call %q: an empty task id must never be polled", l)
		}
	}
	if got := e.store.data.History; len(got) != 1 || got[0].Result != resultUnknown {
		t.Errorf("history = %+v, want one unknown entry", got)
	}
}

// emptyTaskDTS accepts switch calls without returning a task id.
type emptyTaskDTS struct{ *fakeDTS }

func (d emptyTaskDTS) Switch(ctx context.Context, req dts.SwitchRequest) (dts.SwitchResult, error) {
	d.fakeDTS.Switch(ctx, req)
	return dts.SwitchResult{RequestID: "req-empty"}, nil
}

// TestAct_StatusReadErrorNamesJob makes the first read of the switch
// task's status fail: the warning names the job and endpoint besides the
// task.
func TestAct_StatusReadErrorNamesJob(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	h.open().dts = &statusErrorDTS{fakeDTS: h.dts}
	wantExit(t, h.tick(), ExitInSync)
	line := ""
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if contains(l, `msg="read switch task status"`) {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("logs lack the failed status read:\n%s", h.logs)
	}
	for _, want := range []string{"job=job1", "direction=Forward", "endpoint_type=Source", "task_id=task-1", "code=Throttling"} {
		if !contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
}

// statusErrorDTS fails the first read of a switch task's status.
type statusErrorDTS struct {
	*fakeDTS
	failed bool
}

func (d *statusErrorDTS) SwitchStatus(ctx context.Context, regionID, taskID string) (dts.TaskStatus, error) {
	if !d.failed {
		d.failed = true
		return dts.TaskStatus{}, &dts.APIError{Action: "DescribeEndpointSwitchStatus", HTTPStatus: 400, Code: "Throttling", RequestID: "req-throttled"}
	}
	return d.fakeDTS.SwitchStatus(ctx, regionID, taskID)
}
