// Package mysql8test checks the probe against servers that speak the MySQL
// protocol and report MySQL 8 state: @@server_uuid, @@super_read_only and
// SHOW REPLICA STATUS with the Source_* columns, none of which MariaDB has.
//
// The servers are go-mysql-server engines. go-mysql-server keeps the global
// system variables of a process in one package-level registry
// (sql.SystemVariables), so servers with different read_only, super_read_only
// or server_uuid values cannot share a process. The tests therefore run each
// server as a process of its own, built from cmd/mysql8server.
//
// This is a separate module so that the product module does not depend on
// go-mysql-server. Run its tests from this directory:
//
//	go test -race ./...
package mysql8test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gmssql "github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/mysql_db"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/sirupsen/logrus"
)

// Config describes one MySQL 8-compatible server.
type Config struct {
	Hostname   string // @@hostname
	ServerID   uint32 // @@server_id
	ServerUUID string // @@server_uuid; empty keeps the one go-mysql-server generated
	// Version is @@version and the version in the handshake, such as "8.0.36".
	Version string
	// ReadOnly and SuperReadOnly are the values at start. They are set as
	// given, even the pair super_read_only ON with read_only OFF, which
	// MySQL itself never reports. SET GLOBAL afterwards keeps them coupled
	// as MySQL does.
	ReadOnly      bool
	SuperReadOnly bool
	// RootPassword is the password of root@'%', which has every privilege.
	RootPassword string
	Users        []User
	// LegacyReplicaSyntax makes SHOW REPLICA STATUS a syntax error, as on
	// MySQL before 8.0.22, so clients must use SHOW SLAVE STATUS and read
	// the Master_* and Slave_* columns. The replication commands keep their
	// new spelling (CHANGE REPLICATION SOURCE TO, START REPLICA), because
	// go-mysql-server v0.20.0 parses no other.
	LegacyReplicaSyntax bool
}

// User is an account created at start in addition to root.
type User struct {
	Name     string
	Password string
	// Privileges is the privilege list granted ON *.*, such as
	// "REPLICATION CLIENT".
	Privileges string
}

// Server is a running go-mysql-server instance.
type Server struct {
	srv  *server.Server
	repl *replicaController
	done chan struct{}
}

// Start applies cfg to the global system variables of this process and
// serves connections on ln until [Server.Close]. At most one Server may run
// in a process, because those variables are shared by the whole process.
func Start(cfg Config, ln net.Listener) (*Server, error) {
	logrus.SetLevel(logrus.ErrorLevel)

	port := 0
	if addr, ok := ln.Addr().(*net.TCPAddr); ok {
		port = addr.Port
	}
	if err := setGlobals(cfg, port); err != nil {
		return nil, err
	}

	pro := memory.NewDBProvider(memory.NewDatabase("mysql8test"))
	engine := sqle.NewDefault(pro)
	repl := newReplicaController()
	engine.Analyzer.Catalog.BinlogReplicaController = repl

	if err := createUsers(engine, pro, cfg); err != nil {
		return nil, err
	}

	srvCfg := server.Config{
		Protocol: "tcp",
		Address:  ln.Addr().String(),
		Listener: ln,
		Version:  cfg.Version,
	}
	wrap := func(h mysql.Handler) (mysql.Handler, error) { return h, nil }
	if cfg.LegacyReplicaSyntax {
		wrap = func(h mysql.Handler) (mysql.Handler, error) { return legacySyntaxHandler{h}, nil }
	}
	srv, err := server.NewServerWithHandler(srvCfg, engine, gmssql.NewContext, memory.NewSessionBuilder(pro), nil, wrap)
	if err != nil {
		return nil, fmt.Errorf("create server: %w", err)
	}

	s := &Server{srv: srv, repl: repl, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = srv.Start()
	}()
	return s, nil
}

// Close stops accepting connections and stops the replication connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	s.repl.close()
	return err
}

// setGlobals writes cfg into the process-wide registry, then wraps the
// registry so that SET GLOBAL couples read_only and super_read_only.
func setGlobals(cfg Config, port int) error {
	values := map[string]any{
		"hostname":        cfg.Hostname,
		"server_id":       cfg.ServerID,
		"read_only":       boolValue(cfg.ReadOnly),
		"super_read_only": boolValue(cfg.SuperReadOnly),
		"version_comment": "MySQL Community Server - GPL",
		"port":            port,
	}
	if cfg.ServerUUID != "" {
		values["server_uuid"] = cfg.ServerUUID
	}
	if cfg.Version != "" {
		values["version"] = cfg.Version
	}
	if err := gmssql.SystemVariables.AssignValues(values); err != nil {
		return fmt.Errorf("set global variables: %w", err)
	}

	if _, ok := gmssql.SystemVariables.(coupledVariables); !ok {
		gmssql.SystemVariables = coupledVariables{gmssql.SystemVariables}
	}
	return nil
}

func boolValue(on bool) int8 {
	if on {
		return 1
	}
	return 0
}

// createUsers turns on account checking. root gets every privilege, and each
// entry of cfg.Users gets only its grants. Passwords go straight into the
// account table, so no SQL text or error message contains one.
func createUsers(engine *sqle.Engine, pro *memory.DbProvider, cfg Config) error {
	mysqlDB := engine.Analyzer.Catalog.MySQLDb
	// go-mysql-server has no default persister and GRANT dereferences it.
	mysqlDB.SetPersister(&mysql_db.NoopPersister{})
	ed := mysqlDB.Editor()
	mysqlDB.AddSuperUser(ed, "root", "%", cfg.RootPassword)
	for _, u := range cfg.Users {
		if u.Name == "" || u.Name == "root" {
			ed.Close()
			return fmt.Errorf("create user %q: the name must be set and differ from root", u.Name)
		}
		ed.PutUser(&mysql_db.User{
			User:                u.Name,
			Host:                "%",
			PrivilegeSet:        mysql_db.NewPrivilegeSet(),
			Plugin:              "mysql_native_password",
			AuthString:          nativePasswordHash(u.Password),
			PasswordLastChanged: time.Now().UTC(),
		})
	}
	ed.Close()

	client := gmssql.Client{User: "root", Address: "localhost"}
	session := memory.NewSession(gmssql.NewBaseSessionWithClientServer("", client, 0), pro)
	ctx := gmssql.NewContext(context.Background(), gmssql.WithSession(session))
	for _, u := range cfg.Users {
		if u.Privileges == "" {
			continue
		}
		grant := "GRANT " + u.Privileges + " ON *.* TO " + quote(u.Name) + "@'%'"
		if err := run(ctx, engine, grant); err != nil {
			return fmt.Errorf("grant to %s: %w", u.Name, err)
		}
	}
	return nil
}

// nativePasswordHash returns the mysql_native_password form of password as
// mysql.user stores it: "*" and the upper-case hex of SHA1(SHA1(password)).
// An empty password stays empty, which means the account has none.
func nativePasswordHash(password string) string {
	if password == "" {
		return ""
	}
	first := sha1.Sum([]byte(password))
	second := sha1.Sum(first[:])
	return "*" + strings.ToUpper(hex.EncodeToString(second[:]))
}

func run(ctx *gmssql.Context, engine *sqle.Engine, query string) error {
	_, iter, _, err := engine.Query(ctx, query)
	if err != nil {
		return err
	}
	_, err = gmssql.RowIterToRows(ctx, iter)
	return err
}

// quote returns s as a single-quoted SQL string literal.
func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}
