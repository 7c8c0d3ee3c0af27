package probe

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestClassify(t *testing.T) {
	serverError := func(number uint16) error {
		return &mysql.MySQLError{Number: number, Message: "server error"}
	}
	dialError := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}

	tests := []struct {
		name         string
		err          error
		readTimedOut bool
		want         ErrorKind
	}{
		{name: "nil", err: nil, want: ErrNone},
		{name: "unknown_system_variable", err: serverError(1193), want: ErrQuery},
		{name: "unknown_system_variable_wrapped", err: fmt.Errorf("read variables: %w", serverError(1193)), want: ErrQuery},
		{name: "syntax_error", err: serverError(1064), want: ErrQuery},
		{name: "access_denied_1045", err: serverError(1045), want: ErrAccessDenied},
		{name: "db_access_denied_1044", err: serverError(1044), want: ErrAccessDenied},
		{name: "table_access_denied_1142", err: serverError(1142), want: ErrAccessDenied},
		{name: "privilege_missing_1227", err: serverError(1227), want: ErrAccessDenied},
		{name: "host_not_allowed_1130", err: serverError(1130), want: ErrAccessDenied},
		{name: "too_many_connections_1040", err: serverError(1040), want: ErrTooMany},
		{name: "too_many_user_connections_1203", err: serverError(1203), want: ErrTooMany},
		{name: "user_limit_reached_1226", err: serverError(1226), want: ErrTooMany},
		{name: "context_deadline", err: fmt.Errorf("connect: %w", context.DeadlineExceeded), want: ErrTimeout},
		{name: "dial_timeout", err: dialError(os.ErrDeadlineExceeded), want: ErrTimeout},
		{name: "read_i_o_timeout", err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, want: ErrTimeout},
		{name: "invalid_conn_after_read_timeout", err: fmt.Errorf("connect: %w", mysql.ErrInvalidConn), readTimedOut: true, want: ErrTimeout},
		{name: "bad_conn_after_read_timeout", err: driver.ErrBadConn, readTimedOut: true, want: ErrTimeout},
		{name: "invalid_conn_early", err: mysql.ErrInvalidConn, want: ErrOther},
		{name: "refused", err: dialError(os.NewSyscallError("connect", syscall.ECONNREFUSED)), want: ErrRefused},
		{name: "dns_not_found", err: dialError(&net.DNSError{Err: "no such host", Name: "db.invalid", IsNotFound: true}), want: ErrDNS},
		{name: "dns_timeout", err: dialError(&net.DNSError{Err: "i/o timeout", Name: "db.example", IsTimeout: true}), want: ErrDNS},
		{name: "eof", err: io.EOF, want: ErrOther},
		{name: "canceled", err: context.Canceled, want: ErrOther},
		{name: "plain", err: errors.New("tls: handshake failure"), want: ErrOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err, tt.readTimedOut); got != tt.want {
				t.Errorf("classify(%v, %v) = %q, want %q", tt.err, tt.readTimedOut, got, tt.want)
			}
		})
	}
}

func TestParseFlag(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{name: "zero", value: "0", want: false},
		{name: "one", value: "1", want: true},
		{name: "off", value: "OFF", want: false},
		{name: "on_lower_case", value: "on", want: true},
		{name: "mariadb_no_lock", value: "NO_LOCK", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlag("read_only", nullString(tt.value))
			if err != nil {
				t.Fatalf("parseFlag(%q) error = %v", tt.value, err)
			}
			if got != tt.want {
				t.Errorf("parseFlag(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestFlavorOf(t *testing.T) {
	tests := []struct {
		name, version, comment, want string
	}{
		{name: "mariadb_debian", version: "10.11.6-MariaDB-0+deb12u1", comment: "Debian 12", want: "mariadb"},
		{name: "mariadb_in_comment", version: "5.5.5-10.6.12", comment: "mariadb.org binary distribution", want: "mariadb"},
		{name: "mysql_8", version: "8.0.36", comment: "MySQL Community Server - GPL", want: "mysql"},
		{name: "percona", version: "8.0.35-27", comment: "Percona Server (GPL), Release 27", want: "mysql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flavorOf(tt.version, tt.comment); got != tt.want {
				t.Errorf("flavorOf(%q, %q) = %q, want %q", tt.version, tt.comment, got, tt.want)
			}
		})
	}
}

func TestParseFlag_Null(t *testing.T) {
	if _, err := parseFlag("read_only", sql.NullString{}); err == nil {
		t.Error("parseFlag(NULL) error = nil, want an error")
	}
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
