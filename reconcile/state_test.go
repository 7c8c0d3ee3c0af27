package reconcile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

func TestState_UnreadableFileMovedAside(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{name: "not_json", content: "{\"version\": 1, \"in_flight\": [tru"},
		{name: "json_null", content: "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			if err := os.MkdirAll(filepath.Dir(h.cfg.StateFile), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(h.cfg.StateFile, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			h.open()
			aside := h.cfg.StateFile + ".corrupt-20261204T100000Z"
			raw, err := os.ReadFile(aside)
			if err != nil {
				t.Fatalf("read moved-aside file: %v", err)
			}
			if string(raw) != tt.content {
				t.Errorf("moved-aside content = %q, want %q", raw, tt.content)
			}
			if got := h.notifier.postKinds(); len(got) != 1 || got[0] != notify.KindStateFile {
				t.Errorf("posts = %v, want one %s", got, notify.KindStateFile)
			}
			if !contains(h.logs.String(), "level=ERROR") {
				t.Errorf("logs lack an error line:\n%s", h.logs.String())
			}
			// Reconciliation goes on with an empty state.
			h.failover("orders", "orders-b")
			wantExit(t, h.tick(), ExitInSync)
			if _, err := loadState(h.cfg.StateFile); err != nil {
				t.Errorf("state file after the tick: %v", err)
			}
		})
	}
}

func TestState_DryRunLeavesUnreadableFile(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.DryRun = true })
	if err := os.MkdirAll(filepath.Dir(h.cfg.StateFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.cfg.StateFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.open()
	if raw, err := os.ReadFile(h.cfg.StateFile); err != nil || string(raw) != "garbage" {
		t.Errorf("state file in dry-run = %q, %v; want it untouched", raw, err)
	}
}

func TestState_WriteFailureDoesNotStopSwitch(t *testing.T) {
	h := newHarness(t, nil)
	// A regular file where the state folder should be makes every write fail.
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.cfg.StateFile = filepath.Join(blocker, "state.json")
	h.failover("orders", "orders-b")
	rep := h.tick()
	// The switch is made, but the exit status shows that the state file
	// lacks it.
	wantExit(t, rep, ExitDrift)
	if got := h.dts.switchCount(); got != 1 {
		t.Errorf("switch calls = %d, want 1", got)
	}
	if got := endpointState(rep, "job1", dts.Forward, dts.Source); got != StateSwitched {
		t.Errorf("Forward/Source state = %q, want %q", got, StateSwitched)
	}
	if len(rep.Problems) == 0 || !contains(rep.Problems[0], "state file not written") {
		t.Errorf("report problems = %q, want the failed write", rep.Problems)
	}
	if !contains(rep.StateFileError, "not-a-folder") {
		t.Errorf("report state_file_error = %q, want the failed write", rep.StateFileError)
	}
	if got := h.notifier.conditionsOf(notify.KindUnsafe); len(got) != 0 {
		t.Errorf("unsafe conditions = %+v, want none: no cluster is unsafe", got)
	}
	// The lock file cannot be made there either, which has its own key.
	var writes []condition
	for _, c := range h.notifier.conditionsOf(notify.KindStateFile) {
		if c.ev.Key == "state" {
			writes = append(writes, c)
		}
	}
	if len(writes) == 0 || writes[0].state != "write_failed" || writes[0].ev.Cluster != "" {
		t.Errorf("state file conditions = %+v, want write_failed on the state key, naming no cluster", writes)
	}

	// Once the file can be written again, the exit status is 0.
	h.engine.store.path = filepath.Join(t.TempDir(), "state.json")
	h.failover("orders", "orders-a")
	h.clock.advance(time.Hour)
	wantExit(t, h.tick(), ExitInSync)
	if !h.notifier.clearedKey("state") {
		t.Errorf("state file condition not cleared after a successful write")
	}
}

func TestState_SaveCreatesFolderAndBoundsHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "state.json")
	s := &store{path: path, data: stateData{Version: stateVersion}}
	for i := range maxHistory + 20 {
		s.addHistory(historyEntry{At: t0.Add(time.Duration(i) * time.Second), Plan: fmt.Sprint(i), JobID: "job1", Result: resultFinished})
	}
	if err := s.save(); err != nil {
		t.Fatalf("save: %v", err)
	}
	data, err := loadState(path)
	if err != nil {
		t.Fatalf("loadState: %v", err)
	}
	if got := len(data.History); got != maxHistory {
		t.Errorf("history entries = %d, want %d", got, maxHistory)
	}
	if got := data.History[0].Plan; got != "20" {
		t.Errorf("oldest kept entry = %q, want %q", got, "20")
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want only the state file (no temporary file left)", len(entries))
	}
}

func TestState_MissingFileIsEmpty(t *testing.T) {
	data, err := loadState(filepath.Join(t.TempDir(), "none.json"))
	if err != nil {
		t.Fatalf("loadState: %v", err)
	}
	if data.Version != stateVersion || len(data.InFlight) != 0 || len(data.History) != 0 {
		t.Errorf("state = %+v, want an empty state", data)
	}
}

func TestState_HistoryRecordsSwitch(t *testing.T) {
	h := newHarness(t, nil)
	h.failover("orders", "orders-b")
	h.tick()
	data, err := loadState(h.cfg.StateFile)
	if err != nil {
		t.Fatalf("loadState: %v", err)
	}
	if len(data.History) != 1 {
		t.Fatalf("history = %+v, want one entry", data.History)
	}
	got := data.History[0]
	want := historyEntry{
		JobID: "job1", Direction: dts.Forward, EndpointType: dts.Source, Cluster: "orders",
		FromNode: "orders-a", ToNode: "orders-b", FromIdentity: "id-orders-a", ToIdentity: "id-orders-b",
		TaskID: "task-1", Result: resultFinished,
	}
	got.At, got.Plan, got.RequestIDs = time.Time{}, "", nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("history entry = %+v, want %+v", got, want)
	}
	if !strings.HasPrefix(data.History[0].Plan, "job1/source/") {
		t.Errorf("plan = %q, want it to name the job and side", data.History[0].Plan)
	}
}
