package mysql8test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dts-reconciler/probe"

	"github.com/go-sql-driver/mysql"
)

// Accounts created on every test server.
const (
	rootPassword  = "root-pw-8c1d"
	probeUser     = "dts_probe"
	probePassword = "probe-pw-5e2a"
	replUser      = "repl"
	replPassword  = "repl-pw-77f0"
)

// hidePasswords keeps the test passwords out of failure messages.
var hidePasswords = strings.NewReplacer(rootPassword, "***", probePassword, "***", replPassword, "***")

// startTimeout bounds the start of one server process.
const startTimeout = 20 * time.Second

// serverCommand is the program and arguments that run one server; TestMain
// sets it.
var serverCommand []string

func TestMain(m *testing.M) {
	// A copy of this binary started with ConfigEnv set is a server.
	if config := os.Getenv(ConfigEnv); config != "" {
		os.Exit(RunProcess(config, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mysql8test-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "create build directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	serverCommand, err = buildServer(dir)
	if err != nil {
		// This binary can serve too, but each start then costs the
		// initialisation of the server's dependencies under the race
		// detector when the tests run with -race.
		fmt.Fprintf(os.Stderr, "mysql8test: %v; the test binary serves instead\n", err)
		serverCommand = []string{os.Args[0], "-test.run=^$"}
	}
	return m.Run()
}

// buildServer builds cmd/mysql8server into dir with the go command that
// runs the tests, which puts its own bin directory first in PATH.
func buildServer(dir string) ([]string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("find the go command: %w", err)
	}
	bin := filepath.Join(dir, "mysql8server")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/mysql8server")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the test server: %w: %s", err, out)
	}
	return []string{bin}, nil
}

// node is one server process started by a test.
type node struct {
	name string
	addr string
	uuid string

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *lockedBuffer
	admin  *sql.DB

	stopOnce sync.Once
}

// nodeConfig returns the usual configuration of a test server: a MySQL
// 8.0.36 primary with the probe and replication accounts.
func nodeConfig(name string, serverID uint32, uuid string) Config {
	return Config{
		Hostname:     name,
		ServerID:     serverID,
		ServerUUID:   uuid,
		Version:      "8.0.36",
		RootPassword: rootPassword,
		Users: []User{
			{Name: probeUser, Password: probePassword, Privileges: "REPLICATION CLIENT"},
			{Name: replUser, Password: replPassword, Privileges: "REPLICATION SLAVE"},
		},
	}
}

// startNode starts a server process with cfg and stops it when the test
// ends.
func startNode(t *testing.T, cfg Config) *node {
	t.Helper()

	encoded, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("encode config: %v", err)
	}
	n := &node{name: cfg.Hostname, uuid: cfg.ServerUUID, stderr: &lockedBuffer{}}
	n.cmd = exec.Command(serverCommand[0], serverCommand[1:]...)
	n.cmd.Env = append(os.Environ(), ConfigEnv+"="+string(encoded))
	n.cmd.Stderr = n.stderr
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("start %s: %v", n.name, err)
	}
	if n.stdin, err = n.cmd.StdinPipe(); err != nil {
		t.Fatalf("start %s: %v", n.name, err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", n.name, err)
	}
	t.Cleanup(func() { n.stop(t) })

	n.addr, err = readAddress(stdout)
	if err != nil {
		t.Fatalf("start %s: %v; server output: %s", n.name, err, n.stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	n.admin = openDB(t, n.addr, "root", rootPassword)
	n.admin.SetMaxOpenConns(1)
	return n
}

// readAddress returns the address from the "listening ADDR" line that a
// server process prints once it accepts connections.
func readAddress(stdout io.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	lines := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		lines <- result{line, err}
	}()

	select {
	case r := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(r.line), "listening ")
		if !ok {
			return "", fmt.Errorf("read address: got line %q, error %v", r.line, r.err)
		}
		return addr, nil
	case <-time.After(startTimeout):
		return "", fmt.Errorf("read address: no address after %v", startTimeout)
	}
}

// stop kills the server process by its PID and waits for it. The port is
// closed when stop returns, so a probe of it is refused.
func (n *node) stop(t *testing.T) {
	t.Helper()
	n.stopOnce.Do(func() {
		if n.admin != nil {
			_ = n.admin.Close()
		}
		_ = n.stdin.Close()
		if err := n.cmd.Process.Kill(); err != nil {
			t.Errorf("kill %s (pid %d): %v", n.name, n.cmd.Process.Pid, err)
		}
		_ = n.cmd.Wait()
	})
}

// exec runs statements on the node as root.
func (n *node) exec(t *testing.T, statements ...string) {
	t.Helper()
	for _, stmt := range statements {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := n.admin.ExecContext(ctx, stmt)
		cancel()
		if err != nil {
			t.Fatalf("%s: %s: %v", n.name, hidePasswords.Replace(stmt), err)
		}
	}
}

// replicateFrom points the node at source and starts its replica threads.
func (n *node) replicateFrom(t *testing.T, source *node) {
	t.Helper()
	host, port, err := net.SplitHostPort(source.addr)
	if err != nil {
		t.Fatalf("split %q: %v", source.addr, err)
	}
	n.exec(t,
		"STOP REPLICA",
		fmt.Sprintf("CHANGE REPLICATION SOURCE TO SOURCE_HOST='%s', SOURCE_PORT=%s, SOURCE_USER='%s', SOURCE_PASSWORD='%s', SOURCE_AUTO_POSITION=1",
			host, port, replUser, replPassword),
		"START REPLICA",
	)
}

// target returns the probe target of the node for the probe account.
func (n *node) target() probe.Target {
	return n.targetAs(probeUser, probePassword)
}

// targetAs returns the probe target of the node for another account.
func (n *node) targetAs(user, password string) probe.Target {
	return probe.Target{
		Cluster:        "orders",
		Name:           n.name,
		Address:        n.addr,
		User:           user,
		Password:       password,
		ConnectTimeout: 2 * time.Second,
		ReadTimeout:    2 * time.Second,
	}
}

// newProber returns a prober that logs warnings to the test output and is
// closed when the test ends.
func newProber(t *testing.T) *probe.Prober {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	p := probe.New(probe.Options{Logger: logger})
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close prober: %v", err)
		}
	})
	return p
}

// probeNodes probes the nodes with the probe account, in order.
func probeNodes(t *testing.T, p *probe.Prober, nodes ...*node) []probe.Status {
	t.Helper()
	targets := make([]probe.Target, len(nodes))
	for i, n := range nodes {
		targets[i] = n.target()
	}
	ctx, cancel := testContext()
	defer cancel()
	return p.Probe(ctx, targets)
}

// testContext bounds one probe or lock call of a test. The probe's own
// timeouts end each call well before.
func testContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func openDB(t *testing.T, addr, user, password string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = addr
	cfg.User = user
	cfg.Passwd = password
	cfg.Timeout = 5 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("mysql connector for %s: %v", addr, err)
	}
	return sql.OpenDB(connector)
}

// lockedBuffer collects a child's stderr, which exec writes from another
// goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
