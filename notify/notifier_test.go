package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func unsafeEvent(verdict string) Event {
	return Event{Kind: KindUnsafe, Key: "cluster/orders", Cluster: "orders", Verdict: verdict}
}

func TestCondition_SameStatePostsOnce(t *testing.T) {
	srv := newServer(t)
	n := newNotifier(t, srv, Config{RemindEvery: time.Hour})

	for range 5 {
		n.Condition("split_brain", unsafeEvent("split_brain"))
	}
	flush(t, n)

	if got := len(srv.Messages()); got != 1 {
		t.Errorf("messages: got %d, want 1: %q", got, texts(srv.Messages()))
	}
}

func TestCondition_ChangedStatePostsAgain(t *testing.T) {
	srv := newServer(t)
	n := newNotifier(t, srv, Config{})

	n.Condition("split_brain", unsafeEvent("split_brain"))
	n.Condition("split_brain", unsafeEvent("split_brain"))
	n.Condition("no_primary", unsafeEvent("no_primary"))
	n.Condition("no_primary", unsafeEvent("no_primary"))
	// Another key is another condition.
	other := unsafeEvent("no_primary")
	other.Key, other.Cluster = "cluster/reports", "reports"
	n.Condition("no_primary", other)
	flush(t, n)

	got := texts(srv.Messages())
	want := []string{
		"Cluster unsafe: orders\nCluster: orders\nVerdict: split_brain",
		"Cluster unsafe: orders\nCluster: orders\nVerdict: no_primary",
		"Cluster unsafe: reports\nCluster: reports\nVerdict: no_primary",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("messages:\n%q\nwant:\n%q", got, want)
	}
}

func TestClear_PostsOneRecovery(t *testing.T) {
	srv := newServer(t)
	clock := newFakeClock()
	n := newNotifier(t, srv, Config{Now: clock.Now})

	n.Clear(Event{Key: "cluster/orders"}) // nothing active yet
	n.Condition("split_brain", unsafeEvent("split_brain"))
	clock.Advance(12 * time.Minute)
	n.Clear(Event{Key: "cluster/orders", New: Node{Name: "orders-b"}})
	n.Clear(Event{Key: "cluster/orders"})
	flush(t, n)

	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("messages: got %d, want 2: %q", len(msgs), texts(msgs))
	}
	want := "Recovered after 12m: orders\nCluster: orders\nCleared: Cluster unsafe (split_brain)\nNew node: orders-b"
	if got := msgs[1].Text; got != want {
		t.Errorf("recovery:\n%s\nwant:\n%s", got, want)
	}

	// The key is forgotten: the same state is new again.
	n.Condition("split_brain", unsafeEvent("split_brain"))
	flush(t, n)
	if got := len(srv.Messages()); got != 3 {
		t.Errorf("messages after the condition returned: got %d, want 3", got)
	}
}

func TestCondition_Reminders(t *testing.T) {
	srv := newServer(t)
	clock := newFakeClock()
	n := newNotifier(t, srv, Config{Now: clock.Now, RemindEvery: time.Hour})

	steps := []struct {
		advance time.Duration
		state   string
	}{
		{0, "split_brain"},                // new: posted
		{30 * time.Minute, "split_brain"}, // 30m after the post: nothing
		{31 * time.Minute, "split_brain"}, // 61m: reminder
		{10 * time.Minute, "split_brain"}, // 10m after the reminder: nothing
		{50 * time.Minute, "split_brain"}, // 60m after the reminder: reminder
		{5 * time.Minute, "no_primary"},   // changed: posted
		{59 * time.Minute, "no_primary"},  // 59m after the change: nothing
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		n.Condition(s.state, unsafeEvent(s.state))
	}
	clock.Advance(time.Minute)
	n.Clear(Event{Key: "cluster/orders"})
	flush(t, n)

	got := texts(srv.Messages())
	want := []string{
		"Cluster unsafe: orders\nCluster: orders\nVerdict: split_brain",
		"Reminder: Cluster unsafe for 1h1m: orders\nCluster: orders\nVerdict: split_brain",
		"Reminder: Cluster unsafe for 2h1m: orders\nCluster: orders\nVerdict: split_brain",
		"Cluster unsafe: orders\nCluster: orders\nVerdict: no_primary",
		"Recovered after 3h6m: orders\nCluster: orders\nCleared: Cluster unsafe (no_primary)",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("messages:\n%q\nwant:\n%q", got, want)
	}
}

func TestCondition_NoRemindersWhenOff(t *testing.T) {
	srv := newServer(t)
	clock := newFakeClock()
	n := newNotifier(t, srv, Config{Now: clock.Now})

	for range 5 {
		n.Condition("split_brain", unsafeEvent("split_brain"))
		clock.Advance(24 * time.Hour)
	}
	flush(t, n)

	if got := len(srv.Messages()); got != 1 {
		t.Errorf("messages: got %d, want 1", got)
	}
}

func TestPost_AlwaysPosts(t *testing.T) {
	srv := newServer(t)
	var res results
	n := newNotifier(t, srv, Config{OnResult: res.record})

	ev := jobEvent(KindSwitchStarted)
	n.Post(ev)
	n.Post(ev)
	flush(t, n)

	if got := len(srv.Messages()); got != 2 {
		t.Errorf("messages: got %d, want 2", got)
	}
	delivered, failed := res.snapshot()
	if delivered != 2 || len(failed) != 0 {
		t.Errorf("results: got %d delivered and %q failed, want 2 and none", delivered, failed)
	}
}

func TestNotifier_Disabled(t *testing.T) {
	var logs logBuffer
	called := false
	n := New(Config{
		Channel:     "#dba",
		RemindEvery: time.Minute,
		Logger:      newLogger(&logs),
		OnResult:    func(bool, string) { called = true },
	})
	before := logs.String()

	if n.Enabled() {
		t.Error("Enabled: got true, want false")
	}
	for range 3 {
		n.Post(jobEvent(KindSwitchStarted))
		n.Condition("split_brain", unsafeEvent("split_brain"))
		n.Clear(unsafeEvent(""))
	}
	if err := n.Flush(context.Background()); err != nil {
		t.Errorf("flush: %v", err)
	}
	n.Close()
	n.Close()

	if got := logs.String(); got != before {
		t.Errorf("log output after New: got %q, want nothing", strings.TrimPrefix(got, before))
	}
	if called {
		t.Error("OnResult was called")
	}
	if got := n.Dropped(); got != 0 {
		t.Errorf("Dropped: got %d, want 0", got)
	}
}

func TestNotifier_NilAndZeroAreDisabled(t *testing.T) {
	for _, n := range []*Notifier{nil, {}} {
		n.Post(jobEvent(KindSwitchStarted))
		n.Condition("x", unsafeEvent("x"))
		n.Clear(unsafeEvent("x"))
		if err := n.Flush(context.Background()); err != nil {
			t.Errorf("flush: %v", err)
		}
		n.Close()
		if n.Enabled() {
			t.Error("Enabled: got true, want false")
		}
	}
}

func TestNotifier_AfterClose(t *testing.T) {
	srv := newServer(t)
	var res results
	n := newNotifier(t, srv, Config{OnResult: res.record})

	n.Post(jobEvent(KindSwitchStarted))
	n.Close()
	n.Post(jobEvent(KindSwitchFinished))
	n.Condition("split_brain", unsafeEvent("split_brain"))
	if err := n.Flush(context.Background()); err != nil {
		t.Errorf("flush after close: %v", err)
	}

	if got := len(srv.Messages()); got != 1 {
		t.Errorf("messages: got %d, want 1 (the one queued before Close)", got)
	}
	if got := n.Dropped(); got != 0 {
		t.Errorf("Dropped: got %d, want 0", got)
	}
}

func TestNotifier_Concurrent(t *testing.T) {
	srv := newServer(t)
	n := newNotifier(t, srv, Config{RemindEvery: time.Nanosecond})

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprintf("cluster/c%d", i%4)
				ev := Event{Kind: KindUnsafe, Key: key, Cluster: key}
				n.Condition(fmt.Sprintf("state%d", (g+i)%3), ev)
				if i%7 == 0 {
					n.Clear(ev)
				}
				if i%10 == 0 {
					n.Post(jobEvent(KindSwitchStarted))
				}
			}
		})
	}
	wg.Wait()
	flush(t, n)

	if got := int(n.Dropped()) + len(srv.Messages()); got == 0 {
		t.Error("no message was posted or dropped")
	}
}
