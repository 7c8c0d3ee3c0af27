package probe

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// TryLock takes the named user lock on t with GET_LOCK(name, 0), which
// never waits: held is false when another session holds the lock.
//
// The lock lives on a connection of its own, outside the probe pools, that
// stays open until release is called. release runs RELEASE_LOCK and closes
// that connection; it must be called exactly once when held is true, and
// later calls do nothing. The server frees the lock by itself when that
// connection drops (a network failure, a server restart, wait_timeout or
// KILL), so the lock protects only while the connection lives: a holder
// cannot tell that it lost the lock until it next uses the connection.
func (p *Prober) TryLock(ctx context.Context, t Target, name string) (release func(), held bool, err error) {
	connector, err := newConnector(t, p.log)
	if err != nil {
		return nil, false, fmt.Errorf("lock %q on %s: %w", name, t.Address, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)

	connectTimeout, readTimeout := timeouts(t)
	cctx, cancel := context.WithTimeout(ctx, connectTimeout+readTimeout)
	defer cancel()

	conn, err := db.Conn(cctx)
	if err != nil {
		db.Close()
		return nil, false, fmt.Errorf("lock %q on %s: connect: %w", name, t.Address, err)
	}

	// GET_LOCK returns 1 when taken, 0 when another session holds the
	// lock, and NULL on an error such as a KILL.
	var got sql.NullInt64
	if err := conn.QueryRowContext(cctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
		conn.Close()
		db.Close()
		return nil, false, fmt.Errorf("lock %q on %s: %w", name, t.Address, err)
	}
	if !got.Valid || got.Int64 != 1 {
		conn.Close()
		db.Close()
		if !got.Valid {
			return nil, false, fmt.Errorf("lock %q on %s: GET_LOCK returned NULL", name, t.Address)
		}
		return nil, false, nil
	}

	var once sync.Once
	release = func() {
		once.Do(func() {
			rctx, cancel := context.WithTimeout(context.Background(), readTimeout)
			defer cancel()
			var freed sql.NullInt64
			err := conn.QueryRowContext(rctx, "SELECT RELEASE_LOCK(?)", name).Scan(&freed)
			switch {
			case err != nil:
				// Closing the connection below frees the lock anyway.
				p.log.Warn("release lock", "cluster", t.Cluster, "node", t.Name,
					"address", t.Address, "err", err)
			case !freed.Valid || freed.Int64 != 1:
				p.log.Warn("lock was no longer held at release", "cluster", t.Cluster,
					"node", t.Name, "address", t.Address)
			}
			conn.Close()
			db.Close()
		})
	}
	return release, true, nil
}
