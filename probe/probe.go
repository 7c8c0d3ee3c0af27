// Package probe reads the state of MySQL and MariaDB servers and decides
// which node of a cluster is the primary.
package probe

import (
	"fmt"
	"log/slog"
	"time"
)

// Target is one server to probe. ConnectTimeout bounds the TCP connect.
// ReadTimeout bounds each network read and write, the MySQL handshake
// included. A probe gives up after ConnectTimeout + ReadTimeout at most.
type Target struct {
	Cluster        string
	Name           string
	Address        string // host:port
	User           string
	Password       string
	TLS            string // "", "true", "skip-verify", "preferred", or a CA file path
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
}

// String returns the target as "name (address)". It leaves the password
// out, so a Target or Status printed with %v does not show it.
func (t Target) String() string { return fmt.Sprintf("%s (%s)", t.Name, t.Address) }

// GoString returns the same text as String, so %#v hides the password too.
func (t Target) GoString() string { return t.String() }

// LogValue returns the target's cluster, name and address for log/slog,
// without the password.
func (t Target) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("cluster", t.Cluster),
		slog.String("node", t.Name),
		slog.String("address", t.Address),
	)
}

// ErrorKind classifies why a node did not answer. None of the kinds is
// evidence about the node's role: a timeout or an access error means the
// role is unknown.
type ErrorKind string

// Error kinds of [Status.ErrKind].
const (
	ErrNone         ErrorKind = ""
	ErrTimeout      ErrorKind = "timeout"
	ErrRefused      ErrorKind = "connection_refused"
	ErrDNS          ErrorKind = "dns"
	ErrAccessDenied ErrorKind = "access_denied"
	ErrTooMany      ErrorKind = "too_many_connections"
	ErrQuery        ErrorKind = "query" // a query failed, such as an unknown variable
	ErrOther        ErrorKind = "other"
)

// Identity sources of [Status.IdentitySource].
const (
	IdentityServerUUID = "server_uuid"             // MySQL @@server_uuid
	IdentityServerUID  = "server_uid"              // MariaDB @@server_uid (10.3 and later)
	IdentityServerID   = "server_id@hostname:port" // fallback when neither exists
)

// Status is the result of one probe of one node. A probe that failed is
// a Status with Err set, never a failed tick.
type Status struct {
	Target   Target
	Err      error
	ErrKind  ErrorKind
	Duration time.Duration
	ProbedAt time.Time

	ReadOnly bool
	// SuperReadOnly is meaningful only when HasSuperReadOnly is true (MySQL).
	SuperReadOnly    bool
	HasSuperReadOnly bool

	Identity       string
	IdentitySource string
	ServerID       uint32
	Hostname       string
	Version        string
	Flavor         string // "mysql" or "mariadb"

	// Replica is nil when the node replicates from nobody.
	Replica *Replication
}

// Replication is a node's replication status, read by column name so both
// the Master_*/Slave_* and the Source_*/Replica_* spellings work.
type Replication struct {
	SourceHost string
	SourcePort int
	// SourceUUID is empty on MariaDB, which has no such column.
	SourceUUID  string
	IORunning   string // "Yes", "No" or "Connecting"
	SQLRunning  bool   // true only for "Yes", so an unfamiliar state counts as stopped
	LastIOError string
}

// Answered reports whether the node answered every query of the probe.
func (s Status) Answered() bool { return s.Err == nil }

// Writable reports whether the node answered and both read_only and
// super_read_only are off.
func (s Status) Writable() bool {
	return s.Answered() && !s.ReadOnly && !(s.HasSuperReadOnly && s.SuperReadOnly)
}
