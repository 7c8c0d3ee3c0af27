package mysql8test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	gmssql "github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/binlogreplication"
	"github.com/go-sql-driver/mysql"
)

// sourceTimeout bounds each connection attempt and each ping of the
// replication connection. The test sources are on loopback.
const sourceTimeout = 500 * time.Millisecond

// MySQL client error numbers that the replication connection reports in
// Last_IO_Errno when the driver returns no server error.
const (
	errConnectFailed  = 2003 // CR_CONN_HOST_ERROR
	errConnectionLost = 2013 // CR_SERVER_LOST
)

// replicaController executes CHANGE REPLICATION SOURCE TO, START REPLICA,
// STOP REPLICA, RESET REPLICA and SHOW REPLICA STATUS, and copies no data.
// Its IO thread is one client connection to the source. START REPLICA opens
// it and reads the source's @@server_uuid and @@server_id. Each SHOW REPLICA
// STATUS pings it, so a source that went away shows as "Connecting" with
// the error, as on a MySQL replica once it notices the lost connection.
type replicaController struct {
	mu sync.Mutex

	configured   bool
	host         string
	port         int
	user         string
	password     string
	connectRetry int
	retryCount   int
	autoPosition bool

	running   bool
	source    *sql.DB // open while the IO thread is connected
	ioRunning string
	retries   int

	sourceUUID     string
	sourceServerID string

	lastIOErrno     uint
	lastIOError     string
	lastIOErrorTime *time.Time
}

var _ binlogreplication.BinlogReplicaController = (*replicaController)(nil)

// newReplicaController returns a controller with MySQL 8.0's defaults for
// SOURCE_CONNECT_RETRY (60 s) and SOURCE_RETRY_COUNT (86400).
func newReplicaController() *replicaController {
	return &replicaController{
		connectRetry: 60,
		retryCount:   86400,
		ioRunning:    binlogreplication.ReplicaIoNotRunning,
	}
}

// SetReplicationSourceOptions stores the options of CHANGE REPLICATION
// SOURCE TO. Options left out keep their previous values, as in MySQL.
func (c *replicaController) SetReplicationSourceOptions(_ *gmssql.Context, options []binlogreplication.ReplicationOption) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.running {
		return errors.New("stop the replica before changing its source: STOP REPLICA")
	}
	for _, opt := range options {
		if err := c.setOption(opt); err != nil {
			return err
		}
	}
	c.configured = true
	return nil
}

func (c *replicaController) setOption(opt binlogreplication.ReplicationOption) error {
	name := strings.ToUpper(opt.Name)
	text := opt.Value.String()
	number, numberErr := strconv.Atoi(text)

	switch name {
	case "SOURCE_HOST":
		c.host = text
	case "SOURCE_USER":
		c.user = text
	case "SOURCE_PASSWORD":
		c.password = text
	case "SOURCE_PORT", "SOURCE_CONNECT_RETRY", "SOURCE_RETRY_COUNT", "SOURCE_AUTO_POSITION", "SOURCE_SSL":
		if numberErr != nil {
			return fmt.Errorf("replication option %s: %q is not an integer", name, text)
		}
	default:
		return fmt.Errorf("replication option %s: not supported", name)
	}

	switch name {
	case "SOURCE_PORT":
		c.port = number
	case "SOURCE_CONNECT_RETRY":
		c.connectRetry = number
	case "SOURCE_RETRY_COUNT":
		c.retryCount = number
	case "SOURCE_AUTO_POSITION":
		c.autoPosition = number != 0
	}
	return nil
}

// SetReplicationFilterOptions accepts no filter: the tests need none.
func (c *replicaController) SetReplicationFilterOptions(_ *gmssql.Context, options []binlogreplication.ReplicationOption) error {
	if len(options) > 0 {
		return errors.New("replication filters are not supported by this test server")
	}
	return nil
}

// StartReplica starts the IO and SQL threads and makes the first
// connection attempt before it returns, so the next SHOW REPLICA STATUS
// already shows its outcome.
func (c *replicaController) StartReplica(*gmssql.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if !c.configured || c.host == "" {
		return errors.New("the server is not configured as a replica: use CHANGE REPLICATION SOURCE TO first")
	}
	if c.running {
		return nil
	}
	c.running = true
	c.retries = 0
	c.connect()
	return nil
}

// StopReplica stops both threads. Last_IO_Error stays until RESET REPLICA
// or the next successful connection, as in MySQL.
func (c *replicaController) StopReplica(*gmssql.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.running = false
	c.disconnect()
	c.ioRunning = binlogreplication.ReplicaIoNotRunning
	return nil
}

// ResetReplica clears the errors, and with ALL the source too, after which
// SHOW REPLICA STATUS returns no row.
func (c *replicaController) ResetReplica(_ *gmssql.Context, resetAll bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.running {
		return errors.New("stop the replica before resetting it: STOP REPLICA")
	}
	c.clearIOError()
	if resetAll {
		c.configured = false
		c.host, c.port, c.user, c.password = "", 0, "", ""
		c.sourceUUID, c.sourceServerID = "", ""
	}
	return nil
}

// GetReplicaStatus checks the replication connection, then returns the
// status, or nil when no source was ever configured.
func (c *replicaController) GetReplicaStatus(*gmssql.Context) (*binlogreplication.ReplicaStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if !c.configured {
		return nil, nil
	}
	if c.running {
		c.check()
	}

	sqlRunning := binlogreplication.ReplicaSqlNotRunning
	if c.running {
		sqlRunning = binlogreplication.ReplicaSqlRunning
	}
	return &binlogreplication.ReplicaStatus{
		SourceHost:           c.host,
		SourceUser:           c.user,
		SourcePort:           uint(c.port),
		ConnectRetry:         uint32(c.connectRetry),
		SourceRetryCount:     uint64(c.retryCount),
		ReplicaIoRunning:     c.ioRunning,
		ReplicaSqlRunning:    sqlRunning,
		LastIoErrNumber:      c.lastIOErrno,
		LastIoError:          c.lastIOError,
		LastIoErrorTimestamp: c.lastIOErrorTime,
		SourceServerId:       c.sourceServerID,
		SourceServerUuid:     c.sourceUUID,
		AutoPosition:         c.autoPosition,
	}, nil
}

// check pings the connection of a running IO thread, or retries the
// connection when there is none.
func (c *replicaController) check() {
	if c.source == nil {
		c.connect()
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), sourceTimeout)
	defer cancel()
	if err := c.source.PingContext(ctx); err != nil {
		c.disconnect()
		c.ioRunning = binlogreplication.ReplicaIoConnecting
		c.setIOError(errConnectionLost, err)
	}
}

// connect opens the replication connection and reads the source's
// identity. The last identity read stays in the status after the source
// goes away, as Source_UUID does in MySQL.
func (c *replicaController) connect() {
	c.retries++
	cfg := mysql.NewConfig()
	cfg.User = c.user
	cfg.Passwd = c.password
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(c.host, strconv.Itoa(c.port))
	cfg.Timeout = sourceTimeout
	cfg.ReadTimeout = sourceTimeout

	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		c.ioRunning = binlogreplication.ReplicaIoConnecting
		c.setIOError(errConnectFailed, err)
		return
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)

	ctx, cancel := context.WithTimeout(context.Background(), sourceTimeout)
	defer cancel()
	var uuid, serverID string
	err = db.QueryRowContext(ctx, "SELECT @@server_uuid, @@server_id").Scan(&uuid, &serverID)
	if err != nil {
		_ = db.Close()
		c.ioRunning = binlogreplication.ReplicaIoConnecting
		c.setIOError(errConnectFailed, err)
		return
	}

	c.source = db
	c.sourceUUID = uuid
	c.sourceServerID = serverID
	c.ioRunning = binlogreplication.ReplicaIoRunning
	c.clearIOError()
}

func (c *replicaController) disconnect() {
	if c.source != nil {
		_ = c.source.Close()
		c.source = nil
	}
}

// setIOError records err in Last_IO_Error with the source account and
// address, the retry interval and the attempt count, modelled on the
// message of a MySQL replica that cannot reach its source. A server error
// keeps its own number, such as 1045 for a wrong replication password.
func (c *replicaController) setIOError(clientErrno uint, err error) {
	number := clientErrno
	var serverErr *mysql.MySQLError
	if errors.As(err, &serverErr) {
		number = uint(serverErr.Number)
	}
	now := time.Now()
	c.lastIOErrno = number
	c.lastIOError = fmt.Sprintf("error connecting to source '%s@%s:%d' - retry-time: %d retries: %d message: %v",
		c.user, c.host, c.port, c.connectRetry, c.retries, err)
	c.lastIOErrorTime = &now
}

func (c *replicaController) clearIOError() {
	c.lastIOErrno = 0
	c.lastIOError = ""
	c.lastIOErrorTime = nil
}

// close stops the IO thread when the server shuts down.
func (c *replicaController) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disconnect()
}
