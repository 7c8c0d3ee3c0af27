package metrics_test

import (
	"testing"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/metrics"
	"dts-reconciler/probe"
)

func TestPrune(t *testing.T) {
	m := metrics.New(10 * time.Second)
	url := serve(t, m)

	for _, st := range []probe.Status{status("orders", "a"), status("orders", "b"), status("reports", "a")} {
		m.NodeProbed(st)
	}
	m.ClusterDecided(primaryVerdict("orders", "b"))
	m.ClusterDecided(primaryVerdict("reports", "a"))
	m.JobChecked("keep", dts.Forward, false)
	m.JobChecked("keep", dts.Reverse, true)
	m.SwitchEnded("keep", dts.Reverse, "failed", time.Now())
	m.JobChecked("gone", dts.Forward, true)

	// The new configuration drops cluster reports, node orders/b (the
	// primary) and job gone, and makes job keep one-way.
	m.Prune(&config.Config{
		Clusters: []config.Cluster{{Name: "orders", Nodes: []config.Node{{Name: "a"}, {Name: "c"}}}},
		Jobs:     []config.Job{{ID: "keep"}},
	})
	f := scrape(t, url)

	if got := f.value(t, "dts_reconciler_node_up", labels{"cluster": "orders", "node": "a"}); got != 1 {
		t.Errorf("node_up of a kept node = %v, want 1", got)
	}
	for _, name := range []string{"dts_reconciler_node_up", "dts_reconciler_node_read_only", "dts_reconciler_cluster_primary"} {
		if n := f.count(name, labels{"cluster": "orders", "node": "b"}); n != 0 {
			t.Errorf("%s series of removed node = %d, want 0", name, n)
		}
		if n := f.count(name, labels{"cluster": "reports"}); n != 0 {
			t.Errorf("%s series of removed cluster = %d, want 0", name, n)
		}
	}
	if n := f.count("dts_reconciler_cluster_verdict", labels{"cluster": "reports"}); n != 0 {
		t.Errorf("cluster_verdict series of removed cluster = %d, want 0", n)
	}
	if n := f.count("dts_reconciler_node_probe_duration_seconds", labels{"cluster": "reports"}); n != 0 {
		t.Errorf("node_probe_duration_seconds series of removed cluster = %d, want 0", n)
	}
	if n := f.count("dts_reconciler_cluster_verdict", labels{"cluster": "orders"}); n == 0 {
		t.Errorf("cluster_verdict series of kept cluster = 0, want some")
	}

	if got := f.value(t, "dts_reconciler_job_drift", labels{"job": "keep", "direction": "Forward"}); got != 0 {
		t.Errorf("job_drift of kept direction = %v, want 0", got)
	}
	for _, name := range []string{"dts_reconciler_job_drift", "dts_reconciler_switches_total", "dts_reconciler_switch_last_result", "dts_reconciler_switch_last_timestamp_seconds"} {
		if n := f.count(name, labels{"job": "keep", "direction": "Reverse"}); n != 0 {
			t.Errorf("%s series of removed direction = %d, want 0", name, n)
		}
		if n := f.count(name, labels{"job": "gone"}); n != 0 {
			t.Errorf("%s series of removed job = %d, want 0", name, n)
		}
	}

	// Measurements about removed things, as from a tick still running on
	// the old configuration, are ignored. Those about added things count.
	m.NodeProbed(status("reports", "a"))
	m.NodeProbed(status("orders", "b"))
	m.ClusterDecided(primaryVerdict("orders", "b"))
	m.JobChecked("gone", dts.Forward, true)
	m.NodeProbed(status("orders", "c"))
	f = scrape(t, url)

	if n := f.count("dts_reconciler_node_up", labels{"cluster": "reports"}); n != 0 {
		t.Errorf("node_up series of removed cluster after a late probe = %d, want 0", n)
	}
	if n := f.count("dts_reconciler_node_up", labels{"cluster": "orders", "node": "b"}); n != 0 {
		t.Errorf("node_up series of removed node after a late probe = %d, want 0", n)
	}
	if n := f.count("dts_reconciler_job_drift", labels{"job": "gone"}); n != 0 {
		t.Errorf("job_drift series of removed job after a late check = %d, want 0", n)
	}
	if n := f.count("dts_reconciler_cluster_primary", labels{"cluster": "orders"}); n != 0 {
		t.Errorf("cluster_primary series after a late verdict naming a removed node = %d, want 0", n)
	}
	if got := f.value(t, "dts_reconciler_node_up", labels{"cluster": "orders", "node": "c"}); got != 1 {
		t.Errorf("node_up of an added node = %v, want 1", got)
	}
}

func TestPrune_NilConfig(t *testing.T) {
	m := metrics.New(10 * time.Second)
	m.JobChecked("job", dts.Forward, true)
	m.Prune(nil)
	m.JobChecked("other", dts.Forward, true)
	f := scrape(t, serve(t, m))

	for _, job := range []string{"job", "other"} {
		if got := f.value(t, "dts_reconciler_job_drift", labels{"job": job, "direction": "Forward"}); got != 1 {
			t.Errorf("job_drift{job=%q} = %v, want 1", job, got)
		}
	}
}
