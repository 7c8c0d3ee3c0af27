package reconcile

import (
	"testing"

	"dts-reconciler/config"
	"dts-reconciler/notify"
)

func twoConfirmations(c *config.Config) { c.Safety.Confirmations = 2 }

// A split brain that is gone at the confirmation probe is neither reported
// nor posted, and the tick goes on with the verdict of that probe.
func TestTick_SplitBrainFlapNotReported(t *testing.T) {
	h := newHarness(t, twoConfirmations)
	h.tick()
	probes := h.prober.probeCount()
	h.prober.set("orders-b", true)
	h.prober.beforeProbe = func(n int) {
		if n == probes+2 {
			h.prober.set("orders-b", false)
		}
	}
	rep := h.tick()
	wantExit(t, rep, ExitInSync)
	if got := h.prober.probeCount() - probes; got != 2 {
		t.Errorf("probes in the tick = %d, want 2: the tick's and one confirmation", got)
	}
	if got := h.notifier.conditionsOf(notify.KindUnsafe); len(got) != 0 {
		t.Errorf("unsafe conditions = %+v, want none", got)
	}
	if got := rep.Clusters[0].Verdict; got != "primary" {
		t.Errorf("cluster verdict = %q, want primary", got)
	}
}

// A split brain that lasts is reported after the confirmation probe, and a
// later tick with the same verdict probes once.
func TestTick_SplitBrainConfirmedOnce(t *testing.T) {
	h := newHarness(t, twoConfirmations)
	h.tick()
	probes := h.prober.probeCount()
	h.prober.set("orders-b", true)
	wantExit(t, h.tick(), ExitUnknown)
	if got := h.prober.probeCount() - probes; got != 2 {
		t.Errorf("probes in the first unsafe tick = %d, want 2", got)
	}
	if got := h.notifier.conditionsOf(notify.KindUnsafe); len(got) != 1 {
		t.Fatalf("unsafe conditions = %+v, want 1", got)
	}
	probes = h.prober.probeCount()
	wantExit(t, h.tick(), ExitUnknown)
	if got := h.prober.probeCount() - probes; got != 1 {
		t.Errorf("probes in the second unsafe tick = %d, want 1", got)
	}
}
