package mysql8test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"dts-reconciler/probe"

	"github.com/go-sql-driver/mysql"
)

// TestProbe_ReplicaStatus reads a replica's status in both spellings. MySQL
// 8.0.22 and later take SHOW REPLICA STATUS, with Source_* and Replica_*
// columns. Older servers reject it, so the probe must fall back to SHOW
// SLAVE STATUS, with Master_* and Slave_* columns.
func TestProbe_ReplicaStatus(t *testing.T) {
	tests := []struct {
		name    string
		version string
		legacy  bool
	}{
		{name: "source_columns", version: "8.0.36"},
		{name: "master_columns", version: "8.0.21", legacy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := startNode(t, nodeConfig("a", 101, uuidA))
			cfg := nodeConfig("b", 102, uuidB)
			cfg.Version = tt.version
			cfg.LegacyReplicaSyntax = tt.legacy
			cfg.ReadOnly, cfg.SuperReadOnly = true, true
			b := startNode(t, cfg)
			b.replicateFrom(t, a)
			checkReplicaSyntax(t, b, tt.legacy)
			p := newProber(t)

			st := probeNodes(t, p, b)[0]
			if st.Err != nil {
				t.Fatalf("probe b: %v", st.Err)
			}
			if st.Replica == nil {
				t.Fatalf("Replica = nil, want the status of replication from a")
			}
			checkReplicaOf(t, st.Replica, a)
			if got, want := st.Replica.IORunning, "Yes"; got != want {
				t.Errorf("IORunning = %q, want %q", got, want)
			}
			if !st.Replica.SQLRunning {
				t.Errorf("SQLRunning = false, want true")
			}
			if got := st.Replica.LastIOError; got != "" {
				t.Errorf("LastIOError = %q, want empty", got)
			}
			if got, want := st.Version, tt.version; got != want {
				t.Errorf("Version = %q, want %q", got, want)
			}
			if st.Writable() {
				t.Errorf("Writable() = true, want false")
			}

			// Once the source is gone, the replica keeps trying: its IO
			// thread is connecting, with the error, and the source UUID it
			// read before stays.
			a.stop(t)
			st = probeNodes(t, p, b)[0]
			if st.Err != nil {
				t.Fatalf("probe b after a stopped: %v", st.Err)
			}
			if st.Replica == nil {
				t.Fatalf("after a stopped: Replica = nil, want the status of replication from a")
			}
			checkReplicaOf(t, st.Replica, a)
			if got, want := st.Replica.IORunning, "Connecting"; got != want {
				t.Errorf("after a stopped: IORunning = %q, want %q", got, want)
			}
			if got, want := st.Replica.LastIOError, "error connecting to source"; !strings.Contains(got, want) {
				t.Errorf("after a stopped: LastIOError = %q, want it to contain %q", got, want)
			}

			b.exec(t, "STOP REPLICA")
			st = probeNodes(t, p, b)[0]
			if st.Err != nil {
				t.Fatalf("probe b after STOP REPLICA: %v", st.Err)
			}
			if st.Replica == nil {
				t.Fatalf("after STOP REPLICA: Replica = nil, want a stopped replication")
			}
			if got, want := st.Replica.IORunning, "No"; got != want {
				t.Errorf("after STOP REPLICA: IORunning = %q, want %q", got, want)
			}
			if st.Replica.SQLRunning {
				t.Errorf("after STOP REPLICA: SQLRunning = true, want false")
			}

			b.exec(t, "RESET REPLICA ALL")
			st = probeNodes(t, p, b)[0]
			if st.Err != nil {
				t.Fatalf("probe b after RESET REPLICA ALL: %v", st.Err)
			}
			if st.Replica != nil {
				t.Errorf("after RESET REPLICA ALL: Replica = %+v, want nil", *st.Replica)
			}
		})
	}
}

// checkReplicaSyntax checks that the node rejects SHOW REPLICA STATUS with
// a parse error exactly when it has the legacy syntax, so a probe that
// reads it must have fallen back to SHOW SLAVE STATUS.
func checkReplicaSyntax(t *testing.T, n *node, legacy bool) {
	t.Helper()
	rows, err := n.admin.Query("SHOW REPLICA STATUS")
	if err == nil {
		rows.Close()
	}
	var serverErr *mysql.MySQLError
	rejected := errors.As(err, &serverErr) && serverErr.Number == 1064
	if rejected != legacy {
		t.Fatalf("%s: SHOW REPLICA STATUS: err = %v, want a parse error (1064): %v", n.name, err, legacy)
	}
}

// checkReplicaOf checks that r names source by host, port and UUID.
func checkReplicaOf(t *testing.T, r *probe.Replication, source *node) {
	t.Helper()
	host, portText, err := net.SplitHostPort(source.addr)
	if err != nil {
		t.Fatalf("split %q: %v", source.addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("port of %q: %v", source.addr, err)
	}
	if got := r.SourceHost; got != host {
		t.Errorf("SourceHost = %q, want %q", got, host)
	}
	if got := r.SourcePort; got != port {
		t.Errorf("SourcePort = %d, want %d", got, port)
	}
	if got := r.SourceUUID; got != source.uuid {
		t.Errorf("SourceUUID = %q, want %q", got, source.uuid)
	}
}
