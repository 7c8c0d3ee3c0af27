package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// define creates and registers every dts_reconciler_* metric.
func (m *Metrics) define() {
	f := promauto.With(m.registry)

	m.nodeUp = f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "node_up",
		Help: "Whether the node answered its latest probe (1) or not (0).",
	}, []string{"cluster", "node"})
	m.nodeReadOnly = f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "node_read_only",
		Help: "Whether read_only or super_read_only is on (1) or both are off (0), at the latest probe the node answered. Absent while the node does not answer.",
	}, []string{"cluster", "node"})
	m.nodeProbeDuration = f.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "node_probe_duration_seconds",
		Help:    "Time taken by one probe of one node, answered or not.",
		Buckets: probeBuckets,
	}, []string{"cluster"})
	m.nodeProbeErrors = f.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "node_probe_errors_total",
		Help: "Probes the node did not answer, by kind of error.",
	}, []string{"cluster", "node", "kind"})

	m.clusterVerdict = f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "cluster_verdict",
		Help: "1 for the cluster's current verdict, 0 for the others. Only \"primary\" allows a switch.",
	}, []string{"cluster", "verdict"})
	m.clusterPrimary = f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "cluster_primary",
		Help: "1 on the node that is the cluster's primary. Absent while the cluster has none.",
	}, []string{"cluster", "node"})

	m.jobDrift = f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "job_drift",
		Help: "Whether DTS points at a node that is not the primary (1) or at the primary (0), at the latest check.",
	}, []string{"job", "direction"})
	m.switchLastResult = f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "switch_last_result",
		Help: "1 for the result of the latest endpoint switch, 0 for the other results.",
	}, []string{"job", "direction", "result"})
	m.switchLastTimestamp = f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "switch_last_timestamp_seconds",
		Help: "Unix time at which the latest endpoint switch ended.",
	}, []string{"job", "direction"})
	m.switches = f.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "switches_total",
		Help: "Endpoint switches that ended, by result.",
	}, []string{"job", "direction", "result"})

	m.apiCalls = f.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "dts_api_calls_total",
		Help: "HTTP requests made to the DTS API, retries included.",
	}, []string{"action"})
	m.apiErrors = f.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "dts_api_errors_total",
		Help: "DTS API requests that failed, by error code.",
	}, []string{"action", "code"})
	m.apiDuration = f.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "dts_api_duration_seconds",
		Help:    "Time taken by one DTS API request.",
		Buckets: apiBuckets,
	}, []string{"action"})

	m.tickDuration = f.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Name: "tick_duration_seconds",
		Help:    "Time taken by one reconciliation tick, switches included.",
		Buckets: tickBuckets,
	})
	m.ticks = f.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "ticks_total",
		Help: "Reconciliation ticks, by result: ok when the tick ran to its end, whatever it found, or incomplete when it stopped early (a panic, a cancellation or a shutdown).",
	}, []string{"result"})
	m.lastGoodTick = f.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "last_successful_tick_timestamp_seconds",
		Help: "Unix time at which the latest ok tick ended.",
	})

	m.slackPosts = f.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "slack_posts_total",
		Help: "Slack messages the notifier finished with, delivered or not.",
	})
	m.slackFailures = f.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "slack_failures_total",
		Help: "Slack messages that were not delivered, by reason.",
	}, []string{"reason"})

	// process_start_time_seconds needs /proc/stat, which ProcSubset=pid
	// hides under the hardened systemd unit, so the start time is also
	// exported here.
	m.startTimestamp = f.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "start_time_seconds",
		Help: "Unix time at which the process created its metrics.",
	})
}
