// Package sdnotify implements the client side of the systemd notify
// protocol: readiness, reload, stop and status messages, and watchdog
// keep-alive pings, sent as datagrams to the socket named by NOTIFY_SOCKET.
//
// Every function is a no-op that returns nil when NOTIFY_SOCKET is unset,
// so a program calls them unconditionally and still runs outside systemd.
package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrUnsupportedSocket is returned when NOTIFY_SOCKET names neither a file
// system path nor a Linux abstract socket, such as the "vsock:" addresses
// of newer systemd versions.
var ErrUnsupportedSocket = errors.New("unsupported NOTIFY_SOCKET address")

// Send sends the given assignments, such as "READY=1" or "STATUS=idle", in
// one datagram. Newlines inside an assignment would start another one, so
// callers pass each on its own and Send joins them.
func Send(assignments ...string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	// "@name" is an abstract socket: the net package turns the leading @
	// into the NUL byte that Linux expects.
	if !strings.HasPrefix(addr, "/") && !strings.HasPrefix(addr, "@") {
		return fmt.Errorf("sdnotify: %q: %w", addr, ErrUnsupportedSocket)
	}

	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()

	msg := strings.Join(assignments, "\n") + "\n"
	if _, err := conn.Write([]byte(msg)); err != nil {
		return fmt.Errorf("sdnotify: send %q: %w", firstKey(assignments), err)
	}
	return nil
}

// Ready notifies systemd that start-up, or a reload, has finished.
func Ready() error { return Send("READY=1") }

// Stopping notifies systemd that the program has begun to shut down.
func Stopping() error { return Send("STOPPING=1") }

// Reloading notifies systemd that the program has begun to reload its
// configuration. The program must call [Ready] when the reload ends,
// whether or not the new configuration was accepted. The message carries
// MONOTONIC_USEC, which systemd 253 and later use to match the
// notification to the reload they started with Type=notify-reload. Older
// versions ignore it.
func Reloading() error {
	usec, ok := monotonicUsec()
	if !ok {
		return Send("RELOADING=1")
	}
	return Send("RELOADING=1", "MONOTONIC_USEC="+strconv.FormatUint(usec, 10))
}

// Status sets the one-line status text that systemctl status shows.
// Newlines in text become spaces.
func Status(text string) error {
	text = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(text)
	return Send("STATUS=" + text)
}

// Watchdog sends a keep-alive ping. With WatchdogSec= set, systemd kills
// and restarts the service when no ping arrives within that time.
func Watchdog() error { return Send("WATCHDOG=1") }

// WatchdogInterval returns the watchdog timeout systemd expects pings
// within, from WATCHDOG_USEC. ok is false when the watchdog is off: the
// variable is unset, zero or invalid, or WATCHDOG_PID is set and names
// another process. Pinging at half the interval is the usual margin.
func WatchdogInterval() (time.Duration, bool) {
	usecText := os.Getenv("WATCHDOG_USEC")
	if usecText == "" {
		return 0, false
	}
	usec, err := strconv.ParseUint(usecText, 10, 64)
	if err != nil || usec == 0 || usec > uint64(1<<63-1)/uint64(time.Microsecond) {
		return 0, false
	}

	if pidText := os.Getenv("WATCHDOG_PID"); pidText != "" {
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid != os.Getpid() {
			return 0, false
		}
	}
	return time.Duration(usec) * time.Microsecond, true
}

func firstKey(assignments []string) string {
	if len(assignments) == 0 {
		return ""
	}
	key, _, _ := strings.Cut(assignments[0], "=")
	return key
}
