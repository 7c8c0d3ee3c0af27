package app

import (
	"path/filepath"
	"strings"
	"testing"
)

// badBase is a valid configuration whose addresses lead nowhere: ports 1
// to 3 of 127.0.0.1 refuse connections, so a case that validated by
// mistake would reach no server. The line numbers in the cases below
// refer to it.
const badBase = `schedule: "@every 10s"
state_file: state.json
http: {listen: ""}
safety:
  cooldown: 1m
alibaba_cloud:
  endpoint: http://127.0.0.1:1
  access_key_id: test-key-id
  access_key_secret: test-key-secret
mysql:
  password: test-password
clusters:
  - name: orders
    nodes:
      - name: orders-a
        address: 127.0.0.1:1
        dts: {instance_type: ECS, instance_id: i-orders-a, port: 3306}
      - name: orders-b
        address: 127.0.0.1:2
        dts: {instance_type: Express, instance_id: vpc-orders, ip: 127.0.0.1, port: 3307}
  - name: reports
    nodes:
      - name: reports-a
        address: 127.0.0.1:3
        dts: {instance_type: LocalInstance, ip: 127.0.0.1, port: 3308}
jobs:
  - id: dtsjobone
    source: orders
    destination: reports
    two_way: true
`

// badCases each change badBase in one place and give what stderr must
// contain: the file, the line and the field path.
var badCases = []struct {
	name      string
	old, new  string
	want      string
	wantLines []string // further substrings of stderr
}{
	{
		name: "duplicate_node_name",
		old:  "      - name: reports-a", new: "      - name: orders-a",
		want: `config.yaml:23: clusters[1].nodes[0].name: "orders-a" is already the name of clusters[0].nodes[0]`,
	},
	{
		name: "duplicate_cluster_name",
		old:  "  - name: reports", new: "  - name: orders",
		want: `config.yaml:21: clusters[1].name: "orders" is already the name of clusters[0]`,
	},
	{
		name: "job_unknown_cluster",
		old:  "    destination: reports", new: "    destination: billing",
		want: "config.yaml:29: jobs[0].destination:",
		// The message names the missing cluster.
		wantLines: []string{"billing"},
	},
	{
		name: "node_without_dts",
		old:  "        dts: {instance_type: ECS, instance_id: i-orders-a, port: 3306}\n", new: "",
		want: "config.yaml:15: clusters[0].nodes[0].dts: is missing",
	},
	{
		name: "bad_cron",
		old:  `schedule: "@every 10s"`, new: `schedule: "* * *"`,
		want: `config.yaml:1: schedule: "* * *" is not a valid cron spec`,
	},
	{
		name: "instance_type_unknown",
		old:  "instance_type: ECS", new: "instance_type: RDS",
		want: "config.yaml:17: clusters[0].nodes[0].dts.instance_type:",
		// The message lists the allowed types.
		wantLines: []string{"LocalInstance", "Express"},
	},
	{
		name: "express_without_ip",
		old:  "instance_id: vpc-orders, ip: 127.0.0.1,", new: "instance_id: vpc-orders,",
		want: "config.yaml:20: clusters[0].nodes[1].dts.ip:",
	},
	{
		name: "port_out_of_range",
		old:  "port: 3308", new: "port: 70000",
		want: "config.yaml:25: clusters[1].nodes[0].dts.port: 70000",
	},
	{
		name: "unknown_key",
		old:  "        address: 127.0.0.1:3\n        dts: {instance_type: LocalInstance",
		new:  "        adress: 127.0.0.1:3\n        dts: {instance_type: LocalInstance",
		want: "config.yaml:24: clusters[1].nodes[0].adress: unknown key",
	},
	{
		name: "duration_bare_number",
		old:  "cooldown: 1m", new: "cooldown: 10",
		want: "config.yaml:5: safety.cooldown: 10 is a bare number",
	},
	{
		name: "env_unset",
		old:  "password: test-password", new: "password: ${DTS_APP_TEST_UNSET_VARIABLE}",
		want: "config.yaml:11: mysql.password: environment variable DTS_APP_TEST_UNSET_VARIABLE is not set",
	},
}

func TestConfigErrors_EveryCommand(t *testing.T) {
	commands := []string{"once", "audit", "validate", "run"}
	for _, tc := range badCases {
		if !strings.Contains(badBase, tc.old) {
			t.Fatalf("case %s: %q is not in the base configuration", tc.name, tc.old)
		}
		dir := t.TempDir()
		path := writeFile(t, dir, "config.yaml", strings.Replace(badBase, tc.old, tc.new, 1))
		for _, cmd := range commands {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				res := run(t, cmd, "-config", path)
				wantCode(t, res, ExitInvalid)
				if !strings.Contains(res.stderr, tc.want) {
					t.Errorf("stderr = %q, want it to contain %q", res.stderr, tc.want)
				}
				for _, w := range tc.wantLines {
					if !strings.Contains(res.stderr, w) {
						t.Errorf("stderr = %q, want it to contain %q", res.stderr, w)
					}
				}
			})
		}
	}
}

// TestConfigErrors_BaseIsValid makes sure that the cases above fail for
// their own change and not for something in the base configuration.
func TestConfigErrors_BaseIsValid(t *testing.T) {
	path := writeFile(t, t.TempDir(), "config.yaml", badBase)
	res := run(t, "validate", "-config", path)
	wantCode(t, res, ExitOK)
	if !strings.Contains(res.stdout, "valid: 2 clusters, 3 nodes, 1 jobs") {
		t.Errorf("stdout = %q, want the counts of clusters, nodes and jobs", res.stdout)
	}
}

func TestConfigErrors_MissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	for _, cmd := range []string{"once", "audit", "validate", "run"} {
		t.Run(cmd, func(t *testing.T) {
			res := run(t, cmd, "-config", path)
			wantCode(t, res, ExitInvalid)
			if !strings.Contains(res.stderr, path) {
				t.Errorf("stderr = %q, want it to name %s", res.stderr, path)
			}
			if !strings.Contains(res.stderr, "no such file") {
				t.Errorf("stderr = %q, want it to say the file does not exist", res.stderr)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	config := writeFile(t, t.TempDir(), "config.yaml", badBase)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "no_command", args: nil, wantCode: ExitInvalid, wantStderr: "Usage:"},
		{name: "unknown_command", args: []string{"reconcile"}, wantCode: ExitInvalid, wantStderr: `unknown command "reconcile"`},
		{name: "unknown_flag", args: []string{"once", "-config", config, "-bogus"}, wantCode: ExitInvalid, wantStderr: "-bogus"},
		{name: "unknown_flag_run", args: []string{"run", "-config", config, "-bogus"}, wantCode: ExitInvalid, wantStderr: "-bogus"},
		{name: "extra_argument", args: []string{"validate", "-config", config, "extra"}, wantCode: ExitInvalid, wantStderr: `unexpected argument "extra"`},
		{name: "bad_format", args: []string{"audit", "-config", config, "-format", "xml"}, wantCode: ExitInvalid, wantStderr: `invalid -format "xml"`},
		{name: "bad_log_level", args: []string{"once", "-config", config, "-log-level", "loud"}, wantCode: ExitInvalid, wantStderr: `invalid -log-level "loud"`},
		{name: "bad_log_level_validate", args: []string{"validate", "-config", config, "-log-level", "loud"}, wantCode: ExitInvalid, wantStderr: `invalid -log-level "loud"`},
		{name: "bad_log_format", args: []string{"audit", "-config", config, "-log-format", "xml"}, wantCode: ExitInvalid, wantStderr: `invalid -log-format "xml"`},
		{name: "help", args: []string{"-h"}, wantCode: ExitOK, wantStdout: "Usage:"},
		{name: "help_word", args: []string{"help"}, wantCode: ExitOK, wantStdout: "dts-reconciler run"},
		{name: "command_help", args: []string{"once", "-h"}, wantCode: ExitOK, wantStderr: "-dry-run"},
		{name: "run_help", args: []string{"run", "-h"}, wantCode: ExitOK, wantStderr: "-grace"},
		{name: "audit_help", args: []string{"audit", "-h"}, wantCode: ExitOK, wantStderr: "-format"},
		{name: "validate_help", args: []string{"validate", "-h"}, wantCode: ExitOK, wantStderr: "-connect"},
		{name: "version", args: []string{"version"}, wantCode: ExitOK, wantStdout: "dts-reconciler"},
		{name: "version_flag", args: []string{"--version"}, wantCode: ExitOK, wantStdout: "dts-reconciler"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.args...)
			wantCode(t, res, tc.wantCode)
			if !strings.Contains(res.stdout, tc.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", res.stdout, tc.wantStdout)
			}
			if !strings.Contains(res.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", res.stderr, tc.wantStderr)
			}
		})
	}
}

func TestVersion_Line(t *testing.T) {
	res := run(t, "version")
	wantCode(t, res, ExitOK)
	fields := strings.Fields(res.stdout)
	if len(fields) < 4 || fields[0] != "dts-reconciler" || fields[1] != Version {
		t.Errorf("version output = %q, want \"dts-reconciler %s commit ... goX\"", res.stdout, Version)
	}
	if !strings.Contains(res.stdout, "go1.") {
		t.Errorf("version output = %q, want the Go version", res.stdout)
	}
	if res.stderr != "" {
		t.Errorf("stderr = %q, want nothing", res.stderr)
	}
}
