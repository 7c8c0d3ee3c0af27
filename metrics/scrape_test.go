package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"dts-reconciler/metrics"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// fakeClock is a settable time source for readiness.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// serve starts the handler of m on a loopback test server and returns its
// base URL.
func serve(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// scrape fetches baseURL/metrics and parses the text exposition format.
func scrape(t *testing.T, baseURL string) families {
	t.Helper()
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics status = %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics content type = %q, want text/plain", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// families maps a metric name to its parsed family.
type families map[string]*dto.MetricFamily

// find returns the sample of name whose labels are exactly labels.
func (f families) find(name string, labels map[string]string) (*dto.Metric, bool) {
	fam, ok := f[name]
	if !ok {
		return nil, false
	}
	for _, metric := range fam.GetMetric() {
		if sameLabels(metric.GetLabel(), labels) {
			return metric, true
		}
	}
	return nil, false
}

// value returns the value of a gauge or counter sample, failing the test
// when the sample is absent.
func (f families) value(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	metric, ok := f.find(name, labels)
	if !ok {
		t.Fatalf("%s%s absent; the family has %s", name, formatLabels(labels), f.describe(name))
	}
	switch {
	case metric.Gauge != nil:
		return metric.GetGauge().GetValue()
	case metric.Counter != nil:
		return metric.GetCounter().GetValue()
	case metric.Untyped != nil:
		return metric.GetUntyped().GetValue()
	}
	t.Fatalf("%s%s is neither a gauge nor a counter", name, formatLabels(labels))
	return 0
}

// histogram returns the sample count and sum of a histogram sample,
// failing the test when the sample is absent.
func (f families) histogram(t *testing.T, name string, labels map[string]string) (uint64, float64) {
	t.Helper()
	metric, ok := f.find(name, labels)
	if !ok || metric.Histogram == nil {
		t.Fatalf("histogram %s%s absent; the family has %s", name, formatLabels(labels), f.describe(name))
	}
	return metric.GetHistogram().GetSampleCount(), metric.GetHistogram().GetSampleSum()
}

// absent fails the test when name has a sample with exactly labels.
func (f families) absent(t *testing.T, name string, labels map[string]string) {
	t.Helper()
	if metric, ok := f.find(name, labels); ok {
		t.Errorf("%s%s = %v, want no such series", name, formatLabels(labels), metric)
	}
}

// count returns how many samples of name have all of the given labels.
func (f families) count(name string, labels map[string]string) int {
	n := 0
	for _, metric := range f[name].GetMetric() {
		if hasLabels(metric.GetLabel(), labels) {
			n++
		}
	}
	return n
}

func (f families) describe(name string) string {
	fam, ok := f[name]
	if !ok {
		return "no samples"
	}
	var series []string
	for _, metric := range fam.GetMetric() {
		labels := make(map[string]string)
		for _, pair := range metric.GetLabel() {
			labels[pair.GetName()] = pair.GetValue()
		}
		series = append(series, formatLabels(labels))
	}
	return strings.Join(series, " ")
}

func sameLabels(pairs []*dto.LabelPair, want map[string]string) bool {
	return len(pairs) == len(want) && hasLabels(pairs, want)
}

func hasLabels(pairs []*dto.LabelPair, want map[string]string) bool {
	found := 0
	for _, pair := range pairs {
		if v, ok := want[pair.GetName()]; ok {
			if v != pair.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(want)
}

func formatLabels(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}
