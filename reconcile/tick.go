package reconcile

import (
	"context"
	"log/slog"

	"dts-reconciler/config"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// tick is the working state of one pass.
type tick struct {
	e   *Engine
	cfg *config.Config
	rep *Report
	// statuses holds each probed cluster's statuses in node order.
	statuses map[string][]probe.Status
	verdicts map[string]probe.Verdict
	// confirmed caches the confirmation re-probes of a cluster, so that two
	// jobs on one cluster re-probe it once.
	confirmed map[string]confirmation
	// extraCalls holds the calls made while finishing switches left by an
	// earlier tick, per job.
	extraCalls map[string][]CallReport
	// ownPlans holds the plans this tick started.
	ownPlans map[string]bool
	// drained is set when a switch was not started because of Drain.
	drained bool
	// fetched holds the DTS reads made while the nodes were probed, per
	// readKey. check uses each one once.
	fetched map[string]fetched
}

// confirmation is the outcome of the confirmation re-probes of a cluster.
type confirmation struct {
	ok     bool
	reason string
}

func newTick(e *Engine, cfg *config.Config, rep *Report) *tick {
	return &tick{
		e:          e,
		cfg:        cfg,
		rep:        rep,
		statuses:   map[string][]probe.Status{},
		verdicts:   map[string]probe.Verdict{},
		confirmed:  map[string]confirmation{},
		extraCalls: map[string][]CallReport{},
		ownPlans:   map[string]bool{},
	}
}

// run carries out the pass. Switch tasks left by an earlier tick are
// followed first, so that a finished first half of a two-way switch gets
// its second half before anything new is planned.
func (t *tick) run(ctx context.Context) {
	if !t.cfg.DryRun {
		for _, err := range t.e.followInFlight(ctx, false, t) {
			t.e.log.Debug("switch task still running", "err", err)
		}
	}
	switch {
	case ctx.Err() != nil:
		t.rep.Error = "cancelled before the probes: " + ctx.Err().Error()
		return
	case t.e.draining.Load():
		t.rep.Error = "stopped before the probes: the process is stopping"
		return
	}
	wait := t.prefetch(ctx)
	t.observe(ctx)
	t.fetched = wait()
	for _, j := range t.cfg.Jobs {
		switch {
		case ctx.Err() != nil:
			t.rep.Error = "cancelled: " + ctx.Err().Error()
			return
		case t.e.draining.Load():
			t.rep.Error = "stopped before job " + j.ID + ": the process is stopping"
			t.e.log.Info("process stopping: no further job is checked", "job", j.ID)
			return
		}
		t.job(ctx, j)
	}
	if t.drained {
		t.rep.Error = "stopped before a switch: the process is stopping"
	}
}

// stopping reports whether Drain was called. If so, it leaves the side's
// endpoints in drift, saying why no switch was started.
func (t *tick) stopping(jc *jobCheck, sp *sidePlan) bool {
	if !t.e.draining.Load() {
		return false
	}
	t.drained = true
	t.e.log.Info("process stopping: switch not started", "job", jc.job.ID, "cluster", sp.cluster, "node", sp.target.Name)
	for _, s := range sp.steps {
		jc.pair(s.Direction, s.EndpointType).action = "not switched: the process is stopping"
	}
	return true
}

// job checks one job against DTS and switches what drifted.
func (t *tick) job(ctx context.Context, j config.Job) {
	jc := t.check(ctx, j)
	sides := t.plan(jc)
	for _, sp := range sides {
		switch {
		case t.cfg.DryRun:
			t.tellDrift(jc, sp)
			t.dryRun(jc, sp)
		case jc.noMoreSwitch:
			t.hold(jc, sp, guardUnknownOutcome, "an earlier switch call of this job in this tick had an unknown outcome; DTS is read again at the next tick before any new call")
		default:
			t.guardAndAct(ctx, jc, sp)
		}
	}
	if !jc.held && !t.cfg.DryRun {
		t.e.notifier.Clear(notify.Event{Kind: notify.KindRecovered, Key: heldKey(j.ID), JobID: j.ID, At: t.e.now()})
		delete(t.e.logged, heldKey(j.ID))
	}
	t.remember(jc)
	t.rep.Jobs = append(t.rep.Jobs, jc.report(t))
}

// hold records that a guard held a side's switch back: the endpoints of the
// side are held, the reason is logged once per change and reported through
// a KindHeld condition. A primary the confirmation did not confirm is only
// logged, because a flap that ends by itself is not worth a message.
func (t *tick) hold(jc *jobCheck, sp *sidePlan, code, reason string) {
	jc.held = true
	// Drift remains while a guard holds the switch, so it is a warning,
	// except for a primary that a flap may explain.
	level := slog.LevelWarn
	if code == guardConfirm {
		level = slog.LevelInfo
	}
	t.e.logDecision(heldKey(jc.job.ID), code+"|"+reason, level, "switch held back",
		"job", jc.job.ID, "cluster", sp.cluster, "node", sp.target.Name,
		"identity", sp.primary.Identity, "guard", code, "reason", reason)
	if code != guardConfirm {
		t.e.notifier.Condition(code, notify.Event{
			Kind:    notify.KindHeld,
			Key:     heldKey(jc.job.ID),
			JobID:   jc.job.ID,
			Cluster: sp.cluster,
			New:     nodeInfo(sp.target, sp.primary.Identity),
			Verdict: string(probe.VerdictPrimary),
			Reason:  reason,
			Result:  "held: " + code,
			At:      t.e.now(),
		})
	}
	for _, s := range sp.steps {
		p := jc.pair(s.Direction, s.EndpointType)
		p.state, p.action = StateHeld, "held: "+reason
		jc.calls = append(jc.calls, callReport(s, "held"))
	}
}

func heldKey(jobID string) string { return "job/" + jobID + "/held" }

// nodeInfo describes a configured node in a message.
func nodeInfo(n *config.Node, identity string) notify.Node {
	if n == nil {
		return notify.Node{Identity: identity}
	}
	return notify.Node{Name: n.Name, Address: n.Address, Identity: identity}
}
