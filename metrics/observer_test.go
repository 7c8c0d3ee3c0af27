package metrics_test

import (
	"errors"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/metrics"
	"dts-reconciler/probe"
)

type labels = map[string]string

func status(cluster, node string) probe.Status {
	return probe.Status{
		Target:   probe.Target{Cluster: cluster, Name: node, Address: "127.0.0.1:3306"},
		Duration: 20 * time.Millisecond,
	}
}

func TestNodeProbed(t *testing.T) {
	tests := []struct {
		name         string
		status       func() probe.Status
		wantUp       float64
		wantReadOnly float64 // -1: no series
		wantErrKind  string  // "": no error counted
	}{
		{
			name:         "writable",
			status:       func() probe.Status { return status("orders", "a") },
			wantUp:       1,
			wantReadOnly: 0,
		},
		{
			name: "read_only",
			status: func() probe.Status {
				st := status("orders", "a")
				st.ReadOnly = true
				return st
			},
			wantUp:       1,
			wantReadOnly: 1,
		},
		{
			name: "super_read_only",
			status: func() probe.Status {
				st := status("orders", "a")
				st.HasSuperReadOnly, st.SuperReadOnly = true, true
				return st
			},
			wantUp:       1,
			wantReadOnly: 1,
		},
		{
			name: "timeout",
			status: func() probe.Status {
				st := status("orders", "a")
				st.Err, st.ErrKind = errors.New("i/o timeout"), probe.ErrTimeout
				return st
			},
			wantUp:       0,
			wantReadOnly: -1,
			wantErrKind:  "timeout",
		},
		{
			name: "unclassified_error",
			status: func() probe.Status {
				st := status("orders", "a")
				st.Err = errors.New("boom")
				return st
			},
			wantUp:       0,
			wantReadOnly: -1,
			wantErrKind:  "other",
		},
		{
			name: "unexpected_kind",
			status: func() probe.Status {
				st := status("orders", "a")
				st.Err, st.ErrKind = errors.New("boom"), probe.ErrorKind("new kind")
				return st
			},
			wantUp:       0,
			wantReadOnly: -1,
			wantErrKind:  "other",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(10 * time.Second)
			m.NodeProbed(tt.status())
			f := scrape(t, serve(t, m))

			node := labels{"cluster": "orders", "node": "a"}
			if got := f.value(t, "dts_reconciler_node_up", node); got != tt.wantUp {
				t.Errorf("node_up = %v, want %v", got, tt.wantUp)
			}
			if tt.wantReadOnly < 0 {
				f.absent(t, "dts_reconciler_node_read_only", node)
			} else if got := f.value(t, "dts_reconciler_node_read_only", node); got != tt.wantReadOnly {
				t.Errorf("node_read_only = %v, want %v", got, tt.wantReadOnly)
			}

			if tt.wantErrKind == "" {
				if n := f.count("dts_reconciler_node_probe_errors_total", node); n != 0 {
					t.Errorf("node_probe_errors_total series = %d, want 0", n)
				}
			} else {
				errLabels := labels{"cluster": "orders", "node": "a", "kind": tt.wantErrKind}
				if got := f.value(t, "dts_reconciler_node_probe_errors_total", errLabels); got != 1 {
					t.Errorf("node_probe_errors_total = %v, want 1", got)
				}
			}

			count, sum := f.histogram(t, "dts_reconciler_node_probe_duration_seconds", labels{"cluster": "orders"})
			if count != 1 || sum != 0.02 {
				t.Errorf("node_probe_duration_seconds count, sum = %d, %v, want 1, 0.02", count, sum)
			}
		})
	}
}

func TestNodeProbed_ReadOnlyDroppedWhenUnanswered(t *testing.T) {
	m := metrics.New(10 * time.Second)
	url := serve(t, m)
	node := labels{"cluster": "orders", "node": "a"}

	m.NodeProbed(status("orders", "a"))
	if got := scrape(t, url).value(t, "dts_reconciler_node_read_only", node); got != 0 {
		t.Fatalf("node_read_only after answer = %v, want 0", got)
	}

	st := status("orders", "a")
	st.Err, st.ErrKind = errors.New("access denied"), probe.ErrAccessDenied
	m.NodeProbed(st)
	f := scrape(t, url)
	f.absent(t, "dts_reconciler_node_read_only", node)
	if got := f.value(t, "dts_reconciler_node_up", node); got != 0 {
		t.Errorf("node_up = %v, want 0", got)
	}
}

func primaryVerdict(cluster, node string) probe.Verdict {
	st := status(cluster, node)
	return probe.Verdict{Cluster: cluster, Kind: probe.VerdictPrimary, Primary: &st}
}

func TestClusterDecided(t *testing.T) {
	m := metrics.New(10 * time.Second)
	url := serve(t, m)
	verdictKinds := []string{"primary", "no_primary", "split_brain", "duplicate_identity", "writable_replica", "identity_changed"}

	steps := []struct {
		name        string
		verdict     probe.Verdict
		wantVerdict string
		wantPrimary string // "": no cluster_primary series
		gonePrimary string
	}{
		{name: "primary_a", verdict: primaryVerdict("orders", "a"), wantVerdict: "primary", wantPrimary: "a"},
		{name: "primary_moves_to_b", verdict: primaryVerdict("orders", "b"), wantVerdict: "primary", wantPrimary: "b", gonePrimary: "a"},
		{name: "split_brain", verdict: probe.Verdict{Cluster: "orders", Kind: probe.VerdictSplitBrain}, wantVerdict: "split_brain", gonePrimary: "b"},
		{name: "unexpected_kind", verdict: probe.Verdict{Cluster: "orders", Kind: "brand_new"}, wantVerdict: "other"},
		{name: "primary_again", verdict: primaryVerdict("orders", "a"), wantVerdict: "primary", wantPrimary: "a"},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			m.ClusterDecided(step.verdict)
			f := scrape(t, url)

			for _, kind := range verdictKinds {
				want := 0.0
				if kind == step.wantVerdict {
					want = 1
				}
				got := f.value(t, "dts_reconciler_cluster_verdict", labels{"cluster": "orders", "verdict": kind})
				if got != want {
					t.Errorf("cluster_verdict{verdict=%q} = %v, want %v", kind, got, want)
				}
			}
			other := labels{"cluster": "orders", "verdict": "other"}
			if step.wantVerdict == "other" {
				if got := f.value(t, "dts_reconciler_cluster_verdict", other); got != 1 {
					t.Errorf("cluster_verdict{verdict=\"other\"} = %v, want 1", got)
				}
			} else {
				f.absent(t, "dts_reconciler_cluster_verdict", other)
			}

			wantSeries := 0
			if step.wantPrimary != "" {
				wantSeries = 1
				got := f.value(t, "dts_reconciler_cluster_primary", labels{"cluster": "orders", "node": step.wantPrimary})
				if got != 1 {
					t.Errorf("cluster_primary{node=%q} = %v, want 1", step.wantPrimary, got)
				}
			}
			if n := f.count("dts_reconciler_cluster_primary", labels{"cluster": "orders"}); n != wantSeries {
				t.Errorf("cluster_primary series = %d (%s), want %d", n, f.describe("dts_reconciler_cluster_primary"), wantSeries)
			}
		})
	}
}

func TestSwitchEnded_AfterSwitch(t *testing.T) {
	clock := newFakeClock()
	m := metrics.New(10*time.Second, metrics.WithClock(clock.Now))
	url := serve(t, m)
	job := labels{"job": "dtsjob1", "direction": "Forward"}
	ended := time.Date(2026, 3, 1, 12, 0, 30, 500_000_000, time.UTC)

	m.JobChecked("dtsjob1", dts.Forward, true)
	if got := scrape(t, url).value(t, "dts_reconciler_job_drift", job); got != 1 {
		t.Fatalf("job_drift before switch = %v, want 1", got)
	}

	m.SwitchEnded("dtsjob1", dts.Forward, "finished", ended)
	m.JobChecked("dtsjob1", dts.Forward, false)
	f := scrape(t, url)

	if got := f.value(t, "dts_reconciler_job_drift", job); got != 0 {
		t.Errorf("job_drift after switch = %v, want 0", got)
	}
	if got, want := f.value(t, "dts_reconciler_switch_last_timestamp_seconds", job), 1772366430.5; got != want {
		t.Errorf("switch_last_timestamp_seconds = %v, want %v", got, want)
	}
	for _, result := range []string{"finished", "failed", "refused", "timeout", "unknown"} {
		want := 0.0
		if result == "finished" {
			want = 1
		}
		withResult := labels{"job": "dtsjob1", "direction": "Forward", "result": result}
		if got := f.value(t, "dts_reconciler_switch_last_result", withResult); got != want {
			t.Errorf("switch_last_result{result=%q} = %v, want %v", result, got, want)
		}
		if got := f.value(t, "dts_reconciler_switches_total", withResult); got != want {
			t.Errorf("switches_total{result=%q} = %v, want %v", result, got, want)
		}
	}

	// A later failure moves the one-hot gauge and adds to the counters.
	m.SwitchEnded("dtsjob1", dts.Forward, "timeout", time.Time{})
	f = scrape(t, url)
	failed := labels{"job": "dtsjob1", "direction": "Forward", "result": "timeout"}
	if got := f.value(t, "dts_reconciler_switch_last_result", failed); got != 1 {
		t.Errorf("switch_last_result{result=\"timeout\"} = %v, want 1", got)
	}
	finished := labels{"job": "dtsjob1", "direction": "Forward", "result": "finished"}
	if got := f.value(t, "dts_reconciler_switch_last_result", finished); got != 0 {
		t.Errorf("switch_last_result{result=\"finished\"} = %v, want 0", got)
	}
	if got := f.value(t, "dts_reconciler_switches_total", finished); got != 1 {
		t.Errorf("switches_total{result=\"finished\"} = %v, want 1", got)
	}
	// A zero end time falls back to the clock.
	if got, want := f.value(t, "dts_reconciler_switch_last_timestamp_seconds", job), float64(clock.Now().Unix()); got != want {
		t.Errorf("switch_last_timestamp_seconds with zero time = %v, want %v", got, want)
	}
}

func TestJobChecked_CreatesSwitchCounters(t *testing.T) {
	m := metrics.New(10 * time.Second)
	m.JobChecked("dtsjob1", dts.Reverse, false)
	f := scrape(t, serve(t, m))

	for _, result := range []string{"finished", "failed", "refused", "timeout", "unknown"} {
		got := f.value(t, "dts_reconciler_switches_total", labels{"job": "dtsjob1", "direction": "Reverse", "result": result})
		if got != 0 {
			t.Errorf("switches_total{result=%q} = %v, want 0", result, got)
		}
	}
	if n := f.count("dts_reconciler_switch_last_result", labels{"job": "dtsjob1"}); n != 0 {
		t.Errorf("switch_last_result series before any switch = %d, want 0", n)
	}
}

func TestTickEnded(t *testing.T) {
	m := metrics.New(10 * time.Second)
	url := serve(t, m)

	f := scrape(t, url)
	for _, result := range []string{"ok", "incomplete"} {
		if got := f.value(t, "dts_reconciler_ticks_total", labels{"result": result}); got != 0 {
			t.Errorf("ticks_total{result=%q} before any tick = %v, want 0", result, got)
		}
	}
	if got := f.value(t, "dts_reconciler_last_successful_tick_timestamp_seconds", labels{}); got != 0 {
		t.Errorf("last_successful_tick_timestamp_seconds before any tick = %v, want 0", got)
	}

	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m.TickEnded(1500*time.Millisecond, true, at)
	m.TickEnded(500*time.Millisecond, false, at.Add(10*time.Second))
	f = scrape(t, url)

	if got := f.value(t, "dts_reconciler_ticks_total", labels{"result": "ok"}); got != 1 {
		t.Errorf("ticks_total{result=\"ok\"} = %v, want 1", got)
	}
	if got := f.value(t, "dts_reconciler_ticks_total", labels{"result": "incomplete"}); got != 1 {
		t.Errorf("ticks_total{result=\"incomplete\"} = %v, want 1", got)
	}
	if got, want := f.value(t, "dts_reconciler_last_successful_tick_timestamp_seconds", labels{}), float64(at.Unix()); got != want {
		t.Errorf("last_successful_tick_timestamp_seconds = %v, want %v", got, want)
	}
	count, sum := f.histogram(t, "dts_reconciler_tick_duration_seconds", labels{})
	if count != 2 || sum != 2 {
		t.Errorf("tick_duration_seconds count, sum = %d, %v, want 2, 2", count, sum)
	}
}
