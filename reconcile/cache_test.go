package reconcile

import (
	"strings"
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

// describeCount returns how many DescribeJob calls the fake DTS received.
func (h *harness) describeCount() int {
	n := 0
	for _, l := range h.dts.calls() {
		if strings.HasPrefix(l, "describe ") {
			n++
		}
	}
	return n
}

func twoWayRefresh(refresh time.Duration) func(*config.Config) {
	return func(c *config.Config) {
		c.DTSRefresh = refresh
		c.Jobs = []config.Job{{ID: "job2", Source: "orders", Destination: "reports", TwoWay: true}}
	}
}

func TestDTSRefresh_SteadyStateReusesRead(t *testing.T) {
	h := newHarness(t, twoWayRefresh(time.Minute))
	wantExit(t, h.tick(), ExitInSync)
	first := h.describeCount()
	if first != 2 {
		t.Fatalf("describe calls in the first tick = %d, want 2", first)
	}
	for range 5 {
		h.clock.advance(10 * time.Second)
		wantExit(t, h.tick(), ExitInSync)
	}
	if got := h.describeCount(); got != first {
		t.Errorf("describe calls after five ticks within dts_refresh = %d, want %d", got, first)
	}
}

func TestDTSRefresh_ReadAgainAfterInterval(t *testing.T) {
	h := newHarness(t, twoWayRefresh(time.Minute))
	h.tick()
	h.clock.advance(time.Minute)
	h.tick()
	if got := h.describeCount(); got != 4 {
		t.Errorf("describe calls after dts_refresh passed = %d, want 4", got)
	}
}

func TestDTSRefresh_NewPrimaryReadsAtOnce(t *testing.T) {
	h := newHarness(t, twoWayRefresh(time.Hour))
	h.tick()
	h.failover("orders", "orders-b")
	h.clock.advance(10 * time.Second)
	h.tick()
	wantLines(t, "switch calls", h.switchLines(), []string{
		"switch job2 Forward/Source i-b",
		"switch job2 Reverse/Destination i-b",
	})
}

func TestDTSRefresh_HandChangeSeenAfterInterval(t *testing.T) {
	h := newHarness(t, twoWayRefresh(time.Minute))
	h.tick()
	// Someone points the forward source at orders-c by hand; the primary
	// is still orders-a.
	h.dts.setEndpoint("job2", "Forward", "Source", dts.Endpoint{InstanceType: "ECS", InstanceID: "i-c", Port: "3306"})
	h.clock.advance(10 * time.Second)
	if got := endpointState(h.tick(), "job2", "Forward", "Source"); got != StateInSync {
		t.Errorf("state within dts_refresh = %q, want %q from the kept read", got, StateInSync)
	}
	h.clock.advance(time.Minute)
	if got := endpointState(h.tick(), "job2", "Forward", "Source"); got == StateInSync {
		t.Errorf("state after dts_refresh = %q, want the hand change noticed", got)
	}
}

func TestDTSRefresh_ZeroReadsEveryTick(t *testing.T) {
	h := newHarness(t, twoWayRefresh(0))
	for range 3 {
		h.tick()
		h.clock.advance(10 * time.Second)
	}
	if got := h.describeCount(); got != 6 {
		t.Errorf("describe calls in three ticks = %d, want 6", got)
	}
}
