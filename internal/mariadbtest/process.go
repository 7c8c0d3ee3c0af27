package mariadbtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Bounds of the waits on a mariadbd process.
const (
	readyTimeout = 60 * time.Second // from start to the first successful ping
	stopTimeout  = 20 * time.Second // from SIGTERM to SIGKILL
	pollInterval = 20 * time.Millisecond
)

// errPortInUse reports that mariadbd could not listen on its TCP port.
var errPortInUse = errors.New("port already in use")

// process is one running mariadbd.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and was reaped
	err  error         // exit status, set before done is closed
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// userArgs returns --user=root when running as root, because mariadbd
// exits when started as root without that option.
func userArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

// serverArgs returns the mariadbd command line of n. --no-defaults must come
// first so that no option file of the host changes the server.
func (n *Node) serverArgs(readOnly bool) []string {
	args := []string{"--no-defaults"}
	args = append(args, userArgs()...)
	args = append(args,
		"--datadir="+n.DataDir,
		// Temporary tables go to the node's own folder, not the shared /tmp.
		"--tmpdir="+n.DataDir,
		"--socket="+n.Socket,
		"--pid-file="+filepath.Join(n.DataDir, "mariadbd.pid"),
		"--port="+strconv.Itoa(n.Port),
		"--bind-address=127.0.0.1",
		"--skip-networking=0",
		"--skip-name-resolve",
		"--server-id="+strconv.Itoa(n.ServerID),
		"--log-bin=mysql-bin",
		"--relay-log=relay-bin",
		"--log-slave-updates",
		"--gtid-strict-mode=ON",
		// Replicas are pointed at the current primary after every start,
		// never at the one recorded in their data directory.
		"--skip-slave-start",
		"--slave-net-timeout=10",
		"--read-only="+onOff(readOnly),
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--performance-schema=OFF",
		innodbBufferPoolSize,
		innodbLogFileSize,
		innodbAutoextendStep,
		"--innodb-log-buffer-size=2M",
		// Native AIO contexts are limited per host (fs.aio-max-nr), and
		// many small servers would exhaust them.
		"--innodb-use-native-aio=OFF",
		"--innodb-flush-log-at-trx-commit=2",
		"--innodb-doublewrite=OFF",
		"--sync-binlog=0",
		"--key-buffer-size=1M",
		"--aria-pagecache-buffer-size=2M",
		"--max-connections=100",
	)
	return append(args, n.extraArgs...)
}

// launch starts mariadbd for n and waits until a ping on its socket
// succeeds. Its error wraps errPortInUse when the TCP port was taken.
func (n *Node) launch(ctx context.Context, server string, readOnly bool) error {
	logPath := n.ErrorLog()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open error log: %w", err)
	}
	offset, err := logFile.Seek(0, io.SeekEnd)
	if err != nil {
		logFile.Close()
		return fmt.Errorf("open error log: %w", err)
	}

	cmd := exec.Command(server, n.serverArgs(readOnly)...)
	cmd.Dir = n.DataDir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = serverProcAttr()
	err = cmd.Start()
	logFile.Close() // the child keeps its own descriptor
	if err != nil {
		return fmt.Errorf("start %s: %w", server, err)
	}

	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	n.mu.Lock()
	n.proc = p
	n.PID = cmd.Process.Pid
	n.mu.Unlock()

	if err := n.waitReady(ctx, p); err != nil {
		n.kill()
		tail := readLogTail(logPath, offset)
		if bytes.Contains([]byte(tail), []byte("already in use")) {
			return fmt.Errorf("start on port %d: %s: %w", n.Port, tail, errPortInUse)
		}
		return fmt.Errorf("start (error log %s: %s): %w", logPath, tail, err)
	}
	return nil
}

// waitReady waits until a ping on n's socket succeeds, its process exits,
// readyTimeout passes or ctx ends.
func (n *Node) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	db := n.DB()
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		pingCtx, pingCancel := context.WithTimeout(ctx, time.Second)
		err := db.PingContext(pingCtx)
		pingCancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			if p.err == nil {
				return errors.New("mariadbd exited with status 0 before accepting connections")
			}
			return fmt.Errorf("mariadbd exited before accepting connections: %w", p.err)
		case <-ctx.Done():
			return fmt.Errorf("wait for mariadbd to accept connections (last ping: %v): %w", err, ctx.Err())
		case <-ticker.C:
		}
	}
}

// stop sends SIGTERM and waits for the exit, then sends SIGKILL if the
// process is still there after timeout. It does nothing when n is not
// running.
func (n *Node) stop(timeout time.Duration) error {
	p := n.process()
	if p == nil || p.exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !p.exited() {
		return fmt.Errorf("stop %s (pid %d): %w", n.Name, n.PID, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	}
	n.kill()
	return fmt.Errorf("stop %s (pid %d): still running %s after SIGTERM, killed with SIGKILL", n.Name, n.PID, timeout)
}

// kill sends SIGKILL and waits until the process is reaped. It does nothing
// when n is not running.
func (n *Node) kill() {
	p := n.process()
	if p == nil || p.exited() {
		return
	}
	// An error here means the process has already exited, which done shows.
	_ = p.cmd.Process.Kill()
	<-p.done
}

// readLogTail returns the last lines written to the log at path after offset.
func readLogTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return err.Error()
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return err.Error()
	}
	return lastLines(data, 8)
}

func onOff(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}
