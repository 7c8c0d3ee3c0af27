package notify

import (
	"slices"
	"strings"
	"time"
)

// ConditionRecord is a condition as it is kept between processes, so that
// a command run from a timer posts once per change of condition and not
// once per run.
type ConditionRecord struct {
	Key      string    `json:"key"`
	State    string    `json:"state"`
	Event    Event     `json:"event"`
	Since    time.Time `json:"since"`
	LastPost time.Time `json:"last_post"`
}

// Conditions returns the active conditions, sorted by key. A disabled
// notifier has none.
func (n *Notifier) Conditions() []ConditionRecord {
	if !n.Enabled() {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]ConditionRecord, 0, len(n.conditions))
	for key, c := range n.conditions {
		out = append(out, ConditionRecord{Key: key, State: c.state, Event: c.ev, Since: c.since, LastPost: c.lastPost})
	}
	slices.SortFunc(out, func(a, b ConditionRecord) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// RestoreConditions makes recs the active conditions, as if their messages
// had been posted by this notifier, so the same states post nothing and
// reminders keep their timing. It replaces conditions of the same keys and
// keeps the others. Records without a key are ignored.
func (n *Notifier) RestoreConditions(recs []ConditionRecord) {
	if !n.Enabled() {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range recs {
		if r.Key == "" {
			continue
		}
		n.conditions[r.Key] = &condition{state: r.State, ev: r.Event, since: r.Since, lastPost: r.LastPost}
	}
}
