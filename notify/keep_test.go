package notify

import (
	"strings"
	"testing"
	"time"
)

// A condition kept by one notifier and restored into the next posts
// nothing for the same state, and a recovery when it clears.
func TestConditions_RestoredAcrossNotifiers(t *testing.T) {
	srv := newServer(t)
	ev := Event{Kind: KindUnsafe, Key: "cluster/orders", Cluster: "orders", Verdict: "split_brain", Reason: "two writable nodes"}

	first := newNotifier(t, srv, Config{RemindEvery: time.Hour})
	first.Condition("split_brain:a,b", ev)
	flush(t, first)
	kept := first.Conditions()
	if len(kept) != 1 || kept[0].Key != "cluster/orders" || kept[0].State != "split_brain:a,b" {
		t.Fatalf("Conditions() = %+v, want the one condition", kept)
	}

	second := newNotifier(t, srv, Config{RemindEvery: time.Hour})
	second.RestoreConditions(kept)
	second.Condition("split_brain:a,b", ev)
	flush(t, second)
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("messages after the same state in a new notifier = %d, want 1", got)
	}

	second.Clear(Event{Key: "cluster/orders"})
	flush(t, second)
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("messages after Clear = %d, want 2", len(msgs))
	}
	if !strings.Contains(msgs[1].Text, "Recovered") {
		t.Errorf("second message = %q, want a recovery", msgs[1].Text)
	}
	if got := second.Conditions(); len(got) != 0 {
		t.Errorf("Conditions() after Clear = %+v, want none", got)
	}
}

func TestConditions_DisabledNotifierKeepsNone(t *testing.T) {
	n := New(Config{})
	n.RestoreConditions([]ConditionRecord{{Key: "k", State: "s"}})
	if got := n.Conditions(); got != nil {
		t.Errorf("Conditions() = %+v, want nil", got)
	}
}
