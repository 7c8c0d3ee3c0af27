package app

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRun_NegativeGrace(t *testing.T) {
	config := writeFile(t, t.TempDir(), "config.yaml", badBase)
	res := run(t, "run", "-config", config, "-grace", "-1s")
	wantCode(t, res, ExitInvalid)
	if !strings.Contains(res.stderr, "-grace") {
		t.Errorf("stderr = %q, want it to name -grace", res.stderr)
	}
}

// TestHelp_ExitStatus checks that the help of each command that runs a
// tick states its exit statuses.
func TestHelp_ExitStatus(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{name: "once", want: []string{"Exit status", "0 ", "1 ", "2 ", "3 "}},
		{name: "audit", want: []string{"Exit status", "0 ", "1 ", "2 ", "3 "}},
		{name: "run", want: []string{"Exit status", "0 ", "2 ", "state file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.name, "-h")
			wantCode(t, res, ExitOK)
			for _, want := range tt.want {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("help = %q, want it to contain %q", res.stderr, want)
				}
			}
		})
	}
}

// TestNewLogger_Durations checks that durations read as "1.5s" in both
// formats, not as integer nanoseconds.
func TestNewLogger_Durations(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{format: "text", want: "duration=1.5s"},
		{format: "json", want: `"duration":"1.5s"`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var out bytes.Buffer
			logger, err := newLogger(&out, tt.format, "info")
			if err != nil {
				t.Fatalf("newLogger: %v", err)
			}
			logger.With("component", "test").WithGroup("g").Info("tick ended", "duration", 1500*time.Millisecond)
			logger.Info("tick ended", "duration", 1500*time.Millisecond)
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("log lines = %q, want 2", lines)
			}
			grouped := strings.Replace(tt.want, "duration", "g.duration", 1)
			if tt.format == "json" {
				grouped = `"g":{` + tt.want + `}`
			}
			if !strings.Contains(lines[0], grouped) {
				t.Errorf("log line %q, want it to contain %q", lines[0], grouped)
			}
			if !strings.Contains(lines[1], tt.want) {
				t.Errorf("log line %q, want it to contain %q", lines[1], tt.want)
			}
		})
	}
}
