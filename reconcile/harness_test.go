package reconcile

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

// testPassword is a distinctive MySQL password that must never show up in
// any output.
const testPassword = "pw-Zq81-distinctive-secret"

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

// Endpoints as DTS reports them for the configured nodes.
var (
	epOrdersA  = dts.Endpoint{InstanceType: "ECS", InstanceID: "i-a", IP: "10.0.1.11", Port: "3306"}
	epOrdersB  = dts.Endpoint{InstanceType: "ECS", InstanceID: "i-b", Port: "3306"}
	epReportsA = dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-r", IP: "172.16.5.21", Port: "3306"}
	epReportsB = dts.Endpoint{InstanceType: "LocalInstance", IP: "203.0.113.12", Port: "3306"}
)

func testNode(name, address string, ep config.DTSEndpoint) config.Node {
	return config.Node{
		Name: name, Address: address, DTS: ep,
		User: "dts_probe", Password: testPassword,
		ConnectTimeout: time.Second, ReadTimeout: time.Second,
	}
}

// testConfig has two clusters, orders (ECS nodes) and reports (an Express
// and a LocalInstance node), and one one-way job from orders.
func testConfig(t *testing.T) *config.Config {
	return &config.Config{
		StateFile: filepath.Join(t.TempDir(), "state", "state.json"),
		Safety: config.Safety{
			Confirmations:      1,
			ConfirmInterval:    time.Second,
			Cooldown:           5 * time.Minute,
			MaxSwitchesPerHour: 4,
			SwitchTimeout:      time.Minute,
		},
		AlibabaCloud: config.AlibabaCloud{RegionID: "cn-hangzhou"},
		MySQL:        config.MySQL{User: "dts_probe", Password: testPassword},
		Clusters: []config.Cluster{
			{Name: "orders", Nodes: []config.Node{
				testNode("orders-a", "10.0.1.11:3306", config.DTSEndpoint{InstanceType: "ECS", InstanceID: "i-a", Port: 3306}),
				testNode("orders-b", "10.0.1.12:3306", config.DTSEndpoint{InstanceType: "ECS", InstanceID: "i-b", Port: 3306}),
				testNode("orders-c", "10.0.1.13:3306", config.DTSEndpoint{InstanceType: "ECS", InstanceID: "i-c", Port: 3306}),
			}},
			{Name: "reports", Nodes: []config.Node{
				testNode("reports-a", "172.16.5.21:3306", config.DTSEndpoint{InstanceType: "Express", InstanceID: "vpc-r", IP: "172.16.5.21", Port: 3306}),
				testNode("reports-b", "10.0.2.12:3306", config.DTSEndpoint{InstanceType: "LocalInstance", IP: "203.0.113.12", Port: 3306}),
			}},
		},
		Jobs: []config.Job{{ID: "job1", RegionID: "cn-shanghai", Source: "orders"}},
	}
}

// harness wires an engine to fakes. The primaries start as orders-a and
// reports-a, and every configured job points at them.
type harness struct {
	t        *testing.T
	cfg      *config.Config
	prober   *fakeProber
	dts      *fakeDTS
	notifier *fakeNotifier
	clock    *fakeClock
	observer *fakeObserver
	logs     *syncBuffer
	engine   *Engine
}

func newHarness(t *testing.T, mutate func(*config.Config)) *harness {
	t.Helper()
	cfg := testConfig(t)
	if mutate != nil {
		mutate(cfg)
	}
	h := &harness{
		t:        t,
		cfg:      cfg,
		prober:   &fakeProber{nodes: map[string]*fakeNode{}},
		dts:      newFakeDTS(),
		notifier: &fakeNotifier{},
		clock:    &fakeClock{now: t0},
		observer: &fakeObserver{},
		logs:     &syncBuffer{},
	}
	for _, c := range cfg.Clusters {
		for i, n := range c.Nodes {
			h.prober.nodes[n.Name] = &fakeNode{writable: i == 0, identity: "id-" + n.Name}
		}
	}
	ends := map[string]dts.Endpoint{"orders": epOrdersA, "reports": epReportsA, "": {InstanceType: "RDS", InstanceID: "rm-managed", Port: "3306"}}
	for _, j := range cfg.Jobs {
		h.dts.setJob(j.ID, j.TwoWay, ends[j.Source], ends[j.Destination])
	}
	return h
}

// open creates the engine if the test has not yet done so.
func (h *harness) open() *Engine {
	h.t.Helper()
	if h.engine != nil {
		return h.engine
	}
	e, err := New(h.cfg, Deps{
		Prober:   h.prober,
		DTS:      h.dts,
		Notifier: h.notifier,
		Clock:    h.clock,
		Observer: h.observer,
		Logger:   newTestLogger(h.logs),
	})
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	e.decide = fakeDecide
	h.engine = e
	h.t.Cleanup(func() { _ = e.Close() })
	return e
}

// reopen closes the engine, as a stopping process would, and creates a new
// one on the same state file.
func (h *harness) reopen() *Engine {
	h.t.Helper()
	if h.engine != nil {
		if err := h.engine.Close(); err != nil {
			h.t.Fatalf("Close: %v", err)
		}
		h.engine = nil
	}
	return h.open()
}

// newTestLogger returns a text logger at debug level writing to w.
func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (h *harness) tick() *Report {
	h.t.Helper()
	return h.open().Tick(context.Background())
}

// failover makes newPrimary the only writable node of its cluster.
func (h *harness) failover(cluster, newPrimary string) {
	for _, c := range h.cfg.Clusters {
		if c.Name != cluster {
			continue
		}
		for _, n := range c.Nodes {
			h.prober.set(n.Name, n.Name == newPrimary)
		}
	}
}

// switchLines returns the switch calls the fake DTS received.
func (h *harness) switchLines() []string {
	var out []string
	for _, l := range h.dts.calls() {
		if strings.HasPrefix(l, "switch ") {
			out = append(out, l)
		}
	}
	return out
}

func wantExit(t *testing.T, rep *Report, want int) {
	t.Helper()
	if got := rep.ExitCode(); got != want {
		var b strings.Builder
		_ = rep.WriteText(&b)
		t.Errorf("ExitCode() = %d, want %d; report:\n%s", got, want, b.String())
	}
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// endpointState returns the state of one endpoint of a job in the report.
func endpointState(rep *Report, jobID string, dir dts.Direction, typ dts.EndpointType) string {
	for _, j := range rep.Jobs {
		if j.ID != jobID {
			continue
		}
		for _, ep := range j.Endpoints {
			if ep.Direction == string(dir) && ep.EndpointType == string(typ) {
				return ep.State
			}
		}
	}
	return "missing"
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func countLines(s, sub string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			n++
		}
	}
	return n
}
