package probe

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// classify returns the kind of a probe error. readTimedOut reports whether
// the probe had already waited at least its read timeout. The driver
// returns mysql.ErrInvalidConn for a read that hit its deadline and only
// logs the underlying i/o timeout, so an invalid connection after that
// long is a timeout and an earlier one is not.
func classify(err error, readTimedOut bool) ErrorKind {
	if err == nil {
		return ErrNone
	}

	// A DNS error can also be a timeout, but ErrDNS names the cause better.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return ErrDNS
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return ErrTimeout
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return ErrTimeout
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return ErrRefused
	}

	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		return serverErrorKind(myErr.Number)
	}
	if readTimedOut && (errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn)) {
		return ErrTimeout
	}
	return ErrOther
}

// serverErrorKind returns the kind of an error the server sent.
func serverErrorKind(number uint16) ErrorKind {
	switch number {
	case 1044, // ER_DBACCESS_DENIED_ERROR
		1045, // ER_ACCESS_DENIED_ERROR
		1130, // ER_HOST_NOT_PRIVILEGED: host not allowed to connect
		1142, // ER_TABLEACCESS_DENIED_ERROR
		1227, // ER_SPECIFIC_ACCESS_DENIED_ERROR, such as a missing REPLICATION CLIENT
		1698: // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
		return ErrAccessDenied
	case 1040, // ER_CON_COUNT_ERROR: max_connections reached
		1203, // ER_TOO_MANY_USER_CONNECTIONS
		1226: // ER_USER_LIMIT_REACHED, such as max_user_connections of the account
		return ErrTooMany
	}
	// Everything else, such as ER_UNKNOWN_SYSTEM_VARIABLE (1193), is a
	// query the server could not run.
	return ErrQuery
}
