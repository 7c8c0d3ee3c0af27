// Package reconcile runs one reconciliation tick: probe every node, decide
// each cluster's primary, read what DTS is configured with, plan and guard
// the switch calls, make them, tell people and record what was done.
package reconcile

import (
	"context"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// Prober reads the state of MySQL nodes. *probe.Prober implements it.
type Prober interface {
	// Probe probes every target concurrently and returns one status per
	// target, in the same order. A node that does not answer is a status
	// with Err set, never an error of the call.
	Probe(ctx context.Context, targets []probe.Target) []probe.Status
	// TryLock takes the named MySQL user lock (GET_LOCK with timeout 0) on
	// the target. held is false when another session holds it. release
	// frees the lock and must be called once when held is true.
	TryLock(ctx context.Context, target probe.Target, name string) (release func(), held bool, err error)
}

// DTS reads and switches DTS synchronization endpoints. *dts.Client
// implements it.
type DTS interface {
	DescribeJob(ctx context.Context, regionID, jobID string, dir dts.Direction) (dts.JobStatus, error)
	Switch(ctx context.Context, req dts.SwitchRequest) (dts.SwitchResult, error)
	SwitchStatus(ctx context.Context, regionID, taskID string) (dts.TaskStatus, error)
}

// Notifier tells people what happened. *notify.Notifier implements it. No
// method blocks on the network.
type Notifier interface {
	// Post sends a one-off event, such as a switch that started.
	Post(ev notify.Event)
	// Condition reports the current state of something that lasts across
	// ticks. A message goes out when state differs from the last one
	// posted for ev.Key, and as a reminder when it has not changed for the
	// configured reminder interval.
	Condition(state string, ev notify.Event)
	// Clear reports that the condition under ev.Key has ended; a recovery
	// message goes out only when a condition was active.
	Clear(ev notify.Event)
}

// ConditionKeeper is implemented by a Notifier whose active conditions can
// be kept in the state file, so that a command run from a timer, or a
// restarted daemon, posts once per change of condition and not once per
// run. *notify.Notifier implements it.
type ConditionKeeper interface {
	Conditions() []notify.ConditionRecord
	RestoreConditions(recs []notify.ConditionRecord)
}

// Clock is the time source, replaceable in tests.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, and returns ctx.Err() in the
	// latter case.
	Sleep(ctx context.Context, d time.Duration) error
}

// Observer receives measurements for metrics. Every method must return
// quickly and must not block.
type Observer interface {
	// NodeProbed is called once per node and probe.
	NodeProbed(st probe.Status)
	// ClusterDecided is called once per cluster and tick.
	ClusterDecided(v probe.Verdict)
	// JobChecked is called once per job, direction and tick; drift is true
	// when DTS points at a node that is not the primary.
	JobChecked(jobID string, dir dts.Direction, drift bool)
	// SwitchEnded is called when a switch call's task ends; result is
	// "finished", "failed", "refused", "timeout" or "unknown".
	SwitchEnded(jobID string, dir dts.Direction, result string, at time.Time)
	// TickEnded is called after every tick; ok is false when the tick
	// stopped early (a recovered panic, a cancelled context, or Drain). A
	// tick that ran to its end is ok even when it found an unsafe cluster.
	TickEnded(d time.Duration, ok bool, at time.Time)
}
