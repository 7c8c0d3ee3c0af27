package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testPassword is distinctive so a test can search output for it.
const testPassword = "pw-Xq7-never-printed"

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// closedPort returns a loopback address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	address := ln.Addr().String()
	ln.Close()
	return address
}

func testTarget(name, address, user, password string) Target {
	return Target{
		Cluster:        "test",
		Name:           name,
		Address:        address,
		User:           user,
		Password:       password,
		ConnectTimeout: time.Second,
		ReadTimeout:    time.Second,
	}
}

// checkNoSecret fails when the status's error or printed form shows the
// password.
func checkNoSecret(t *testing.T, st Status) {
	t.Helper()
	for _, text := range []string{fmt.Sprint(st.Err), fmt.Sprintf("%v", st), fmt.Sprintf("%+v", st), fmt.Sprintf("%#v", st)} {
		if strings.Contains(text, testPassword) {
			t.Errorf("output %q contains the password", text)
		}
	}
}

func TestProbe_ConnectionRefused(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()

	address := closedPort(t)
	st := p.Probe(context.Background(), []Target{testTarget("a", address, "probe", testPassword)})[0]
	if st.ErrKind != ErrRefused {
		t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrRefused, st.Err)
	}
	if st.Answered() {
		t.Error("Answered() = true, want false")
	}
	if !strings.Contains(fmt.Sprint(st.Err), address) {
		t.Errorf("Err = %v, want it to name %s", st.Err, address)
	}
	checkNoSecret(t, st)
}

// TestProbe_DNSFailure uses a name with an empty label, which Go's
// resolver rejects as "no such host" without sending any query. The name
// also ends in .onion, for which the resolver never queries DNS either
// (RFC 7686).
func TestProbe_DNSFailure(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()

	st := p.Probe(context.Background(), []Target{testTarget("a", "no-such..node.onion:3306", "probe", testPassword)})[0]
	if st.ErrKind != ErrDNS {
		t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrDNS, st.Err)
	}
	checkNoSecret(t, st)
}

func TestProbe_KeepsOrder(t *testing.T) {
	p := New(Options{MaxConcurrent: 2, Logger: quietLogger()})
	defer p.Close()

	var targets []Target
	for i := range 7 {
		targets = append(targets, testTarget(fmt.Sprintf("n%d", i), closedPort(t), "probe", "pw"))
	}
	statuses := p.Probe(context.Background(), targets)
	if len(statuses) != len(targets) {
		t.Fatalf("len(statuses) = %d, want %d", len(statuses), len(targets))
	}
	for i, st := range statuses {
		if st.Target.Name != targets[i].Name {
			t.Errorf("statuses[%d].Target.Name = %q, want %q", i, st.Target.Name, targets[i].Name)
		}
		if st.ProbedAt.IsZero() {
			t.Errorf("statuses[%d].ProbedAt is zero", i)
		}
	}
}

func TestProbe_NoTargets(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	if got := p.Probe(context.Background(), nil); len(got) != 0 {
		t.Errorf("Probe(nil) = %d statuses, want 0", len(got))
	}
}

func TestProbe_AfterClose(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	if err := p.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	st := p.Probe(context.Background(), []Target{testTarget("a", closedPort(t), "probe", "pw")})[0]
	if st.ErrKind != ErrOther || st.Err == nil {
		t.Errorf("status = (%q, %v), want an %q error", st.ErrKind, st.Err, ErrOther)
	}
}

func TestProbe_CanceledContext(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	st := p.Probe(ctx, []Target{testTarget("a", closedPort(t), "probe", "pw")})[0]
	if st.Answered() {
		t.Error("Answered() = true, want false")
	}
	if st.ErrKind == ErrTimeout {
		t.Errorf("ErrKind = %q, want anything but a timeout for a canceled probe", st.ErrKind)
	}
}

func TestProbe_BadCAFile(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	tg := testTarget("a", closedPort(t), "probe", testPassword)
	tg.TLS = t.TempDir() + "/missing-ca.pem"

	st := p.Probe(context.Background(), []Target{tg})[0]
	if st.ErrKind != ErrOther {
		t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrOther, st.Err)
	}
	if !strings.Contains(fmt.Sprint(st.Err), "tls ca file") {
		t.Errorf("Err = %v, want it to mention the CA file", st.Err)
	}
}

func TestTarget_HidesPassword(t *testing.T) {
	tg := testTarget("a", "127.0.0.1:3306", "probe", testPassword)
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("probe", "target", tg)

	for _, text := range []string{fmt.Sprint(tg), fmt.Sprintf("%+v", tg), fmt.Sprintf("%#v", tg), logged.String()} {
		if strings.Contains(text, testPassword) {
			t.Errorf("output %q contains the password", text)
		}
	}
	if !strings.Contains(logged.String(), "127.0.0.1:3306") {
		t.Errorf("log line %q, want it to contain the address", logged.String())
	}
}

// TestProbe_DriverIgnoresDeadline stands for a driver that stays blocked
// after the node's deadline: Probe must still return a timeout, free the
// slot and drop the pool.
func TestProbe_DriverIgnoresDeadline(t *testing.T) {
	p := New(Options{MaxConcurrent: 1, Logger: quietLogger()})
	defer p.Close()
	unblock := make(chan struct{})
	defer close(unblock)
	var calls atomic.Int32
	p.readStatus = func(ctx context.Context, pl *pool, tg Target, start time.Time, readTimeout time.Duration) Status {
		if calls.Add(1) == 1 {
			<-unblock // the first read ignores ctx
			return Status{Target: tg, ProbedAt: start, Identity: "late"}
		}
		return Status{Target: tg, ProbedAt: start, Identity: "next"}
	}

	tg := testTarget("a", closedPort(t), "probe", testPassword)
	tg.ConnectTimeout, tg.ReadTimeout = 50*time.Millisecond, 50*time.Millisecond
	done := make(chan Status, 1)
	go func() { done <- p.Probe(context.Background(), []Target{tg})[0] }()

	var st Status
	select {
	case st = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Probe still blocked 10s after a 100ms limit")
	}
	if st.ErrKind != ErrTimeout {
		t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrTimeout, st.Err)
	}
	if !errors.Is(st.Err, context.DeadlineExceeded) {
		t.Errorf("Err = %v, want it to wrap context.DeadlineExceeded", st.Err)
	}
	checkNoSecret(t, st)

	p.mu.Lock()
	pools := len(p.pools)
	p.mu.Unlock()
	if pools != 0 {
		t.Errorf("pools after the timeout = %d, want 0", pools)
	}

	// The abandoned worker still blocks, but its slot is free.
	if next := p.Probe(context.Background(), []Target{tg})[0]; !next.Answered() || next.Identity != "next" {
		t.Errorf("next probe = (%q, %v), want an answer from the second read", next.Identity, next.Err)
	}
}

func TestProbe_MaxConcurrent(t *testing.T) {
	const limit = 3
	p := New(Options{MaxConcurrent: limit, Logger: quietLogger()})
	defer p.Close()
	var inFlight, peak, calls atomic.Int32
	p.readStatus = func(ctx context.Context, pl *pool, tg Target, start time.Time, readTimeout time.Duration) Status {
		calls.Add(1)
		n := inFlight.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		inFlight.Add(-1)
		return Status{Target: tg, ProbedAt: start}
	}

	var targets []Target
	for i := range 10 {
		targets = append(targets, testTarget(fmt.Sprintf("n%d", i), fmt.Sprintf("127.0.0.1:%d", 20000+i), "probe", "pw"))
	}
	p.Probe(context.Background(), targets)
	if got := calls.Load(); got != int32(len(targets)) {
		t.Errorf("reads = %d, want %d", got, len(targets))
	}
	if got := peak.Load(); got > limit {
		t.Errorf("peak concurrent reads = %d, want at most %d", got, limit)
	}
}

func TestProber_Retain(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	p.readStatus = func(ctx context.Context, pl *pool, tg Target, start time.Time, readTimeout time.Duration) Status {
		return Status{Target: tg, ProbedAt: start}
	}
	a := testTarget("a", "127.0.0.1:20001", "probe", "pw")
	b := testTarget("b", "127.0.0.1:20002", "probe", "pw")
	p.Probe(context.Background(), []Target{a, b})

	p.mu.Lock()
	keptPool := p.pools[keyOf(a)]
	p.mu.Unlock()
	p.Retain([]Target{a})

	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pools) != 1 || p.pools[keyOf(a)] != keptPool || keptPool == nil {
		t.Errorf("pools after Retain = %d (a kept: %v), want only a's pool, unchanged", len(p.pools), p.pools[keyOf(a)] == keptPool)
	}
}

// TestProbe_EmptyAddress checks that an empty address fails instead of
// reaching the driver, which would dial 127.0.0.1:3306.
func TestProbe_EmptyAddress(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	st := p.Probe(context.Background(), []Target{testTarget("a", "", "probe", "pw")})[0]
	if st.ErrKind != ErrOther {
		t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrOther, st.Err)
	}
	if !strings.Contains(fmt.Sprint(st.Err), "empty address") {
		t.Errorf("Err = %v, want it to mention the empty address", st.Err)
	}
}

func TestProber_StartsTimedOutFirst(t *testing.T) {
	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	p.readStatus = func(ctx context.Context, pl *pool, tg Target, start time.Time, readTimeout time.Duration) Status {
		if tg.Name == "b" {
			return Status{Target: tg, ProbedAt: start, Err: context.DeadlineExceeded, ErrKind: ErrTimeout}
		}
		return Status{Target: tg, ProbedAt: start}
	}
	targets := []Target{
		testTarget("a", "127.0.0.1:20001", "probe", "pw"),
		testTarget("b", "127.0.0.1:20002", "probe", "pw"),
		testTarget("c", "127.0.0.1:20003", "probe", "pw"),
	}
	if got, want := p.startOrder(targets), []int{0, 1, 2}; !slices.Equal(got, want) {
		t.Errorf("start order before any probe = %v, want %v", got, want)
	}
	p.Probe(context.Background(), targets)
	if got, want := p.startOrder(targets), []int{1, 0, 2}; !slices.Equal(got, want) {
		t.Errorf("start order after b timed out = %v, want %v", got, want)
	}
	p.Retain(targets[:1])
	if got, want := p.startOrder(targets), []int{0, 1, 2}; !slices.Equal(got, want) {
		t.Errorf("start order after b was removed = %v, want %v", got, want)
	}
}
