package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that probes writing log lines from
// several goroutines can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the JSON log records written so far.
func (b *lockedBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b.buf.Bytes()))
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("decode log line: %v", err)
		}
		out = append(out, rec)
	}
	return out
}

// TestProbe_DebugLineKeys checks the keys of the "node probed" line: a
// probe that answered used to log err=<nil> and code="", which read like
// an error.
func TestProbe_DebugLineKeys(t *testing.T) {
	var out lockedBuffer
	log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := New(Options{Logger: log})
	defer p.Close()

	refused := testTarget("refused", closedPort(t), "probe", testPassword)
	answered := testTarget("answered", "127.0.0.1:20001", "probe", testPassword)
	p.readStatus = func(ctx context.Context, pl *pool, tg Target, start time.Time, readTimeout time.Duration) Status {
		if tg.Name == answered.Name {
			return Status{Target: tg, ProbedAt: start, Identity: "uid-answered"}
		}
		return readNode(ctx, pl, tg, start, readTimeout)
	}
	p.Probe(context.Background(), []Target{answered, refused})

	tests := []struct {
		name    string
		present []string
		absent  []string
	}{
		{name: "answered", present: []string{"cluster", "address", "identity", "duration"}, absent: []string{"err", "code"}},
		{name: "refused", present: []string{"cluster", "address", "err", "code", "duration"}, absent: []string{"identity"}},
	}
	lines := map[string]map[string]any{}
	for _, rec := range out.records(t) {
		if node, ok := rec["node"].(string); ok && rec["msg"] == "node probed" {
			lines[node] = rec
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := lines[tt.name]
			if !ok {
				t.Fatalf("no \"node probed\" line for node %s in %v", tt.name, lines)
			}
			for _, key := range tt.present {
				if _, ok := rec[key]; !ok {
					t.Errorf("line %v has no key %q", rec, key)
				}
			}
			for _, key := range tt.absent {
				if v, ok := rec[key]; ok {
					t.Errorf("line has %s=%v, want no such key", key, v)
				}
			}
		})
	}
	if got := lines["refused"]["code"]; got != string(ErrRefused) {
		t.Errorf("code = %v, want %q", got, ErrRefused)
	}
	if bytes.Contains(out.buf.Bytes(), []byte(testPassword)) {
		t.Error("log output contains the password")
	}
}
