package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen opens a datagram socket at addr, points NOTIFY_SOCKET at it and
// returns it.
func listen(t *testing.T, addr string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", addr)
	return conn
}

// receive returns the next datagram, failing the test if none arrives.
func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatalf("set read deadline: %v", err)
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("read notification: %v", err)
	}
	return string(buf[:n])
}

func TestSend_Messages(t *testing.T) {
	conn := listen(t, filepath.Join(t.TempDir(), "notify.sock"))

	tests := []struct {
		name string
		send func() error
		want string
	}{
		{name: "ready", send: Ready, want: "READY=1\n"},
		{name: "stopping", send: Stopping, want: "STOPPING=1\n"},
		{name: "watchdog", send: Watchdog, want: "WATCHDOG=1\n"},
		{name: "status", send: func() error { return Status("tick ok: 3 jobs in sync") }, want: "STATUS=tick ok: 3 jobs in sync\n"},
		{name: "status_newlines", send: func() error { return Status("line one\nline two\r\nthree") }, want: "STATUS=line one line two three\n"},
		{name: "several_assignments", send: func() error { return Send("READY=1", "STATUS=started") }, want: "READY=1\nSTATUS=started\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.send(); err != nil {
				t.Fatalf("send: %v", err)
			}
			if got := receive(t, conn); got != tt.want {
				t.Errorf("datagram = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReloading_MonotonicUsec(t *testing.T) {
	conn := listen(t, filepath.Join(t.TempDir(), "notify.sock"))

	before, ok := monotonicUsec()
	if !ok {
		t.Skip("no monotonic clock on this platform")
	}
	if err := Reloading(); err != nil {
		t.Fatalf("Reloading: %v", err)
	}
	after, _ := monotonicUsec()

	lines := strings.Split(strings.TrimSuffix(receive(t, conn), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("datagram lines = %q, want RELOADING and MONOTONIC_USEC", lines)
	}
	if lines[0] != "RELOADING=1" {
		t.Errorf("first line = %q, want %q", lines[0], "RELOADING=1")
	}
	value, found := strings.CutPrefix(lines[1], "MONOTONIC_USEC=")
	if !found {
		t.Fatalf("second line = %q, want MONOTONIC_USEC=...", lines[1])
	}
	usec, err := strconv.ParseUint(value, 10, 64)
	if err != nil {
		t.Fatalf("MONOTONIC_USEC %q: %v", value, err)
	}
	if usec < before || usec > after {
		t.Errorf("MONOTONIC_USEC = %d, want within [%d, %d]", usec, before, after)
	}
}

func TestSend_AbstractSocket(t *testing.T) {
	addr := fmt.Sprintf("@dts-reconciler-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	conn := listen(t, addr)

	if err := Ready(); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if got, want := receive(t, conn), "READY=1\n"; got != want {
		t.Errorf("datagram = %q, want %q", got, want)
	}
}

func TestSend_NoSocket(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	os.Unsetenv("NOTIFY_SOCKET")

	calls := map[string]func() error{
		"Ready":     Ready,
		"Stopping":  Stopping,
		"Reloading": Reloading,
		"Watchdog":  Watchdog,
		"Status":    func() error { return Status("x") },
	}
	for name, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s without NOTIFY_SOCKET: %v, want nil", name, err)
		}
	}
}

func TestSend_Errors(t *testing.T) {
	tests := []struct {
		name    string
		addr    string
		wantErr error
	}{
		{name: "missing_path", addr: filepath.Join(t.TempDir(), "absent.sock")},
		{name: "vsock", addr: "vsock:2:9999", wantErr: ErrUnsupportedSocket},
		{name: "relative_path", addr: "notify.sock", wantErr: ErrUnsupportedSocket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NOTIFY_SOCKET", tt.addr)
			err := Ready()
			if err == nil {
				t.Fatalf("Ready to %q: nil error, want one", tt.addr)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Ready to %q: %v, want %v", tt.addr, err, tt.wantErr)
			}
		})
	}
}

func TestWatchdogInterval(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	tests := []struct {
		name   string
		usec   string
		pid    string
		want   time.Duration
		wantOK bool
	}{
		{name: "unset"},
		{name: "two_minutes", usec: "120000000", want: 2 * time.Minute, wantOK: true},
		{name: "own_pid", usec: "30000000", pid: pid, want: 30 * time.Second, wantOK: true},
		{name: "other_pid", usec: "30000000", pid: "1"},
		{name: "invalid_pid", usec: "30000000", pid: "self"},
		{name: "zero", usec: "0"},
		{name: "not_a_number", usec: "2min"},
		{name: "negative", usec: "-5"},
		{name: "overflow", usec: "18446744073709551615"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WATCHDOG_USEC", tt.usec)
			t.Setenv("WATCHDOG_PID", tt.pid)
			got, ok := WatchdogInterval()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("WatchdogInterval() = %v, %v, want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
