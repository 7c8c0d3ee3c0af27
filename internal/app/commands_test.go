package app

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
	"dts-reconciler/internal/mariadbtest"
)

// Jobs of the command tests: a one-way job reading from orders, and a
// two-way job between reports (forward source) and orders (forward
// destination).
var (
	jobOneWay = jobSpec{id: "dtsappone", source: "orders"}
	jobTwoWay = jobSpec{id: "dtsapptwo", source: "reports", destination: "orders", twoWay: true}
)

// endpointRow is one job, direction and endpoint type of a report.
type endpointRow struct {
	job string
	dir dts.Direction
	typ dts.EndpointType
}

// reportRows are the rows that a report on jobOneWay and jobTwoWay has.
var reportRows = []endpointRow{
	{jobOneWay.id, dts.Forward, dts.Source},
	{jobTwoWay.id, dts.Forward, dts.Source},
	{jobTwoWay.id, dts.Forward, dts.Destination},
	{jobTwoWay.id, dts.Reverse, dts.Source},
	{jobTwoWay.id, dts.Reverse, dts.Destination},
}

// jsonReport is the part of the audit JSON report that the tests read.
type jsonReport struct {
	SchemaVersion int  `json:"schema_version"`
	ExitCode      int  `json:"exit_code"`
	DryRun        bool `json:"dry_run"`
	Clusters      []struct {
		Name    string `json:"name"`
		Verdict string `json:"verdict"`
		Primary string `json:"primary"`
	} `json:"clusters"`
	Jobs []struct {
		ID        string `json:"id"`
		TwoWay    bool   `json:"two_way"`
		Status    string `json:"status"`
		Endpoints []struct {
			Direction    string `json:"direction"`
			EndpointType string `json:"endpoint_type"`
			Cluster      string `json:"cluster"`
			Node         string `json:"node"`
			Primary      string `json:"primary"`
			State        string `json:"state"`
		} `json:"endpoints"`
	} `json:"jobs"`
}

// tableRow returns the fields of the text report's row for r, or nil.
func tableRow(table string, r endpointRow) []string {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == r.job && f[1] == string(r.dir) && f[2] == string(r.typ) {
			return f
		}
	}
	return nil
}

// clusterOf returns the cluster behind a row's endpoint.
func clusterOf(r endpointRow) string {
	j := jobOneWay
	if r.job == jobTwoWay.id {
		j = jobTwoWay
	}
	forwardSource := r.typ == dts.Source
	if r.dir == dts.Reverse {
		forwardSource = !forwardSource
	}
	if forwardSource {
		return j.source
	}
	return j.destination
}

func TestCommands_Switchover(t *testing.T) {
	r := newRig(t, dtstest.Options{}, jobOneWay, jobTwoWay)
	r.addJob(jobOneWay)
	r.addJob(jobTwoWay)
	config := r.writeConfig()
	early := r.watchOrder()

	ok := t.Run("audit_in_sync", func(t *testing.T) {
		res := run(t, "audit", "-config", config)
		wantCode(t, res, ExitOK)
		for _, row := range reportRows {
			f := tableRow(res.stdout, row)
			if f == nil {
				t.Errorf("no row for %s %s %s in the report:\n%s", row.job, row.dir, row.typ, res.stdout)
				continue
			}
			primary := r.cluster(clusterOf(row)).PrimaryNode().Name
			if len(f) < 5 || f[3] != primary || f[4] != primary {
				t.Errorf("row %q: want configured node and primary %s", strings.Join(f, " "), primary)
			}
		}
		if n := len(r.emu.CallsOf(switchAction)); n != 0 {
			t.Errorf("switch calls = %d, want 0", n)
		}
	})
	ok = ok && t.Run("audit_json", func(t *testing.T) {
		res := run(t, "audit", "-config", config, "-format", "json")
		wantCode(t, res, ExitOK)
		var rep jsonReport
		if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
			t.Fatalf("decode report: %v\n%s", err, res.stdout)
		}
		if rep.SchemaVersion != 1 || rep.ExitCode != 0 || !rep.DryRun {
			t.Errorf("schema_version, exit_code, dry_run = %d, %d, %t, want 1, 0, true", rep.SchemaVersion, rep.ExitCode, rep.DryRun)
		}
		var got []string
		for _, j := range rep.Jobs {
			for _, ep := range j.Endpoints {
				got = append(got, j.ID+" "+ep.Direction+" "+ep.EndpointType+" "+ep.State)
				if ep.Node == "" || ep.Node != ep.Primary {
					t.Errorf("job %s %s %s: node %q, primary %q, want both the primary", j.ID, ep.Direction, ep.EndpointType, ep.Node, ep.Primary)
				}
			}
		}
		var want []string
		for _, row := range reportRows {
			want = append(want, row.job+" "+string(row.dir)+" "+string(row.typ)+" in_sync")
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("endpoints = %q, want %q", got, want)
		}
		if len(rep.Clusters) != 2 {
			t.Errorf("clusters = %d, want 2", len(rep.Clusters))
		}
	})
	if !ok {
		return
	}

	newPrimary := e2etest.Switchover(t, r.orders)
	wantCalls := []string{
		switchCall(jobOneWay.id, dts.Forward, dts.Source, newPrimary),
		switchCall(jobTwoWay.id, dts.Forward, dts.Destination, newPrimary),
		switchCall(jobTwoWay.id, dts.Reverse, dts.Source, newPrimary),
	}

	ok = t.Run("audit_drift", func(t *testing.T) {
		res := run(t, "audit", "-config", config)
		wantCode(t, res, ExitDrift)
		f := tableRow(res.stdout, endpointRow{jobOneWay.id, dts.Forward, dts.Source})
		if len(f) < 5 || f[4] != newPrimary.Name {
			t.Errorf("row %q: want primary %s\n%s", strings.Join(f, " "), newPrimary.Name, res.stdout)
		}
		if got := r.emu.CallsOf(switchAction); len(got) != 0 {
			t.Errorf("switch calls = %d, want 0", len(got))
		}
	})
	ok = ok && t.Run("once_dry_run", func(t *testing.T) {
		res := run(t, "once", "-config", config, "-dry-run")
		wantCode(t, res, ExitDrift)
		if got := r.emu.CallsOf(switchAction); len(got) != 0 {
			t.Errorf("switch calls = %d, want 0", len(got))
		}
	})
	ok = ok && t.Run("once_switches", func(t *testing.T) {
		res := run(t, "once", "-config", config)
		wantCode(t, res, ExitOK)
		if got := switchCalls(r.emu); !slices.Equal(got, wantCalls) {
			t.Errorf("switch calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCalls, "\n"))
		}
		if got := early(); len(got) != 0 {
			t.Errorf("calls made before the job's previous task finished: %q", got)
		}
		for _, c := range r.emu.CallsOf(switchAction) {
			if c.Params["RegionId"] != "cn-hangzhou" {
				t.Errorf("RegionId = %q, want cn-hangzhou", c.Params["RegionId"])
			}
		}
		for _, w := range []struct {
			job string
			dir dts.Direction
			typ dts.EndpointType
		}{
			{jobOneWay.id, dts.Forward, dts.Source},
			{jobTwoWay.id, dts.Forward, dts.Destination},
			{jobTwoWay.id, dts.Reverse, dts.Source},
		} {
			if !pointsAt(r.emu, w.job, w.dir, w.typ, newPrimary) {
				js, _ := r.emu.Job(w.job, w.dir)
				t.Errorf("job %s %s %s = %+v, want %s", w.job, w.dir, w.typ, js.Endpoint(w.typ), newPrimary.Name)
			}
		}
		// once waits for its messages, so they are there when it returns.
		msgs := r.slack.Messages()
		for _, w := range wantCalls {
			fields := strings.Fields(w)
			job, dir, typ := value(fields[0]), value(fields[1]), value(fields[2])
			if !hasMessage(msgs, "finished", job, dir, typ) {
				t.Errorf("no Slack message says that %s %s %s finished; messages:\n%s", job, dir, typ, messageTexts(msgs))
			}
		}
	})
	ok = ok && t.Run("once_again", func(t *testing.T) {
		before := len(r.emu.CallsOf(switchAction))
		res := run(t, "once", "-config", config)
		wantCode(t, res, ExitOK)
		if got := len(r.emu.CallsOf(switchAction)); got != before {
			t.Errorf("switch calls = %d, want %d", got, before)
		}
	})
	ok = ok && t.Run("audit_notify", func(t *testing.T) {
		before := len(r.slack.Messages())
		res := run(t, "audit", "-config", config, "-notify")
		wantCode(t, res, ExitOK)
		msgs := r.slack.Messages()[before:]
		if len(msgs) != 1 {
			t.Fatalf("messages = %d, want 1:\n%s", len(msgs), messageTexts(msgs))
		}
		for _, id := range []string{jobOneWay.id, jobTwoWay.id} {
			if !strings.Contains(msgs[0].Text, id) {
				t.Errorf("summary = %q, want it to name job %s", msgs[0].Text, id)
			}
		}
	})
}

// value returns the part of "key=value" after the "=".
func value(field string) string {
	_, v, _ := strings.Cut(field, "=")
	return v
}

func TestOnce_UnknownJob(t *testing.T) {
	missing := jobSpec{id: "dtsappmissing", source: "orders"}
	r := newRig(t, dtstest.Options{}, jobOneWay, missing)
	r.addJob(jobOneWay)
	config := r.writeConfig()

	res := run(t, "once", "-config", config)
	wantCode(t, res, ExitUnknown)
	if !strings.Contains(res.stderr, missing.id) {
		t.Errorf("stderr = %q, want it to name job %s", res.stderr, missing.id)
	}
	res = run(t, "audit", "-config", config)
	wantCode(t, res, ExitUnknown)
	// The configured node is "?" because DTS could not be read.
	if f := tableRow(res.stdout, endpointRow{missing.id, dts.Forward, dts.Source}); len(f) < 4 || f[3] != "?" {
		t.Errorf("row of job %s = %q, want the configured node \"?\":\n%s", missing.id, f, res.stdout)
	}
}

func TestOnce_NoPrimary(t *testing.T) {
	r := newRig(t, dtstest.Options{}, jobOneWay)
	r.addJob(jobOneWay)
	config := r.writeConfig()
	setReadOnly(t, r.orders, r.orders.Primary(), true)

	res := run(t, "once", "-config", config)
	wantCode(t, res, ExitUnknown)
	res = run(t, "audit", "-config", config)
	wantCode(t, res, ExitUnknown)
	if !strings.Contains(res.stdout, "cluster orders") {
		t.Errorf("report does not explain the verdict of cluster orders:\n%s", res.stdout)
	}
	if n := len(r.emu.CallsOf(switchAction)); n != 0 {
		t.Errorf("switch calls = %d, want 0", n)
	}
}

// setReadOnly sets read_only on a node and sets it back when the test
// ends.
func setReadOnly(t *testing.T, c *mariadbtest.Cluster, i int, on bool) {
	t.Helper()
	if err := c.SetReadOnly(t.Context(), i, on); err != nil {
		t.Fatalf("set read_only on %s: %v", c.Nodes[i].Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.SetReadOnly(ctx, i, !on); err != nil {
			t.Errorf("set read_only back on %s: %v", c.Nodes[i].Name, err)
		}
	})
}

func TestValidate_Connect(t *testing.T) {
	r := newRig(t, dtstest.Options{}, jobOneWay, jobTwoWay)
	r.addJob(jobOneWay)
	r.addJob(jobTwoWay)
	config := r.writeConfig()

	res := run(t, "validate", "-config", config, "-connect")
	wantCode(t, res, ExitOK)
	for _, c := range []*mariadbtest.Cluster{r.orders, r.reports} {
		for _, n := range c.Nodes {
			if !hasLine(res.stdout, "ok", n.Name, n.Address) {
				t.Errorf("no ok line for node %s (%s) in:\n%s", n.Name, n.Address, res.stdout)
			}
		}
	}
	for _, row := range []endpointRow{{jobOneWay.id, dts.Forward, ""}, {jobTwoWay.id, dts.Forward, ""}, {jobTwoWay.id, dts.Reverse, ""}} {
		if !hasLine(res.stdout, "ok", "job "+row.job, string(row.dir)) {
			t.Errorf("no ok line for job %s %s in:\n%s", row.job, row.dir, res.stdout)
		}
	}
	if n := len(r.emu.CallsOf(switchAction)); n != 0 {
		t.Errorf("switch calls = %d, want 0", n)
	}
}

func TestValidate_WrongPassword(t *testing.T) {
	r := newRig(t, dtstest.Options{}, jobOneWay)
	r.addJob(jobOneWay)
	r.spec.password = "not-the-probe-password"
	config := r.writeConfig()

	res := run(t, "validate", "-config", config, "-connect")
	wantCode(t, res, ExitInvalid)
	for _, n := range r.orders.Nodes {
		if !hasLine(res.stdout, "FAIL", n.Name) {
			t.Errorf("no FAIL line for node %s in:\n%s", n.Name, res.stdout)
		}
	}
	if !strings.Contains(strings.ToLower(res.stdout), "access denied") {
		t.Errorf("stdout = %q, want it to say access denied", res.stdout)
	}
}

// hasLine reports whether a line of out contains every part.
func hasLine(out string, parts ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		all := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
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
