package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

// minBusyWait is the shortest wait before a switch call that DTS refused as
// busy is sent again.
const minBusyWait = 200 * time.Millisecond

// switchRun carries out the calls of one side of a plan.
type switchRun struct {
	job     config.Job
	region  string
	plan    string
	cluster *config.Cluster
	target  config.Node
	// prevTask is the task of the plan's previous call. A call that DTS
	// rejects as busy is retried only when there is one, because the
	// rejection then most likely means that task is still winding down.
	prevTask string
}

// runResult is the outcome of a side's calls.
type runResult struct {
	calls []CallReport
	// finished lists the steps whose task ended Finished.
	finished []step
	// unknown is set when a call's outcome is unknown.
	unknown bool
	// abandoned is set when ctx ended first; the plan stays in the state
	// file for the next start.
	abandoned bool
}

// How one step ended.
const (
	stepFinished = iota
	stepSkipped
	stepStopped
	stepUnknown
	stepAbandoned
)

// runSteps makes the calls of a plan in order, each only after the task of
// the previous one finished, and stops at the first that does not finish.
func (e *Engine) runSteps(ctx context.Context, r *switchRun, steps []step) runResult {
	var res runResult
loop:
	for i, s := range steps {
		cr, outcome := e.runStep(ctx, r, s, steps[i+1:])
		res.calls = append(res.calls, cr)
		switch outcome {
		case stepFinished:
			res.finished = append(res.finished, s)
			r.prevTask = cr.TaskID
		case stepSkipped:
		case stepUnknown:
			res.unknown = true
			break loop
		case stepAbandoned:
			res.abandoned = true
			break loop
		default:
			break loop
		}
	}
	// The plan is over unless ctx ended: forget its finished task, which
	// stayed in the state file only to carry the remaining calls.
	if task, ok := e.store.inFlight(r.plan); ok && task.Finished && !res.abandoned {
		e.store.removeInFlight(r.plan)
		e.saveState()
	}
	return res
}

// runStep makes one switch call: it reads the job again, skips the call
// when DTS already points at the target, calls, records the task id in the
// state file before anything else, and follows the task to its end.
func (e *Engine) runStep(ctx context.Context, r *switchRun, s step, remaining []step) (CallReport, int) {
	cr := callReport(s, "")
	var busyUntil time.Time
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			cr.Result, cr.Error = "abandoned", "cancelled before the call"
			return cr, stepAbandoned
		}
		js, err := e.dts.DescribeJob(ctx, r.region, r.job.ID, s.Direction)
		if err != nil {
			code, requestID := apiErrorFields(err)
			cr.Result, cr.Error = resultFailed, "DTS could not be read before the call: "+e.red.err(err)
			cr.RequestIDs = append(cr.RequestIDs, nonEmpty(requestID)...)
			e.log.Error("read dts job before the switch call", "job", r.job.ID, "direction", s.Direction,
				"endpoint_type", s.EndpointType, "code", code, "request_id", requestID, "err", e.red.err(err))
			if ctx.Err() != nil {
				return cr, stepAbandoned
			}
			return cr, stepStopped
		}
		cr.RequestIDs = append(cr.RequestIDs, nonEmpty(js.RequestID)...)
		if pointsAt(js.Endpoint(s.EndpointType), r.cluster, s.TargetNode) {
			e.log.Info("dts already points at the new primary; someone else switched it",
				"job", r.job.ID, "direction", s.Direction, "endpoint_type", s.EndpointType,
				"cluster", s.Cluster, "node", s.TargetNode, "request_id", js.RequestID)
			cr.Result = "skipped"
			return cr, stepSkipped
		}
		if ctx.Err() != nil {
			cr.Result, cr.Error = "abandoned", "cancelled before the call"
			return cr, stepAbandoned
		}

		started := e.now()
		sr, err := e.dts.Switch(ctx, e.switchRequest(r, s))
		if err == nil && sr.TaskID == "" {
			cr.RequestIDs = append(cr.RequestIDs, nonEmpty(sr.RequestID)...)
			err = fmt.Errorf("switch call accepted without a task id: %w", dts.ErrUnknownOutcome)
		}
		if err == nil {
			return e.accepted(ctx, r, s, remaining, cr, sr, started)
		}
		_, requestID := apiErrorFields(err)
		cr.RequestIDs = append(cr.RequestIDs, nonEmpty(requestID)...)
		if dts.IsJobBusy(err) && r.prevTask != "" {
			if busyUntil.IsZero() {
				busyUntil = started.Add(e.switchTimeout())
			}
			if e.now().Before(busyUntil) {
				if !e.waitBusy(ctx, r, s, attempt) {
					cr.Result, cr.Error = "abandoned", "cancelled while the job was busy"
					return cr, stepAbandoned
				}
				continue
			}
		}
		return e.callFailed(r, s, cr, err)
	}
}

func (e *Engine) switchRequest(r *switchRun, s step) dts.SwitchRequest {
	return dts.SwitchRequest{
		RegionID:      r.region,
		JobID:         r.job.ID,
		Direction:     s.Direction,
		EndpointType:  s.EndpointType,
		Endpoint:      switchEndpoint(r.target),
		SourceOwnerID: r.job.SourceOwnerID,
		SourceRole:    r.job.SourceRole,
	}
}

// accepted records an accepted call's task in the state file, posts a
// message and follows the task to its end.
func (e *Engine) accepted(ctx context.Context, r *switchRun, s step, remaining []step, cr CallReport, sr dts.SwitchResult, started time.Time) (CallReport, int) {
	task := inFlightTask{
		Plan: r.plan, JobID: r.job.ID, RegionID: r.region, Step: s,
		TaskID: sr.TaskID, StartedAt: started, Remaining: remaining,
	}
	// The task id goes to disk before anything else, so that a crash from
	// here on leaves enough to follow the task instead of calling again.
	e.store.putInFlight(task)
	e.saveState()
	cr.TaskID = sr.TaskID
	cr.RequestIDs = append(cr.RequestIDs, nonEmpty(sr.RequestID)...)

	e.log.Info("switch call accepted", "job", r.job.ID, "direction", s.Direction, "endpoint_type", s.EndpointType,
		"cluster", s.Cluster, "node", s.TargetNode, "identity", s.TargetIdentity, "task_id", sr.TaskID, "request_id", sr.RequestID)
	ev := e.stepEvent(notify.KindSwitchStarted, r.job.ID, s)
	ev.TaskID, ev.RequestIDs = sr.TaskID, nonEmpty(sr.RequestID)
	ev.Result = "task " + sr.TaskID + " started"
	e.notifier.Post(ev)

	ts, result, requestIDs := e.pollTask(ctx, task, e.switchTimeout())
	cr.RequestIDs = append(cr.RequestIDs, requestIDs...)
	cr.DurationMS = e.now().Sub(started).Milliseconds()
	cr.Result = result
	if result == resultAbandoned {
		cr.Error = "stopped following the task; the next start follows it"
		e.log.Warn("stopped following the switch task; the next start follows it",
			"job", r.job.ID, "direction", s.Direction, "endpoint_type", s.EndpointType, "task_id", sr.TaskID)
		return cr, stepAbandoned
	}
	e.taskEnded(task, ts, result, requestIDs)
	switch result {
	case resultFinished:
		return cr, stepFinished
	case resultFailed:
		cr.Error = e.red.text(ts.ErrorMessage)
	case resultTimeout:
		cr.Error = fmt.Sprintf("the task did not end within %s", e.switchTimeout())
	}
	return cr, stepStopped
}

// callFailed records a switch call that DTS rejected or whose outcome is
// unknown.
func (e *Engine) callFailed(r *switchRun, s step, cr CallReport, err error) (CallReport, int) {
	unknown := errors.Is(err, dts.ErrUnknownOutcome)
	code, requestID := apiErrorFields(err)
	text := e.red.err(err)
	cr.Result, cr.Error = resultRefused, text
	ev := e.stepEvent(notify.KindSwitchFailed, r.job.ID, s)
	ev.RequestIDs = cr.RequestIDs
	ev.Result = "DTS rejected the switch call (code " + code + ")"
	ev.Reason = text + ". The cooldown applies before any new attempt; check the job in the DTS console."
	if unknown {
		cr.Result = resultUnknown
		ev.Kind = notify.KindSwitchUnknown
		ev.Result = "the outcome of the switch call is unknown"
		ev.Reason = text + ". The switch may or may not have happened. DTS is read again before any new call, and the cooldown applies; check the job in the DTS console."
		e.log.Error("switch call outcome unknown; dts is read again before any new call", "job", r.job.ID,
			"direction", s.Direction, "endpoint_type", s.EndpointType, "node", s.TargetNode, "code", code, "request_id", requestID, "err", text)
	} else {
		e.log.Error("switch call rejected by dts", "job", r.job.ID, "direction", s.Direction, "endpoint_type", s.EndpointType,
			"node", s.TargetNode, "code", code, "request_id", requestID, "err", text)
	}
	e.store.addHistory(e.historyOf(r.plan, r.job.ID, s, "", cr.Result, text, cr.RequestIDs))
	e.saveState()
	e.notifier.Post(ev)
	e.observer.SwitchEnded(r.job.ID, s.Direction, cr.Result, e.now())
	if unknown {
		return cr, stepUnknown
	}
	return cr, stepStopped
}

// waitBusy waits before a busy job's call is sent again, and reads the
// previous task's status meanwhile. It returns false when ctx ended.
func (e *Engine) waitBusy(ctx context.Context, r *switchRun, s step, attempt int) bool {
	wait := max(e.cfg.Safety.ConfirmInterval, minBusyWait)
	e.log.Info("dts rejected the call because the job is busy; waiting for the previous task", "job", r.job.ID,
		"direction", s.Direction, "endpoint_type", s.EndpointType, "task_id", r.prevTask, "attempt", attempt, "duration", wait)
	if err := e.clock.Sleep(ctx, wait); err != nil {
		return false
	}
	ts, err := e.dts.SwitchStatus(ctx, r.region, r.prevTask)
	if err != nil {
		e.log.Debug("read previous switch task", "job", r.job.ID, "task_id", r.prevTask, "err", e.red.err(err))
	} else {
		e.log.Debug("previous switch task", "job", r.job.ID, "task_id", r.prevTask, "status", ts.Status)
	}
	return ctx.Err() == nil
}

// pointsAt reports whether a DTS endpoint maps to exactly the named node.
func pointsAt(ep dts.Endpoint, c *config.Cluster, node string) bool {
	if c == nil {
		return false
	}
	m := matchNodes(ep, c.Nodes)
	return len(m) == 1 && c.Nodes[m[0]].Name == node
}

// switchTimeout bounds how long a switch task is followed.
func (e *Engine) switchTimeout() time.Duration {
	if d := e.cfg.Safety.SwitchTimeout; d > 0 {
		return d
	}
	return 10 * time.Minute
}
