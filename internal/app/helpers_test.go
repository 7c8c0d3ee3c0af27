package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
	"dts-reconciler/internal/mariadbtest"
	"dts-reconciler/notify/slacktest"
)

// probePassword is the password of the probe account on the shared
// clusters. It is distinctive so that the secret tests can search all
// output for it.
const probePassword = "Pw-mysql-7Hq2Zr-distinctive"

// switchAction is the DTS action that changes an endpoint.
const switchAction = "SwitchSynchronizationEndpoint"

// shared holds the MariaDB clusters that the tests of this package share.
var shared = &e2etest.Clusters{Password: probePassword}

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Stop()
	os.Exit(code)
}

// jobSpec is one job of a test configuration.
type jobSpec struct {
	id          string
	source      string // cluster name, "" when DTS manages the side
	destination string
	twoWay      bool
}

// configSpec describes a configuration file for the shared clusters.
type configSpec struct {
	orders, reports *mariadbtest.Cluster
	emulatorURL     string
	accessKeyID     string
	accessKeySecret string
	password        string // "" means probePassword
	// webhookURL, or token with channel and apiURL, turn Slack on.
	webhookURL string
	token      string
	channel    string
	apiURL     string
	stateFile  string
	jobs       []jobSpec
}

// yaml returns the configuration file.
func (s configSpec) yaml() string {
	password := s.password
	if password == "" {
		password = probePassword
	}
	var b strings.Builder
	fmt.Fprintf(&b, `schedule: "@every 1s"
state_file: %s
http: {listen: ""}
safety:
  confirmations: 2
  confirm_interval: 100ms
  cooldown: 0s
  max_switches_per_hour: 20
  switch_timeout: 30s
alibaba_cloud:
  region_id: cn-hangzhou
  endpoint: %s
  access_key_id: %s
  access_key_secret: %s
  timeout: 5s
slack:
  webhook_url: %q
  token: %q
  channel: %q
  api_url: %q
  timeout: 5s
mysql:
  user: dts_probe
  password: %s
  connect_timeout: 2s
  read_timeout: 2s
clusters:
`, s.stateFile, s.emulatorURL, s.accessKeyID, s.accessKeySecret,
		s.webhookURL, s.token, s.channel, s.apiURL, password)
	for _, c := range []*mariadbtest.Cluster{s.orders, s.reports} {
		fmt.Fprintf(&b, "  - name: %s\n    nodes:\n", c.Name)
		for _, n := range c.Nodes {
			ep := e2etest.EndpointOf(n)
			fmt.Fprintf(&b, "      - name: %s\n        address: %s\n        dts: {instance_type: %s, instance_id: %s, ip: %q, port: %s}\n",
				n.Name, n.Address, ep.InstanceType, ep.InstanceID, ep.IP, ep.Port)
		}
	}
	b.WriteString("jobs:\n")
	for _, j := range s.jobs {
		fmt.Fprintf(&b, "  - {id: %s, source: %q, destination: %q, two_way: %t}\n", j.id, j.source, j.destination, j.twoWay)
	}
	return b.String()
}

// rig is one test's emulator, Slack server and configuration, around the
// shared clusters.
type rig struct {
	t               *testing.T
	dir             string
	orders, reports *mariadbtest.Cluster
	emu             *dtstest.Server
	slack           *slacktest.Server
	spec            configSpec
}

// newRig starts an emulator and a Slack server for a test and prepares a
// configuration in webhook mode with the given jobs. Add the jobs to the
// emulator with addJob.
func newRig(t *testing.T, emuOpts dtstest.Options, jobs ...jobSpec) *rig {
	t.Helper()
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	orders, reports := shared.Get(t)
	emu := dtstest.NewServer(emuOpts)
	t.Cleanup(emu.Close)
	slack := slacktest.NewServer()
	t.Cleanup(slack.Close)
	dir := t.TempDir()
	keyID, secret := emuOpts.AccessKeyID, emuOpts.AccessKeySecret
	if keyID == "" {
		keyID, secret = dtstest.DefaultAccessKeyID, dtstest.DefaultAccessKeySecret
	}
	r := &rig{t: t, dir: dir, orders: orders, reports: reports, emu: emu, slack: slack}
	r.spec = configSpec{
		orders: orders, reports: reports,
		emulatorURL: emu.URL, accessKeyID: keyID, accessKeySecret: secret,
		webhookURL: slack.WebhookURL(),
		stateFile:  filepath.Join(dir, "state.json"),
		jobs:       jobs,
	}
	return r
}

// cluster returns the shared cluster with the given name.
func (r *rig) cluster(name string) *mariadbtest.Cluster {
	if name == "orders" {
		return r.orders
	}
	return r.reports
}

// addJob adds j to the emulator with its sides pointing at the current
// primaries of its clusters, or at the given nodes when at names one.
func (r *rig) addJob(j jobSpec, at ...*mariadbtest.Node) {
	side := func(cluster string) dts.Endpoint {
		if cluster == "" {
			return e2etest.Managed
		}
		c := r.cluster(cluster)
		for _, n := range at {
			if strings.HasPrefix(n.Name, cluster+"-") {
				return e2etest.EndpointOf(n)
			}
		}
		return e2etest.EndpointOf(c.PrimaryNode())
	}
	r.emu.AddJob(dtstest.Job{ID: j.id, TwoWay: j.twoWay, Source: side(j.source), Destination: side(j.destination)})
}

// writeConfig writes the rig's configuration and returns its path.
func (r *rig) writeConfig() string {
	r.t.Helper()
	return writeFile(r.t, r.dir, "config.yaml", r.spec.yaml())
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	return path
}

// result is the outcome of one in-process run of a command.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the command in-process with a bound and returns its exit
// status and output.
func run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, args, &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// wantCode fails the test when the run's exit status differs from want.
func wantCode(t *testing.T, res result, want int) {
	t.Helper()
	if res.code != want {
		t.Fatalf("exit status = %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, want, res.stdout, res.stderr)
	}
}

// switchCall describes a switch call by the parameters that matter.
func switchCall(job string, dir dts.Direction, typ dts.EndpointType, n *mariadbtest.Node) string {
	ep := e2etest.EndpointOf(n)
	return fmt.Sprintf("job=%s direction=%s type=%s instance_type=%s instance_id=%s ip=%s port=%s",
		job, dir, typ, ep.InstanceType, ep.InstanceID, ep.IP, ep.Port)
}

// callText describes a recorded call the way switchCall does.
func callText(c dtstest.Call) string {
	p := c.Params
	return fmt.Sprintf("job=%s direction=%s type=%s instance_type=%s instance_id=%s ip=%s port=%s",
		p["SynchronizationJobId"], p["SynchronizationDirection"], p["Endpoint.Type"],
		p["Endpoint.InstanceType"], p["Endpoint.InstanceId"], p["Endpoint.IP"], p["Endpoint.Port"])
}

// switchCalls returns the accepted switch calls the emulator received.
func switchCalls(emu *dtstest.Server) []string {
	var out []string
	for _, c := range emu.CallsOf(switchAction) {
		if c.Code == "" {
			out = append(out, callText(c))
		}
	}
	return out
}

// pointsAt reports whether one side of a job direction is the node's
// endpoint at the emulator.
func pointsAt(emu *dtstest.Server, job string, dir dts.Direction, typ dts.EndpointType, n *mariadbtest.Node) bool {
	js, ok := emu.Job(job, dir)
	if !ok {
		return false
	}
	got, want := js.Endpoint(typ), e2etest.EndpointOf(n)
	return got.InstanceType == want.InstanceType && got.InstanceID == want.InstanceID && got.IP == want.IP && got.Port == want.Port
}

// hasMessage reports whether a Slack message contains every word, ignoring
// case.
func hasMessage(msgs []slacktest.Message, words ...string) bool {
	for _, m := range msgs {
		text := strings.ToLower(m.Text)
		all := true
		for _, w := range words {
			if !strings.Contains(text, strings.ToLower(w)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// messageTexts joins the texts of msgs for a failure message.
func messageTexts(msgs []slacktest.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "--- %d\n%s\n", i+1, m.Text)
	}
	return b.String()
}

// watchOrder checks every switch call as it reaches the emulator: the
// earlier accepted calls of the same job must have taken effect, which
// shows that their tasks finished first. The returned function lists the
// calls that came too early.
func (r *rig) watchOrder() func() []string {
	var mu sync.Mutex
	var made []dtstest.Call
	var early []string
	r.emu.OnCall(func(c dtstest.Call) {
		if c.Action != switchAction || c.Code != "" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, prev := range made {
			p := prev.Params
			if p["SynchronizationJobId"] != c.Params["SynchronizationJobId"] {
				continue
			}
			js, _ := r.emu.Job(p["SynchronizationJobId"], dts.Direction(p["SynchronizationDirection"]))
			if got := js.Endpoint(dts.EndpointType(p["Endpoint.Type"])); got.Port != p["Endpoint.Port"] {
				early = append(early, callText(c)+" before "+callText(prev)+" took effect")
			}
		}
		made = append(made, c)
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), early...)
	}
}
