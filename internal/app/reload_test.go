package app

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"dts-reconciler/config"
)

func TestRestartSections(t *testing.T) {
	tests := []struct {
		name   string
		change func(*config.Config)
		want   []string
	}{
		{name: "nothing", change: func(*config.Config) {}},
		{name: "jobs_only", change: func(c *config.Config) { c.Jobs = nil }},
		{name: "slack", change: func(c *config.Config) { c.Slack.RemindEvery = time.Minute }, want: []string{"slack"}},
		{name: "http_and_state_file", change: func(c *config.Config) {
			c.HTTP.Listen = "127.0.0.1:9999"
			c.StateFile = "/elsewhere/state.json"
		}, want: []string{"http", "state_file"}},
		{name: "alibaba_cloud", change: func(c *config.Config) { c.AlibabaCloud.Timeout = time.Minute }, want: []string{"alibaba_cloud"}},
		{name: "probe_concurrency", change: func(c *config.Config) { c.MySQL.MaxConcurrentProbes++ }, want: []string{"mysql.max_concurrent_probes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, cfg := config.Default(), config.Default()
			tt.change(&cfg)
			if got := restartSections(&old, &cfg); !slices.Equal(got, tt.want) {
				t.Errorf("restartSections = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReload_RejectedLogsProblemsOnly checks that a rejected reload logs
// the problems of the file without the prefix meant for a terminal.
func TestReload_RejectedLogsProblemsOnly(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "config.yaml", strings.Replace(badBase, "port: 3308", "port: 70000", 1))
	var out bytes.Buffer
	d := &daemon{o: options{configPath: path}, logger: slog.New(slog.NewTextHandler(&out, nil))}
	d.reload()
	logs := out.String()
	if !strings.Contains(logs, "configuration reload rejected") {
		t.Fatalf("logs = %q, want the rejected reload", logs)
	}
	if !strings.Contains(logs, "clusters[1].nodes[0].dts.port: 70000") {
		t.Errorf("logs = %q, want the problem", logs)
	}
	if strings.Contains(logs, "invalid configuration:") {
		t.Errorf("logs = %q, want no terminal prefix inside the err value", logs)
	}
}
