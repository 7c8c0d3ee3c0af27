package metrics_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"dts-reconciler/metrics"
)

// get returns the status code and body of baseURL+path.
func get(t *testing.T, baseURL, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(baseURL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

func TestHealthz(t *testing.T) {
	url := serve(t, metrics.New(10*time.Second))
	code, body := get(t, url, "/healthz")
	if code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 %q", code, body, "ok\n")
	}
}

func TestHandler_UnknownPath(t *testing.T) {
	url := serve(t, metrics.New(10*time.Second))
	if code, _ := get(t, url, "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ = %d, want 404", code)
	}
	if code, body := get(t, url, "/"); code != http.StatusOK || !strings.Contains(body, "/metrics") {
		t.Errorf("GET / = %d %q, want 200 naming /metrics", code, body)
	}
}

func TestReadyz(t *testing.T) {
	clock := newFakeClock()
	m := metrics.New(10*time.Second, metrics.WithClock(clock.Now))
	url := serve(t, m)

	steps := []struct {
		name     string
		do       func()
		wantCode int
		wantBody string // substring
	}{
		{name: "before_any_tick", do: func() {}, wantCode: 503, wantBody: "no successful tick yet"},
		{
			name:     "after_incomplete_tick",
			do:       func() { m.TickEnded(time.Second, false, clock.Now()) },
			wantCode: 503,
			wantBody: "latest one stopped early",
		},
		{name: "after_ok_tick", do: func() { m.TickEnded(time.Second, true, clock.Now()) }, wantCode: 200, wantBody: "ready"},
		{name: "three_intervals_later", do: func() { clock.Advance(30 * time.Second) }, wantCode: 200, wantBody: "ready"},
		{
			name:     "past_three_intervals",
			do:       func() { clock.Advance(time.Second) },
			wantCode: 503,
			wantBody: "last successful tick ended 31s ago, more than 3 intervals of 10s",
		},
		{name: "incomplete_tick_does_not_help", do: func() { m.TickEnded(time.Second, false, clock.Now()) }, wantCode: 503, wantBody: "31s ago"},
		{name: "longer_interval_after_reload", do: func() { m.SetInterval(time.Minute) }, wantCode: 200, wantBody: "ready"},
		{name: "shorter_interval_after_reload", do: func() { m.SetInterval(5 * time.Second) }, wantCode: 503, wantBody: "more than 3 intervals of 5s"},
		{name: "ok_tick_again", do: func() { m.TickEnded(time.Second, true, clock.Now()) }, wantCode: 200, wantBody: "ready"},
		{name: "no_interval", do: func() { m.SetInterval(0); clock.Advance(24 * time.Hour) }, wantCode: 200, wantBody: "ready"},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.do()
			code, body := get(t, url, "/readyz")
			if code != step.wantCode || !strings.Contains(body, step.wantBody) {
				t.Errorf("GET /readyz = %d %q, want %d containing %q", code, body, step.wantCode, step.wantBody)
			}
		})
	}
}
