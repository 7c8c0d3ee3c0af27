// Package metrics exposes what dts-reconciler measures as Prometheus
// metrics, and serves them with the /healthz and /readyz endpoints.
//
// [Metrics] receives measurements from the reconcile engine (it implements
// reconcile.Observer), from the DTS client ([Metrics.DTSCall]) and from the
// Slack notifier ([Metrics.SlackResult]). It keeps its own registry, so
// nothing is registered globally and several instances can live in one
// process, as they do in tests.
package metrics

import (
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const namespace = "dts_reconciler"

// Bucket bounds, in seconds. A probe is bounded by the MySQL connect and
// read timeouts (2 s each by default), a DTS call by the API timeout (10 s
// by default), and a tick may include switch tasks that run for minutes.
var (
	probeBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	apiBuckets   = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	tickBuckets  = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200}
)

// Metrics records measurements and serves them. It is safe for concurrent
// use, and none of its methods blocks on anything but a short mutex.
type Metrics struct {
	registry *prometheus.Registry
	now      func() time.Time
	log      *slog.Logger

	nodeUp            *prometheus.GaugeVec
	nodeReadOnly      *prometheus.GaugeVec
	nodeProbeDuration *prometheus.HistogramVec
	nodeProbeErrors   *prometheus.CounterVec

	clusterVerdict *prometheus.GaugeVec
	clusterPrimary *prometheus.GaugeVec

	jobDrift            *prometheus.GaugeVec
	switchLastResult    *prometheus.GaugeVec
	switchLastTimestamp *prometheus.GaugeVec
	switches            *prometheus.CounterVec

	apiCalls    *prometheus.CounterVec
	apiErrors   *prometheus.CounterVec
	apiDuration *prometheus.HistogramVec

	tickDuration   prometheus.Histogram
	ticks          *prometheus.CounterVec
	lastGoodTick   prometheus.Gauge
	slackPosts     prometheus.Counter
	slackFailures  *prometheus.CounterVec
	startTimestamp prometheus.Gauge

	mu sync.Mutex
	// interval is the time between ticks, for readiness.
	interval time.Duration
	// lastSuccess is the clock reading at the last tick that ended ok.
	lastSuccess time.Time
	// lastTickFailed is true when the latest tick ended not ok.
	lastTickFailed bool
	// primaries maps a cluster to the node cluster_primary currently names.
	primaries map[string]string
	// nodes maps each cluster seen to the names of its nodes seen, so that
	// Prune finds the series of removed ones.
	nodes map[string]map[string]bool
	// jobs maps each job seen to its directions seen.
	jobs map[string]map[string]bool
	// scope is the set of clusters, nodes, jobs and directions of the
	// latest Prune. It is nil until the first Prune, and nil admits all.
	scope   *scope
	actions *tokenSet
	codes   *tokenSet
	reasons *tokenSet
}

// Option changes a default of [New].
type Option func(*Metrics)

// WithClock sets the time source used for readiness. The default is
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(m *Metrics) { m.now = now }
}

// WithLogger sets the logger for errors met while gathering metrics. The
// default is slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return func(m *Metrics) { m.log = logger }
}

// New returns Metrics with every metric registered on a private registry,
// along with the Go runtime and process collectors. interval is the time
// between ticks, which /readyz uses. With zero or less, any successful tick
// keeps the service ready.
func New(interval time.Duration, opts ...Option) *Metrics {
	m := &Metrics{
		registry:  prometheus.NewRegistry(),
		now:       time.Now,
		interval:  interval,
		primaries: make(map[string]string),
		nodes:     make(map[string]map[string]bool),
		jobs:      make(map[string]map[string]bool),
		actions:   newTokenSet(maxActions),
		codes:     newTokenSet(maxCodes),
		reasons:   newTokenSet(maxReasons),
	}
	for _, opt := range opts {
		opt(m)
	}
	m.define()
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	// Both results exist from the start so that rate() and increase() see
	// the first incomplete tick.
	for _, result := range []string{tickOK, tickIncomplete} {
		m.ticks.WithLabelValues(result)
	}
	m.startTimestamp.Set(float64(m.now().UnixNano()) / 1e9)
	return m
}

// Registry returns the registry the metrics are registered on, for callers
// that add collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// SetInterval changes the time between ticks used for readiness, as after
// a configuration reload that changed the schedule.
func (m *Metrics) SetInterval(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.interval = d
}
