package reconcile

import (
	"context"
	"fmt"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

// Delays between reads of a switch task. The first read comes soon because
// a switch is often quick, and the time from detection to a working job is
// what users wait for. Later reads back off to spare the API.
const (
	firstPoll = 100 * time.Millisecond
	maxPoll   = 2 * time.Second
)

// resultAbandoned is a task that was still running when ctx ended. It is
// not a result of the task and is never recorded in the history.
const resultAbandoned = "abandoned"

// pollTask reads a switch task's status until it ends, timeout passes or
// ctx ends. It returns the last status, the result (finished, failed,
// timeout, unknown when DTS does not know the task, or abandoned) and the
// request id of the last read.
func (e *Engine) pollTask(ctx context.Context, task inFlightTask, timeout time.Duration) (dts.TaskStatus, string, []string) {
	region, taskID := task.RegionID, task.TaskID
	deadline := e.now().Add(timeout)
	delay := firstPoll
	var last dts.TaskStatus
	lastErr := ""
	for {
		if err := e.clock.Sleep(ctx, delay); err != nil {
			return last, resultAbandoned, nonEmpty(last.RequestID)
		}
		ts, err := e.dts.SwitchStatus(ctx, region, taskID)
		switch {
		case err == nil:
			last = ts
			if ts.Terminal() {
				result := resultFailed
				if ts.Status == dts.TaskFinished {
					result = resultFinished
				}
				return ts, result, nonEmpty(ts.RequestID)
			}
		case ctx.Err() != nil:
			return last, resultAbandoned, nonEmpty(last.RequestID)
		case dts.IsNotFound(err):
			last.ErrorMessage = "DTS does not know the task: " + e.red.err(err)
			return last, resultUnknown, nonEmpty(last.RequestID)
		default:
			if text := e.red.err(err); text != lastErr {
				code, requestID := apiErrorFields(err)
				e.log.Warn("read switch task status", "job", task.JobID, "direction", task.Step.Direction,
					"endpoint_type", task.Step.EndpointType, "task_id", taskID, "code", code, "request_id", requestID, "err", text)
				lastErr = text
			}
		}
		left := deadline.Sub(e.now())
		if left <= 0 {
			return last, resultTimeout, nonEmpty(last.RequestID)
		}
		delay = min(delay*2, maxPoll, left)
	}
}

// taskEnded records how a switch task ended (finished, failed, timeout or
// unknown): the state file first, then the log, the message and the
// observer. A finished task with calls left stays in the state file,
// marked finished, until the next call replaces it. A task that timed out
// stays as it is, so the next tick or start follows it.
func (e *Engine) taskEnded(task inFlightTask, ts dts.TaskStatus, result string, requestIDs []string) {
	s := task.Step
	now := e.now()
	h := e.historyOf(task.Plan, task.JobID, s, task.TaskID, result, "", requestIDs)
	ev := e.stepEvent(notify.KindSwitchFailed, task.JobID, s)
	ev.TaskID, ev.RequestIDs, ev.Duration = task.TaskID, requestIDs, now.Sub(task.StartedAt)
	attrs := []any{"job", task.JobID, "direction", s.Direction, "endpoint_type", s.EndpointType, "cluster", s.Cluster,
		"node", s.TargetNode, "identity", s.TargetIdentity, "task_id", task.TaskID, "request_id", firstOf(requestIDs),
		"duration", ev.Duration}

	switch result {
	case resultFinished:
		task.Finished = true
		if len(task.Remaining) > 0 {
			e.store.putInFlight(task)
		} else {
			e.store.removeInFlight(task.Plan)
		}
		ev.Kind = notify.KindSwitchFinished
		ev.Result = "task " + task.TaskID + " Finished"
		e.log.Info("switch task finished", attrs...)
	case resultTimeout:
		h.Reason = fmt.Sprintf("the task did not end within %s", e.switchTimeout())
		ev.Result = "task " + task.TaskID + " did not end within " + e.switchTimeout().String()
		ev.Reason = "The task is followed at the next tick and no new switch of this job starts until it ends; check the task in the DTS console."
		e.log.Error("switch task did not end in time; it is followed at the next tick", attrs...)
	case resultUnknown:
		e.store.removeInFlight(task.Plan)
		h.Reason = e.red.text(ts.ErrorMessage)
		ev.Kind = notify.KindSwitchUnknown
		ev.Result = "task " + task.TaskID + " is unknown to DTS"
		ev.Reason = h.Reason + ". The switch may or may not have happened. DTS is read again before any new call, the remaining calls of this switch are not made, and the cooldown applies; check the job in the DTS console."
		e.log.Error("switch task unknown to dts", append(attrs, "err", h.Reason)...)
	default:
		e.store.removeInFlight(task.Plan)
		h.Reason = e.red.text(ts.ErrorMessage)
		ev.Result = "task " + task.TaskID + " " + ts.Status
		ev.Reason = h.Reason + " The remaining calls of this switch are not made and the cooldown applies; check the job in the DTS console."
		e.log.Error("switch task failed", append(attrs, "err", h.Reason)...)
	}
	e.store.addHistory(h)
	e.saveState()
	e.notifier.Post(ev)
	e.observer.SwitchEnded(task.JobID, s.Direction, result, now)
}

// historyOf builds the history entry of a switch call.
func (e *Engine) historyOf(plan, jobID string, s step, taskID, result, reason string, requestIDs []string) historyEntry {
	return historyEntry{
		At: e.now(), Plan: plan, JobID: jobID,
		Direction: s.Direction, EndpointType: s.EndpointType, Cluster: s.Cluster,
		FromNode: s.FromNode, ToNode: s.TargetNode, FromIdentity: s.FromIdentity, ToIdentity: s.TargetIdentity,
		TaskID: taskID, Result: result, Reason: reason, RequestIDs: requestIDs,
	}
}

// stepEvent builds the message about a switch call, with the old and new
// nodes' addresses taken from the configuration in force.
func (e *Engine) stepEvent(kind notify.Kind, jobID string, s step) notify.Event {
	c := findCluster(e.cfg, s.Cluster)
	oldNode := nodeInfo(findNode(c, s.FromNode), s.FromIdentity)
	newNode := nodeInfo(findNode(c, s.TargetNode), s.TargetIdentity)
	oldNode.Name, newNode.Name = s.FromNode, s.TargetNode
	return notify.Event{
		Kind:         kind,
		Key:          "job/" + jobID + "/switch",
		JobID:        jobID,
		Direction:    string(s.Direction),
		EndpointType: string(s.EndpointType),
		Cluster:      s.Cluster,
		Old:          oldNode,
		New:          newNode,
		Verdict:      "primary",
		At:           e.now(),
	}
}

func firstOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}
