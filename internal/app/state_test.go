package app

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCommands_StateFileInUse holds the lock of the state file as another
// process would: once and run exit 2 and name the holder, while audit and
// once -dry-run, which write no state, still run.
func TestCommands_StateFileInUse(t *testing.T) {
	dir := t.TempDir()
	config := writeFile(t, dir, "config.yaml", badBase)
	lockPath := filepath.Join(dir, "state.json.lock")
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("flock: %v", err)
	}
	if _, err := f.WriteString("424242\n"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{name: "once", args: []string{"once", "-config", config}, wantCode: ExitInvalid},
		{name: "run", args: []string{"run", "-config", config}, wantCode: ExitInvalid},
		// The nodes of badBase refuse connections, so a command that
		// runs its tick exits 3.
		{name: "once_dry_run", args: []string{"once", "-config", config, "-dry-run"}, wantCode: ExitUnknown},
		{name: "audit", args: []string{"audit", "-config", config}, wantCode: ExitUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.args...)
			wantCode(t, res, tt.wantCode)
			if tt.wantCode != ExitInvalid {
				return
			}
			for _, want := range []string{filepath.Join(dir, "state.json"), "pid 424242", lockPath} {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr = %q, want it to contain %q", res.stderr, want)
				}
			}
		})
	}
}

func TestOnce_NewerStateFile(t *testing.T) {
	dir := t.TempDir()
	config := writeFile(t, dir, "config.yaml", badBase)
	state := writeFile(t, dir, "state.json", `{"version": 7, "in_flight": [], "history": []}`)
	res := run(t, "once", "-config", config)
	wantCode(t, res, ExitInvalid)
	for _, want := range []string{state, "newer dts-reconciler"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr = %q, want it to contain %q", res.stderr, want)
		}
	}
	if raw, err := os.ReadFile(state); err != nil || !strings.Contains(string(raw), `"version": 7`) {
		t.Errorf("state file after once = %q, %v; want it left in place", raw, err)
	}
}

// TestValidate_StateFolder checks the line that validate -connect prints
// about the state file's folder. The nodes and DTS of badBase refuse
// connections, so the exit status is 2 either way.
func TestValidate_StateFolder(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	tests := []struct {
		name      string
		stateFile func(dir string) string
		want      string
	}{
		{name: "writable", stateFile: func(dir string) string { return filepath.Join(dir, "state.json") }, want: "ok   state file folder"},
		{name: "missing", stateFile: func(dir string) string { return filepath.Join(dir, "absent", "state.json") }, want: "FAIL state file folder"},
		{name: "not_a_folder", stateFile: func(dir string) string {
			return filepath.Join(writeFile(t, dir, "plain", ""), "state.json")
		}, want: "FAIL state file folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			base := strings.Replace(badBase, "state_file: state.json", "state_file: "+tt.stateFile(dir), 1)
			config := writeFile(t, dir, "config.yaml", base)
			res := run(t, "validate", "-config", config, "-connect")
			wantCode(t, res, ExitInvalid)
			if !strings.Contains(res.stdout, tt.want) {
				t.Errorf("stdout = %q, want it to contain %q", res.stdout, tt.want)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.Contains(e.Name(), "tmp") || strings.HasSuffix(e.Name(), ".lock") {
					t.Errorf("validate left %s in the state folder", e.Name())
				}
			}
		})
	}
}
