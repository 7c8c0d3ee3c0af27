package reconcile

import (
	"testing"
	"time"

	"dts-reconciler/dts"
)

// The first probe of a tick waits for a DTS read: DTS is read while the
// nodes are being probed, not after.
func TestTick_ReadsDTSWhileProbing(t *testing.T) {
	h := newHarness(t, twoWayRefresh(0))
	described := make(chan struct{}, 8)
	h.dts.onDescribe = func(int, string, dts.Direction) { described <- struct{}{} }
	overlapped := false
	h.prober.beforeProbe = func(n int) {
		if n != 1 {
			return
		}
		select {
		case <-described:
			overlapped = true
		case <-time.After(5 * time.Second):
		}
	}
	wantExit(t, h.tick(), ExitInSync)
	if !overlapped {
		t.Error("no DTS read arrived while the nodes were probed")
	}
	if got := h.describeCount(); got != 2 {
		t.Errorf("describe calls = %d, want 2: one per direction, each used once", got)
	}
}

// A read kept within dts_refresh is not fetched again, and a new primary
// still gets a fresh read after the probes.
func TestTick_PrefetchSkipsKeptReads(t *testing.T) {
	h := newHarness(t, twoWayRefresh(time.Hour))
	h.tick()
	h.clock.advance(10 * time.Second)
	h.tick()
	if got := h.describeCount(); got != 2 {
		t.Errorf("describe calls after a steady tick = %d, want 2", got)
	}
	h.failover("orders", "orders-b")
	h.clock.advance(10 * time.Second)
	h.tick()
	if got := len(h.switchLines()); got != 2 {
		t.Errorf("switch calls after the new primary = %d, want 2", got)
	}
}

// A replica that stops answering is logged once at warn, and once more at
// info when it answers again; healthy ticks log nothing about nodes.
func TestTick_LogsNodeThatStopsAnswering(t *testing.T) {
	h := newHarness(t, nil)
	h.tick()
	if got := countLines(h.logs.String(), "node answers again"); got != 0 {
		t.Errorf("answer lines after a healthy tick = %d, want 0", got)
	}
	h.prober.nodes["orders-c"].down = true
	h.tick()
	h.tick()
	logs := h.logs.String()
	if got := countLines(logs, `level=WARN msg="node did not answer; its role is unknown"`); got != 1 {
		t.Errorf("warn lines for a node down for two ticks = %d, want 1:\n%s", got, logs)
	}
	if !contains(logs, "node=orders-c") || !contains(logs, "code=connection_refused") {
		t.Errorf("warn line lacks the node or the error kind:\n%s", logs)
	}
	h.prober.nodes["orders-c"].down = false
	h.tick()
	if got := countLines(h.logs.String(), `level=INFO msg="node answers again"`); got != 1 {
		t.Errorf("info lines after the node came back = %d, want 1", got)
	}
}
