package probe

import (
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Pool sizes and lifetimes. A probe uses one connection at a time, so two
// are enough for a probe that overlaps the next one. The lifetime stays
// well below MySQL's default wait_timeout (8 hours) and below the shorter
// values some sites set, so the server rarely closes an idle connection
// first.
const (
	poolMaxOpen     = 2
	poolMaxIdle     = 1
	poolMaxLifetime = 5 * time.Minute
	poolMaxIdleTime = time.Minute
)

// poolKey identifies the node and connection settings a pool was made
// with. Each configured node has a pool of its own, even when two nodes
// name the same address, so that one node's slow probe never waits for a
// connection of another.
type poolKey struct {
	cluster  string
	name     string
	address  string
	user     string
	password string
	tls      string
	connect  time.Duration
	read     time.Duration
}

func keyOf(t Target) poolKey {
	connect, read := timeouts(t)
	return poolKey{
		cluster:  t.Cluster,
		name:     t.Name,
		address:  t.Address,
		user:     t.User,
		password: t.Password,
		tls:      t.TLS,
		connect:  connect,
		read:     read,
	}
}

// pool is the *sql.DB of one poolKey and what earlier probes learnt about
// the server behind it.
type pool struct {
	db *sql.DB

	// refs and dropped are guarded by Prober.mu. A dropped pool is no
	// longer in Prober.pools and is closed when refs reaches zero.
	refs    int
	dropped bool

	mu     sync.Mutex
	traits serverTraits
}

func (pl *pool) loadTraits() serverTraits {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.traits
}

func (pl *pool) storeTraits(tr serverTraits) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.traits = tr
}

// acquire returns the pool of t, creating it when needed, and takes a
// reference that release gives back.
func (p *Prober) acquire(t Target) (*pool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errProberClosed
	}
	if t.Address == "" {
		// The driver would fall back to 127.0.0.1:3306, a server this
		// target does not name.
		return nil, errors.New("empty address")
	}
	key := keyOf(t)
	pl := p.pools[key]
	if pl == nil {
		connector, err := newConnector(t, p.log)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(connector)
		db.SetMaxOpenConns(poolMaxOpen)
		db.SetMaxIdleConns(poolMaxIdle)
		db.SetConnMaxLifetime(poolMaxLifetime)
		db.SetConnMaxIdleTime(poolMaxIdleTime)
		pl = &pool{db: db}
		p.pools[key] = pl
	}
	pl.refs++
	return pl, nil
}

// release gives back a reference taken by acquire.
func (p *Prober) release(pl *pool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl.refs--
	if pl.dropped && pl.refs == 0 {
		pl.db.Close()
	}
}

// drop removes pl from the prober so that the next probe of its target
// dials a new connection.
func (p *Prober) drop(pl *pool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropLocked(pl)
}

func (p *Prober) dropLocked(pl *pool) error {
	if pl.dropped {
		return nil
	}
	pl.dropped = true
	for k, v := range p.pools {
		if v == pl {
			delete(p.pools, k)
		}
	}
	if pl.refs == 0 {
		return pl.db.Close()
	}
	return nil
}

// newConnector returns a driver connector for t. It takes a mysql.Config
// rather than a DSN string, so no string holding the password is ever
// built. The driver's timeout bounds the TCP dial only, and its
// readTimeout and writeTimeout bound every later read and write, the
// reads and writes of the handshake included.
func newConnector(t Target, log *slog.Logger) (driver.Connector, error) {
	connect, read := timeouts(t)
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = t.Address
	cfg.User = t.User
	cfg.Passwd = t.Password
	cfg.Timeout = connect
	cfg.ReadTimeout = read
	cfg.WriteTimeout = read
	cfg.Logger = driverLogger{log: log, address: t.Address}

	switch t.TLS {
	case "", "false":
	case "true", "skip-verify", "preferred":
		cfg.TLSConfig = t.TLS
	default:
		tc, err := tlsConfigFromCA(t.TLS)
		if err != nil {
			return nil, err
		}
		cfg.TLS = tc
	}
	return mysql.NewConnector(cfg)
}

// tlsConfigFromCA returns a TLS configuration that trusts only the
// certificates in the PEM file at path.
func tlsConfigFromCA(path string) (*tls.Config, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read tls ca file: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read tls ca file %s: no PEM certificate found", path)
	}
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, nil
}

// driverLogger sends the driver's own messages, such as the network error
// behind an "invalid connection", to slog at debug level.
type driverLogger struct {
	log     *slog.Logger
	address string
}

func (d driverLogger) Print(v ...any) {
	d.log.Debug("mysql driver", "address", d.address, "err", fmt.Sprint(v...))
}
