package probe

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Replication status columns, each with its MySQL 8.0.22+ spelling first
// and the older Master_*/Slave_* spelling that MariaDB keeps.
var (
	colSourceHost  = []string{"Source_Host", "Master_Host"}
	colSourcePort  = []string{"Source_Port", "Master_Port"}
	colSourceUUID  = []string{"Source_UUID", "Master_UUID"}
	colIORunning   = []string{"Replica_IO_Running", "Slave_IO_Running"}
	colSQLRunning  = []string{"Replica_SQL_Running", "Slave_SQL_Running"}
	colLastIOError = []string{"Last_IO_Error"}
)

// readReplica reads the replication status into st.Replica, using SHOW
// SLAVE STATUS when the server rejects SHOW REPLICA STATUS as a syntax
// error, and records that choice in tr.
func readReplica(ctx context.Context, conn *sql.Conn, tr *serverTraits, st *Status) error {
	query := "SHOW REPLICA STATUS"
	if tr.slaveSyntax {
		query = "SHOW SLAVE STATUS"
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil && !tr.slaveSyntax && isMySQLError(err, errNumParse) {
		tr.slaveSyntax = true
		rows, err = conn.QueryContext(ctx, "SHOW SLAVE STATUS")
	}
	if err != nil {
		return err
	}
	defer rows.Close()

	names, err := rows.Columns()
	if err != nil {
		return err
	}
	index := make(map[string]int, len(names))
	for i, name := range names {
		index[strings.ToLower(name)] = i
	}
	raw := make([]sql.RawBytes, len(names))
	dest := make([]any, len(names))
	for i := range raw {
		dest[i] = &raw[i]
	}
	column := func(spellings []string) string {
		for _, s := range spellings {
			if i, ok := index[strings.ToLower(s)]; ok {
				return strings.TrimSpace(string(raw[i]))
			}
		}
		return ""
	}

	// One row per replication channel (MySQL) or for the default
	// connection (MariaDB). A channel whose IO thread runs matters most to
	// the verdict, so it wins over a stopped one.
	var chosen *Replication
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		port, _ := strconv.Atoi(column(colSourcePort))
		r := &Replication{
			SourceHost:  column(colSourceHost),
			SourcePort:  port,
			IORunning:   column(colIORunning),
			SQLRunning:  strings.EqualFold(column(colSQLRunning), "Yes"),
			LastIOError: column(colLastIOError),
		}
		if st.Flavor == "mysql" {
			r.SourceUUID = column(colSourceUUID)
		}
		if chosen == nil || (!ioActive(chosen.IORunning) && ioActive(r.IORunning)) {
			chosen = r
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	st.Replica = chosen
	return nil
}
