// Package notify posts dts-reconciler events to Slack, by incoming webhook
// or by bot token, without ever blocking the caller.
package notify

import "time"

// Kind is the type of an event.
type Kind string

// Event kinds.
const (
	// KindDrift: a job points at a node that is not the primary. In
	// dry-run the message describes the switch that would be made.
	KindDrift Kind = "drift"
	// KindSwitchStarted: a SwitchSynchronizationEndpoint call was accepted.
	KindSwitchStarted Kind = "switch_started"
	// KindSwitchFinished: the switch task ended Finished.
	KindSwitchFinished Kind = "switch_finished"
	// KindSwitchFailed: the call was refused, the task ended Failed, or it
	// did not end within the switch timeout.
	KindSwitchFailed Kind = "switch_failed"
	// KindSwitchUnknown: the outcome of a switch call is unknown, such as
	// after a timeout of the call, or DTS does not know its task. DTS may
	// have switched.
	KindSwitchUnknown Kind = "switch_unknown"
	// KindUnsafe: a cluster or job is in a state that blocks any switch
	// (no primary, split brain, endpoint matching no node, ...).
	KindUnsafe Kind = "unsafe"
	// KindHeld: a guard held a switch back (cooldown, budget, lock, ...).
	KindHeld Kind = "held"
	// KindRecovered: a condition reported earlier has cleared.
	KindRecovered Kind = "recovered"
	// KindAudit: the summary of an audit run.
	KindAudit Kind = "audit"
	// KindStateFile: the state file could not be read, written or locked.
	// The event names no job or cluster; Reason names the file.
	KindStateFile Kind = "state_file"
)

// Node describes a MySQL node in a message.
type Node struct {
	Name     string
	Address  string
	Identity string
}

// Event is one thing worth telling people.
type Event struct {
	Kind Kind
	// Key identifies a condition across ticks, such as
	// "cluster/orders" or "job/dtsexample/Forward". Events with the same
	// Key are de-duplicated: see [Notifier.Condition].
	Key string

	JobID        string
	Direction    string // Forward or Reverse
	EndpointType string // Source or Destination
	Cluster      string
	Old          Node
	New          Node
	// Verdict is the cluster verdict, such as "split_brain".
	Verdict string
	// Reason is the cause, and what a person should check.
	Reason string
	// Result is the outcome in words, such as "task 1234 Finished".
	Result     string
	TaskID     string
	RequestIDs []string
	Duration   time.Duration
	DryRun     bool
	// Text is free text for events that need it (the audit summary).
	Text string
	At   time.Time
}
