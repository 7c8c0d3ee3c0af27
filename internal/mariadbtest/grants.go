package mariadbtest

import "fmt"

// Minimum privileges of the probe account. Reading @@global.read_only,
// @@server_uid, @@server_id, @@hostname and @@version needs no privilege, and
// neither do GET_LOCK and RELEASE_LOCK, so an account with USAGE only can do
// all of that. Only SHOW SLAVE STATUS (or SHOW REPLICA STATUS) needs a grant.
//
// These facts were checked against MariaDB 10.11.19 (Debian 12), where an
// account with REPLICATION CLIENT is rejected with "you need (at least one
// of) the SUPER, SLAVE MONITOR privilege(s)". MariaDB 10.5 made REPLICATION
// CLIENT an alias of BINLOG MONITOR, which covers SHOW MASTER STATUS and SHOW
// BINARY LOGS but no longer SHOW SLAVE STATUS, and added SLAVE MONITOR (alias
// REPLICA MONITOR) for it in 10.5.8 Enterprise and 10.5.9 Community. Earlier
// 10.5 releases required REPLICATION SLAVE ADMIN instead, and 10.4 and older
// accept REPLICATION CLIENT.
const (
	// MariaDBProbePrivilege is the one global privilege the probe account
	// needs on MariaDB 10.5.9 and later. SHOW GRANTS prints it as SLAVE
	// MONITOR even when it was granted as REPLICA MONITOR.
	MariaDBProbePrivilege = "SLAVE MONITOR"

	// MySQLProbePrivilege is the equivalent on MySQL 8, where REPLICATION
	// CLIENT allows SHOW REPLICA STATUS and SHOW SLAVE STATUS.
	MySQLProbePrivilege = "REPLICATION CLIENT"
)

// ProbeGrants returns the statements that create the probe account on MariaDB
// with the least privileges it needs, for documentation and for scripts. The
// password is left as a placeholder to fill in.
func ProbeGrants(user, host string) []string {
	account := fmt.Sprintf("%s@%s", quoteString(user), quoteString(host))
	return []string{
		fmt.Sprintf("CREATE USER %s IDENTIFIED BY '<password>'", account),
		fmt.Sprintf("GRANT %s ON *.* TO %s", MariaDBProbePrivilege, account),
	}
}

// quoteString returns s as a single-quoted SQL string literal, escaping
// backslashes and quotes. It assumes the default SQL mode, in which a
// backslash is an escape character.
func quoteString(s string) string {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '\'':
			out = append(out, '\\', c)
		case 0:
			out = append(out, '\\', '0')
		default:
			out = append(out, c)
		}
	}
	return string(append(out, '\''))
}
