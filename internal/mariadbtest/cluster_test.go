package mariadbtest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The password has a quote and a backslash to check that they are escaped.
const (
	testUser     = "dts_probe"
	testPassword = "probe-'pass\\word"
)

func startTestCluster(t *testing.T, nodes int) *Cluster {
	t.Helper()
	begin := time.Now()
	c := StartTest(t, Options{Name: "t", Nodes: nodes, User: testUser, Password: testPassword, Log: testWriter{t}})
	t.Logf("%d-node cluster started in %s", nodes, time.Since(begin).Round(time.Millisecond))
	return c
}

// testWriter sends the package's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// checkRoles checks that only node primary is writable and that every other
// running node is read-only and replicates from it with its IO thread running.
func checkRoles(t *testing.T, c *Cluster, primary int) {
	t.Helper()
	ctx := t.Context()
	if got := c.Primary(); got != primary {
		t.Errorf("Primary() = %d, want %d", got, primary)
	}
	for i, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		readOnly, err := n.ReadOnly(ctx)
		if err != nil {
			t.Fatalf("read_only of %s: %v", n.Name, err)
		}
		if want := i != primary; readOnly != want {
			t.Errorf("%s read_only = %v, want %v", n.Name, readOnly, want)
		}
		status, err := n.ReplicaStatus(ctx)
		if err != nil {
			t.Fatalf("replica status of %s: %v", n.Name, err)
		}
		if i == primary {
			if status != nil {
				t.Errorf("%s replica status = %v, want none on the primary", n.Name, status)
			}
			continue
		}
		if status == nil {
			t.Errorf("%s replica status = none, want a replica of %s", n.Name, c.Nodes[primary].Name)
			continue
		}
		if got, want := status["Master_Port"], strconv.Itoa(c.Nodes[primary].Port); got != want {
			t.Errorf("%s Master_Port = %s, want %s", n.Name, got, want)
		}
		if got := status["Slave_IO_Running"]; got != "Yes" {
			t.Errorf("%s Slave_IO_Running = %q, want Yes (last error %q)", n.Name, got, status["Last_IO_Error"])
		}
		if got := status["Using_Gtid"]; got != "Slave_Pos" {
			t.Errorf("%s Using_Gtid = %q, want Slave_Pos", n.Name, got)
		}
	}
}

// checkRowReplicates writes a row on the primary and checks that every
// running replica has it once [Cluster.WaitReplicated] returns.
func checkRowReplicates(t *testing.T, c *Cluster, value string) {
	t.Helper()
	ctx := t.Context()
	primary := c.PrimaryNode()
	for _, stmt := range []string{
		"CREATE DATABASE IF NOT EXISTS app",
		"CREATE TABLE IF NOT EXISTS app.marks (v VARCHAR(64) PRIMARY KEY)",
	} {
		if err := primary.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := primary.Exec(ctx, "INSERT INTO app.marks VALUES (?)", value); err != nil {
		t.Fatalf("insert on %s: %v", primary.Name, err)
	}
	if err := c.WaitReplicated(ctx); err != nil {
		t.Fatalf("WaitReplicated: %v", err)
	}
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		got, err := n.queryString(ctx, "SELECT COUNT(*) FROM app.marks WHERE v = ?", value)
		if err != nil {
			t.Fatalf("select on %s: %v", n.Name, err)
		}
		if got != "1" {
			t.Errorf("%s rows with %q = %s, want 1", n.Name, value, got)
		}
	}
}

func TestStartClusterRoles(t *testing.T) {
	c := startTestCluster(t, 3)
	if got := len(c.Nodes); got != 3 {
		t.Fatalf("len(Nodes) = %d, want 3", got)
	}
	seen := map[int]bool{}
	for _, n := range c.Nodes {
		if seen[n.ServerID] {
			t.Errorf("%s server_id %d repeats", n.Name, n.ServerID)
		}
		seen[n.ServerID] = true
		if !strings.HasPrefix(n.Address, "127.0.0.1:") {
			t.Errorf("%s address = %q, want 127.0.0.1:<port>", n.Name, n.Address)
		}
	}
	if got, want := c.Nodes[1].Name, "t-b"; got != want {
		t.Errorf("Nodes[1].Name = %q, want %q", got, want)
	}
	checkRoles(t, c, 0)
	checkRowReplicates(t, c, "start")
}

func TestProbeAccountGrants(t *testing.T) {
	c := startTestCluster(t, 2)
	for _, n := range c.Nodes {
		cfg := mysql.NewConfig()
		cfg.User = testUser
		cfg.Passwd = testPassword
		cfg.Net = "tcp"
		cfg.Addr = n.Address
		cfg.Timeout = 5 * time.Second
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatalf("connector: %v", err)
		}
		db := sql.OpenDB(connector)
		t.Cleanup(func() { db.Close() })
		ctx := t.Context()

		var readOnly, serverID int
		var uid, hostname, version string
		err = db.QueryRowContext(ctx,
			"SELECT @@global.read_only, @@server_uid, @@server_id, @@hostname, @@version").
			Scan(&readOnly, &uid, &serverID, &hostname, &version)
		if err != nil {
			t.Fatalf("%s: read variables as probe: %v", n.Name, err)
		}
		if serverID != n.ServerID {
			t.Errorf("%s @@server_id = %d, want %d", n.Name, serverID, n.ServerID)
		}
		for _, stmt := range []string{"SHOW SLAVE STATUS", "SHOW REPLICA STATUS"} {
			rows, err := db.QueryContext(ctx, stmt)
			if err != nil {
				t.Errorf("%s: %s as probe: %v", n.Name, stmt, err)
				continue
			}
			rows.Close()
		}
		var lock sql.NullInt64
		if err := db.QueryRowContext(ctx, "SELECT GET_LOCK('dts-reconciler:test', 0)").Scan(&lock); err != nil {
			t.Fatalf("%s: GET_LOCK as probe: %v", n.Name, err)
		}
		if lock.Int64 != 1 {
			t.Errorf("%s: GET_LOCK = %v, want 1", n.Name, lock)
		}

		// The account has no privilege beyond the one granted.
		var grant string
		if err := db.QueryRowContext(ctx, "SHOW GRANTS").Scan(&grant); err != nil {
			t.Fatalf("%s: SHOW GRANTS: %v", n.Name, err)
		}
		if !strings.HasPrefix(grant, "GRANT SLAVE MONITOR ON *.* TO `dts_probe`@`%`") {
			t.Errorf("%s: grant = %q, want GRANT SLAVE MONITOR only", n.Name, grant)
		}
		err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user").Scan(new(int))
		var mysqlErr *mysql.MySQLError
		if !errors.As(err, &mysqlErr) || mysqlErr.Number != 1142 {
			t.Errorf("%s: read mysql.user as probe: err = %v, want error 1142 (command denied)", n.Name, err)
		}
	}
}

func TestSwitchover(t *testing.T) {
	c := startTestCluster(t, 3)
	ctx := t.Context()
	if err := c.Switchover(ctx, 1); err != nil {
		t.Fatalf("Switchover(1): %v", err)
	}
	checkRoles(t, c, 1)
	checkRowReplicates(t, c, "after-switchover-1")

	if err := c.Switchover(ctx, 0); err != nil {
		t.Fatalf("Switchover(0): %v", err)
	}
	checkRoles(t, c, 0)
	checkRowReplicates(t, c, "after-switchover-0")

	if err := c.Switchover(ctx, 0); err != nil {
		t.Errorf("Switchover to the current primary: %v", err)
	}
	if err := c.Switchover(ctx, 3); err == nil {
		t.Errorf("Switchover(3) on 3 nodes: err = nil, want an index error")
	}
}

func TestFailoverAndRestart(t *testing.T) {
	c := startTestCluster(t, 3)
	ctx := t.Context()
	checkRowReplicates(t, c, "before-failover")
	oldPID := c.Nodes[0].PID

	if err := c.Failover(ctx, 2); err != nil {
		t.Fatalf("Failover(2): %v", err)
	}
	if c.Nodes[0].Running() {
		t.Errorf("old primary %s still running after Failover", c.Nodes[0].Name)
	}
	if processExists(oldPID) {
		t.Errorf("old primary pid %d still exists after Failover", oldPID)
	}
	checkRoles(t, c, 2)
	checkRowReplicates(t, c, "after-failover")

	// The killed primary comes back as a replica of the new one.
	if err := c.Restart(ctx, 0); err != nil {
		t.Fatalf("Restart(0): %v", err)
	}
	if c.Nodes[0].PID == oldPID {
		t.Errorf("pid after Restart = %d, want a new process", c.Nodes[0].PID)
	}
	checkRoles(t, c, 2)
	checkRowReplicates(t, c, "after-restart")

	if err := c.Failover(ctx, 2); err == nil {
		t.Errorf("Failover to the current primary: err = nil, want an error")
	}
}

func TestSetReadOnlyKeepsPrimary(t *testing.T) {
	c := startTestCluster(t, 2)
	ctx := t.Context()
	if err := c.SetReadOnly(ctx, 1, false); err != nil {
		t.Fatalf("SetReadOnly(1, false): %v", err)
	}
	readOnly, err := c.Nodes[1].ReadOnly(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if readOnly {
		t.Errorf("%s read_only = true after SetReadOnly(false)", c.Nodes[1].Name)
	}
	if got := c.Primary(); got != 0 {
		t.Errorf("Primary() = %d after SetReadOnly, want 0", got)
	}
}

func TestCloseStopsEveryProcess(t *testing.T) {
	c := startTestCluster(t, 3)
	if err := c.Kill(1); err != nil {
		t.Fatalf("Kill(1): %v", err)
	}
	var pids []int
	for _, n := range c.Nodes {
		pids = append(pids, n.PID)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, pid := range pids {
		if processExists(pid) {
			t.Errorf("%s pid %d exists after Close", c.Nodes[i].Name, pid)
		}
	}
	if _, err := os.Stat(c.sockDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket folder after Close: stat err = %v, want not exist", err)
	}
	for _, n := range c.Nodes {
		if _, err := os.Stat(n.DataDir); err != nil {
			t.Errorf("data directory %s after Close: %v, want it kept", n.DataDir, err)
		}
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// processExists reports whether a process with this PID exists.
func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// BenchmarkStartCluster3 times StartCluster for three nodes, after a first
// start that builds the data directory template. Close is not timed.
func BenchmarkStartCluster3(b *testing.B) {
	Require(b)
	opts := Options{Name: "bench", Nodes: 3, User: testUser, Password: testPassword}
	start := func() *Cluster {
		opts.Dir = b.TempDir()
		c, err := StartCluster(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	if err := start().Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c := start()
		b.StopTimer()
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
