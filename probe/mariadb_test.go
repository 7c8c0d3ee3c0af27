package probe

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"dts-reconciler/internal/mariadbtest"
)

const (
	mariadbUser     = "dts_probe"
	mariadbPassword = "probe-pw-Kz81-never-printed"
)

func startCluster(t testing.TB, name string, nodes int) *mariadbtest.Cluster {
	t.Helper()
	return mariadbtest.StartTest(t, mariadbtest.Options{
		Name:     name,
		Nodes:    nodes,
		User:     mariadbUser,
		Password: mariadbPassword,
	})
}

// nodeTargets returns one target per node of c, named after the node.
func nodeTargets(c *mariadbtest.Cluster) []Target {
	var targets []Target
	for _, n := range c.Nodes {
		targets = append(targets, Target{
			Cluster:        c.Name,
			Name:           n.Name,
			Address:        n.Address,
			User:           mariadbUser,
			Password:       mariadbPassword,
			ConnectTimeout: 2 * time.Second,
			ReadTimeout:    2 * time.Second,
		})
	}
	return targets
}

func identities(statuses []Status) map[string]string {
	m := make(map[string]string)
	for _, s := range statuses {
		if s.Answered() {
			m[s.Target.Name] = s.Identity
		}
	}
	return m
}

func names(statuses []Status) []string {
	var out []string
	for _, s := range statuses {
		out = append(out, s.Target.Name)
	}
	return out
}

// checkVerdict fails the test unless v has kind want and, for a primary,
// names the node primary.
func checkVerdict(t *testing.T, v Verdict, want VerdictKind, primary string) {
	t.Helper()
	if v.Kind != want {
		t.Fatalf("Kind = %q, want %q (reason: %s)", v.Kind, want, v.Reason)
	}
	got := ""
	if v.Primary != nil {
		got = v.Primary.Target.Name
	}
	if got != primary {
		t.Errorf("Primary = %q, want %q", got, primary)
	}
}

// checkReplica fails the test unless s replicates from source with both
// threads running.
func checkReplica(t *testing.T, s Status, source *mariadbtest.Node) {
	t.Helper()
	r := s.Replica
	if r == nil {
		t.Fatalf("%s: Replica = nil, want replication from %s", s.Target.Name, source.Name)
	}
	if r.SourceHost != "127.0.0.1" || r.SourcePort != source.Port {
		t.Errorf("%s: source = %s:%d, want 127.0.0.1:%d", s.Target.Name, r.SourceHost, r.SourcePort, source.Port)
	}
	if r.IORunning != "Yes" {
		t.Errorf("%s: IORunning = %q, want %q (last IO error %q)", s.Target.Name, r.IORunning, "Yes", r.LastIOError)
	}
	if !r.SQLRunning {
		t.Errorf("%s: SQLRunning = false, want true", s.Target.Name)
	}
	if r.SourceUUID != "" {
		t.Errorf("%s: SourceUUID = %q, want empty on MariaDB", s.Target.Name, r.SourceUUID)
	}
}

// probeConnectionIDs returns the ids of the probe account's connections
// to n.
func probeConnectionIDs(t *testing.T, n *mariadbtest.Node) []int64 {
	t.Helper()
	rows, err := n.DB().QueryContext(context.Background(),
		"SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? ORDER BY ID", mariadbUser)
	if err != nil {
		t.Fatalf("list connections: %v", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("list connections: %v", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list connections: %v", err)
	}
	return ids
}

// TestMariaDB_Topologies walks one three-node cluster through the
// topologies a switch must be decided on. The steps share the cluster and
// run in order.
func TestMariaDB_Topologies(t *testing.T) {
	c := startCluster(t, "topo", 3)
	ctx := context.Background()
	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	targets := nodeTargets(c)
	a, b, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]

	t.Run("initial_primary", func(t *testing.T) {
		statuses := p.Probe(ctx, targets)
		for i, s := range statuses {
			if !s.Answered() {
				t.Fatalf("%s: Err = %v, want none", s.Target.Name, s.Err)
			}
			if s.IdentitySource != IdentityServerUID || s.Identity == "" {
				t.Errorf("%s: identity = %q from %q, want a server_uid", s.Target.Name, s.Identity, s.IdentitySource)
			}
			if s.Flavor != "mariadb" || !strings.Contains(s.Version, "MariaDB") {
				t.Errorf("%s: flavor %q, version %q, want MariaDB", s.Target.Name, s.Flavor, s.Version)
			}
			if s.HasSuperReadOnly {
				t.Errorf("%s: HasSuperReadOnly = true, want false on MariaDB", s.Target.Name)
			}
			if int(s.ServerID) != c.Nodes[i].ServerID {
				t.Errorf("%s: ServerID = %d, want %d", s.Target.Name, s.ServerID, c.Nodes[i].ServerID)
			}
			if s.Hostname == "" {
				t.Errorf("%s: Hostname is empty", s.Target.Name)
			}
			if s.Duration <= 0 || s.ProbedAt.IsZero() {
				t.Errorf("%s: Duration %s, ProbedAt %s, want both set", s.Target.Name, s.Duration, s.ProbedAt)
			}
		}
		if statuses[0].Replica != nil {
			t.Errorf("%s: Replica = %+v, want nil", a.Name, *statuses[0].Replica)
		}
		checkReplica(t, statuses[1], a)
		checkReplica(t, statuses[2], a)
		if statuses[0].ReadOnly || !statuses[1].ReadOnly || !statuses[2].ReadOnly {
			t.Errorf("read_only = %v, %v, %v, want false, true, true", statuses[0].ReadOnly, statuses[1].ReadOnly, statuses[2].ReadOnly)
		}
		if ids := identities(statuses); len(ids) != 3 || ids[a.Name] == ids[b.Name] || ids[b.Name] == ids[cc.Name] {
			t.Errorf("identities = %v, want three different ones", ids)
		}
		checkVerdict(t, Decide(c.Name, statuses, nil), VerdictPrimary, a.Name)
	})

	t.Run("connection_reused", func(t *testing.T) {
		first := p.Probe(ctx, targets)
		before := probeConnectionIDs(t, a)
		for range 5 {
			p.Probe(ctx, targets)
		}
		after := probeConnectionIDs(t, a)
		if len(before) == 0 || !slices.Equal(after, before) {
			t.Errorf("probe connections = %v after five probes, want %v, the same non-empty set", after, before)
		}
		again := p.Probe(ctx, targets)
		if !maps.Equal(identities(again), identities(first)) {
			t.Errorf("identities = %v on a warm pool, want %v", identities(again), identities(first))
		}
	})

	t.Run("hung_nodes_beside_cluster", func(t *testing.T) {
		hole, err := mariadbtest.NewBlackhole()
		if err != nil {
			t.Fatal(err)
		}
		defer hole.Close()
		staller, err := mariadbtest.NewStaller()
		if err != nil {
			t.Fatal(err)
		}
		defer staller.Close()

		hung := []Target{
			{Cluster: c.Name, Name: "blackhole", Address: hole.Address, User: mariadbUser, Password: mariadbPassword,
				ConnectTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond},
			{Cluster: c.Name, Name: "staller", Address: staller.Address, User: mariadbUser, Password: mariadbPassword,
				ConnectTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond},
		}
		statuses := p.Probe(ctx, append(slices.Clone(targets), hung...))
		for _, s := range statuses[3:] {
			if s.ErrKind != ErrTimeout {
				t.Errorf("%s: ErrKind = %q, want %q (err: %v)", s.Target.Name, s.ErrKind, ErrTimeout, s.Err)
			}
		}
		v := Decide(c.Name, statuses, nil)
		checkVerdict(t, v, VerdictPrimary, a.Name)
		if got := names(v.Unanswered); !slices.Equal(got, []string{"blackhole", "staller"}) {
			t.Errorf("Unanswered = %v, want [blackhole staller]", got)
		}
	})

	t.Run("switchover", func(t *testing.T) {
		if err := c.Switchover(ctx, 1); err != nil {
			t.Fatal(err)
		}
		statuses := p.Probe(ctx, targets)
		checkVerdict(t, Decide(c.Name, statuses, nil), VerdictPrimary, b.Name)
		if statuses[1].Replica != nil {
			t.Errorf("%s: Replica = %+v, want nil after promotion", b.Name, *statuses[1].Replica)
		}
		checkReplica(t, statuses[0], b)
		checkReplica(t, statuses[2], b)
	})

	t.Run("identity_changed", func(t *testing.T) {
		previous := identities(p.Probe(ctx, targets))
		moved := slices.Clone(targets)
		moved[2].Address = a.Address // the address of node c now reaches node a
		v := Decide(c.Name, p.Probe(ctx, moved), previous)
		checkVerdict(t, v, VerdictIdentityChanged, "")
		for _, part := range []string{cc.Name, previous[cc.Name], previous[a.Name]} {
			if !strings.Contains(v.Reason, part) {
				t.Errorf("Reason = %q, want it to contain %q", v.Reason, part)
			}
		}
	})

	t.Run("duplicate_identity", func(t *testing.T) {
		twice := append(slices.Clone(targets), targets[0])
		twice[3].Name = "topo-a-again"
		checkVerdict(t, Decide(c.Name, p.Probe(ctx, twice), nil), VerdictDuplicateIdentity, "")
	})

	t.Run("all_read_only", func(t *testing.T) {
		if err := c.SetReadOnly(ctx, 1, true); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := c.SetReadOnly(ctx, 1, false); err != nil {
				t.Fatal(err)
			}
		}()
		checkVerdict(t, Decide(c.Name, p.Probe(ctx, targets), nil), VerdictNoPrimary, "")
	})

	t.Run("two_writable", func(t *testing.T) {
		if err := c.SetReadOnly(ctx, 2, false); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := c.SetReadOnly(ctx, 2, true); err != nil {
				t.Fatal(err)
			}
		}()
		v := Decide(c.Name, p.Probe(ctx, targets), nil)
		checkVerdict(t, v, VerdictSplitBrain, "")
		if !strings.Contains(v.Reason, b.Name) || !strings.Contains(v.Reason, cc.Name) {
			t.Errorf("Reason = %q, want it to name %s and %s", v.Reason, b.Name, cc.Name)
		}
	})

	t.Run("writable_replica_not_applying", func(t *testing.T) {
		// Node c receives b's writes but no longer applies them, then b
		// becomes read-only and c writable: c must not count as the
		// primary, because it lacks the write made on b.
		if err := cc.Exec(ctx, "STOP SLAVE SQL_THREAD"); err != nil {
			t.Fatal(err)
		}
		if err := b.Exec(ctx, "CREATE DATABASE not_applied_on_c"); err != nil {
			t.Fatal(err)
		}
		if err := c.SetReadOnly(ctx, 1, true); err != nil {
			t.Fatal(err)
		}
		if err := c.SetReadOnly(ctx, 2, false); err != nil {
			t.Fatal(err)
		}
		defer func() {
			for _, step := range []func() error{
				func() error { return c.SetReadOnly(ctx, 2, true) },
				func() error { return c.SetReadOnly(ctx, 1, false) },
				func() error { return cc.Exec(ctx, "START SLAVE SQL_THREAD") },
				func() error { return c.WaitReplicated(ctx) },
			} {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
		}()

		statuses := p.Probe(ctx, targets)
		r := statuses[2].Replica
		if r == nil || r.IORunning != "Yes" || r.SQLRunning || r.SourcePort != b.Port {
			t.Fatalf("%s: Replica = %+v, want IO running and SQL stopped from port %d", cc.Name, r, b.Port)
		}
		v := Decide(c.Name, statuses, nil)
		checkVerdict(t, v, VerdictReplicaNotApplying, "")
		for _, part := range []string{cc.Address, b.Address, "stopped applying what it receives from " + b.Name} {
			if !strings.Contains(v.Reason, part) {
				t.Errorf("Reason = %q, want it to contain %q", v.Reason, part)
			}
		}
	})

	t.Run("wrong_password", func(t *testing.T) {
		wrong := slices.Clone(targets)
		wrong[0].Password = testPassword
		statuses := p.Probe(ctx, wrong)
		if statuses[0].ErrKind != ErrAccessDenied {
			t.Errorf("ErrKind = %q, want %q (err: %v)", statuses[0].ErrKind, ErrAccessDenied, statuses[0].Err)
		}
		checkNoSecret(t, statuses[0])
		v := Decide(c.Name, statuses, nil)
		checkVerdict(t, v, VerdictPrimary, b.Name)
		if got := names(v.Unanswered); !slices.Equal(got, []string{a.Name}) {
			t.Errorf("Unanswered = %v, want [%s]", got, a.Name)
		}
	})

	t.Run("missing_replication_grant", func(t *testing.T) {
		// Created on the primary, so it replicates to every node.
		if err := b.Exec(ctx, "CREATE USER 'no_monitor'@'%' IDENTIFIED BY 'pw'"); err != nil {
			t.Fatal(err)
		}
		tg := targets[1]
		tg.User, tg.Password = "no_monitor", "pw"
		st := p.Probe(ctx, []Target{tg})[0]
		if st.ErrKind != ErrAccessDenied {
			t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrAccessDenied, st.Err)
		}
	})

	t.Run("lock", func(t *testing.T) {
		const name = "dts-reconciler:test-job"
		release, held, err := p.TryLock(ctx, targets[1], name)
		if err != nil || !held {
			t.Fatalf("TryLock = (held %v, err %v), want the lock", held, err)
		}
		_, heldAgain, err := p.TryLock(ctx, targets[1], name)
		if err != nil || heldAgain {
			t.Errorf("second TryLock = (held %v, err %v), want (false, nil) while the first holds it", heldAgain, err)
		}
		release()
		release() // a second call does nothing

		release2, held, err := p.TryLock(ctx, targets[1], name)
		if err != nil || !held {
			t.Fatalf("TryLock after release = (held %v, err %v), want the lock", held, err)
		}
		release2()
	})

	t.Run("failover_old_primary_dead", func(t *testing.T) {
		if err := c.Failover(ctx, 2); err != nil {
			t.Fatal(err)
		}
		statuses := p.Probe(ctx, targets)
		if statuses[1].ErrKind != ErrRefused {
			t.Errorf("%s: ErrKind = %q, want %q (err: %v)", b.Name, statuses[1].ErrKind, ErrRefused, statuses[1].Err)
		}
		v := Decide(c.Name, statuses, nil)
		checkVerdict(t, v, VerdictPrimary, cc.Name)
		if got := names(v.Unanswered); !slices.Equal(got, []string{b.Name}) {
			t.Errorf("Unanswered = %v, want [%s]", got, b.Name)
		}
		checkReplica(t, statuses[0], cc)
	})

	t.Run("writable_replica_of_dead_primary", func(t *testing.T) {
		if err := c.Kill(2); err != nil {
			t.Fatal(err)
		}
		// Node a keeps trying to reach the killed primary.
		var io string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			st := p.Probe(ctx, targets[:1])[0]
			if st.Replica != nil {
				io = st.Replica.IORunning
			}
			if io == "Connecting" {
				break
			}
		}
		if io != "Connecting" {
			t.Errorf("%s: IORunning = %q, want %q after its source was killed", a.Name, io, "Connecting")
		}
		if err := c.SetReadOnly(ctx, 0, false); err != nil {
			t.Fatal(err)
		}

		v := Decide(c.Name, p.Probe(ctx, targets), nil)
		checkVerdict(t, v, VerdictReplicatingPrimary, "")
		if got := names(v.Unanswered); !slices.Equal(got, []string{b.Name, cc.Name}) {
			t.Errorf("Unanswered = %v, want [%s %s]", got, b.Name, cc.Name)
		}
		if !strings.Contains(v.Reason, a.Name) || !strings.Contains(v.Reason, cc.Address) {
			t.Errorf("Reason = %q, want it to name %s and %s", v.Reason, a.Name, cc.Address)
		}
	})
}

func TestProbe_HungServers(t *testing.T) {
	hole, err := mariadbtest.NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	staller, err := mariadbtest.NewStaller()
	if err != nil {
		t.Fatal(err)
	}
	defer staller.Close()

	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	tests := []struct {
		name    string
		address string
	}{
		{name: "blackhole", address: hole.Address},
		{name: "staller", address: staller.Address},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := testTarget(tt.name, tt.address, "probe", testPassword)
			tg.ConnectTimeout, tg.ReadTimeout = 200*time.Millisecond, 200*time.Millisecond
			st := p.Probe(context.Background(), []Target{tg})[0]
			if st.ErrKind != ErrTimeout {
				t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrTimeout, st.Err)
			}
			checkNoSecret(t, st)
			if v := Decide("test", []Status{st}, nil); v.Kind != VerdictNoPrimary {
				t.Errorf("verdict = %q, want %q", v.Kind, VerdictNoPrimary)
			}
		})
	}
}

// BenchmarkProbe20Nodes probes 20 targets spread over the six nodes of two
// three-node clusters, with warm pools, one Probe call per iteration. It
// reports the median wall time of one Probe call next to the mean.
// Several targets share a server, and so share its pool of two
// connections.
func BenchmarkProbe20Nodes(b *testing.B) {
	clusters := []*mariadbtest.Cluster{startCluster(b, "bench1", 3), startCluster(b, "bench2", 3)}
	var nodes []Target
	for _, c := range clusters {
		nodes = append(nodes, nodeTargets(c)...)
	}
	targets := make([]Target, 20)
	for i := range targets {
		targets[i] = nodes[i%len(nodes)]
		targets[i].Name = fmt.Sprintf("node-%02d", i)
	}

	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	ctx := context.Background()
	for _, s := range p.Probe(ctx, targets) {
		if !s.Answered() {
			b.Fatalf("%s: %v", s.Target.Name, s.Err)
		}
	}

	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		statuses := p.Probe(ctx, targets)
		took = append(took, time.Since(start))
		for _, s := range statuses {
			if !s.Answered() {
				b.Fatalf("%s: %v", s.Target.Name, s.Err)
			}
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "median-ns/probe")
}
