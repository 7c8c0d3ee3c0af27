package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParse_defaults(t *testing.T) {
	cfg, err := parseFixture(t, "good_minimal", nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"schedule", cfg.Schedule, "@every 10s"},
		{"dry_run", cfg.DryRun, false},
		{"dts_refresh", cfg.DTSRefresh, time.Minute},
		{"state_file", cfg.StateFile, "/var/lib/dts-reconciler/state.json"},
		{"local_node", cfg.LocalNode, ""},
		{"http.listen", cfg.HTTP.Listen, "127.0.0.1:9108"},
		{"safety.confirmations", cfg.Safety.Confirmations, 2},
		{"safety.confirm_interval", cfg.Safety.ConfirmInterval, time.Second},
		{"safety.cooldown", cfg.Safety.Cooldown, 5 * time.Minute},
		{"safety.max_switches_per_hour", cfg.Safety.MaxSwitchesPerHour, 4},
		{"safety.switch_timeout", cfg.Safety.SwitchTimeout, 10 * time.Minute},
		{"alibaba_cloud.region_id", cfg.AlibabaCloud.RegionID, "cn-hangzhou"},
		{"alibaba_cloud.endpoint", cfg.AlibabaCloud.Endpoint, ""},
		{"alibaba_cloud.timeout", cfg.AlibabaCloud.Timeout, 10 * time.Second},
		{"slack.remind_every", cfg.Slack.RemindEvery, time.Hour},
		{"slack.timeout", cfg.Slack.Timeout, 5 * time.Second},
		{"mysql.user", cfg.MySQL.User, "dts_probe"},
		{"mysql.connect_timeout", cfg.MySQL.ConnectTimeout, 2 * time.Second},
		{"mysql.read_timeout", cfg.MySQL.ReadTimeout, 2 * time.Second},
		{"mysql.tls", cfg.MySQL.TLS, ""},
		{"mysql.max_concurrent_probes", cfg.MySQL.MaxConcurrentProbes, 256},
		{"node user", cfg.Clusters[0].Nodes[0].User, "dts_probe"},
		{"node connect_timeout", cfg.Clusters[0].Nodes[0].ConnectTimeout, 2 * time.Second},
		{"node read_timeout", cfg.Clusters[0].Nodes[0].ReadTimeout, 2 * time.Second},
		{"job region_id", cfg.Jobs[0].RegionID, "cn-hangzhou"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParse_full(t *testing.T) {
	env := map[string]string{
		"DTS_TEST_SWITCH_TIMEOUT": "90s",
		"DTS_TEST_AK_SECRET":      "ak-secret-$x",
		"DTS_TEST_PORT":           "3307",
		// YAML would read null as no value, but a string field keeps it.
		"DTS_TEST_NODE_PASSWORD": "null",
	}
	cfg, err := parseFixture(t, "good_full", env)
	if err != nil {
		t.Fatal(err)
	}
	orders, reports := cfg.Clusters[0], cfg.Clusters[1]
	a, b := orders.Nodes[0], orders.Nodes[1]
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"schedule", cfg.Schedule, "CRON_TZ=UTC */5 * * * *"},
		{"dry_run", cfg.DryRun, true},
		{"state_file resolved", cfg.StateFile, filepath.Join("testdata", "state", "state.json")},
		{"http.listen given as empty", cfg.HTTP.Listen, ""},
		{"cooldown 0s", cfg.Safety.Cooldown, time.Duration(0)},
		{"confirm_interval", cfg.Safety.ConfirmInterval, 500 * time.Millisecond},
		{"switch_timeout from env", cfg.Safety.SwitchTimeout, 90 * time.Second},
		{"access_key_secret from env, not expanded again", cfg.AlibabaCloud.AccessKeySecret.Value(), "ak-secret-$x"},
		{"slack token from file, CRLF trimmed", cfg.Slack.Token.Value(), "xoxb-token-from-file"},
		{"slack token_file resolved", cfg.Slack.TokenFile, filepath.Join("testdata", "secrets", "token.txt")},
		{"mysql password from file, newline trimmed", cfg.MySQL.Password.Value(), "probe-password-from-file"},
		{"max_concurrent_probes", cfg.MySQL.MaxConcurrentProbes, 8},

		{"node a address from env", a.Address, "127.0.0.1:3307"},
		{"node a port from quoted env", a.DTS.Port, 3307},
		{"node a inherits user", a.User, "probe"},
		{"node a inherits password", a.Password.Value(), "probe-password-from-file"},
		{"node a inherits password_file", a.PasswordFile, filepath.Join("testdata", "secrets", "password.txt")},
		{"node a inherits connect_timeout", a.ConnectTimeout, time.Second},
		{"node a inherits read_timeout", a.ReadTimeout, 1500 * time.Millisecond},
		{"node a inherits tls", a.TLS, "skip-verify"},

		{"node b user", b.User, "admin"},
		{"node b password kept as string", b.Password.Value(), "null"},
		{"node b password_file not inherited", b.PasswordFile, ""},
		{"node b connect_timeout", b.ConnectTimeout, 4 * time.Second},
		{"node b read_timeout", b.ReadTimeout, 5 * time.Second},
		{"node b tls", b.TLS, "false"},

		{"express node", reports.Nodes[0].DTS, DTSEndpoint{InstanceType: "Express", InstanceID: "vpc-c", IP: "172.16.5.21", Port: 3306}},
		{"node given an empty password", reports.Nodes[1].Password.Value(), ""},
		{"local instance port from env", reports.Nodes[1].DTS.Port, 3307},

		{"job region inherited", cfg.Jobs[0].RegionID, "cn-shanghai"},
		{"job region given", cfg.Jobs[1].RegionID, "cn-beijing"},
		{"two_way", cfg.Jobs[1].TwoWay, true},
		{"source_owner_id", cfg.Jobs[1].SourceOwnerID, "1234567890"},
		{"$$ is a literal $", cfg.Jobs[2].ID, "price$list"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParse_nullKeepsDefault(t *testing.T) {
	data := []byte(`http:
  listen:
mysql:
  user: ~
  tls: true
clusters:
  - name: c
    nodes:
      - name: n
        address: 127.0.0.1:3306
        tls:
        dts: {instance_type: ECS, instance_id: i-a, port: 3306}
jobs:
  - {id: j, source: c}
`)
	cfg, err := Parse(data, "c.yaml", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.HTTP.Listen, "127.0.0.1:9108"; got != want {
		t.Errorf("http.listen = %q, want %q", got, want)
	}
	if got, want := cfg.MySQL.User, "dts_probe"; got != want {
		t.Errorf("mysql.user = %q, want %q", got, want)
	}
	if got, want := cfg.Clusters[0].Nodes[0].TLS, "true"; got != want {
		t.Errorf("node tls = %q, want inherited %q", got, want)
	}
}

func TestParse_nilLookupEnvSetsNothing(t *testing.T) {
	t.Setenv("DTS_TEST_FROM_PROCESS", "x")
	data := []byte("local_node: ${DTS_TEST_FROM_PROCESS}\n")
	_, err := Parse(data, "c.yaml", nil, "")
	if err == nil {
		t.Fatal("Parse = nil error, want one for the unset variable")
	}
	want := "c.yaml:1: local_node: environment variable DTS_TEST_FROM_PROCESS is not set"
	if !contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to contain %q", err, want)
	}
}

func TestLoad_resolvesAgainstConfigFolder(t *testing.T) {
	dir := t.TempDir()
	caPath := writeTestCA(t, filepath.Join(dir, "ca.pem"))
	if err := os.MkdirAll(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secrets", "ak"), []byte("ak-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DTS_TEST_LOAD_PORT", "3310")
	config := `state_file: state.json
alibaba_cloud:
  access_key_id: LTAItest
  access_key_secret_file: secrets/ak
mysql:
  tls: ca.pem
clusters:
  - name: c
    nodes:
      - name: n
        address: 127.0.0.1:${DTS_TEST_LOAD_PORT}
        dts: {instance_type: ECS, instance_id: i-a, port: 3306}
jobs:
  - {id: j, source: c}
`
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.StateFile, filepath.Join(dir, "state.json"); got != want {
		t.Errorf("state_file = %q, want %q", got, want)
	}
	if got, want := cfg.AlibabaCloud.AccessKeySecret.Value(), "ak-from-file"; got != want {
		t.Errorf("access_key_secret = %q, want %q", got, want)
	}
	if got := cfg.MySQL.TLS; got != caPath {
		t.Errorf("mysql.tls = %q, want %q", got, caPath)
	}
	if got := cfg.Clusters[0].Nodes[0].TLS; got != caPath {
		t.Errorf("node tls = %q, want inherited %q", got, caPath)
	}
	if got, want := cfg.Clusters[0].Nodes[0].Address, "127.0.0.1:3310"; got != want {
		t.Errorf("address = %q, want %q", got, want)
	}
}

func TestLoad_missingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if err == nil {
		t.Fatal("Load = nil error, want one")
	}
	if !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("error = %v, want one wrapping a not-exist error", err)
	}
}

func TestLoad_example(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "config.example.yaml"))
	if err != nil {
		t.Fatalf("config.example.yaml does not validate:\n%v", err)
	}
	if got, want := len(cfg.Clusters), 2; got != want {
		t.Errorf("clusters = %d, want %d", got, want)
	}
	var oneWay, twoWay bool
	for _, j := range cfg.Jobs {
		oneWay = oneWay || !j.TwoWay
		twoWay = twoWay || j.TwoWay
	}
	if !oneWay || !twoWay {
		t.Errorf("jobs: one-way %v, two-way %v; want both", oneWay, twoWay)
	}
	types := map[string]bool{}
	for _, c := range cfg.Clusters {
		for _, n := range c.Nodes {
			types[n.DTS.InstanceType] = true
		}
	}
	for _, typ := range instanceTypes {
		if !types[typ] {
			t.Errorf("no example node of instance_type %s", typ)
		}
	}
}

// TestLoad_exampleShowsDefaults checks that every value written in the
// example equals the default, so the file documents the defaults truly.
func TestLoad_exampleShowsDefaults(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	cfg.Clusters, cfg.Jobs = nil, nil
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("example settings differ from Default():\ngot  %+v\nwant %+v", *cfg, want)
	}
}

func TestConfig_lookupByName(t *testing.T) {
	cfg, err := parseFixture(t, "good_full", map[string]string{
		"DTS_TEST_SWITCH_TIMEOUT": "1m", "DTS_TEST_AK_SECRET": "x", "DTS_TEST_PORT": "3306", "DTS_TEST_NODE_PASSWORD": "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.ClusterByName("reports"); c == nil || c != &cfg.Clusters[1] {
		t.Errorf("ClusterByName(reports) = %p, want %p", c, &cfg.Clusters[1])
	}
	if c := cfg.ClusterByName("nope"); c != nil {
		t.Errorf("ClusterByName(nope) = %v, want nil", c)
	}
	c, n := cfg.NodeByName("reports-b")
	if c != &cfg.Clusters[1] || n != &cfg.Clusters[1].Nodes[1] {
		t.Errorf("NodeByName(reports-b) = %p, %p; want %p, %p", c, n, &cfg.Clusters[1], &cfg.Clusters[1].Nodes[1])
	}
	if c, n := cfg.NodeByName("nope"); c != nil || n != nil {
		t.Errorf("NodeByName(nope) = %v, %v; want nil, nil", c, n)
	}
}

// Clusters may share servers: a test fleet configures many clusters over a
// few real servers. Only two nodes of one cluster at one address are wrong.
func TestParse_clustersShareAddress(t *testing.T) {
	data := []byte(`clusters:
  - name: orders
    nodes:
      - {name: orders-a, address: "127.0.0.1:3306", dts: {instance_type: ECS, instance_id: i-a, port: 3306}}
  - name: reports
    nodes:
      - {name: reports-a, address: "127.0.0.1:3306", dts: {instance_type: ECS, instance_id: i-b, port: 3306}}
jobs:
  - {id: job-1, source: orders, destination: reports}
`)
	if _, err := Parse(data, "c.yaml", nil, ""); err != nil {
		t.Errorf("Parse: %v, want no error", err)
	}
}
