package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for one writer and many readers.
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

// daemon is one running dts-reconciler process.
type daemon struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	out  lockedBuffer // stdout and stderr
	done chan struct{}
	// state is set when done is closed.
	state *os.ProcessState
}

// childEnv returns the environment of a child process: this process's
// environment without the systemd and Alibaba Cloud variables, with the
// ECS metadata lookup turned off, and with extra added.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "NOTIFY_SOCKET", name == "WATCHDOG_USEC", name == "WATCHDOG_PID",
			strings.HasPrefix(name, "ALIBABA_CLOUD_"):
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	return append(env, extra...)
}

// startDaemon starts the program with args. The process is killed by its
// PID when the test ends, and its output is logged when the test failed.
func startDaemon(t *testing.T, name string, env []string, args ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, name: name, done: make(chan struct{})}
	d.cmd = exec.Command(binary, args...)
	d.cmd.Env = childEnv(env...)
	d.cmd.Stdout = &d.out
	d.cmd.Stderr = &d.out
	// A test binary that dies takes the daemon with it.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = d.cmd.Wait()
		d.state = d.cmd.ProcessState
		close(d.done)
	}()
	t.Cleanup(func() {
		d.kill()
		if t.Failed() {
			t.Logf("output of %s (pid %d):\n%s", d.name, d.cmd.Process.Pid, d.out.String())
		}
	})
	return d
}

// exited reports whether the process has ended.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// signal sends sig to the process.
func (d *daemon) signal(sig syscall.Signal) {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil && !d.exited() {
		d.t.Fatalf("send %s to %s: %v", sig, d.name, err)
	}
}

// kill sends SIGKILL by PID and waits until the process is gone.
func (d *daemon) kill() {
	if d.exited() {
		return
	}
	_ = d.cmd.Process.Kill()
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		d.t.Errorf("%s (pid %d) still runs 30s after SIGKILL", d.name, d.cmd.Process.Pid)
	}
}

// wait waits until the process has exited and returns its exit status, or
// fails the test after timeout. A process killed by a signal returns -1.
func (d *daemon) wait(timeout time.Duration) int {
	d.t.Helper()
	select {
	case <-d.done:
	case <-time.After(timeout):
		d.t.Fatalf("%s did not exit within %s", d.name, timeout)
	}
	if out := d.out.String(); strings.Contains(out, "WARNING: DATA RACE") {
		d.t.Errorf("%s reported a data race:\n%s", d.name, out)
	}
	return d.state.ExitCode()
}

// stop sends SIGTERM and checks that the process exits with status 0.
func (d *daemon) stop() {
	d.t.Helper()
	d.signal(syscall.SIGTERM)
	if code := d.wait(30 * time.Second); code != 0 {
		d.t.Errorf("%s exit status after SIGTERM = %d, want 0", d.name, code)
	}
}

// output returns what the process printed so far.
func (d *daemon) output() string { return d.out.String() }

// count returns how many lines of the output contain every part.
func (d *daemon) count(parts ...string) int {
	n := 0
	for _, line := range strings.Split(d.output(), "\n") {
		all := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				all = false
				break
			}
		}
		if all {
			n++
		}
	}
	return n
}

// ticks returns how many ticks the process has ended. It needs
// -log-level debug, because at info level a tick that ends like the
// previous one is not logged.
func (d *daemon) ticks() int { return d.count(`msg="tick ended"`) }

// waitTicks waits until the process has ended n more ticks than it had
// when called, failing the test when it exits first.
func (d *daemon) waitTicks(n int, timeout time.Duration) {
	d.t.Helper()
	want := d.ticks() + n
	waitFor(d.t, d.name+" to run its ticks", timeout, func() bool {
		if d.exited() {
			d.t.Fatalf("%s exited with status %d", d.name, d.state.ExitCode())
		}
		return d.ticks() >= want
	})
}

// waitLog waits until a line of the output contains every part.
func (d *daemon) waitLog(timeout time.Duration, parts ...string) {
	d.t.Helper()
	waitFor(d.t, d.name+" to log "+strings.Join(parts, " "), timeout, func() bool {
		return d.count(parts...) > 0
	})
}

// runArgs returns the arguments of a run command for config.
func runArgs(config string, extra ...string) []string {
	return append([]string{"run", "-config", config, "-log-level", "debug"}, extra...)
}
