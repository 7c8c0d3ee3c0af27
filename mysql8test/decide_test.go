package mysql8test

import (
	"testing"

	"dts-reconciler/probe"
)

// startCluster starts a primary a and its replicas b and c, all MySQL
// 8.0.36, with the replicas read-only and super-read-only as MySQL replicas
// usually are. uuids gives the server_uuid of a, b and c in order.
func startCluster(t *testing.T, uuids [3]string) (a, b, c *node) {
	t.Helper()
	a = startNode(t, nodeConfig("a", 101, uuids[0]))
	replicas := make([]*node, 2)
	for i, name := range []string{"b", "c"} {
		cfg := nodeConfig(name, uint32(102+i), uuids[1+i])
		cfg.ReadOnly, cfg.SuperReadOnly = true, true
		replicas[i] = startNode(t, cfg)
		replicas[i].replicateFrom(t, a)
	}
	return a, replicas[0], replicas[1]
}

// identities returns the identity of each node that answered, by name, as
// the reconciler keeps them between probes.
func identities(statuses []probe.Status) map[string]string {
	out := make(map[string]string, len(statuses))
	for _, s := range statuses {
		if s.Answered() {
			out[s.Target.Name] = s.Identity
		}
	}
	return out
}

// checkVerdict checks the verdict kind and, for VerdictPrimary, the name
// of the primary.
func checkVerdict(t *testing.T, v probe.Verdict, wantKind probe.VerdictKind, wantPrimary string) {
	t.Helper()
	if v.Kind != wantKind {
		t.Fatalf("Kind = %q, want %q (reason: %s)", v.Kind, wantKind, v.Reason)
	}
	if wantKind != probe.VerdictPrimary {
		if v.Safe() {
			t.Errorf("Safe() = true, want false")
		}
		if v.Primary != nil {
			t.Errorf("Primary = %s, want nil", v.Primary.Target.Name)
		}
		return
	}
	if v.Primary == nil {
		t.Fatalf("Primary = nil, want %s", wantPrimary)
	}
	if got := v.Primary.Target.Name; got != wantPrimary {
		t.Errorf("Primary = %s, want %s", got, wantPrimary)
	}
	if !v.Safe() {
		t.Errorf("Safe() = false, want true")
	}
}

// TestDecide_Switchover follows one cluster through a planned switchover
// and then a mistake that leaves two nodes writable. Each step builds on
// the previous one, and one prober serves them all, as in the daemon.
func TestDecide_Switchover(t *testing.T) {
	a, b, c := startCluster(t, [3]string{uuidA, uuidB, uuidC})
	p := newProber(t)
	var previous map[string]string

	steps := []struct {
		name        string
		change      func(t *testing.T)
		wantKind    probe.VerdictKind
		wantPrimary string
	}{
		{
			name:        "a_primary",
			change:      func(*testing.T) {},
			wantKind:    probe.VerdictPrimary,
			wantPrimary: "a",
		},
		{
			// The usual MySQL 8 switchover: fence the old primary, promote
			// a replica, and point the others at it.
			name: "switchover_to_b",
			change: func(t *testing.T) {
				a.exec(t, "SET GLOBAL super_read_only = ON")
				b.exec(t, "STOP REPLICA", "RESET REPLICA ALL", "SET GLOBAL read_only = OFF")
				c.replicateFrom(t, b)
				a.replicateFrom(t, b)
			},
			wantKind:    probe.VerdictPrimary,
			wantPrimary: "b",
		},
		{
			name: "c_also_writable",
			change: func(t *testing.T) {
				c.exec(t, "SET GLOBAL read_only = OFF")
			},
			wantKind: probe.VerdictSplitBrain,
		},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.change(t)
			statuses := probeNodes(t, p, a, b, c)
			for _, s := range statuses {
				if s.Err != nil {
					t.Fatalf("probe %s: %v", s.Target.Name, s.Err)
				}
			}

			v := probe.Decide("orders", statuses, previous)
			checkVerdict(t, v, step.wantKind, step.wantPrimary)
			if len(v.Unanswered) != 0 {
				t.Errorf("Unanswered has %d nodes, want 0", len(v.Unanswered))
			}
			previous = identities(statuses)
		})
	}
}

func TestDecide_DuplicateServerUUID(t *testing.T) {
	// c's data directory was cloned from b's, auto.cnf included.
	a, b, c := startCluster(t, [3]string{uuidA, uuidB, uuidB})

	statuses := probeNodes(t, newProber(t), a, b, c)
	for _, s := range statuses {
		if s.Err != nil {
			t.Fatalf("probe %s: %v", s.Target.Name, s.Err)
		}
	}
	v := probe.Decide("orders", statuses, nil)
	checkVerdict(t, v, probe.VerdictDuplicateIdentity, "")
}

// TestDecide_WritableReplicaOfUnansweredNode promotes b while its IO
// thread still runs from a, and a does not answer the probe. a may still be
// the primary that clients write to, so no switch is safe. Stopping b's
// replication, as the verdict's reason asks, makes b the primary.
func TestDecide_WritableReplicaOfUnansweredNode(t *testing.T) {
	tests := []struct {
		name string
		// silence makes a stop answering the probe.
		silence       func(t *testing.T, a *node) probe.Target
		wantIORunning string
		wantErrKind   probe.ErrorKind
	}{
		{
			// a crashed: b notices the lost connection and keeps trying.
			name: "source_closed",
			silence: func(t *testing.T, a *node) probe.Target {
				a.stop(t)
				return a.target()
			},
			wantIORunning: "Connecting",
			wantErrKind:   probe.ErrRefused,
		},
		{
			// a runs and serves b's replication, but rejects the probe
			// account, so its role is unknown.
			name: "source_rejects_probe",
			silence: func(t *testing.T, a *node) probe.Target {
				return a.targetAs(probeUser, "stale-probe-pw-0b7e")
			},
			wantIORunning: "Yes",
			wantErrKind:   probe.ErrAccessDenied,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, c := startCluster(t, [3]string{uuidA, uuidB, uuidC})
			p := newProber(t)
			targetA := tt.silence(t, a)
			b.exec(t, "SET GLOBAL read_only = OFF")

			probeAll := func() []probe.Status {
				ctx, cancel := testContext()
				defer cancel()
				return p.Probe(ctx, []probe.Target{targetA, b.target(), c.target()})
			}
			statuses := probeAll()
			if got := statuses[0].ErrKind; got != tt.wantErrKind {
				t.Fatalf("a: ErrKind = %q, want %q (err: %v)", got, tt.wantErrKind, statuses[0].Err)
			}
			for _, s := range statuses[1:] {
				if s.Err != nil {
					t.Fatalf("probe %s: %v", s.Target.Name, s.Err)
				}
			}
			if r := statuses[1].Replica; r == nil {
				t.Fatalf("b: Replica = nil, want replication from a")
			} else if r.IORunning != tt.wantIORunning {
				t.Errorf("b: IORunning = %q, want %q", r.IORunning, tt.wantIORunning)
			}

			v := probe.Decide("orders", statuses, nil)
			checkVerdict(t, v, probe.VerdictReplicatingPrimary, "")
			if len(v.Unanswered) != 1 || v.Unanswered[0].Target.Name != "a" {
				t.Errorf("Unanswered = %v, want only a", names(v.Unanswered))
			}

			b.exec(t, "STOP REPLICA")
			v = probe.Decide("orders", probeAll(), nil)
			checkVerdict(t, v, probe.VerdictPrimary, "b")
		})
	}
}

func names(statuses []probe.Status) []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = s.Target.Name
	}
	return out
}
