package main

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
)

// TestRun_StopStartsNoNewSwitch sends SIGTERM while the switch of the first
// of two drifted jobs runs. The daemon lets that switch finish within the
// grace period, but does not start the second job's switch.
func TestRun_StopStartsNoNewSwitch(t *testing.T) {
	r := newRig(t, dtstest.Options{InitializingDelay: slowInitializing, SwitchingDelay: slowSwitching})
	first := jobSpec{id: "dtsdrainfirst", source: "orders"}
	second := jobSpec{id: "dtsdrainsecond", source: "reports"}
	// Both jobs point at the node that is not the primary, so the first
	// tick switches both unless SIGTERM stops it from starting the second.
	r.addJob(first, r.orders.Nodes[e2etest.Other(r.orders)])
	r.addJob(second, r.reports.Nodes[e2etest.Other(r.reports)])
	config := r.write("config.yaml", r.spec("state.json", first, second))

	d := startDaemon(t, "daemon", nil, runArgs(config)...)
	waitFor(t, "the first switch call", 30*time.Second, func() bool {
		return len(r.emu.CallsOf(switchAction)) > 0
	})
	d.signal(syscall.SIGTERM)
	if code := d.wait(30 * time.Second); code != 0 {
		t.Errorf("exit status after SIGTERM = %d, want 0", code)
	}

	want := []string{switchCall(first.id, dts.Forward, dts.Source, r.orders.PrimaryNode())}
	if got := r.switchCalls(); !slices.Equal(got, want) {
		t.Errorf("switch calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !r.pointsAt(first.id, dts.Forward, dts.Source, r.orders.PrimaryNode()) {
		t.Errorf("%s does not point at the primary of orders: the switch that was running did not finish", first.id)
	}
}
