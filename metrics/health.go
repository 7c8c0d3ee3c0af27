package metrics

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyIntervals is how many tick intervals may pass after the latest ok
// tick before /readyz fails.
const readyIntervals = 3

// Handler returns the HTTP handler of /metrics, /healthz and /readyz.
//
// /healthz responds 200 "ok" as long as the process serves HTTP. /readyz
// responds 200 when a tick ended ok within the last three intervals, and
// 503 with the reason that [Metrics.Ready] returns otherwise.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(m.logger().Handler(), slog.LevelWarn),
		// A collector that fails, such as the process collector without
		// access to /proc, must not hide every other metric.
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Ready(); err != nil {
			writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "dts-reconciler: /metrics /healthz /readyz")
	})
	return mux
}

// Ready returns nil when a tick ended ok within the last three intervals,
// and an error saying why not otherwise. With an interval of zero or less,
// any tick that ended ok is enough.
func (m *Metrics) Ready() error {
	m.mu.Lock()
	defer m.mu.Unlock()

	if m.lastSuccess.IsZero() {
		if m.lastTickFailed {
			return errors.New("no successful tick yet, and the latest one stopped early")
		}
		return errors.New("no successful tick yet")
	}
	if m.interval <= 0 {
		return nil
	}

	window := readyIntervals * m.interval
	age := m.now().Sub(m.lastSuccess)
	if age > window {
		return fmt.Errorf("last successful tick ended %s ago, more than %d intervals of %s",
			age.Round(time.Second), readyIntervals, m.interval)
	}
	return nil
}

func (m *Metrics) logger() *slog.Logger {
	if m.log != nil {
		return m.log
	}
	return slog.Default()
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, text+"\n")
}
