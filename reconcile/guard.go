package reconcile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

// Guard codes are the states of KindHeld conditions. They stay the same
// across ticks, so the notifier sends one message per change.
const (
	guardInFlight  = "in_flight"
	guardModifying = "modifying"
	guardCooldown  = "cooldown"
	guardBudget    = "budget"
	guardSidecar   = "sidecar"
	guardConfirm   = "unconfirmed"
	guardLockBusy  = "lock_busy"
	guardLockError = "lock_error"
	// guardUnknownOutcome holds the rest of a job's switches in the tick in
	// which a switch call's outcome was unknown.
	guardUnknownOutcome = "unknown_outcome"
)

// lockName is the MySQL user lock that daemons watching the same cluster
// take on the new primary before switching a job.
func lockName(jobID string) string { return "dts-reconciler:" + jobID }

// passiveGuard checks the guards that need no probe or lock: a running
// task, the job status, the cooldown of each endpoint, the hourly budget of
// the job and sidecar mode.
// It returns a guard code and the reason in words, or "" when the switch
// may go ahead. The cooldown leaves out the switches this tick made, so a
// job whose source and destination clusters both changed gets both sides
// switched in one tick. The budget counts them.
func (t *tick) passiveGuard(jc *jobCheck, sp *sidePlan) (string, string) {
	now := t.e.now()
	if task, ok := t.e.store.jobInFlight(jc.job.ID); ok {
		return guardInFlight, fmt.Sprintf("switch task %s of this job (%s/%s to %s, started %s) has not ended",
			task.TaskID, task.Step.Direction, task.Step.EndpointType, task.Step.TargetNode, task.StartedAt.UTC().Format(time.RFC3339))
	}
	for _, dir := range []dts.Direction{dts.Forward, dts.Reverse} {
		if js, ok := jc.status[dir]; ok && strings.EqualFold(js.Status, "Modifying") {
			return guardModifying, fmt.Sprintf("DTS reports direction %s of the job as Modifying: another change of the job is running", dir)
		}
	}
	if cd := t.cfg.Safety.Cooldown; cd > 0 {
		for _, s := range sp.steps {
			last, ok := t.e.store.lastAttempt(jc.job.ID, s.Direction, s.EndpointType, t.ownPlans)
			if ok && now.Before(last.Add(cd)) {
				return guardCooldown, fmt.Sprintf("%s/%s was switched at %s, and its cooldown of %s lasts until %s",
					s.Direction, s.EndpointType, last.UTC().Format(time.RFC3339), cd, last.Add(cd).UTC().Format(time.RFC3339))
			}
		}
	}
	if limit := t.cfg.Safety.MaxSwitchesPerHour; limit > 0 {
		if n := t.e.store.switchesSince(jc.job.ID, now.Add(-time.Hour)); n >= limit {
			return guardBudget, fmt.Sprintf("the job was switched %d times in the last hour, the limit of max_switches_per_hour", n)
		}
	}
	if local := t.cfg.LocalNode; local != "" && local != sp.target.Name {
		return guardSidecar, fmt.Sprintf("the primary's own sidecar switches: the new primary is %s and this daemon runs beside %s", sp.target.Name, local)
	}
	return "", ""
}

// guardAndAct checks every guard of a side's switch and, when none holds
// it back, makes the calls.
func (t *tick) guardAndAct(ctx context.Context, jc *jobCheck, sp *sidePlan) {
	if t.stopping(jc, sp) {
		return
	}
	if code, reason := t.passiveGuard(jc, sp); code != "" {
		t.hold(jc, sp, code, reason)
		return
	}
	if ok, reason := t.confirm(ctx, sp.cluster); !ok {
		t.hold(jc, sp, guardConfirm, reason)
		return
	}
	t.tellDrift(jc, sp)
	release, code, reason := t.e.lock(ctx, jc.job.ID, sp.cluster, *sp.target)
	if code != "" {
		t.hold(jc, sp, code, reason)
		return
	}
	defer release()
	// The confirmation probes may have taken a while: look again.
	if t.stopping(jc, sp) {
		return
	}
	t.act(ctx, jc, sp)
}

// lock takes the job's lock on the new primary, unless the daemon is a
// sidecar, which needs none because only the primary's sidecar switches.
// It returns the release function, or a guard code and reason.
func (e *Engine) lock(ctx context.Context, jobID, cluster string, target config.Node) (func(), string, string) {
	if e.cfg.LocalNode != "" {
		return func() {}, "", ""
	}
	name := lockName(jobID)
	release, held, err := e.prober.TryLock(ctx, nodeTarget(cluster, target), name)
	switch {
	case err != nil:
		return nil, guardLockError, fmt.Sprintf("the lock %s could not be taken on %s: %s", name, target.Name, e.red.err(err))
	case !held:
		return nil, guardLockBusy, fmt.Sprintf("another daemon holds the lock %s on %s", name, target.Name)
	case release == nil:
		release = func() {}
	}
	return release, "", ""
}
