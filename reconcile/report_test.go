package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

func TestReport_ExitCode(t *testing.T) {
	job := func(states ...string) JobReport {
		j := JobReport{Status: StateInSync}
		for _, s := range states {
			j.Endpoints = append(j.Endpoints, EndpointReport{State: s})
			j.Status = worseState(j.Status, s)
		}
		return j
	}
	tests := []struct {
		name string
		rep  Report
		want int
	}{
		{name: "empty", rep: Report{}, want: 0},
		{name: "in_sync_and_switched", rep: Report{Jobs: []JobReport{job(StateInSync, StateSwitched)}}, want: 0},
		{name: "drift", rep: Report{Jobs: []JobReport{job(StateInSync), job(StateDrift)}}, want: 1},
		{name: "held", rep: Report{Jobs: []JobReport{job(StateHeld)}}, want: 1},
		{name: "failed", rep: Report{Jobs: []JobReport{job(StateFailed)}}, want: 1},
		{name: "unknown_wins", rep: Report{Jobs: []JobReport{job(StateDrift), job(StateUnknown, StateFailed)}}, want: 3},
		{name: "tick_error", rep: Report{Error: "tick panicked"}, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rep.ExitCode(); got != tt.want {
				t.Errorf("ExitCode() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestReport_WriteText(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.DryRun = true
		c.Jobs = append(c.Jobs, config.Job{ID: "job3", Source: "orders"})
	})
	h.dts.setJob("job3", false, dts.Endpoint{InstanceType: "ECS", InstanceID: "i-gone", Port: "3306"}, dts.Endpoint{})
	h.failover("orders", "orders-b")
	var b bytes.Buffer
	if err := h.tick().WriteText(&b); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	out := b.String()
	for _, want := range []string{
		"JOB", "DIRECTION", "ENDPOINT", "CONFIGURED", "PRIMARY", "VERDICT", "PLANNED", "RESULT",
		"job1", "Forward", "Source", "orders-a", "orders-b", "primary", "switch to orders-b", "dry-run: would switch to orders-b",
		"none (ECS i-gone :3306)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
}

func TestReport_WriteJSON(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.DryRun = true })
	h.failover("orders", "orders-b")
	var b bytes.Buffer
	if err := h.tick().WriteJSON(&b); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	var doc struct {
		SchemaVersion int  `json:"schema_version"`
		ExitCode      int  `json:"exit_code"`
		DryRun        bool `json:"dry_run"`
		Clusters      []struct {
			Name    string `json:"name"`
			Verdict string `json:"verdict"`
			Primary string `json:"primary"`
			Nodes   []struct {
				Name     string `json:"name"`
				Writable bool   `json:"writable"`
			} `json:"nodes"`
		} `json:"clusters"`
		Jobs []struct {
			ID        string `json:"id"`
			Status    string `json:"status"`
			Endpoints []struct {
				Direction    string `json:"direction"`
				EndpointType string `json:"endpoint_type"`
				Node         string `json:"node"`
				Primary      string `json:"primary"`
				State        string `json:"state"`
				DTS          struct {
					InstanceID string `json:"instance_id"`
					Port       string `json:"port"`
				} `json:"dts"`
			} `json:"endpoints"`
			Calls []struct {
				To     string `json:"to"`
				Result string `json:"result"`
			} `json:"calls"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("decode report: %v\n%s", err, b.String())
	}
	got := fmt.Sprintf("%d %d %v %s/%s/%s %d | %s %s %s/%s %s->%s %s %s:%s | %s %s",
		doc.SchemaVersion, doc.ExitCode, doc.DryRun,
		doc.Clusters[0].Name, doc.Clusters[0].Verdict, doc.Clusters[0].Primary, len(doc.Clusters[0].Nodes),
		doc.Jobs[0].ID, doc.Jobs[0].Status, doc.Jobs[0].Endpoints[0].Direction, doc.Jobs[0].Endpoints[0].EndpointType,
		doc.Jobs[0].Endpoints[0].Node, doc.Jobs[0].Endpoints[0].Primary, doc.Jobs[0].Endpoints[0].State,
		doc.Jobs[0].Endpoints[0].DTS.InstanceID, doc.Jobs[0].Endpoints[0].DTS.Port,
		doc.Jobs[0].Calls[0].To, doc.Jobs[0].Calls[0].Result)
	want := "1 1 true orders/primary/orders-b 3 | job1 drift Forward/Source orders-a->orders-b drift i-a:3306 | orders-b planned"
	if got != want {
		t.Errorf("report JSON summary = %q, want %q", got, want)
	}
}

func TestNoSecretInOutput(t *testing.T) {
	h := newHarness(t, twoWayJob)
	h.failover("orders", "orders-b")
	// An error that quotes the password must not carry it further.
	h.prober.nodes["orders-c"].down = true
	h.dts.switchErr = func(n int, req dts.SwitchRequest) error {
		if n == 2 {
			return &dts.APIError{Code: "InvalidParameter", Message: "bad password " + testPassword}
		}
		return nil
	}
	rep := h.tick()
	h.tick()

	var out bytes.Buffer
	if err := rep.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(h.cfg.StateFile)
	if err != nil {
		t.Fatal(err)
	}

	events := fmt.Sprintf("%+v %+v %+v", h.notifier.posts, h.notifier.conditions, h.notifier.clears)
	for name, text := range map[string]string{
		"report": out.String(), "state file": string(raw), "logs": h.logs.String(), "events": events,
	} {
		if strings.Contains(text, testPassword) {
			t.Errorf("%s contains the password", name)
		}
	}
	if !strings.Contains(events, "bad password [redacted]") {
		t.Errorf("events lack the redacted refusal: %s", events)
	}
}

func TestSetConfig_ForgetsRemovedJobs(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Jobs = append(c.Jobs, config.Job{ID: "job3", Destination: "reports"})
	})
	h.tick()
	e := h.engine
	if _, ok := e.logged["job/job3/Forward/Destination"]; !ok {
		t.Fatalf("no decision logged for job3: %v", e.logged)
	}
	next := *h.cfg
	next.Jobs = next.Jobs[:1]
	next.Clusters = next.Clusters[:1]
	e.SetConfig(&next)
	if rep := h.tick(); len(rep.Jobs) != 1 || rep.Jobs[0].ID != "job1" {
		t.Errorf("jobs after reload = %+v, want only job1", rep.Jobs)
	}
	for key := range e.logged {
		if strings.HasPrefix(key, "job/job3/") || key == "cluster/reports" {
			t.Errorf("decision %q kept after its job was removed", key)
		}
	}
	if _, ok := e.identities["reports"]; ok {
		t.Errorf("identities of the removed cluster kept")
	}
}

func TestTargets(t *testing.T) {
	cfg := testConfig(t)
	targets := Targets(cfg)
	if len(targets) != 5 {
		t.Fatalf("targets = %d, want 5", len(targets))
	}
	got := targets[3]
	if got.Cluster != "reports" || got.Name != "reports-a" || got.Address != "172.16.5.21:3306" || got.Password != testPassword || got.User != "dts_probe" {
		t.Errorf("target = %s/%s at %s as %s, want reports/reports-a at 172.16.5.21:3306 as dts_probe with the password",
			got.Cluster, got.Name, got.Address, got.User)
	}
}
