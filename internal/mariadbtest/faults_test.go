package mariadbtest

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// faultCases returns a constructor for each fault server.
func faultCases() []struct {
	name  string
	start func() (*faultServer, error)
	// sendsHandshake is true when a client gets past the handshake and
	// writes its reply, so the server reads bytes.
	sendsHandshake bool
} {
	return []struct {
		name           string
		start          func() (*faultServer, error)
		sendsHandshake bool
	}{
		{
			name: "blackhole",
			start: func() (*faultServer, error) {
				b, err := NewBlackhole()
				if err != nil {
					return nil, err
				}
				return b.server, nil
			},
		},
		{
			name: "staller",
			start: func() (*faultServer, error) {
				s, err := NewStaller()
				if err != nil {
					return nil, err
				}
				return s.server, nil
			},
			sendsHandshake: true,
		},
	}
}

func TestFaultServerHangsDriverUntilDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			server, err := tc.start()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { server.Close() })

			cfg := mysql.NewConfig()
			cfg.User = "probe"
			cfg.Passwd = "secret"
			cfg.Net = "tcp"
			cfg.Addr = server.Address
			cfg.Timeout = 10 * time.Second // dial timeout: the dial itself succeeds
			cfg.Logger = &mysql.NopLogger{}
			connector, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(connector)
			defer db.Close()

			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			err = db.PingContext(ctx)

			if err == nil {
				t.Fatalf("ping succeeded, want an error at the deadline")
			}
			// The server never answers, so only the context's deadline can
			// have ended the ping.
			if ctx.Err() == nil {
				t.Errorf("ping returned before its deadline with %v, want a hang until the deadline", err)
			}
			if got := server.received.Load() > 0; got != tc.sendsHandshake {
				t.Errorf("server read client bytes = %v, want %v", got, tc.sendsHandshake)
			}
		})
	}
}

func TestFaultServerCloseEndsConnections(t *testing.T) {
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			baseline := runtime.NumGoroutine()
			server, err := tc.start()
			if err != nil {
				t.Fatal(err)
			}
			var conns []net.Conn
			for range 3 {
				conn, err := net.DialTimeout("tcp", server.Address, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				conns = append(conns, conn)
			}
			waitFor(t, "3 tracked connections", func() bool {
				server.mu.Lock()
				defer server.mu.Unlock()
				return len(server.conns) == 3
			})

			if err := server.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			for i, conn := range conns {
				conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err := io.ReadAll(conn) // skips the staller's handshake
				var netErr net.Error
				if errors.As(err, &netErr) && netErr.Timeout() {
					t.Errorf("connection %d still open after Close", i)
				}
			}
			if _, err := net.DialTimeout("tcp", server.Address, time.Second); err == nil {
				t.Errorf("dial after Close succeeded, want an error")
			}
			waitFor(t, "goroutines back to the baseline", func() bool {
				return runtime.NumGoroutine() <= baseline
			})
			if err := server.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// waitFor polls cond for up to 5 seconds and fails the test if it never
// holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHandshakePacketParses(t *testing.T) {
	packet := handshakePacket(7)
	length := int(packet[0]) | int(packet[1])<<8 | int(packet[2])<<16
	if got, want := length, len(packet)-4; got != want {
		t.Fatalf("header length = %d, want %d", got, want)
	}
	if got := packet[3]; got != 0 {
		t.Errorf("sequence = %d, want 0", got)
	}
	if got := packet[4]; got != 10 {
		t.Errorf("protocol version = %d, want 10", got)
	}
	if got, want := string(packet[len(packet)-len("mysql_native_password")-1:len(packet)-1]), "mysql_native_password"; got != want {
		t.Errorf("auth plugin = %q, want %q", got, want)
	}
}
