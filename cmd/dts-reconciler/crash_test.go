package main

import (
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
)

// Phase durations of the emulator's switch tasks in the interruption
// tests: long enough that the first task is still running when the test
// interrupts the daemon.
const (
	slowInitializing = time.Second
	slowSwitching    = time.Second
)

// interruptedSwitch runs a daemon until the first call of a two-way switch
// was made and its task id is in the state file. Then it calls interrupt.
// A second daemon on the same state file must finish the switch with only
// the second call. extra are more arguments of the first daemon.
func interruptedSwitch(t *testing.T, jobID string, extra []string, interrupt func(t *testing.T, d *daemon, taskID, statePath string)) {
	r := newRig(t, dtstest.Options{InitializingDelay: slowInitializing, SwitchingDelay: slowSwitching})
	job := jobSpec{id: jobID, source: "orders", destination: "reports", twoWay: true}
	r.addJob(job)
	spec := r.spec("state.json", job)
	config := r.write("config.yaml", spec)

	// The second call must come after the first task finished, which the
	// emulator shows as the forward source already switched.
	var mu sync.Mutex
	var early []string
	r.emu.OnCall(func(c dtstest.Call) {
		if c.Action != switchAction || c.Params["SynchronizationDirection"] != string(dts.Reverse) {
			return
		}
		js, _ := r.emu.Job(jobID, dts.Forward)
		if js.Source.Port != c.Params["Endpoint.Port"] {
			mu.Lock()
			early = append(early, callText(c))
			mu.Unlock()
		}
	})

	first := startDaemon(t, "first daemon", nil, runArgs(config, extra...)...)
	first.waitTicks(1, 30*time.Second)
	if n := len(r.switchCalls()); n != 0 {
		t.Fatalf("switch calls before the switchover = %d, want 0", n)
	}

	newPrimary := e2etest.Switchover(t, r.orders)
	want := []string{
		switchCall(jobID, dts.Forward, dts.Source, newPrimary),
		switchCall(jobID, dts.Reverse, dts.Destination, newPrimary),
	}
	var taskID string
	waitFor(t, "the first switch call and its task id in the state file", 30*time.Second, func() bool {
		calls := r.emu.CallsOf(switchAction)
		if len(calls) == 0 {
			return false
		}
		taskID = calls[0].TaskID
		return taskID != "" && readState(t, spec.stateFile).inFlight(taskID)
	})
	interrupt(t, first, taskID, spec.stateFile)
	if got := r.switchCalls(); !slices.Equal(got, want[:1]) {
		t.Fatalf("switch calls before the restart:\n%s\nwant:\n%s", strings.Join(got, "\n"), want[0])
	}

	second := startDaemon(t, "second daemon", nil, runArgs(config)...)
	waitFor(t, "both directions to point at the new primary", 60*time.Second, func() bool {
		return r.pointsAt(jobID, dts.Forward, dts.Source, newPrimary) &&
			r.pointsAt(jobID, dts.Reverse, dts.Destination, newPrimary)
	})
	waitFor(t, "the state file to list no running task", 30*time.Second, func() bool {
		return len(readState(t, spec.stateFile).InFlight) == 0
	})
	// Two more ticks show that nothing else is called afterwards.
	second.waitTicks(2, 30*time.Second)
	second.stop()

	if got := r.switchCalls(); !slices.Equal(got, want) {
		t.Errorf("switch calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(early) != 0 {
		t.Errorf("calls made before the first task finished: %q", early)
	}
	if second.count("finishing a switch left by an earlier run", "task_id="+taskID) == 0 {
		t.Errorf("the second daemon did not log that it finished the switch of task %s", taskID)
	}
	state := readState(t, spec.stateFile)
	if !state.recorded(taskID) {
		t.Errorf("the history does not record task %s: %+v", taskID, state.History)
	}
}

func TestRun_KillMidSwitch(t *testing.T) {
	interruptedSwitch(t, "dtscrashkill", nil, func(t *testing.T, d *daemon, taskID, statePath string) {
		d.signal(syscall.SIGKILL)
		if code := d.wait(30 * time.Second); code != -1 {
			t.Errorf("exit status after SIGKILL = %d, want -1 (killed)", code)
		}
	})
}

func TestRun_StopMidSwitch(t *testing.T) {
	const grace = time.Second
	interruptedSwitch(t, "dtscrashterm", []string{"-grace", grace.String()}, func(t *testing.T, d *daemon, taskID, statePath string) {
		if d.exited() {
			t.Fatalf("the daemon exited before SIGTERM")
		}
		d.signal(syscall.SIGTERM)
		// The running tick may go on for the grace period; the bound
		// leaves room for a slow machine on top of it.
		if code := d.wait(grace + 15*time.Second); code != 0 {
			t.Errorf("exit status after SIGTERM = %d, want 0", code)
		}
		state := readState(t, statePath)
		if !state.inFlight(taskID) && !state.recorded(taskID) {
			t.Errorf("the state file neither keeps nor records task %s: %+v", taskID, state)
		}
		if d.count("running tick cancelled") == 0 && d.count("waiting for the running tick") == 0 {
			t.Errorf("the daemon did not log that it waited for the running tick")
		}
	})
}
