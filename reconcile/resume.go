package reconcile

import (
	"context"
	"errors"
	"fmt"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

// Resume follows every switch task that the state file lists as in flight
// to its end, each bounded by safety.switch_timeout, so that nothing new is
// planned while one runs. When a finished task leaves calls of its switch
// (the first half of a two-way switch), Resume probes the cluster again.
// If the verdict still names the same primary with the same identity, it
// makes the remaining calls with the re-read before each call and the
// lock. It skips the confirmations, cooldown and budget, because that
// switch was already decided. Otherwise it drops the calls and reports it.
// The finished call is never repeated.
//
// The returned error lists the tasks that have not ended; the engine stays
// usable and those tasks hold their jobs back until they end. In dry-run
// Resume does nothing.
func (e *Engine) Resume(ctx context.Context) error {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	cfg := e.takeConfig()
	if cfg.DryRun {
		if n := len(e.store.data.InFlight); n > 0 {
			e.log.Info("dry-run: switch tasks in the state file are not followed", "in_flight", n)
		}
		return nil
	}
	var errs []error
	if err := e.recovered("resume", func() { errs = e.followInFlight(ctx, true, nil) }); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// followInFlight follows every in-flight task: to its end when wait is set,
// otherwise with one status read. Calls made to finish a switch are added
// to t's report when t is not nil. It returns one error per task that has
// not ended.
func (e *Engine) followInFlight(ctx context.Context, wait bool, t *tick) []error {
	var errs []error
	for _, task := range e.store.inFlightTasks() {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("follow switch tasks: %w", ctx.Err()))
			break
		}
		if err := e.followTask(ctx, task, wait, t); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (e *Engine) followTask(ctx context.Context, task inFlightTask, wait bool, t *tick) error {
	if !task.Finished {
		ts, result, requestIDs := e.taskStatus(ctx, task, wait)
		switch result {
		case "":
			return fmt.Errorf("switch task %s of job %s has not ended (status %q)", task.TaskID, task.JobID, ts.Status)
		case resultAbandoned:
			return fmt.Errorf("follow switch task %s of job %s: %w", task.TaskID, task.JobID, context.Cause(ctx))
		}
		e.taskEnded(task, ts, result, requestIDs)
		switch result {
		case resultTimeout:
			return fmt.Errorf("switch task %s of job %s did not end within %s", task.TaskID, task.JobID, e.switchTimeout())
		case resultFinished:
			task.Finished = true
		default:
			return nil
		}
	}
	if len(task.Remaining) == 0 {
		if e.store.removeInFlight(task.Plan) {
			e.saveState()
		}
		return nil
	}
	calls := e.continuePlan(ctx, task)
	if t != nil {
		t.extraCalls[task.JobID] = append(t.extraCalls[task.JobID], calls...)
	}
	return nil
}

// taskStatus reads a task's status: until it ends when wait is set, or
// once. The result is "" when the task is still running after one read.
func (e *Engine) taskStatus(ctx context.Context, task inFlightTask, wait bool) (dts.TaskStatus, string, []string) {
	if wait {
		return e.pollTask(ctx, task, e.switchTimeout())
	}
	ts, err := e.dts.SwitchStatus(ctx, task.RegionID, task.TaskID)
	switch {
	case err == nil && ts.Status == dts.TaskFinished:
		return ts, resultFinished, nonEmpty(ts.RequestID)
	case err == nil && ts.Terminal():
		return ts, resultFailed, nonEmpty(ts.RequestID)
	case err == nil:
		return ts, "", nil
	case ctx.Err() != nil:
		return ts, resultAbandoned, nil
	case dts.IsNotFound(err):
		ts.ErrorMessage = "DTS does not know the task: " + e.red.err(err)
		return ts, resultUnknown, nil
	}
	code, requestID := apiErrorFields(err)
	e.log.Warn("read switch task status", "job", task.JobID, "direction", task.Step.Direction, "endpoint_type", task.Step.EndpointType,
		"task_id", task.TaskID, "code", code, "request_id", requestID, "err", e.red.err(err))
	return ts, "", nil
}

// continuePlan makes the remaining calls of a switch whose previous call
// finished, when the cluster's primary is still the target.
func (e *Engine) continuePlan(ctx context.Context, task inFlightTask) []CallReport {
	next := task.Remaining[0]
	job := findJob(e.cfg, task.JobID)
	if job == nil {
		return e.dropRemaining(task, "the job is no longer configured")
	}
	c := findCluster(e.cfg, next.Cluster)
	target := findNode(c, next.TargetNode)
	if target == nil {
		return e.dropRemaining(task, fmt.Sprintf("node %s of cluster %s is no longer configured", next.TargetNode, next.Cluster))
	}

	statuses := e.probeClusters(ctx, []string{c.Name})[c.Name]
	v := e.decide(c.Name, statuses, e.identities[c.Name])
	switch {
	case !v.Safe():
		return e.dropRemaining(task, fmt.Sprintf("cluster %s now has verdict %s: %s", c.Name, v.Kind, e.red.text(v.Reason)))
	case v.Primary.Target.Name != next.TargetNode || v.Primary.Identity != next.TargetIdentity:
		return e.dropRemaining(task, fmt.Sprintf("the primary of cluster %s is now %s (%s), not %s (%s)",
			c.Name, v.Primary.Target.Name, v.Primary.Identity, next.TargetNode, next.TargetIdentity))
	}

	release, code, reason := e.lock(ctx, job.ID, c.Name, *target)
	if code != "" {
		e.log.Info("rest of the switch waits for the lock", "job", job.ID, "cluster", c.Name, "node", target.Name, "guard", code, "reason", reason)
		var calls []CallReport
		for _, s := range task.Remaining {
			cr := callReport(s, "held")
			cr.Error = reason
			calls = append(calls, cr)
		}
		return calls
	}
	defer release()

	e.log.Info("finishing a switch left by an earlier run", "job", job.ID, "cluster", c.Name,
		"node", target.Name, "identity", next.TargetIdentity, "task_id", task.TaskID, "calls", len(task.Remaining))
	r := &switchRun{job: *job, region: task.RegionID, plan: task.Plan, cluster: c, target: *target, prevTask: task.TaskID}
	res := e.runSteps(ctx, r, task.Remaining)
	for _, chk := range e.confirmSwitch(ctx, r, res.finished) {
		if chk.ok {
			e.log.Info("switch confirmed", "job", job.ID, "direction", chk.step.Direction,
				"endpoint_type", chk.step.EndpointType, "node", chk.step.TargetNode)
		}
	}
	return res.calls
}

// dropRemaining gives up the remaining calls of a switch and reports why.
func (e *Engine) dropRemaining(task inFlightTask, reason string) []CallReport {
	var calls []CallReport
	for _, s := range task.Remaining {
		e.store.addHistory(e.historyOf(task.Plan, task.JobID, s, "", resultDropped, reason, nil))
		cr := callReport(s, resultDropped)
		cr.Error = reason
		calls = append(calls, cr)
	}
	e.store.removeInFlight(task.Plan)
	e.saveState()
	next := task.Remaining[0]
	e.log.Warn("remaining switch calls dropped", "job", task.JobID, "direction", next.Direction,
		"endpoint_type", next.EndpointType, "cluster", next.Cluster, "node", next.TargetNode, "task_id", task.TaskID, "reason", reason)
	ev := e.stepEvent(notify.KindSwitchFailed, task.JobID, next)
	ev.TaskID = task.TaskID
	ev.Result = "the rest of the switch was dropped"
	ev.Reason = "The first call of the switch finished, but " + reason + ". Nothing more is called for it; the next tick plans again from what DTS and the nodes show."
	e.notifier.Post(ev)
	return calls
}
