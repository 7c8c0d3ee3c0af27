package reconcile

import (
	"errors"
	"slices"
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// heldStates returns the states of the KindHeld conditions raised.
func heldStates(n *fakeNotifier) []string {
	var out []string
	for _, c := range n.conditionsOf(notify.KindHeld) {
		out = append(out, c.state)
	}
	return out
}

func TestGuard_Confirmations(t *testing.T) {
	tests := []struct {
		name       string
		flap       bool
		wantSwitch int
		wantExit   int
	}{
		{name: "agreeing", flap: false, wantSwitch: 1, wantExit: ExitInSync},
		{name: "flapping", flap: true, wantSwitch: 0, wantExit: ExitDrift},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *config.Config) {
				c.Safety.Confirmations = 2
				c.Safety.ConfirmInterval = 700 * time.Millisecond
			})
			h.failover("orders", "orders-b")
			h.prober.beforeProbe = func(n int) {
				if n == 2 && tt.flap {
					h.failover("orders", "orders-a")
				}
			}
			rep := h.tick()
			wantExit(t, rep, tt.wantExit)
			if got := h.dts.switchCount(); got != tt.wantSwitch {
				t.Errorf("switch calls = %d, want %d", got, tt.wantSwitch)
			}
			if got := h.prober.probeCount(); got != 2 {
				t.Errorf("probe calls = %d, want 2 (the tick's probe and one re-probe)", got)
			}
			if got := h.clock.sleeps; len(got) == 0 || got[0] != 700*time.Millisecond {
				t.Errorf("sleeps = %v, want the confirm interval 700ms first", got)
			}
			if tt.flap {
				// An unconfirmed primary is logged, not posted.
				if got := heldStates(h.notifier); len(got) != 0 {
					t.Errorf("held conditions = %q, want none", got)
				}
				if !contains(h.logs.String(), "guard="+guardConfirm) {
					t.Errorf("logs lack the %s guard:\n%s", guardConfirm, h.logs)
				}
			}
		})
	}
}

func TestGuard_ConfirmationsOneMeansNoReprobe(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	h.tick()
	if got := h.prober.probeCount(); got != 1 {
		t.Errorf("probe calls = %d, want 1", got)
	}
}

func TestGuard_CooldownAndBudget(t *testing.T) {
	entry := func(ago time.Duration, plan string, result string) historyEntry {
		return historyEntry{At: t0.Add(-ago), Plan: plan, JobID: "job1", Direction: dts.Forward, EndpointType: dts.Source, Result: result}
	}
	tests := []struct {
		name    string
		history []historyEntry
		want    string
	}{
		{name: "cooldown_after_switch", history: []historyEntry{entry(time.Minute, "p1", resultFinished)}, want: guardCooldown},
		{name: "cooldown_after_refusal", history: []historyEntry{entry(time.Minute, "p1", resultRefused)}, want: guardCooldown},
		{name: "cooldown_over", history: []historyEntry{entry(6*time.Minute, "p1", resultFinished)}, want: ""},
		{name: "budget_spent", history: []historyEntry{
			entry(50*time.Minute, "p1", resultFinished), entry(40*time.Minute, "p2", resultFailed),
			entry(30*time.Minute, "p3", resultUnknown), entry(20*time.Minute, "p4", resultTimeout),
		}, want: guardBudget},
		{name: "two_way_calls_count_once", history: []historyEntry{
			entry(50*time.Minute, "p1", resultFinished), entry(50*time.Minute, "p1", resultFinished),
			entry(40*time.Minute, "p2", resultFinished), entry(30*time.Minute, "p3", resultFinished),
		}, want: ""},
		{name: "refusals_not_counted", history: []historyEntry{
			entry(50*time.Minute, "p1", resultRefused), entry(40*time.Minute, "p2", resultRefused),
			entry(30*time.Minute, "p3", resultRefused), entry(20*time.Minute, "p4", resultRefused),
		}, want: ""},
		{name: "older_than_an_hour", history: []historyEntry{
			entry(90*time.Minute, "p1", resultFinished), entry(80*time.Minute, "p2", resultFinished),
			entry(70*time.Minute, "p3", resultFinished), entry(61*time.Minute, "p4", resultFinished),
		}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.open().store.data.History = tt.history
			h.failover("orders", "orders-b")
			rep := h.tick()
			wantSwitch := 1
			if tt.want != "" {
				wantSwitch = 0
				wantExit(t, rep, ExitDrift)
				if got := heldStates(h.notifier); !slices.Equal(got, []string{tt.want}) {
					t.Errorf("held conditions = %q, want [%q]", got, tt.want)
				}
				if got := endpointState(rep, "job1", dts.Forward, dts.Source); got != StateHeld {
					t.Errorf("Forward/Source state = %q, want %q", got, StateHeld)
				}
			}
			if got := h.dts.switchCount(); got != wantSwitch {
				t.Errorf("switch calls = %d, want %d", got, wantSwitch)
			}
		})
	}
}

func TestGuard_InFlightTaskHolds(t *testing.T) {
	h := newHarness(t, nil)
	e := h.open()
	// A task of another run is still switching at DTS.
	h.dts.tasks["task-old"] = &fakeTask{req: dts.SwitchRequest{JobID: "job1", Direction: dts.Forward}, statuses: []string{dts.TaskSwitching}}
	e.store.data.InFlight = []inFlightTask{{Plan: "p0", JobID: "job1", RegionID: "cn-shanghai", TaskID: "task-old", StartedAt: t0,
		Step: step{Direction: dts.Forward, EndpointType: dts.Source, Cluster: "orders", TargetNode: "orders-c"}}}
	h.failover("orders", "orders-b")
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if got := heldStates(h.notifier); !slices.Equal(got, []string{guardInFlight}) {
		t.Errorf("held conditions = %q, want [%q]", got, guardInFlight)
	}
}

func TestGuard_ModifyingHolds(t *testing.T) {
	h := newHarness(t, nil)
	h.dts.setStatus("job1", dts.Forward, "Modifying")
	h.failover("orders", "orders-b")
	rep := h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if got := heldStates(h.notifier); !slices.Equal(got, []string{guardModifying}) {
		t.Errorf("held conditions = %q, want [%q]", got, guardModifying)
	}
}

func TestGuard_RereadShowsAlreadySwitched(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	// Someone else switches the job between the tick's read and the re-read.
	h.dts.onDescribe = func(n int, jobID string, dir dts.Direction) {
		if n == 2 {
			h.dts.setEndpoint("job1", dts.Forward, dts.Source, epOrdersB)
		}
	}
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls = %d, want 0", got)
	}
	if got := rep.Jobs[0].Calls; len(got) != 1 || got[0].Result != "skipped" {
		t.Errorf("calls = %+v, want one skipped", got)
	}
	if !contains(h.logs.String(), "someone else switched it") {
		t.Errorf("logs do not say someone else switched:\n%s", h.logs.String())
	}
}

func TestGuard_Sidecar(t *testing.T) {
	tests := []struct {
		name       string
		local      string
		wantSwitch int
		wantHeld   []string
	}{
		{name: "local_primary_switches", local: "orders-b", wantSwitch: 1},
		{name: "other_node_observes", local: "orders-a", wantSwitch: 0, wantHeld: []string{guardSidecar}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *config.Config) { c.LocalNode = tt.local })
			h.failover("orders", "orders-b")
			h.tick()
			if got := h.dts.switchCount(); got != tt.wantSwitch {
				t.Errorf("switch calls = %d, want %d", got, tt.wantSwitch)
			}
			if got := heldStates(h.notifier); !slices.Equal(got, tt.wantHeld) {
				t.Errorf("held conditions = %q, want %q", got, tt.wantHeld)
			}
			if got := len(h.prober.locks); got != 0 {
				t.Errorf("locks taken by a sidecar = %d, want 0", got)
			}
		})
	}
}

func TestGuard_Lock(t *testing.T) {
	tests := []struct {
		name       string
		tryLock    func(probe.Target, string) (func(), bool, error)
		wantSwitch int
		wantHeld   []string
	}{
		{name: "held_elsewhere", tryLock: func(probe.Target, string) (func(), bool, error) { return nil, false, nil },
			wantHeld: []string{guardLockBusy}},
		{name: "lock_error", tryLock: func(probe.Target, string) (func(), bool, error) {
			return nil, false, errors.New("access denied for user")
		}, wantHeld: []string{guardLockError}},
		{name: "taken", wantSwitch: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *config.Config) {
				c.Jobs = []config.Job{{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true}}
			})
			h.prober.tryLock = tt.tryLock
			h.failover("orders", "orders-b")
			rep := h.tick()
			if got := h.dts.switchCount(); got != tt.wantSwitch {
				t.Errorf("switch calls = %d, want %d", got, tt.wantSwitch)
			}
			if got := heldStates(h.notifier); !slices.Equal(got, tt.wantHeld) {
				t.Errorf("held conditions = %q, want %q", got, tt.wantHeld)
			}
			if got := h.prober.locks; !slices.Equal(got, []string{"orders-b:dts-reconciler:job2"}) {
				t.Errorf("locks = %q, want one on the new primary", got)
			}
			if tt.wantSwitch > 0 {
				wantExit(t, rep, ExitInSync)
				if h.prober.released != 1 {
					t.Errorf("lock releases = %d, want 1 after both calls", h.prober.released)
				}
			} else {
				wantExit(t, rep, ExitDrift)
			}
		})
	}
}

func TestGuard_HeldToldOncePerChange(t *testing.T) {
	h := newHarness(t, nil)
	h.dts.setStatus("job1", dts.Forward, "Modifying")
	h.failover("orders", "orders-b")
	h.tick()
	h.tick()
	h.tick()
	if got := len(h.notifier.posts); got != 0 {
		t.Errorf("posts = %d, want 0: held switches go through Condition", got)
	}
	// The held switch is logged once at warn level and then at debug level.
	if got := countLines(h.logs.String(), "level=WARN msg=\"switch held back\""); got != 1 {
		t.Errorf("warn lines about the held switch = %d, want 1", got)
	}
	// Once DTS is done modifying, the switch goes ahead and the condition clears.
	h.dts.setStatus("job1", dts.Forward, "Synchronizing")
	wantExit(t, h.tick(), ExitInSync)
	if !h.notifier.clearedKey("job/job1/held") {
		t.Errorf("held condition not cleared after the switch")
	}
}

// TestGuard_CooldownPerEndpoint switches the source side of a two-way job,
// and two seconds later its destination side drifts. The destination
// cluster is switched at once, because each endpoint cools down on its own,
// while the endpoints switched first are still in their cooldown.
func TestGuard_CooldownPerEndpoint(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.failover("orders", "orders-b")
	wantExit(t, h.tick(), ExitInSync)

	h.clock.advance(2 * time.Second)
	h.failover("reports", "reports-b")
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	wantLines(t, "switch calls", h.switchLines(), []string{
		"switch job2 Forward/Source i-b",
		"switch job2 Reverse/Destination i-b",
		"switch job2 Forward/Destination 203.0.113.12",
		"switch job2 Reverse/Source 203.0.113.12",
	})
	if got := endpointState(rep, "job2", dts.Forward, dts.Destination); got != StateSwitched {
		t.Errorf("Forward/Destination state = %q, want %q", got, StateSwitched)
	}

	h.clock.advance(2 * time.Second)
	h.failover("orders", "orders-a")
	rep = h.tick()
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 4 {
		t.Errorf("switch calls = %d, want 4: the orders side is still in its cooldown", got)
	}
	if got := heldStates(h.notifier); !slices.Equal(got, []string{guardCooldown}) {
		t.Errorf("held conditions = %q, want [%q]", got, guardCooldown)
	}
}
