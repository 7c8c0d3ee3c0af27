package mysql8test

import (
	"context"
	"strings"

	"github.com/dolthub/vitess/go/mysql"
)

// legacySyntaxHandler rejects SHOW REPLICA STATUS with the parse error
// (1064) that MySQL 8.0.21 and older return, and passes every other
// statement to go-mysql-server.
type legacySyntaxHandler struct {
	mysql.Handler
}

// ComQuery runs one statement.
func (h legacySyntaxHandler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	if isShowReplicaStatus(query) {
		return replicaSyntaxError()
	}
	return h.Handler.ComQuery(ctx, c, query, callback)
}

// ComMultiQuery runs the first statement of a multi-statement query.
func (h legacySyntaxHandler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	if isShowReplicaStatus(query) {
		return "", replicaSyntaxError()
	}
	return h.Handler.ComMultiQuery(ctx, c, query, callback)
}

// isShowReplicaStatus reports whether query starts with SHOW REPLICA
// STATUS, in any case and spacing.
func isShowReplicaStatus(query string) bool {
	words := strings.Fields(strings.ToUpper(query))
	return len(words) >= 3 && words[0] == "SHOW" && words[1] == "REPLICA" &&
		strings.HasPrefix(words[2], "STATUS")
}

func replicaSyntaxError() error {
	return mysql.NewSQLError(mysql.ERParseError, mysql.SSClientError,
		"syntax error near 'REPLICA STATUS': this server takes SHOW SLAVE STATUS")
}
