package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dts-reconciler/dts/dtstest"
)

// notifySocket is a unixgram socket that records the systemd notify
// messages sent to it.
type notifySocket struct {
	path string
	conn *net.UnixConn

	mu       sync.Mutex
	messages []string
	// onMessage runs for each message, on the reading goroutine.
	onMessage func(string)
}

// listenNotify listens on a socket in a short temporary folder, because a
// unix socket path must fit in 108 bytes.
func listenNotify(t *testing.T, onMessage func(string)) *notifySocket {
	t.Helper()
	dir, err := os.MkdirTemp("", "sdnotify-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &notifySocket{path: filepath.Join(dir, "notify.sock"), onMessage: onMessage}
	s.conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: s.path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen on %s: %v", s.path, err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		s.conn.Close()
		<-done
	})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := s.conn.Read(buf)
			if err != nil {
				return
			}
			msg := string(buf[:n])
			s.mu.Lock()
			s.messages = append(s.messages, msg)
			fn := s.onMessage
			s.mu.Unlock()
			if fn != nil {
				fn(msg)
			}
		}
	}()
	return s
}

// count returns how many messages carried the assignment, such as
// "READY=1".
func (s *notifySocket) count(assignment string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.messages {
		for _, line := range strings.Split(m, "\n") {
			if line == assignment {
				n++
			}
		}
	}
	return n
}

func (s *notifySocket) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.messages, "|")
}

func TestRun_SystemdNotify(t *testing.T) {
	r := newRig(t, dtstest.Options{})
	job := jobSpec{id: "dtsnotify", source: "orders", destination: "reports", twoWay: true}
	r.addJob(job)
	config := r.write("config.yaml", r.spec("state.json", job))

	// READY=1 must come after the first tick read both directions of the
	// job from DTS.
	var mu sync.Mutex
	readsAtReady := -1
	sock := listenNotify(t, func(msg string) {
		if !strings.Contains(msg, "READY=1") {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if readsAtReady < 0 {
			readsAtReady = len(r.callsOf(describeAction, job.id))
		}
	})

	d := startDaemon(t, "daemon", []string{"NOTIFY_SOCKET=" + sock.path, "WATCHDOG_USEC=1000000"}, runArgs(config)...)
	waitFor(t, "READY=1", 30*time.Second, func() bool { return sock.count("READY=1") > 0 })
	mu.Lock()
	if readsAtReady < 2 {
		t.Errorf("reads of the job from DTS when READY=1 arrived = %d, want 2 (the first tick)", readsAtReady)
	}
	mu.Unlock()
	if sock.count("STOPPING=1") != 0 {
		t.Errorf("STOPPING=1 before SIGTERM: %s", sock.all())
	}

	// The watchdog interval is 1s, so pings come about every 500ms.
	waitFor(t, "two WATCHDOG=1 pings", 30*time.Second, func() bool { return sock.count("WATCHDOG=1") >= 2 })

	d.signal(syscall.SIGTERM)
	if code := d.wait(30 * time.Second); code != 0 {
		t.Errorf("exit status after SIGTERM = %d, want 0", code)
	}
	// The datagram was sent before the process exited, but the reading
	// goroutine may not have recorded it yet.
	waitFor(t, "STOPPING=1", 10*time.Second, func() bool { return sock.count("STOPPING=1") == 1 })
	if n := sock.count("READY=1"); n != 1 {
		t.Errorf("READY=1 messages = %d, want 1: %s", n, sock.all())
	}
}
