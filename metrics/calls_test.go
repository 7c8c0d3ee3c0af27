package metrics_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dts-reconciler/metrics"
)

func TestDTSCall(t *testing.T) {
	m := metrics.New(10 * time.Second)
	const action = "SwitchSynchronizationEndpoint"
	m.DTSCall(action, "", 200*time.Millisecond)
	m.DTSCall(action, "Throttling.User", 100*time.Millisecond)
	m.DTSCall(action, "Throttling.User", 100*time.Millisecond)
	m.DTSCall("DescribeSynchronizationJobStatus", "transport", time.Second)
	f := scrape(t, serve(t, m))

	if got := f.value(t, "dts_reconciler_dts_api_calls_total", labels{"action": action}); got != 3 {
		t.Errorf("dts_api_calls_total{action=%q} = %v, want 3", action, got)
	}
	if got := f.value(t, "dts_reconciler_dts_api_errors_total", labels{"action": action, "code": "Throttling.User"}); got != 2 {
		t.Errorf("dts_api_errors_total{code=\"Throttling.User\"} = %v, want 2", got)
	}
	if n := f.count("dts_reconciler_dts_api_errors_total", labels{"action": action}); n != 1 {
		t.Errorf("dts_api_errors_total series of %s = %d (%s), want 1", action, n, f.describe("dts_reconciler_dts_api_errors_total"))
	}
	describe := labels{"action": "DescribeSynchronizationJobStatus", "code": "transport"}
	if got := f.value(t, "dts_reconciler_dts_api_errors_total", describe); got != 1 {
		t.Errorf("dts_api_errors_total%v = %v, want 1", describe, got)
	}
	count, sum := f.histogram(t, "dts_reconciler_dts_api_duration_seconds", labels{"action": action})
	if count != 3 || sum < 0.399 || sum > 0.401 {
		t.Errorf("dts_api_duration_seconds count, sum = %d, %v, want 3, 0.4", count, sum)
	}
}

func TestDTSCall_CodeLabel(t *testing.T) {
	tests := []struct {
		name string
		code string
		want string
	}{
		{name: "dts_code", code: "InvalidParameter.JobId", want: "InvalidParameter.JobId"},
		{name: "http_status", code: "http_503", want: "http_503"},
		{name: "spaces_and_punctuation", code: " read: connection reset by peer! ", want: "read_connection_reset_by_peer"},
		{name: "newline", code: "a\nb", want: "a_b"},
		{name: "no_usable_character", code: "???", want: "unknown"},
		{name: "non_ascii", code: "é", want: "unknown"},
		{name: "long", code: strings.Repeat("x", 100), want: strings.Repeat("x", 64)},
		{name: "separator_at_cut", code: strings.Repeat("x", 63) + " yz", want: strings.Repeat("x", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(10 * time.Second)
			m.DTSCall("DescribeEndpointSwitchStatus", tt.code, time.Millisecond)
			f := scrape(t, serve(t, m))

			series := labels{"action": "DescribeEndpointSwitchStatus", "code": tt.want}
			if got := f.value(t, "dts_reconciler_dts_api_errors_total", series); got != 1 {
				t.Errorf("dts_api_errors_total%v = %v, want 1", series, got)
			}
		})
	}
}

func TestDTSCall_CodeCardinalityBound(t *testing.T) {
	m := metrics.New(10 * time.Second)
	const action = "DescribeSynchronizationJobStatus"
	for i := range 100 {
		m.DTSCall(action, fmt.Sprintf("Code%d", i), time.Millisecond)
	}
	m.DTSCall(action, "Code0", time.Millisecond)
	f := scrape(t, serve(t, m))

	if n := f.count("dts_reconciler_dts_api_errors_total", labels{"action": action}); n != 65 {
		t.Errorf("dts_api_errors_total series = %d, want 64 codes and \"other\"", n)
	}
	if got := f.value(t, "dts_reconciler_dts_api_errors_total", labels{"action": action, "code": "other"}); got != 36 {
		t.Errorf("dts_api_errors_total{code=\"other\"} = %v, want 36", got)
	}
	// A code seen before the bound was reached keeps its own series.
	if got := f.value(t, "dts_reconciler_dts_api_errors_total", labels{"action": action, "code": "Code0"}); got != 2 {
		t.Errorf("dts_api_errors_total{code=\"Code0\"} = %v, want 2", got)
	}
}

func TestSlackResult(t *testing.T) {
	m := metrics.New(10 * time.Second)
	m.SlackResult(true, "")
	m.SlackResult(true, "ignored")
	m.SlackResult(false, "rate_limited")
	m.SlackResult(false, "rate_limited")
	m.SlackResult(false, "")
	f := scrape(t, serve(t, m))

	if got := f.value(t, "dts_reconciler_slack_posts_total", labels{}); got != 5 {
		t.Errorf("slack_posts_total = %v, want 5", got)
	}
	if got := f.value(t, "dts_reconciler_slack_failures_total", labels{"reason": "rate_limited"}); got != 2 {
		t.Errorf("slack_failures_total{reason=\"rate_limited\"} = %v, want 2", got)
	}
	if got := f.value(t, "dts_reconciler_slack_failures_total", labels{"reason": "unknown"}); got != 1 {
		t.Errorf("slack_failures_total{reason=\"unknown\"} = %v, want 1", got)
	}
	f.absent(t, "dts_reconciler_slack_failures_total", labels{"reason": "ignored"})
}

func TestRegistry_RuntimeCollectors(t *testing.T) {
	clock := newFakeClock()
	m := metrics.New(10*time.Second, metrics.WithClock(clock.Now))
	f := scrape(t, serve(t, m))

	if got := f.value(t, "go_goroutines", labels{}); got < 1 {
		t.Errorf("go_goroutines = %v, want at least 1", got)
	}
	if got, want := f.value(t, "dts_reconciler_start_time_seconds", labels{}), float64(clock.Now().Unix()); got != want {
		t.Errorf("start_time_seconds = %v, want %v", got, want)
	}
	if _, ok := f["process_cpu_seconds_total"]; !ok {
		t.Errorf("process_cpu_seconds_total absent, want the process collector registered")
	}
}
