package reconcile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"dts-reconciler/config"
)

func TestNew_StateFileInUse(t *testing.T) {
	h := newHarness(t, nil)
	h.open()
	_, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts})
	if err == nil {
		t.Fatalf("New on a state file in use: error = nil, want one")
	}
	var inUse *StateInUseError
	if !errors.As(err, &inUse) {
		t.Errorf("error = %v (%T), want a *StateInUseError", err, err)
	}
	for _, want := range []string{h.cfg.StateFile, h.cfg.StateFile + ".lock", "pid " + strconv.Itoa(os.Getpid()), "stop that process"} {
		if !contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err, want)
		}
	}
}

func TestClose_ReleasesStateLock(t *testing.T) {
	h := newHarness(t, nil)
	e := h.open()
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	other, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts})
	if err != nil {
		t.Fatalf("New after Close: %v", err)
	}
	if err := other.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestNew_NoStateLock opens two engines on one state file where neither
// writes it: both start, and no lock file is made.
func TestNew_NoStateLock(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*config.Config)
	}{
		{name: "dry_run", mutate: func(c *config.Config) { c.DryRun = true }},
		{name: "no_state_file", mutate: func(c *config.Config) { c.StateFile = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.mutate)
			h.open()
			other, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts})
			if err != nil {
				t.Fatalf("second New: %v", err)
			}
			defer other.Close()
			if h.cfg.StateFile == "" {
				return
			}
			if _, err := os.Stat(h.cfg.StateFile + ".lock"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("stat lock file: %v, want it missing", err)
			}
		})
	}
}

// TestTick_ReloadToLiveWaitsForStateLock starts an engine in dry-run on a
// state file that a live engine holds, then reloads it with dry_run off:
// it makes no switch until the other engine lets go of the file.
func TestTick_ReloadToLiveWaitsForStateLock(t *testing.T) {
	h := newHarness(t, nil)
	holder := h.open()
	h.failover("orders", "orders-b")

	dry := *h.cfg
	dry.DryRun = true
	logs := &syncBuffer{}
	e, err := New(&dry, Deps{Prober: h.prober, DTS: h.dts, Clock: h.clock, Notifier: h.notifier, Logger: newTestLogger(logs)})
	if err != nil {
		t.Fatalf("New in dry-run: %v", err)
	}
	defer e.Close()
	e.decide = fakeDecide
	live := *h.cfg
	e.SetConfig(&live)

	rep := e.Tick(context.Background())
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 0 {
		t.Errorf("switch calls while the state file is in use = %d, want 0", got)
	}
	if !rep.DryRun {
		t.Errorf("report dry_run = false, want true while the state file is in use")
	}
	if !contains(logs.String(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("logs do not name the process that holds the state file:\n%s", logs)
	}

	if err := holder.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wantExit(t, e.Tick(context.Background()), ExitInSync)
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls once the state file is free = %d, want 1", got)
	}
}

func TestNew_NewerStateFile(t *testing.T) {
	h := newHarness(t, nil)
	writeStateFile(t, h.cfg.StateFile, `{"version": 99, "in_flight": [], "history": []}`)
	_, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts, Clock: h.clock})
	if err == nil {
		t.Fatalf("New on a state file of version 99: error = nil, want one")
	}
	for _, want := range []string{h.cfg.StateFile, "newer", "upgrade"} {
		if !contains(err.Error(), want) {
			t.Errorf("error = %q, want it to contain %q", err, want)
		}
	}
	raw, readErr := os.ReadFile(h.cfg.StateFile)
	if readErr != nil || !contains(string(raw), `"version": 99`) {
		t.Errorf("state file after New = %q, %v; want it left in place", raw, readErr)
	}
	matches, _ := filepath.Glob(h.cfg.StateFile + ".corrupt-*")
	if len(matches) != 0 {
		t.Errorf("files moved aside = %q, want none", matches)
	}
	// The failed New let go of the lock.
	other, err := New(h.cfg, Deps{Prober: h.prober, DTS: h.dts})
	if err == nil {
		other.Close()
	}
	var inUse *StateInUseError
	if errors.As(err, &inUse) {
		t.Errorf("New after a failed New: %v, want the lock released", err)
	}
}

func TestLoadState_Corrupt(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{name: "json_null", content: "null\n", want: "JSON null"},
		{name: "version_zero", content: `{"in_flight": [], "history": []}`, want: "no version"},
		{name: "truncated", content: `{"version": 1, "in_fl`, want: "decode state file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			writeStateFile(t, path, tt.content)
			_, err := loadState(path)
			if err == nil {
				t.Fatalf("loadState: error = nil, want one")
			}
			if !contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			var newer *newerStateError
			if errors.As(err, &newer) {
				t.Errorf("error = %q, want a corrupt file, not a newer one", err)
			}
		})
	}
}

// writeStateFile writes content as the state file at path.
func writeStateFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
