package notify

import "time"

// condition is the state last posted for one key.
type condition struct {
	state string
	ev    Event
	// since is when the key became active; a change of state keeps it.
	since    time.Time
	lastPost time.Time
}

// Condition reports that the condition under ev.Key is in state. A
// message goes out when the key is new or state differs from the last
// state posted for it. When state is unchanged, a reminder goes out if
// RemindEvery is set and has passed since the last message for the key,
// and nothing otherwise. A message dropped on a full queue is not
// recorded as posted, so the next call tries again.
func (n *Notifier) Condition(state string, ev Event) {
	if !n.Enabled() {
		return
	}
	now := n.now()
	if ev.At.IsZero() {
		ev.At = now
	}

	n.mu.Lock()
	c := n.conditions[ev.Key]
	var p post
	switch {
	case c == nil || c.state != state:
		p = post{ev: ev}
	case n.remindEvery > 0 && now.Sub(c.lastPost) >= n.remindEvery:
		p = post{ev: ev, reminder: true, lasted: now.Sub(c.since)}
	default:
		n.mu.Unlock()
		return
	}
	queued, full := n.enqueueLocked(p)
	if queued {
		if c == nil {
			c = &condition{since: now}
			n.conditions[ev.Key] = c
		}
		c.state, c.ev, c.lastPost = state, ev, now
	}
	n.mu.Unlock()

	if full {
		n.dropped(ev)
	}
}

// Clear reports that the condition under ev.Key has ended. When one was
// active, a KindRecovered message names what cleared and how long it
// lasted, and the key is forgotten. Otherwise nothing is sent. Empty job,
// direction, endpoint type and cluster in ev are taken from the
// condition.
func (n *Notifier) Clear(ev Event) {
	if !n.Enabled() {
		return
	}
	now := n.now()

	n.mu.Lock()
	c := n.conditions[ev.Key]
	if c == nil {
		n.mu.Unlock()
		return
	}
	rec := recoveryEvent(ev, c.ev, now)
	queued, full := n.enqueueLocked(post{ev: rec, lasted: now.Sub(c.since), cleared: describeCondition(c)})
	if queued {
		delete(n.conditions, ev.Key)
	}
	n.mu.Unlock()

	if full {
		n.dropped(rec)
	}
}

// recoveryEvent builds the KindRecovered event for a cleared condition
// from the event given to Clear and the condition's last event.
func recoveryEvent(ev, last Event, now time.Time) Event {
	ev.Kind = KindRecovered
	if ev.JobID == "" && ev.Cluster == "" {
		ev.JobID, ev.Direction, ev.EndpointType = last.JobID, last.Direction, last.EndpointType
	}
	if ev.Cluster == "" {
		ev.Cluster = last.Cluster
	}
	ev.DryRun = ev.DryRun || last.DryRun
	if ev.At.IsZero() {
		ev.At = now
	}
	return ev
}

// describeCondition names a condition for a recovery message, such as
// "Cluster unsafe (split_brain)".
func describeCondition(c *condition) string {
	ev := c.ev
	// Name the condition itself, not the dry-run wording of a drift.
	ev.DryRun = false
	detail := ev.Verdict
	if detail == "" {
		detail = c.state
	}
	if detail == "" {
		return headline(ev)
	}
	return headline(ev) + " (" + detail + ")"
}
