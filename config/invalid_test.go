package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testSecret is a value that must never appear in an error message.
const testSecret = "s3cr3t-Value-4711"

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// parseFixture parses testdata/<name>.yaml with the test environment and
// testdata as the config folder.
func parseFixture(t *testing.T, name string, env map[string]string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return Parse(data, name+".yaml", envFrom(env), "testdata")
}

// invalidCases maps each bad fixture to a substring of the error it must
// produce: the line, the field path and the start of the message.
var invalidCases = []struct {
	name string
	want string
}{
	{"unknown_key", ":2: schedul: unknown key: did you mean schedule?"},
	{"unknown_key_far", ":2: foo: unknown key: the keys allowed here are schedule, dry_run,"},
	{"unknown_nested_key", ":6: clusters[0].nodes[0].adress: unknown key: did you mean address?"},
	{"duplicate_key", ":3: schedule: given twice (also on line 2)"},
	{"wrong_kind", ":3: clusters: expected a list"},
	{"not_a_number", `:3: safety.confirmations: "two" is not a whole number`},
	{"not_a_bool", `:2: dry_run: "maybe" is not a boolean`},
	{"port_quoted", `:7: clusters[0].nodes[0].dts.port: "3306" is quoted, which makes it a string: write 3306 without quotes`},
	{"duration_bare_number", ":3: safety.cooldown: 10 is a bare number, not a duration: write 10s"},
	{"duration_quoted_number", ":3: mysql.read_timeout: 3 is a bare number, not a duration: write 3s"},
	{"duration_invalid", `:3: alibaba_cloud.timeout: "ten seconds" is not a duration`},
	{"env_unset", ":3: mysql.password: environment variable DTS_TEST_UNSET is not set"},
	{"env_lone_dollar", ":3: mysql.user: a lone $ is not allowed"},
	{"env_unclosed", ":3: mysql.user: ${ has no closing }"},
	{"yaml_syntax", ":2: invalid YAML: did not find expected key"},
	{"yaml_tab_first_line", ":1: invalid YAML: found character that cannot start any token: YAML does not allow tabs in indentation, so indent with spaces"},
	{"yaml_tab_nested", ":7: invalid YAML: found a tab character that violates indentation: YAML does not allow tabs in indentation"},
	{"yaml_at_value", `:2: invalid YAML: found character that cannot start any token: a value that starts with @ must be quoted: schedule: "@every 2s"`},
	{"yaml_at_value_first_line", `:1: invalid YAML: found character that cannot start any token: a value that starts with @ must be quoted: schedule: "@every 2s"`},
	{"yaml_at_secret", ":3: invalid YAML: found character that cannot start any token: a value that starts with @ must be quoted, so put the value of password in double quotes"},
	{"yaml_control_char", ":3: invalid YAML: control characters are not allowed"},
	{"yaml_invalid_utf8", ":3: invalid YAML: invalid leading UTF-8 octet"},
	{"yaml_unknown_anchor", ":8: invalid YAML: unknown anchor 'orders_a_dts' referenced"},
	{"two_documents", ":11: a second YAML document starts here"},
	{"not_a_mapping", ":2: the file must be a mapping"},
	{"empty_file", ":1: clusters: no cluster is configured"},
	{"bad_cron", `:2: schedule: "* * *" is not a valid cron spec`},
	{"every_too_short", ":2: schedule: @every 500ms is shorter than 1s"},
	{"every_fraction", ":2: schedule: @every 1.5s is not a whole number of seconds"},
	{"cron_tz_without_spec", `:2: schedule: "CRON_TZ=UTC" has a time zone but no schedule`},
	{"cron_tz_unknown", `:2: schedule: time zone "Mars/Base" is unknown: use an IANA name`},
	{"confirmations_zero", ":3: safety.confirmations: 0 is too small: use 1 or more"},
	{"confirm_interval_zero", ":3: safety.confirm_interval: 0s is not positive"},
	{"cooldown_negative", ":3: safety.cooldown: -1m0s is negative"},
	{"dts_refresh_negative", ":2: dts_refresh: -1m0s is negative"},
	{"max_switches_zero", ":3: safety.max_switches_per_hour: 0 is too small"},
	{"switch_timeout_zero", ":3: safety.switch_timeout: 0s is not positive"},
	{"mysql_timeout_zero", ":3: mysql.connect_timeout: 0s is not positive"},
	{"node_timeout_negative", ":7: clusters[0].nodes[0].read_timeout: -1s is not positive"},
	{"slack_timeout_zero", ":3: slack.timeout: 0s is not positive"},
	{"slack_timeout_tiny", ":3: slack.timeout: 999µs is too small: use at least 1ms"},
	{"alibaba_timeout_tiny", ":3: alibaba_cloud.timeout: 10ns is too small: use at least 1ms"},
	{"mysql_timeout_tiny", ":3: mysql.connect_timeout: 500µs is too small: use at least 1ms, and usually a duration such as 2s"},
	{"node_timeout_tiny", ":7: clusters[0].nodes[0].read_timeout: 2ns is too small: use at least 1ms"},
	{"alibaba_timeout_zero", ":3: alibaba_cloud.timeout: 0s is not positive"},
	{"no_clusters", ":2: clusters: no cluster is configured"},
	{"no_jobs", ":2: jobs: no job is configured"},
	{"cluster_name_empty", ":3: clusters[0].name: is empty"},
	{"cluster_name_duplicate", `:8: clusters[1].name: "orders" is already the name of clusters[0]`},
	{"cluster_no_nodes", `:8: clusters[1].nodes: cluster "empty" has no nodes`},
	{"node_name_empty", ":5: clusters[0].nodes[0].name: is empty"},
	{"node_name_duplicate", `:10: clusters[1].nodes[0].name: "orders-a" is already the name of clusters[0].nodes[0]`},
	{"address_missing", ":5: clusters[0].nodes[0].address: is missing"},
	{"address_no_port", `:6: clusters[0].nodes[0].address: "127.0.0.1" is not host:port`},
	{"address_duplicate", `:9: clusters[0].nodes[1].address: "127.0.0.1:3306" is already the address of clusters[0].nodes[0] (orders-a), so both nodes would probe one server`},
	{"address_duplicate_spelling", `:9: clusters[0].nodes[1].address: "db1.example.com.:3306" is already the address of clusters[0].nodes[0] (orders-a)`},
	{"address_bad_port", `:6: clusters[0].nodes[0].address: "127.0.0.1:99999" has port "99999", outside 1-65535`},
	{"dts_missing", ":5: clusters[0].nodes[0].dts: is missing"},
	{"instance_type_case", `:7: clusters[0].nodes[0].dts.instance_type: "ecs" has the wrong case: write ECS`},
	{"instance_type_unknown", `:7: clusters[0].nodes[0].dts.instance_type: "RDS" is not a supported type: use one of LocalInstance, ECS, Express`},
	{"instance_type_missing", ":7: clusters[0].nodes[0].dts.instance_type: is missing"},
	{"ecs_no_instance_id", ":7: clusters[0].nodes[0].dts.instance_id: is missing: ECS needs"},
	{"express_no_ip", ":7: clusters[0].nodes[0].dts.ip: is missing: Express needs"},
	{"express_no_vpc", ":7: clusters[0].nodes[0].dts.instance_id: is missing: Express needs the id of the VPC"},
	{"local_no_ip", ":7: clusters[0].nodes[0].dts.ip: is missing: LocalInstance needs"},
	{"ip_invalid", `:7: clusters[0].nodes[0].dts.ip: "db.example.com" is not an IP address`},
	{"port_out_of_range", ":7: clusters[0].nodes[0].dts.port: 70000 is out of range: use 1-65535"},
	{"port_missing", ":7: clusters[0].nodes[0].dts.port: is missing"},
	{"dts_endpoint_duplicate", ":10: clusters[0].nodes[1].dts: same DTS endpoint as clusters[0].nodes[0]"},
	{"job_id_empty", ":9: jobs[0].id: is empty"},
	{"job_id_duplicate", `:11: jobs[1].id: "job-1" is already the id of jobs[0]`},
	{"job_no_side", ":9: jobs[0]: neither source nor destination is set"},
	{"job_unknown_cluster", `:11: jobs[0].destination: no cluster named "order": use one of the configured clusters (orders)`},
	{"job_two_way_same_cluster", `:11: jobs[0].destination: "orders" is also the source: a two-way job syncs two different clusters`},
	{"job_owner_without_role", ":9: jobs[0].source_role: is missing while source_owner_id is set"},
	{"job_owner_not_numeric", `:11: jobs[0].source_owner_id: "acct-1" is not an account ID`},
	{"region_empty", ":3: alibaba_cloud.region_id: is empty"},
	{"endpoint_with_path", `:3: alibaba_cloud.endpoint: "http://127.0.0.1:8080/dts" has a path`},
	{"endpoint_bad_scheme", `:3: alibaba_cloud.endpoint: "ftp://127.0.0.1" has scheme ftp`},
	{"access_key_without_secret", ":3: alibaba_cloud.access_key_secret: is missing while access_key_id is set"},
	{"secret_without_access_key", ":3: alibaba_cloud.access_key_id: is missing while the access key secret is set"},
	{"local_node_unknown", `:2: local_node: no node named "orders-z"`},
	{"slack_token_without_channel", ":3: slack.channel: is missing while token is set"},
	{"slack_channel_without_token", ":3: slack.channel: is set but no token is"},
	{"slack_webhook_and_token", ":3: slack: both webhook_url and token are set"},
	{"slack_webhook_not_url", ":3: slack.webhook_url: is not an http:// or https:// URL"},
	{"slack_api_url_invalid", `:4: slack.api_url: "slack.invalid/api" is not an http:// or https:// URL`},
	{"tls_wrong_case", `:3: mysql.tls: "TRUE" has the wrong case: write true`},
	{"tls_missing_file", ":3: mysql.tls: CA file " + filepath.Join("testdata", "secrets", "no-such-ca.pem") + " cannot be read"},
	{"tls_not_pem", ":3: mysql.tls: CA file " + filepath.Join("testdata", "secrets", "password.txt") + " holds no PEM certificate"},
	{"http_listen_invalid", `:3: http.listen: "localhost" is not host:port`},
	{"state_file_empty", ":2: state_file: is empty"},
	{"max_concurrent_probes_zero", ":3: mysql.max_concurrent_probes: 0 is too small"},
	{"password_both_forms", ":4: mysql.password_file: both password and password_file are set: keep one"},
	{"node_password_both_forms", ":8: clusters[0].nodes[0].password_file: both password and password_file are set"},
	{"password_file_missing", ":3: mysql.password_file: cannot read " + filepath.Join("testdata", "secrets", "no-such-file.txt")},
	{"password_file_empty", ":3: mysql.password_file: " + filepath.Join("testdata", "secrets", "empty.txt") + " is empty"},
	{"token_file_is_dir", ":3: slack.token_file: cannot read " + filepath.Join("testdata", "secrets") + ": is a directory"},
}

func TestParse_invalid(t *testing.T) {
	env := map[string]string{"DTS_TEST_SECRET": testSecret}
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFixture(t, tc.name, env)
			if err == nil {
				t.Fatalf("Parse = nil error, want one containing %q", tc.want)
			}
			if cfg != nil {
				t.Errorf("Parse returned a config along with error %v", err)
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error is %T, want *ValidationError: %v", err, err)
			}
			if got, want := verr.File, tc.name+".yaml"; got != want {
				t.Errorf("File = %q, want %q", got, want)
			}
			if !strings.Contains(err.Error(), tc.name+".yaml"+tc.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s%s", err, tc.name+".yaml", tc.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error contains the secret value:\n%v", err)
			}
		})
	}
}

// TestParse_invalidCoversFixtures keeps fixtures and table in step: a
// fixture without a case would never be checked.
func TestParse_invalidCoversFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tc := range invalidCases {
		listed[tc.name] = true
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if !strings.HasPrefix(name, "good_") && !listed[name] {
			t.Errorf("fixture %s has no case in invalidCases", f)
		}
	}
}

func TestParse_reportsEveryProblem(t *testing.T) {
	data := []byte(`safety:
  confirmations: 0
  cooldown: -1s
clusters:
  - name: orders
    nodes:
      - name: a
        address: 127.0.0.1:3306
        dts: {instance_type: ECS, instance_id: i-a, port: 0}
jobs:
  - id: j
    source: nowhere
`)
	_, err := Parse(data, "c.yaml", nil, "")
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error is %T, want *ValidationError: %v", err, err)
	}
	want := []Problem{
		{Path: "safety.confirmations", Line: 2},
		{Path: "safety.cooldown", Line: 3},
		{Path: "clusters[0].nodes[0].dts.port", Line: 9},
		{Path: "jobs[0].source", Line: 12},
	}
	if len(verr.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(verr.Problems), len(want), err)
	}
	for i, p := range verr.Problems {
		if p.Path != want[i].Path || p.Line != want[i].Line {
			t.Errorf("problem %d = %s at line %d, want %s at line %d", i, p.Path, p.Line, want[i].Path, want[i].Line)
		}
		if p.Message == "" {
			t.Errorf("problem %d has no message", i)
		}
	}
	if got := strings.Count(err.Error(), "\n") + 1; got != len(want) {
		t.Errorf("Error() has %d lines, want %d", got, len(want))
	}
}

func TestParse_fileUnreadableNamesNoContent(t *testing.T) {
	dir := t.TempDir()
	secretPath := filepath.Join(dir, "token")
	if err := os.WriteFile(secretPath, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The token is read but the webhook file is missing: the error names
	// the missing file and must not show the token that was read.
	data := []byte(`slack:
  token_file: token
  webhook_url_file: missing
clusters:
  - name: c
    nodes:
      - {name: n, address: "127.0.0.1:3306", dts: {instance_type: ECS, instance_id: i-a, port: 3306}}
jobs:
  - {id: j, source: c}
`)
	_, err := Parse(data, "c.yaml", nil, dir)
	if err == nil {
		t.Fatal("Parse = nil error, want one")
	}
	if want := "slack.webhook_url_file: cannot read " + filepath.Join(dir, "missing"); !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to contain %q", err, want)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("error contains the secret value:\n%v", err)
	}
}
