package mariadbtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Node is one mariadbd server of a [Cluster]. The exported fields do not
// change after [StartCluster], except PID, which [Cluster.Restart] updates.
type Node struct {
	Name     string // <cluster>-a, <cluster>-b, ...
	Index    int    // position in Cluster.Nodes
	Port     int
	Address  string // 127.0.0.1:<port>
	ServerID int    // unique among the servers this process started
	DataDir  string
	Socket   string // unix socket, for root
	PID      int    // of the last mariadbd started for this node

	extraArgs []string         // appended to the command line, see Options.ExtraArgs
	connector driver.Connector // root over Socket
	mu        sync.Mutex       // guards proc, db and dbClosed
	proc      *process
	db        *sql.DB
	dbClosed  bool
}

// rootConnector returns a connector that logs in as root over socket, with
// query arguments interpolated on the client.
func rootConnector(socket string) (driver.Connector, error) {
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "unix"
	cfg.Addr = socket
	cfg.Timeout = 5 * time.Second
	cfg.InterpolateParams = true
	// Connections to a killed or restarted server fail by design here, and
	// the driver would print each failure to stderr.
	cfg.Logger = &mysql.NopLogger{}
	return mysql.NewConnector(cfg)
}

// ErrorLog returns the path of the server's error log, kept in its data
// directory.
func (n *Node) ErrorLog() string { return filepath.Join(n.DataDir, "error.log") }

// Running reports whether the node's mariadbd was started and has not
// exited.
func (n *Node) Running() bool {
	p := n.process()
	return p != nil && !p.exited()
}

func (n *Node) process() *process {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// DB returns a connection pool logged in as root over the node's unix
// socket, opened on first use and closed by [Cluster.Close], after which
// every query on it fails. The same pool serves the node across restarts. Query arguments are interpolated on the
// client, so placeholders work in statements that cannot be prepared, such
// as CREATE USER and CHANGE MASTER.
func (n *Node) DB() *sql.DB {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.db != nil {
		return n.db
	}
	n.db = sql.OpenDB(n.connector)
	if n.dbClosed {
		n.db.Close()
	}
	n.db.SetMaxIdleConns(2)
	n.db.SetConnMaxIdleTime(time.Minute)
	return n.db
}

// Exec runs a statement on the node as root over its unix socket. The error
// does not repeat the statement, which may contain a password.
func (n *Node) Exec(ctx context.Context, query string, args ...any) error {
	if _, err := n.DB().ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	return nil
}

// queryString runs a query that returns one value and returns it as a
// string; NULL becomes "".
func (n *Node) queryString(ctx context.Context, query string, args ...any) (string, error) {
	var value sql.NullString
	if err := n.DB().QueryRowContext(ctx, query, args...).Scan(&value); err != nil {
		return "", fmt.Errorf("node %s: %w", n.Name, err)
	}
	return value.String, nil
}

// ReadOnly returns the node's @@global.read_only.
func (n *Node) ReadOnly(ctx context.Context) (bool, error) {
	v, err := n.queryString(ctx, "SELECT @@global.read_only")
	if err != nil {
		return false, err
	}
	return v == "1", nil
}

// ReplicaStatus returns the row of SHOW SLAVE STATUS by column name, or nil
// when the node has no replication configured.
func (n *Node) ReplicaStatus(ctx context.Context) (map[string]string, error) {
	rows, err := n.DB().QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return nil, fmt.Errorf("node %s: show slave status: %w", n.Name, err)
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("node %s: show slave status: %w", n.Name, err)
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("node %s: show slave status: %w", n.Name, err)
		}
		return nil, nil
	}
	values := make([]sql.NullString, len(columns))
	dest := make([]any, len(columns))
	for i := range values {
		dest[i] = &values[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, fmt.Errorf("node %s: show slave status: %w", n.Name, err)
	}
	status := make(map[string]string, len(columns))
	for i, column := range columns {
		status[column] = values[i].String
	}
	return status, rows.Err()
}

// closeDB closes the root pool and makes [Node.DB] return a closed one from
// then on. Its error is dropped, because closing a connection to a killed
// server fails and nothing is left open either way.
func (n *Node) closeDB() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dbClosed = true
	if n.db != nil {
		_ = n.db.Close()
	}
}
