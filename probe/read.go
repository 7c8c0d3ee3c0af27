package probe

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Variables every supported server has. @@hostname and @@port feed the
// fallback identity; @@version and @@version_comment tell the flavour.
const commonVariables = "@@global.read_only, @@server_id, @@hostname, @@port, @@version, @@version_comment"

// MySQL error numbers the probe reacts to.
const (
	errNumParse           = 1064 // ER_PARSE_ERROR
	errNumUnknownVariable = 1193 // ER_UNKNOWN_SYSTEM_VARIABLE
)

// serverTraits holds the facts an earlier probe learnt about the server
// behind a pool, so later probes read every variable in one query. A probe that
// finds a different version, or gets an unknown-variable error, learns
// them again.
type serverTraits struct {
	known            bool
	version          string
	flavor           string
	hasSuperReadOnly bool // MySQL 5.7.8 and later
	hasServerUID     bool // MariaDB 10.3 and later
	// slaveSyntax is set when SHOW REPLICA STATUS is a syntax error
	// (MySQL before 8.0.22, MariaDB before 10.5.1).
	slaveSyntax bool
}

// extraVariables returns the flavour-specific variables to read after
// commonVariables, in the order applyExtra expects.
func (tr serverTraits) extraVariables() []string {
	var vars []string
	switch {
	case tr.flavor == "mysql" && tr.hasSuperReadOnly:
		vars = []string{"@@global.super_read_only", "@@server_uuid"}
	case tr.flavor == "mysql":
		vars = []string{"@@server_uuid"}
	case tr.hasServerUID:
		vars = []string{"@@server_uid"}
	}
	return vars
}

// readNode runs one probe of t on a connection of pl and returns its
// status.
func readNode(ctx context.Context, pl *pool, t Target, start time.Time, readTimeout time.Duration) Status {
	st := Status{Target: t, ProbedAt: start}
	err := readInto(ctx, pl, &st)
	if err == nil {
		st.Duration = time.Since(start)
		return st
	}

	kind := classify(err, time.Since(start) >= readTimeout)
	if kind == ErrTimeout && errors.Is(err, mysql.ErrInvalidConn) {
		err = fmt.Errorf("probe %s: read timed out after %s: %w", t.Address, readTimeout, err)
	} else {
		err = fmt.Errorf("probe %s: %w", t.Address, err)
	}
	return failed(t, start, err, kind)
}

// readInto fills st from one connection: the variables, then the
// replication status.
func readInto(ctx context.Context, pl *pool, st *Status) error {
	conn, err := pl.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()

	before := pl.loadTraits()
	tr, err := readVariables(ctx, conn, before, st)
	if err != nil {
		return fmt.Errorf("read variables: %w", err)
	}
	if err := readReplica(ctx, conn, &tr, st); err != nil {
		return fmt.Errorf("read replication status: %w", err)
	}
	if tr != before {
		pl.storeTraits(tr)
	}
	return nil
}

// readVariables reads the server variables in one query when the traits
// are known, and in two or three otherwise.
func readVariables(ctx context.Context, conn *sql.Conn, tr serverTraits, st *Status) (serverTraits, error) {
	if tr.known {
		err := readKnown(ctx, conn, tr, st)
		if err == nil {
			return tr, nil
		}
		if !errors.Is(err, errTraitsChanged) && !isMySQLError(err, errNumUnknownVariable) {
			return tr, err
		}
	}
	return discover(ctx, conn, st)
}

// errTraitsChanged means the server behind a pool is not the one its
// traits were learnt from.
var errTraitsChanged = errors.New("server version changed")

// readKnown reads every variable in one query, trusting tr.
func readKnown(ctx context.Context, conn *sql.Conn, tr serverTraits, st *Status) error {
	extra := tr.extraVariables()
	query := "SELECT " + commonVariables
	if len(extra) > 0 {
		query += ", " + strings.Join(extra, ", ")
	}
	vals, err := queryRow(ctx, conn, query, 6+len(extra))
	if err != nil {
		return err
	}
	com, err := applyCommon(st, vals[:6])
	if err != nil {
		return err
	}
	if st.Version != tr.version || st.Flavor != tr.flavor {
		return errTraitsChanged
	}
	return applyExtra(st, tr, com, vals[6:])
}

// discover reads the common variables, then tries the flavour-specific
// ones and learns which exist.
func discover(ctx context.Context, conn *sql.Conn, st *Status) (serverTraits, error) {
	vals, err := queryRow(ctx, conn, "SELECT "+commonVariables, 6)
	if err != nil {
		return serverTraits{}, err
	}
	com, err := applyCommon(st, vals)
	if err != nil {
		return serverTraits{}, err
	}

	tr := serverTraits{known: true, version: st.Version, flavor: st.Flavor}
	if tr.flavor == "mysql" {
		tr.hasSuperReadOnly = true
	} else {
		tr.hasServerUID = true
	}
	extra := tr.extraVariables()
	vals, err = queryRow(ctx, conn, "SELECT "+strings.Join(extra, ", "), len(extra))
	if isMySQLError(err, errNumUnknownVariable) {
		// MySQL before 5.7.8 lacks super_read_only, MariaDB before 10.3
		// lacks server_uid.
		tr.hasSuperReadOnly, tr.hasServerUID = false, false
		extra = tr.extraVariables()
		vals, err = nil, nil
		if len(extra) > 0 {
			vals, err = queryRow(ctx, conn, "SELECT "+strings.Join(extra, ", "), len(extra))
		}
	}
	if err != nil {
		return serverTraits{}, err
	}
	return tr, applyExtra(st, tr, com, vals)
}

// common holds the variables used only to build the fallback identity.
type common struct {
	hostname string
	port     int
}

// applyCommon stores the values of commonVariables in st.
func applyCommon(st *Status, vals []sql.NullString) (common, error) {
	readOnly, err := parseFlag("read_only", vals[0])
	if err != nil {
		return common{}, err
	}
	id, err := strconv.ParseUint(vals[1].String, 10, 32)
	if err != nil {
		return common{}, fmt.Errorf("parse server_id %q: %w", vals[1].String, err)
	}
	port, err := strconv.Atoi(vals[3].String)
	if err != nil {
		return common{}, fmt.Errorf("parse port %q: %w", vals[3].String, err)
	}

	st.ReadOnly = readOnly
	st.ServerID = uint32(id)
	st.Hostname = vals[2].String
	st.Version = vals[4].String
	st.Flavor = flavorOf(vals[4].String, vals[5].String)
	return common{hostname: vals[2].String, port: port}, nil
}

// applyExtra stores the values of tr.extraVariables() in st and sets the
// identity.
func applyExtra(st *Status, tr serverTraits, com common, vals []sql.NullString) error {
	switch {
	case tr.flavor == "mysql" && tr.hasSuperReadOnly:
		sro, err := parseFlag("super_read_only", vals[0])
		if err != nil {
			return err
		}
		st.SuperReadOnly, st.HasSuperReadOnly = sro, true
		st.Identity, st.IdentitySource = vals[1].String, IdentityServerUUID
	case tr.flavor == "mysql":
		st.Identity, st.IdentitySource = vals[0].String, IdentityServerUUID
	case tr.hasServerUID:
		st.Identity, st.IdentitySource = vals[0].String, IdentityServerUID
	}
	if st.Identity == "" {
		st.Identity = fmt.Sprintf("%d@%s:%d", st.ServerID, com.hostname, com.port)
		st.IdentitySource = IdentityServerID
	}
	return nil
}

// queryRow runs a query that returns one row of n columns.
func queryRow(ctx context.Context, conn *sql.Conn, query string, n int) ([]sql.NullString, error) {
	vals := make([]sql.NullString, n)
	dest := make([]any, n)
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := conn.QueryRowContext(ctx, query).Scan(dest...); err != nil {
		return nil, err
	}
	return vals, nil
}

// parseFlag reads a boolean variable given as 0/1 or OFF/ON. Any other
// value, such as the NO_LOCK forms MariaDB 11.8 added to read_only, counts
// as on, because a node of unknown mode must not be taken for writable.
func parseFlag(name string, v sql.NullString) (bool, error) {
	if !v.Valid {
		return false, fmt.Errorf("read %s: value is NULL", name)
	}
	switch strings.ToUpper(strings.TrimSpace(v.String)) {
	case "0", "OFF":
		return false, nil
	}
	return true, nil
}

// flavorOf returns "mariadb" when the version or the version comment names
// MariaDB, and "mysql" otherwise.
func flavorOf(version, comment string) string {
	if strings.Contains(strings.ToLower(version), "mariadb") ||
		strings.Contains(strings.ToLower(comment), "mariadb") {
		return "mariadb"
	}
	return "mysql"
}

// isMySQLError reports whether err is a server error with the given number.
func isMySQLError(err error, number uint16) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == number
}
