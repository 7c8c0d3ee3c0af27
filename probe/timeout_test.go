package probe

import (
	"context"
	"testing"
	"time"

	"dts-reconciler/internal/mariadbtest"
)

// TestProbe_HandshakeBoundedByReadTimeout pins what the configuration
// documents about connect_timeout and read_timeout: connect_timeout bounds
// the TCP connect only, and the MySQL handshake is a read bounded by
// read_timeout. A server that accepts TCP and never sends its greeting
// must therefore fail after read_timeout, long before a large
// connect_timeout ends.
func TestProbe_HandshakeBoundedByReadTimeout(t *testing.T) {
	hole, err := mariadbtest.NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()

	p := New(Options{Logger: quietLogger()})
	defer p.Close()
	tg := testTarget("blackhole", hole.Address, "probe", testPassword)
	tg.ConnectTimeout, tg.ReadTimeout = 10*time.Minute, 200*time.Millisecond

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st := p.Probe(ctx, []Target{tg})[0]
	if st.ErrKind != ErrTimeout {
		t.Errorf("ErrKind = %q, want %q (err: %v)", st.ErrKind, ErrTimeout, st.Err)
	}
	if st.Duration >= time.Minute {
		t.Errorf("Duration = %s, want the handshake to end at read_timeout (%s), not at connect_timeout (%s)",
			st.Duration, tg.ReadTimeout, tg.ConnectTimeout)
	}
	checkNoSecret(t, st)
}
