package mysql8test

import (
	"strings"
	"testing"

	"dts-reconciler/probe"
)

const (
	uuidA = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	uuidB = "5c2a6f02-71ca-11e1-9e33-c80aa9429562"
	uuidC = "7a41d9b6-71ca-11e1-9e33-c80aa9429562"
)

func TestProbe_MySQL8Primary(t *testing.T) {
	a := startNode(t, nodeConfig("a", 101, uuidA))
	p := newProber(t)

	st := probeNodes(t, p, a)[0]
	if st.Err != nil {
		t.Fatalf("probe a: %v", st.Err)
	}
	if got, want := st.Flavor, "mysql"; got != want {
		t.Errorf("Flavor = %q, want %q", got, want)
	}
	if got, want := st.IdentitySource, probe.IdentityServerUUID; got != want {
		t.Errorf("IdentitySource = %q, want %q", got, want)
	}
	if got, want := st.Identity, uuidA; got != want {
		t.Errorf("Identity = %q, want %q", got, want)
	}
	if !st.HasSuperReadOnly {
		t.Errorf("HasSuperReadOnly = false, want true")
	}
	if st.ReadOnly {
		t.Errorf("ReadOnly = true, want false")
	}
	if st.SuperReadOnly {
		t.Errorf("SuperReadOnly = true, want false")
	}
	if st.Replica != nil {
		t.Errorf("Replica = %+v, want nil", *st.Replica)
	}
	if !st.Writable() {
		t.Errorf("Writable() = false, want true")
	}
	if got, want := st.Version, "8.0.36"; got != want {
		t.Errorf("Version = %q, want %q", got, want)
	}
	if got, want := st.ServerID, uint32(101); got != want {
		t.Errorf("ServerID = %d, want %d", got, want)
	}
	if got, want := st.Hostname, "a"; got != want {
		t.Errorf("Hostname = %q, want %q", got, want)
	}

	// A second probe reuses the pool and what the first one learnt about
	// the server, and must read the same state.
	again := probeNodes(t, p, a)[0]
	if again.Err != nil {
		t.Fatalf("second probe of a: %v", again.Err)
	}
	if got, want := again.Identity, uuidA; got != want {
		t.Errorf("second probe: Identity = %q, want %q", got, want)
	}
	if !again.HasSuperReadOnly {
		t.Errorf("second probe: HasSuperReadOnly = false, want true")
	}
}

// TestProbe_ReadOnlyFlags covers both flags as set at start and as changed
// by SET GLOBAL, which on MySQL 8 couples them: super_read_only ON turns
// read_only ON, and read_only OFF turns super_read_only OFF.
func TestProbe_ReadOnlyFlags(t *testing.T) {
	tests := []struct {
		name          string
		readOnly      bool // at start
		superReadOnly bool // at start
		statements    []string
		wantReadOnly  bool
		wantSuper     bool
		wantWritable  bool
	}{
		{name: "both_off", wantWritable: true},
		{name: "read_only_on", readOnly: true, wantReadOnly: true},
		{name: "both_on", readOnly: true, superReadOnly: true, wantReadOnly: true, wantSuper: true},
		{
			// MySQL never reports this pair; a server that did must still
			// count as read-only.
			name:          "super_read_only_on_read_only_off",
			superReadOnly: true,
			wantSuper:     true,
		},
		{
			name:         "set_super_read_only_on",
			statements:   []string{"SET GLOBAL super_read_only = ON"},
			wantReadOnly: true,
			wantSuper:    true,
		},
		{
			name:          "set_read_only_off",
			readOnly:      true,
			superReadOnly: true,
			statements:    []string{"SET GLOBAL read_only = OFF"},
			wantWritable:  true,
		},
		{
			name:          "set_super_read_only_off",
			readOnly:      true,
			superReadOnly: true,
			statements:    []string{"SET GLOBAL super_read_only = OFF"},
			wantReadOnly:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := nodeConfig("a", 101, uuidA)
			cfg.ReadOnly, cfg.SuperReadOnly = tt.readOnly, tt.superReadOnly
			a := startNode(t, cfg)
			a.exec(t, tt.statements...)

			st := probeNodes(t, newProber(t), a)[0]
			if st.Err != nil {
				t.Fatalf("probe a: %v", st.Err)
			}
			if got := st.ReadOnly; got != tt.wantReadOnly {
				t.Errorf("ReadOnly = %v, want %v", got, tt.wantReadOnly)
			}
			if got := st.SuperReadOnly; got != tt.wantSuper {
				t.Errorf("SuperReadOnly = %v, want %v", got, tt.wantSuper)
			}
			if !st.HasSuperReadOnly {
				t.Errorf("HasSuperReadOnly = false, want true")
			}
			if got := st.Writable(); got != tt.wantWritable {
				t.Errorf("Writable() = %v, want %v", got, tt.wantWritable)
			}
		})
	}
}

func TestProbe_WrongPasswordIsAccessDenied(t *testing.T) {
	a := startNode(t, nodeConfig("a", 101, uuidA))
	const wrong = "not-the-probe-pw-93d1"

	ctx, cancel := testContext()
	defer cancel()
	st := newProber(t).Probe(ctx, []probe.Target{a.targetAs(probeUser, wrong)})[0]

	if st.Err == nil {
		t.Fatalf("Err = nil, want an access error")
	}
	if got, want := st.ErrKind, probe.ErrAccessDenied; got != want {
		t.Errorf("ErrKind = %q, want %q (err: %v)", got, want, st.Err)
	}
	if st.Answered() {
		t.Errorf("Answered() = true, want false")
	}
	if st.Writable() {
		t.Errorf("Writable() = true, want false")
	}
	if st.Identity != "" {
		t.Errorf("Identity = %q, want empty", st.Identity)
	}
	if msg := st.Err.Error(); strings.Contains(msg, wrong) {
		t.Errorf("error text %q contains the password", msg)
	}
}

// TestProbe_TryLockOnMySQL8 takes the switch lock the way two daemons
// would: the second attempt must not get it until the first releases it.
func TestProbe_TryLockOnMySQL8(t *testing.T) {
	a := startNode(t, nodeConfig("a", 101, uuidA))
	first, second := newProber(t), newProber(t)
	ctx, cancel := testContext()
	defer cancel()
	const name = "dts-reconciler:dtsexjk1alb116test"

	release, held, err := first.TryLock(ctx, a.target(), name)
	if err != nil || !held {
		t.Fatalf("first TryLock: held = %v, err = %v; want held", held, err)
	}
	_, held, err = second.TryLock(ctx, a.target(), name)
	if err != nil {
		t.Fatalf("second TryLock: %v", err)
	}
	if held {
		t.Errorf("second TryLock while the first holds the lock: held = true, want false")
	}

	release()
	releaseAgain, held, err := second.TryLock(ctx, a.target(), name)
	if err != nil || !held {
		t.Fatalf("TryLock after release: held = %v, err = %v; want held", held, err)
	}
	releaseAgain()
}
