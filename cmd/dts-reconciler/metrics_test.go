package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
)

// freeAddress returns a loopback address with a port that was free.
func freeAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// get fetches a URL and returns the status and body; status 0 means the
// request failed.
func get(url string) (int, string) {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseMetrics reads the samples of a Prometheus text exposition. Label
// values in these tests hold no comma, quote or backslash.
func parseMetrics(t *testing.T, text string) []sample {
	t.Helper()
	var out []sample
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("metrics line without a value: %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		s := sample{name: line[:i], labels: map[string]string{}, value: v}
		if name, rest, ok := strings.Cut(line[:i], "{"); ok {
			s.name = name
			for _, pair := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
				k, val, _ := strings.Cut(pair, "=")
				s.labels[k] = strings.Trim(val, `"`)
			}
		}
		out = append(out, s)
	}
	return out
}

// find returns the samples of a metric whose labels include want.
func find(samples []sample, name string, want map[string]string) []sample {
	var out []sample
	for _, s := range samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
				break
			}
		}
		if match {
			out = append(out, s)
		}
	}
	return out
}

func TestRun_Metrics(t *testing.T) {
	r := newRig(t, dtstest.Options{})
	job := jobSpec{id: "dtsmetrics", source: "orders", destination: "reports", twoWay: true}
	r.addJob(job)
	spec := r.spec("state.json", job)
	spec.listen = freeAddress(t)
	base := "http://" + spec.listen

	d := startDaemon(t, "daemon", nil, runArgs(r.write("config.yaml", spec))...)
	waitFor(t, "/healthz to answer 200", 30*time.Second, func() bool {
		code, _ := get(base + "/healthz")
		return code == http.StatusOK
	})
	waitFor(t, "/readyz to answer 200", 30*time.Second, func() bool {
		code, _ := get(base + "/readyz")
		return code == http.StatusOK
	})
	if d.ticks() == 0 {
		t.Errorf("/readyz answered 200 before the first tick ended")
	}

	oldPrimary := r.orders.PrimaryNode()
	newPrimary := e2etest.Switchover(t, r.orders)
	var samples []sample
	waitFor(t, "both calls of the switch to show in /metrics", 60*time.Second, func() bool {
		code, body := get(base + "/metrics")
		if code != http.StatusOK {
			return false
		}
		samples = parseMetrics(t, body)
		total := 0.0
		for _, s := range find(samples, "dts_reconciler_switches_total", map[string]string{"job": job.id}) {
			total += s.value
		}
		return total >= 2
	})

	// The forward source and the reverse destination were switched, one
	// call each.
	for _, dir := range []dts.Direction{dts.Forward, dts.Reverse} {
		labels := map[string]string{"job": job.id, "direction": string(dir), "result": "finished"}
		if got := find(samples, "dts_reconciler_switches_total", labels); len(got) != 1 || got[0].value != 1 {
			t.Errorf("dts_reconciler_switches_total%v = %+v, want one sample of 1", labels, got)
		}
		failed := map[string]string{"job": job.id, "direction": string(dir), "result": "failed"}
		for _, s := range find(samples, "dts_reconciler_switches_total", failed) {
			if s.value != 0 {
				t.Errorf("dts_reconciler_switches_total%v = %v, want 0", failed, s.value)
			}
		}
	}
	for _, c := range []string{"orders", "reports"} {
		for _, n := range r.cluster(c).Nodes {
			labels := map[string]string{"cluster": c, "node": n.Name}
			if got := find(samples, "dts_reconciler_node_up", labels); len(got) != 1 || got[0].value != 1 {
				t.Errorf("dts_reconciler_node_up%v = %+v, want one sample of 1", labels, got)
			}
		}
		primary := r.cluster(c).PrimaryNode()
		labels := map[string]string{"cluster": c, "node": primary.Name}
		if got := find(samples, "dts_reconciler_cluster_primary", labels); len(got) != 1 || got[0].value != 1 {
			t.Errorf("dts_reconciler_cluster_primary%v = %+v, want one sample of 1", labels, got)
		}
		if got := find(samples, "dts_reconciler_cluster_primary", map[string]string{"cluster": c}); len(got) != 1 {
			t.Errorf("dts_reconciler_cluster_primary of %s = %+v, want only the series of %s", c, got, primary.Name)
		}
	}
	if primary := r.orders.PrimaryNode(); primary != newPrimary || oldPrimary == newPrimary {
		t.Fatalf("the switchover did not change the primary of orders")
	}
	for _, code := range []string{"/healthz", "/readyz"} {
		if got, body := get(base + code); got != http.StatusOK {
			t.Errorf("%s = %d %q after the switch, want 200", code, got, body)
		}
	}
	d.stop()
}
