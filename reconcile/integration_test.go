package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/mariadbtest"
	"dts-reconciler/notify"
	"dts-reconciler/notify/slacktest"
	"dts-reconciler/probe"
)

const itPassword = "it-Probe-Pw-7731-distinctive"

// Jobs of the integration test: one-way from orders, two-way between
// orders and reports, and one-way into reports.
const (
	jobOneWaySource = "dtsjobonewaysrc"
	jobTwoWay       = "dtsjobtwoway"
	jobOneWayDest   = "dtsjobonewaydst"
)

// DTS endpoints of the nodes, as the configuration gives them.
var itEndpoints = map[string]dts.Endpoint{
	"orders-a":  {InstanceType: "ECS", InstanceID: "i-orders-a", Port: "3306"},
	"orders-b":  {InstanceType: "ECS", InstanceID: "i-orders-b", Port: "3306"},
	"orders-c":  {InstanceType: "ECS", InstanceID: "i-orders-c", Port: "3306"},
	"reports-a": {InstanceType: "Express", InstanceID: "vpc-reports", IP: "172.16.5.21", Port: "3306"},
	"reports-b": {InstanceType: "LocalInstance", IP: "203.0.113.12", Port: "3306"},
}

// itConfig writes the daemon's configuration for the two clusters as YAML
// and loads it through the config package.
func itConfig(t *testing.T, orders, reports *mariadbtest.Cluster, emu *dtstest.Server, slack *slacktest.Server) *config.Config {
	t.Helper()
	var nodes strings.Builder
	for _, c := range []*mariadbtest.Cluster{orders, reports} {
		fmt.Fprintf(&nodes, "  - name: %s\n    nodes:\n", c.Name)
		for _, n := range c.Nodes {
			ep := itEndpoints[n.Name]
			fmt.Fprintf(&nodes, "      - name: %s\n        address: %s\n        dts: {instance_type: %s, instance_id: %q, ip: %q, port: %s}\n",
				n.Name, n.Address, ep.InstanceType, ep.InstanceID, ep.IP, ep.Port)
		}
	}
	yaml := fmt.Sprintf(`schedule: "@every 1s"
state_file: %s
http: {listen: ""}
safety:
  confirmations: 2
  confirm_interval: 100ms
  cooldown: 0s
  max_switches_per_hour: 10
  switch_timeout: 30s
alibaba_cloud:
  region_id: cn-hangzhou
  endpoint: %s
  access_key_id: %s
  access_key_secret: %s
  timeout: 5s
slack:
  webhook_url: %s
  timeout: 5s
mysql:
  user: dts_probe
  password: %s
  connect_timeout: 2s
  read_timeout: 2s
clusters:
%sjobs:
  - {id: %s, source: orders}
  - {id: %s, source: orders, destination: reports, two_way: true}
  - {id: %s, destination: reports}
`, filepath.Join(t.TempDir(), "state.json"), emu.URL, dtstest.DefaultAccessKeyID, dtstest.DefaultAccessKeySecret,
		slack.WebhookURL(), itPassword, nodes.String(), jobOneWaySource, jobTwoWay, jobOneWayDest)
	cfg, err := config.Parse([]byte(yaml), "integration.yaml", nil, "")
	if err != nil {
		t.Fatalf("parse config: %v\n%s", err, yaml)
	}
	return cfg
}

// wantCall is one expected switch call at the emulator.
type wantCall struct {
	job       string
	direction dts.Direction
	typ       dts.EndpointType
	node      string
}

// params returns the request parameters the call must carry.
func (w wantCall) params() string {
	ep := itEndpoints[w.node]
	return fmt.Sprintf("SynchronizationJobId=%s Endpoint.Type=%s SynchronizationDirection=%s Endpoint.InstanceType=%s Endpoint.InstanceId=%s Endpoint.IP=%s Endpoint.Port=%s",
		w.job, w.typ, w.direction, ep.InstanceType, ep.InstanceID, ep.IP, ep.Port)
}

func callParams(c dtstest.Call) string {
	p := c.Params
	return fmt.Sprintf("SynchronizationJobId=%s Endpoint.Type=%s SynchronizationDirection=%s Endpoint.InstanceType=%s Endpoint.InstanceId=%s Endpoint.IP=%s Endpoint.Port=%s",
		p["SynchronizationJobId"], p["Endpoint.Type"], p["SynchronizationDirection"], p["Endpoint.InstanceType"],
		p["Endpoint.InstanceId"], p["Endpoint.IP"], p["Endpoint.Port"])
}

func TestIntegration_Switchovers(t *testing.T) {
	mariadbtest.Require(t)
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	orders := mariadbtest.StartTest(t, mariadbtest.Options{Name: "orders", Nodes: 3, User: "dts_probe", Password: itPassword})
	reports := mariadbtest.StartTest(t, mariadbtest.Options{Name: "reports", Nodes: 2, User: "dts_probe", Password: itPassword})
	emu := dtstest.NewServer(dtstest.Options{})
	t.Cleanup(emu.Close)
	slack := slacktest.NewServer()
	t.Cleanup(slack.Close)

	managed := dts.Endpoint{InstanceType: "RDS", InstanceID: "rm-managed", Port: "3306"}
	emu.AddJob(dtstest.Job{ID: jobOneWaySource, Source: itEndpoints["orders-a"], Destination: managed})
	emu.AddJob(dtstest.Job{ID: jobTwoWay, TwoWay: true, Source: itEndpoints["orders-a"], Destination: itEndpoints["reports-a"]})
	emu.AddJob(dtstest.Job{ID: jobOneWayDest, Source: managed, Destination: itEndpoints["reports-a"]})

	// Each switch call must come after the job's previous task finished,
	// which the emulator shows as the previous endpoint being in place.
	var mu sync.Mutex
	var made []wantCall
	var violations []string
	emu.OnCall(func(c dtstest.Call) {
		if c.Action != "SwitchSynchronizationEndpoint" || c.Code != "" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, prev := range made {
			if prev.job != c.Params["SynchronizationJobId"] {
				continue
			}
			js, _ := emu.Job(prev.job, prev.direction)
			if got := js.Endpoint(prev.typ); got.InstanceID != itEndpoints[prev.node].InstanceID || got.IP != itEndpoints[prev.node].IP {
				violations = append(violations, fmt.Sprintf("%s came before %s %s/%s was switched", callParams(c), prev.job, prev.direction, prev.typ))
			}
		}
		made = append(made, wantCall{
			job: c.Params["SynchronizationJobId"], direction: dts.Direction(c.Params["SynchronizationDirection"]),
			typ: dts.EndpointType(c.Params["Endpoint.Type"]), node: nodeOfEndpoint(c.Params),
		})
	})

	cfg := itConfig(t, orders, reports, emu, slack)
	logger := slog.New(slog.DiscardHandler)
	prober := probe.New(probe.Options{Logger: logger})
	t.Cleanup(func() { prober.Close() })
	client, err := dts.New(dts.Config{
		RegionID: "cn-hangzhou", Endpoint: emu.URL, Timeout: 5 * time.Second,
		AccessKeyID: dtstest.DefaultAccessKeyID, AccessKeySecret: dtstest.DefaultAccessKeySecret,
	})
	if err != nil {
		t.Fatalf("dts.New: %v", err)
	}
	notifier := notify.New(notify.Config{WebhookURL: slack.WebhookURL(), Timeout: 5 * time.Second, Logger: logger})
	t.Cleanup(notifier.Close)
	engine, err := New(cfg, Deps{Prober: prober, DTS: client, Notifier: notifier, Logger: logger})
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	rep := engine.Tick(ctx)
	wantExit(t, rep, ExitInSync)
	if got := emu.CallsOf("SwitchSynchronizationEndpoint"); len(got) != 0 {
		t.Fatalf("switch calls while in sync = %d, want 0", len(got))
	}

	// An audit engine runs the same tick in dry-run.
	auditCfg := *cfg
	auditCfg.DryRun = true
	audit, err := New(&auditCfg, Deps{Prober: prober, DTS: client, Logger: logger})
	if err != nil {
		t.Fatalf("New in dry-run: %v", err)
	}

	steps := []struct {
		name       string
		cluster    *mariadbtest.Cluster
		newPrimary int
		want       []wantCall
	}{
		{name: "source_side", cluster: orders, newPrimary: 1, want: []wantCall{
			{jobOneWaySource, dts.Forward, dts.Source, "orders-b"},
			{jobTwoWay, dts.Forward, dts.Source, "orders-b"},
			{jobTwoWay, dts.Reverse, dts.Destination, "orders-b"},
		}},
		{name: "destination_side", cluster: reports, newPrimary: 1, want: []wantCall{
			{jobTwoWay, dts.Forward, dts.Destination, "reports-b"},
			{jobTwoWay, dts.Reverse, dts.Source, "reports-b"},
			{jobOneWayDest, dts.Forward, dts.Destination, "reports-b"},
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, func(t *testing.T) {
			emu.ResetCalls()
			if err := st.cluster.Switchover(ctx, st.newPrimary); err != nil {
				t.Fatalf("switchover: %v", err)
			}
			wantExit(t, audit.Tick(ctx), ExitDrift)
			if got := emu.CallsOf("SwitchSynchronizationEndpoint"); len(got) != 0 {
				t.Fatalf("switch calls in dry-run = %d, want 0", len(got))
			}

			rep := engine.Tick(ctx)
			wantExit(t, rep, ExitInSync)

			var got, want []string
			for _, c := range emu.CallsOf("SwitchSynchronizationEndpoint") {
				got = append(got, callParams(c))
			}
			for _, w := range st.want {
				want = append(want, w.params())
			}
			wantLines(t, "switch calls", got, want)
			checkPolledBetween(t, emu.Calls())
			mu.Lock()
			if len(violations) > 0 {
				t.Errorf("switch calls before the previous task finished: %q", violations)
			}
			mu.Unlock()

			for _, w := range st.want {
				js, ok := emu.Job(w.job, w.direction)
				if ep := js.Endpoint(w.typ); !ok || ep.InstanceID != itEndpoints[w.node].InstanceID || ep.IP != itEndpoints[w.node].IP {
					t.Errorf("job %s %s/%s points at %+v, want %s", w.job, w.direction, w.typ, ep, w.node)
				}
			}

			// A second tick finds every job in sync and calls nothing.
			emu.ResetCalls()
			wantExit(t, engine.Tick(ctx), ExitInSync)
			if got := emu.CallsOf("SwitchSynchronizationEndpoint"); len(got) != 0 {
				t.Errorf("switch calls in the second tick = %d, want 0", len(got))
			}

			checkSlack(ctx, t, notifier, slack, st.want)
		}) {
			return
		}
	}
}

// nodeOfEndpoint names the node whose endpoint a switch call sent.
func nodeOfEndpoint(p map[string]string) string {
	for name, ep := range itEndpoints {
		if ep.InstanceType == p["Endpoint.InstanceType"] && ep.InstanceID == p["Endpoint.InstanceId"] && ep.IP == p["Endpoint.IP"] {
			return name
		}
	}
	return "unknown"
}

// checkPolledBetween checks that between two switch calls of one job the
// earlier call's task was polled.
func checkPolledBetween(t *testing.T, calls []dtstest.Call) {
	t.Helper()
	lastTask := map[string]string{}
	polled := map[string]bool{}
	for _, c := range calls {
		switch c.Action {
		case "DescribeEndpointSwitchStatus":
			polled[c.TaskID] = true
		case "SwitchSynchronizationEndpoint":
			job := c.Params["SynchronizationJobId"]
			if prev, ok := lastTask[job]; ok && !polled[prev] {
				t.Errorf("switch call %s sent before task %s was polled", callParams(c), prev)
			}
			lastTask[job] = c.TaskID
		}
	}
}

// checkSlack waits for the queued messages and checks that every switch
// call got a started and a finished message.
func checkSlack(ctx context.Context, t *testing.T, n *notify.Notifier, s *slacktest.Server, calls []wantCall) {
	t.Helper()
	flushCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := n.Flush(flushCtx); err != nil {
		t.Fatalf("flush slack messages: %v", err)
	}
	var titles []string
	for _, m := range s.Messages() {
		title, _, _ := strings.Cut(m.Text, "\n")
		titles = append(titles, title)
		if strings.Contains(m.Text, itPassword) || strings.Contains(string(m.Blocks), itPassword) {
			t.Errorf("slack message %q contains the password", title)
		}
	}
	for _, c := range calls {
		subject := fmt.Sprintf("%s %s %s", c.job, c.direction, c.typ)
		for _, want := range []string{"Drift found: " + subject, "Switch started: " + subject, "Switch finished: " + subject} {
			if !slices.Contains(titles, want) {
				t.Errorf("slack messages lack %q; got %q", want, titles)
			}
		}
	}
}
