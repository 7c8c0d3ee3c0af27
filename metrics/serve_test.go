package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"dts-reconciler/metrics"
)

// hangGuard bounds how long a test waits for Serve to return, so a hang
// fails with a message instead of the test binary's timeout. It is no
// statement about speed.
const hangGuard = 30 * time.Second

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestServeListener(t *testing.T) {
	m := metrics.New(10 * time.Second)
	m.NodeProbed(status("orders", "a"))
	m.TickEnded(time.Second, true, time.Now())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- metrics.ServeListener(ctx, ln, m.Handler(), quietLogger()) }()

	url := "http://" + ln.Addr().String()
	f := scrape(t, url)
	if got := f.value(t, "dts_reconciler_node_up", labels{"cluster": "orders", "node": "a"}); got != 1 {
		t.Errorf("node_up over the real listener = %v, want 1", got)
	}
	if code, body := get(t, url, "/readyz"); code != 200 {
		t.Errorf("GET /readyz = %d %q, want 200", code, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeListener after cancel = %v, want nil", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("ServeListener did not return after its context ended")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Errorf("dial after shutdown succeeded, want the listener closed")
	}
}

func TestServe_AddressInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer taken.Close()

	done := make(chan error, 1)
	go func() {
		done <- metrics.Serve(context.Background(), taken.Addr().String(), metrics.New(0).Handler(), quietLogger())
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("Serve on a taken address = %v, want an address-in-use error", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Serve on a taken address did not return")
	}
}

func TestServe_StopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := metrics.Serve(ctx, "127.0.0.1:0", metrics.New(0).Handler(), nil)
	if err != nil {
		t.Errorf("Serve with a cancelled context = %v, want nil", err)
	}
}
