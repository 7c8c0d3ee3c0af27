package probe

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Helpers that build statuses for the table below. Addresses are loopback
// ports, as in the tests against real servers.

func target(name, address string) Target {
	return Target{Cluster: "orders", Name: name, Address: address, User: "probe", Password: "secret"}
}

// writable returns a MariaDB node that answered with read_only OFF.
func writable(name, address, identity string) Status {
	return Status{
		Target:         target(name, address),
		Identity:       identity,
		IdentitySource: IdentityServerUID,
		Flavor:         "mariadb",
	}
}

// readOnly returns a MariaDB node that answered with read_only ON.
func readOnly(name, address, identity string) Status {
	s := writable(name, address, identity)
	s.ReadOnly = true
	return s
}

// mysqlNode returns a MySQL node with the given read_only and
// super_read_only.
func mysqlNode(name, address, uuid string, ro, superRO bool) Status {
	return Status{
		Target:           target(name, address),
		Identity:         uuid,
		IdentitySource:   IdentityServerUUID,
		Flavor:           "mysql",
		ReadOnly:         ro,
		SuperReadOnly:    superRO,
		HasSuperReadOnly: true,
	}
}

// unanswered returns a node whose probe failed with kind. Its role fields
// are set as a writable node's would be, to show they are ignored.
func unanswered(name, address string, kind ErrorKind) Status {
	return Status{Target: target(name, address), Err: errors.New("probe " + address + ": " + string(kind)), ErrKind: kind}
}

// replicating returns s with an IO thread in state io from host:port.
func replicating(s Status, host string, port int, io string) Status {
	s.Replica = &Replication{SourceHost: host, SourcePort: port, IORunning: io, SQLRunning: io == "Yes"}
	return s
}

// withUUID returns s replicating with Source_UUID set, as on MySQL.
func withUUID(s Status, uuid string) Status {
	r := *s.Replica
	r.SourceUUID = uuid
	s.Replica = &r
	return s
}

// notApplying returns s with its replication SQL thread stopped.
func notApplying(s Status) Status {
	r := *s.Replica
	r.SQLRunning = false
	s.Replica = &r
	return s
}

// applying returns s with its replication SQL thread running.
func applying(s Status) Status {
	r := *s.Replica
	r.SQLRunning = true
	s.Replica = &r
	return s
}

func fallbackIdentity(s Status, identity string) Status {
	s.Identity, s.IdentitySource = identity, IdentityServerID
	return s
}

const (
	addrA = "127.0.0.1:3307"
	addrB = "127.0.0.1:3308"
	addrC = "127.0.0.1:3309"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []Status
		previous   map[string]string
		want       VerdictKind
		primary    string   // name of Verdict.Primary, "" for none
		unanswered []string // names in Verdict.Unanswered
		reason     []string // substrings Verdict.Reason must contain
		once       []string // substrings Verdict.Reason must contain exactly once
		advice     string   // the start of Verdict.Reason's last sentence
	}{
		{
			name: "one_writable_two_replicas",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				replicating(readOnly("b", addrB, "uid-b"), "127.0.0.1", 3307, "Yes"),
				replicating(readOnly("c", addrC, "uid-c"), "127.0.0.1", 3307, "Yes"),
			},
			want:    VerdictPrimary,
			primary: "a",
			reason:  []string{"a (127.0.0.1:3307)", "only writable node", "orders"},
		},
		{
			name: "all_read_only_after_restart",
			statuses: []Status{
				readOnly("a", addrA, "uid-a"),
				readOnly("b", addrB, "uid-b"),
				readOnly("c", addrC, "uid-c"),
			},
			want:   VerdictNoPrimary,
			reason: []string{"a (127.0.0.1:3307)", "b (127.0.0.1:3308)", "c (127.0.0.1:3309)"},
			once:   []string{"read_only=OFF", "switchover"},
			advice: "Check whether a switchover is in progress, and if not, set read_only=OFF",
		},
		{
			name: "two_writable_after_partition_heals",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				writable("b", addrB, "uid-b"),
				readOnly("c", addrC, "uid-c"),
			},
			want:   VerdictSplitBrain,
			reason: []string{"a (127.0.0.1:3307) and b (127.0.0.1:3308)"},
			once:   []string{"read_only=ON"},
			advice: "Set read_only=ON on every node but the real primary",
		},
		{
			name: "three_writable",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				writable("b", addrB, "uid-b"),
				writable("c", addrC, "uid-c"),
			},
			want:   VerdictSplitBrain,
			reason: []string{"a (127.0.0.1:3307), b (127.0.0.1:3308) and c (127.0.0.1:3309)"},
		},
		{
			name: "two_writable_one_unanswered",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				writable("b", addrB, "uid-b"),
				unanswered("c", addrC, ErrTimeout),
			},
			want:       VerdictSplitBrain,
			unanswered: []string{"c"},
			reason:     []string{"c (127.0.0.1:3309, timed out)"},
			advice:     "Set read_only=ON",
		},
		{
			name: "duplicate_identity_with_writable",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				readOnly("b", addrB, "uid-a"),
				readOnly("c", addrC, "uid-c"),
			},
			want:   VerdictDuplicateIdentity,
			reason: []string{"a (127.0.0.1:3307) and b (127.0.0.1:3308)", "uid-a", "clones of one data directory"},
			advice: "Check the node addresses in the configuration",
		},
		{
			name: "duplicate_identity_without_writable",
			statuses: []Status{
				readOnly("a", addrA, "uuid-1"),
				readOnly("b", addrB, "uuid-1"),
			},
			want:   VerdictDuplicateIdentity,
			reason: []string{"a (127.0.0.1:3307) and b (127.0.0.1:3308)", "uuid-1"},
		},
		{
			name: "duplicate_identity_beats_split_brain",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				writable("b", addrB, "uid-a"),
			},
			want: VerdictDuplicateIdentity,
		},
		{
			name: "duplicate_fallback_identity",
			statuses: []Status{
				fallbackIdentity(writable("a", addrA, ""), "1@db1:3306"),
				fallbackIdentity(readOnly("b", addrB, ""), "1@db1:3306"),
			},
			want:   VerdictDuplicateIdentity,
			reason: []string{"1@db1:3306", IdentityServerID},
		},
		{
			name: "writable_io_running_from_unanswered_node",
			statuses: []Status{
				unanswered("a", addrA, ErrTimeout),
				replicating(writable("b", addrB, "uid-b"), "127.0.0.1", 3307, "Yes"),
				replicating(readOnly("c", addrC, "uid-c"), "127.0.0.1", 3307, "Yes"),
			},
			want:       VerdictReplicatingPrimary,
			unanswered: []string{"a"},
			reason:     []string{"b (127.0.0.1:3308)", "running from a (127.0.0.1:3307), which did not answer (timed out)"},
			once:       []string{"a (127.0.0.1:3307"},
			advice:     "Make sure a is stopped or read-only, then run STOP REPLICA on b",
		},
		{
			name: "writable_io_connecting_from_unanswered_node",
			statuses: []Status{
				unanswered("a", addrA, ErrRefused),
				replicating(writable("b", addrB, "uid-b"), "127.0.0.1", 3307, "Connecting"),
			},
			want:       VerdictReplicatingPrimary,
			unanswered: []string{"a"},
			reason:     []string{"connecting from a (127.0.0.1:3307)", "connection refused"},
		},
		{
			name: "writable_io_running_from_unknown_host",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "10.9.9.9", 3306, "Yes"),
				readOnly("b", addrB, "uid-b"),
			},
			want:   VerdictReplicatingPrimary,
			reason: []string{"running from 10.9.9.9:3306, which matches no configured node"},
			advice: "Make sure 10.9.9.9:3306 is stopped or read-only, then run STOP REPLICA on a",
		},
		{
			name: "writable_io_connecting_from_unknown_host",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "old-primary.example", 3306, "Connecting"),
				readOnly("b", addrB, "uid-b"),
			},
			want:   VerdictReplicatingPrimary,
			reason: []string{"old-primary.example:3306"},
		},
		{
			name: "writable_io_unfamiliar_state_counts_as_running",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "10.9.9.9", 3306, "Preparing"),
			},
			want: VerdictReplicatingPrimary,
		},
		{
			name: "writable_io_stopped_from_unanswered_node",
			statuses: []Status{
				unanswered("a", addrA, ErrTimeout),
				replicating(writable("b", addrB, "uid-b"), "127.0.0.1", 3307, "No"),
				replicating(readOnly("c", addrC, "uid-c"), "127.0.0.1", 3308, "Yes"),
			},
			want:       VerdictPrimary,
			primary:    "b",
			unanswered: []string{"a"},
			reason:     []string{"a (127.0.0.1:3307, timed out) did not answer"},
		},
		{
			name: "writable_io_stopped_from_unknown_host",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "10.9.9.9", 3306, "No"),
				readOnly("b", addrB, "uid-b"),
			},
			want:    VerdictPrimary,
			primary: "a",
		},
		{
			name: "writable_replicates_from_its_own_address",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "127.0.0.1", 3307, "Yes"),
				readOnly("b", addrB, "uid-b"),
			},
			want: VerdictReplicatingPrimary,
		},
		{
			name: "writable_sql_stopped_io_running_from_read_only",
			statuses: []Status{
				unanswered("a", addrA, ErrRefused),
				replicating(readOnly("b", addrB, "uid-b"), "127.0.0.1", 3307, "Connecting"),
				notApplying(replicating(writable("c", addrC, "uid-c"), "127.0.0.1", 3308, "Yes")),
			},
			want:       VerdictReplicaNotApplying,
			unanswered: []string{"a"},
			reason: []string{
				"c (127.0.0.1:3309) is the only writable node",
				"stopped applying what it receives from b (127.0.0.1:3308), which answered as read-only",
				"IO thread is running while its SQL thread is stopped, so c may lack transactions",
				"a (127.0.0.1:3307, connection refused) did not answer",
			},
			once:   []string{"START REPLICA SQL_THREAD on c", "STOP REPLICA on c"},
			advice: "Run START REPLICA SQL_THREAD on c and wait for it to catch up",
		},
		{
			name: "writable_sql_stopped_io_connecting_to_read_only",
			statuses: []Status{
				readOnly("a", addrA, "uid-a"),
				notApplying(replicating(writable("b", addrB, "uid-b"), "127.0.0.1", 3307, "Connecting")),
			},
			want:   VerdictReplicaNotApplying,
			reason: []string{"from a (127.0.0.1:3307)", "IO thread is connecting while its SQL thread is stopped"},
		},
		{
			name: "writable_sql_stopped_source_by_uuid",
			statuses: []Status{
				withUUID(notApplying(replicating(mysqlNode("a", addrA, "uuid-a", false, false), "db-b.internal", 3306, "Yes")), "uuid-b"),
				mysqlNode("b", addrB, "uuid-b", true, true),
			},
			want:   VerdictReplicaNotApplying,
			reason: []string{"from b (127.0.0.1:3308)"},
		},
		{
			name: "writable_sql_stopped_io_stopped",
			statuses: []Status{
				readOnly("a", addrA, "uid-a"),
				notApplying(replicating(writable("b", addrB, "uid-b"), "127.0.0.1", 3307, "No")),
			},
			want:    VerdictPrimary,
			primary: "b",
		},
		{
			name: "writable_sql_stopped_source_unanswered",
			statuses: []Status{
				unanswered("a", addrA, ErrTimeout),
				notApplying(replicating(writable("b", addrB, "uid-b"), "127.0.0.1", 3307, "Yes")),
			},
			want:       VerdictReplicatingPrimary,
			unanswered: []string{"a"},
		},
		{
			name: "writable_sql_running_io_connecting_to_read_only",
			statuses: []Status{
				readOnly("a", addrA, "uid-a"),
				applying(replicating(writable("b", addrB, "uid-b"), "127.0.0.1", 3307, "Connecting")),
			},
			want:    VerdictPrimary,
			primary: "b",
		},
		{
			name: "master_master_passive_read_only",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "127.0.0.1", 3308, "Yes"),
				replicating(readOnly("b", addrB, "uid-b"), "127.0.0.1", 3307, "Yes"),
			},
			want:    VerdictPrimary,
			primary: "a",
			reason:  []string{"replicates from b (127.0.0.1:3308)"},
		},
		{
			name: "source_matched_by_uuid",
			statuses: []Status{
				withUUID(replicating(mysqlNode("a", addrA, "uuid-a", false, false), "db-b.internal", 3306, "Yes"), "uuid-b"),
				mysqlNode("b", addrB, "uuid-b", true, true),
			},
			want:    VerdictPrimary,
			primary: "a",
		},
		{
			name: "source_uuid_of_nobody_and_unknown_host",
			statuses: []Status{
				withUUID(replicating(mysqlNode("a", addrA, "uuid-a", false, false), "db-x.internal", 3306, "Yes"), "uuid-x"),
				mysqlNode("b", addrB, "uuid-b", true, true),
			},
			want: VerdictReplicatingPrimary,
		},
		{
			name: "source_localhost_matches_127_0_0_1",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "localhost", 3308, "Yes"),
				replicating(readOnly("b", addrB, "uid-b"), "localhost", 3307, "Yes"),
			},
			want:    VerdictPrimary,
			primary: "a",
		},
		{
			name: "target_localhost_matches_source_127_0_0_1",
			statuses: []Status{
				replicating(writable("a", "localhost:3307", "uid-a"), "127.0.0.1", 3308, "Yes"),
				readOnly("b", "LOCALHOST:3308", "uid-b"),
			},
			want:    VerdictPrimary,
			primary: "a",
		},
		{
			name: "source_same_host_other_port",
			statuses: []Status{
				replicating(writable("a", addrA, "uid-a"), "127.0.0.1", 3310, "Yes"),
				readOnly("b", addrB, "uid-b"),
			},
			want: VerdictReplicatingPrimary,
		},
		{
			name: "mysql_super_read_only_on_read_only_off_is_not_writable",
			statuses: []Status{
				mysqlNode("a", addrA, "uuid-a", false, false),
				mysqlNode("b", addrB, "uuid-b", false, true),
			},
			want:    VerdictPrimary,
			primary: "a",
		},
		{
			name: "mysql_only_candidate_has_super_read_only",
			statuses: []Status{
				mysqlNode("a", addrA, "uuid-a", false, true),
				mysqlNode("b", addrB, "uuid-b", true, true),
			},
			want:   VerdictNoPrimary,
			reason: []string{"a (127.0.0.1:3307, super_read_only=ON)"},
		},
		{
			name: "mysql_super_read_only_ignored_when_absent",
			statuses: []Status{
				{Target: target("a", addrA), Identity: "uuid-a", IdentitySource: IdentityServerUUID, Flavor: "mysql", SuperReadOnly: true},
			},
			want:    VerdictPrimary,
			primary: "a",
		},
		{
			name:       "access_denied_beside_writable",
			statuses:   []Status{writable("a", addrA, "uid-a"), unanswered("b", addrB, ErrAccessDenied)},
			want:       VerdictPrimary,
			primary:    "a",
			unanswered: []string{"b"},
			reason:     []string{"b (127.0.0.1:3308, access denied)"},
		},
		{
			name:       "too_many_connections_beside_writable",
			statuses:   []Status{unanswered("a", addrA, ErrTooMany), writable("b", addrB, "uid-b")},
			want:       VerdictPrimary,
			primary:    "b",
			unanswered: []string{"a"},
			reason:     []string{"too many connections"},
		},
		{
			name:       "unknown_variable_beside_writable",
			statuses:   []Status{writable("a", addrA, "uid-a"), unanswered("b", addrB, ErrQuery)},
			want:       VerdictPrimary,
			primary:    "a",
			unanswered: []string{"b"},
		},
		{
			name:       "timeout_beside_writable",
			statuses:   []Status{writable("a", addrA, "uid-a"), unanswered("b", addrB, ErrTimeout)},
			want:       VerdictPrimary,
			primary:    "a",
			unanswered: []string{"b"},
		},
		{
			name:       "refused_beside_writable",
			statuses:   []Status{writable("a", addrA, "uid-a"), unanswered("b", addrB, ErrRefused)},
			want:       VerdictPrimary,
			primary:    "a",
			unanswered: []string{"b"},
		},
		{
			name:       "dns_failure_beside_writable",
			statuses:   []Status{writable("a", addrA, "uid-a"), unanswered("b", "db-b.invalid:3306", ErrDNS)},
			want:       VerdictPrimary,
			primary:    "a",
			unanswered: []string{"b"},
			reason:     []string{"DNS lookup failed"},
		},
		{
			name:       "access_denied_beside_read_only",
			statuses:   []Status{readOnly("a", addrA, "uid-a"), unanswered("b", addrB, ErrAccessDenied)},
			want:       VerdictNoPrimary,
			unanswered: []string{"b"},
			reason:     []string{"a (127.0.0.1:3307) is read-only", "b (127.0.0.1:3308, access denied) did not answer", "role is unknown"},
			advice:     "Check whether a switchover is in progress or whether b is the primary, and if neither, set read_only=OFF",
		},
		{
			name:       "too_many_connections_beside_read_only",
			statuses:   []Status{readOnly("a", addrA, "uid-a"), unanswered("b", addrB, ErrTooMany)},
			want:       VerdictNoPrimary,
			unanswered: []string{"b"},
		},
		{
			name:       "unknown_variable_beside_read_only",
			statuses:   []Status{readOnly("a", addrA, "uid-a"), unanswered("b", addrB, ErrQuery)},
			want:       VerdictNoPrimary,
			unanswered: []string{"b"},
		},
		{
			name:       "timeout_beside_read_only",
			statuses:   []Status{readOnly("a", addrA, "uid-a"), unanswered("b", addrB, ErrTimeout)},
			want:       VerdictNoPrimary,
			unanswered: []string{"b"},
		},
		{
			name:       "refused_beside_read_only",
			statuses:   []Status{readOnly("a", addrA, "uid-a"), unanswered("b", addrB, ErrRefused)},
			want:       VerdictNoPrimary,
			unanswered: []string{"b"},
		},
		{
			name:       "dns_failure_beside_read_only",
			statuses:   []Status{readOnly("a", addrA, "uid-a"), unanswered("b", addrB, ErrDNS)},
			want:       VerdictNoPrimary,
			unanswered: []string{"b"},
		},
		{
			name: "all_unanswered",
			statuses: []Status{
				unanswered("a", addrA, ErrTimeout),
				unanswered("b", addrB, ErrAccessDenied),
				unanswered("c", addrC, ErrOther),
			},
			want:       VerdictNoPrimary,
			unanswered: []string{"a", "b", "c"},
			reason:     []string{"No node of cluster orders answered", "a (127.0.0.1:3307, timed out), b (127.0.0.1:3308, access denied) and c (127.0.0.1:3309, error)"},
			advice:     "Check the network path to each node",
		},
		{
			name:     "no_nodes",
			statuses: nil,
			want:     VerdictNoPrimary,
			reason:   []string{"no node to probe"},
		},
		{
			name: "identity_changed_since_last_tick",
			statuses: []Status{
				writable("a", addrA, "uid-new"),
				readOnly("b", addrB, "uid-b"),
			},
			previous: map[string]string{"a": "uid-old", "b": "uid-b"},
			want:     VerdictIdentityChanged,
			reason:   []string{"a (127.0.0.1:3307)", "uid-new", "uid-old"},
			advice:   "Check which server listens at that address",
		},
		{
			name: "identity_changed_beats_split_brain",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				writable("b", addrB, "uid-b2"),
			},
			previous: map[string]string{"a": "uid-a", "b": "uid-b"},
			want:     VerdictIdentityChanged,
			reason:   []string{"b (127.0.0.1:3308)"},
		},
		{
			name: "identity_of_unanswered_node_not_compared",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				unanswered("b", addrB, ErrTimeout),
			},
			previous:   map[string]string{"a": "uid-a", "b": "uid-b"},
			want:       VerdictPrimary,
			primary:    "a",
			unanswered: []string{"b"},
		},
		{
			name: "identity_unchanged",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				readOnly("b", addrB, "uid-b"),
			},
			previous: map[string]string{"a": "uid-a", "b": "uid-b"},
			want:     VerdictPrimary,
			primary:  "a",
		},
		{
			name: "node_new_since_last_tick",
			statuses: []Status{
				writable("a", addrA, "uid-a"),
				readOnly("c", addrC, "uid-c"),
			},
			previous: map[string]string{"a": "uid-a"},
			want:     VerdictPrimary,
			primary:  "a",
		},
		{
			name: "previous_nil",
			statuses: []Status{
				readOnly("a", addrA, "uid-a"),
				writable("b", addrB, "uid-b"),
			},
			want:    VerdictPrimary,
			primary: "b",
		},
		{
			name:     "single_node_writable",
			statuses: []Status{writable("a", addrA, "uid-a")},
			want:     VerdictPrimary,
			primary:  "a",
		},
		{
			name:     "single_node_read_only",
			statuses: []Status{readOnly("a", addrA, "uid-a")},
			want:     VerdictNoPrimary,
		},
		{
			name:       "single_node_unanswered",
			statuses:   []Status{unanswered("a", addrA, ErrTimeout)},
			want:       VerdictNoPrimary,
			unanswered: []string{"a"},
		},
		{
			name: "mariadb_fallback_identities",
			statuses: []Status{
				fallbackIdentity(writable("a", addrA, ""), "1@db1:3307"),
				fallbackIdentity(readOnly("b", addrB, ""), "2@db1:3308"),
			},
			want:    VerdictPrimary,
			primary: "a",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Decide("orders", tt.statuses, tt.previous)
			if v.Cluster != "orders" {
				t.Errorf("Cluster = %q, want %q", v.Cluster, "orders")
			}
			if v.Kind != tt.want {
				t.Errorf("Kind = %q, want %q (reason: %s)", v.Kind, tt.want, v.Reason)
			}

			gotPrimary := ""
			if v.Primary != nil {
				gotPrimary = v.Primary.Target.Name
			}
			if gotPrimary != tt.primary {
				t.Errorf("Primary = %q, want %q", gotPrimary, tt.primary)
			}
			if got, want := v.Safe(), tt.primary != ""; got != want {
				t.Errorf("Safe() = %v, want %v", got, want)
			}

			var gotUnanswered []string
			for _, s := range v.Unanswered {
				gotUnanswered = append(gotUnanswered, s.Target.Name)
			}
			if !slices.Equal(gotUnanswered, tt.unanswered) {
				t.Errorf("Unanswered = %v, want %v", gotUnanswered, tt.unanswered)
			}

			if v.Reason == "" {
				t.Error("Reason is empty")
			}
			for _, part := range tt.reason {
				if !strings.Contains(v.Reason, part) {
					t.Errorf("Reason = %q, want it to contain %q", v.Reason, part)
				}
			}
			for _, part := range tt.once {
				if n := strings.Count(v.Reason, part); n != 1 {
					t.Errorf("Reason = %q, contains %q %d times, want once", v.Reason, part, n)
				}
			}
			if got := lastSentence(v.Reason); !strings.HasPrefix(got, tt.advice) {
				t.Errorf("last sentence of Reason = %q, want it to start with %q", got, tt.advice)
			}
			if strings.Contains(v.Reason, "secret") {
				t.Errorf("Reason = %q, contains the password", v.Reason)
			}
		})
	}
}

// lastSentence returns the last sentence of a reason. Addresses such as
// 127.0.0.1 hold no ". ", so that separator ends a sentence.
func lastSentence(reason string) string {
	if i := strings.LastIndex(reason, ". "); i >= 0 {
		return reason[i+2:]
	}
	return reason
}

// TestDecide_DoesNotModifyInput checks that Decide leaves the caller's
// statuses alone, so one probe result can feed several decisions.
func TestDecide_DoesNotModifyInput(t *testing.T) {
	statuses := []Status{writable("a", addrA, "uid-a"), unanswered("b", addrB, ErrTimeout)}
	before := slices.Clone(statuses)
	v := Decide("orders", statuses, nil)
	v.Primary.ReadOnly = true
	for i := range statuses {
		if statuses[i].ReadOnly != before[i].ReadOnly || statuses[i].Identity != before[i].Identity {
			t.Errorf("statuses[%d] = %+v, want %+v", i, statuses[i], before[i])
		}
	}
}

func TestSameHost(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{name: "equal_ip", a: "127.0.0.1", b: "127.0.0.1", want: true},
		{name: "localhost_and_ipv4", a: "localhost", b: "127.0.0.1", want: true},
		{name: "localhost_and_ipv6", a: "::1", b: "localhost", want: true},
		{name: "case_of_name", a: "DB1.Example", b: "db1.example.", want: true},
		{name: "bracketed_ipv6", a: "[::1]", b: "127.0.0.1", want: true},
		{name: "other_loopback_ip", a: "127.0.0.2", b: "localhost", want: false},
		{name: "different_names", a: "db1", b: "db2", want: false},
		{name: "empty", a: "", b: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameHost(tt.a, tt.b); got != tt.want {
				t.Errorf("sameHost(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
