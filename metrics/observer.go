package metrics

import (
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/probe"

	"github.com/prometheus/client_golang/prometheus"
)

// otherLabel replaces a label value outside the known set, so that a new
// kind added elsewhere shows up without growing cardinality without bound.
const otherLabel = "other"

// verdictKinds are the values of cluster_verdict's verdict label.
var verdictKinds = []string{
	string(probe.VerdictPrimary),
	string(probe.VerdictNoPrimary),
	string(probe.VerdictSplitBrain),
	string(probe.VerdictDuplicateIdentity),
	string(probe.VerdictReplicatingPrimary),
	string(probe.VerdictIdentityChanged),
	string(probe.VerdictReplicaNotApplying),
}

// switchResults are the results an endpoint switch ends with.
var switchResults = []string{"finished", "failed", "refused", "timeout", "unknown"}

// probeErrorKinds are the values of node_probe_errors_total's kind label.
var probeErrorKinds = []string{
	string(probe.ErrTimeout),
	string(probe.ErrRefused),
	string(probe.ErrDNS),
	string(probe.ErrAccessDenied),
	string(probe.ErrTooMany),
	string(probe.ErrQuery),
	string(probe.ErrOther),
}

// Tick results of ticks_total.
const (
	tickOK         = "ok"
	tickIncomplete = "incomplete"
)

// NodeProbed records one probe of one node. A node that did not answer has
// node_up 0 and no node_read_only series, because its role is unknown.
func (m *Metrics) NodeProbed(st probe.Status) {
	cluster, node := st.Target.Cluster, st.Target.Name

	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.rememberNode(cluster, node) {
		return
	}

	m.nodeProbeDuration.WithLabelValues(cluster).Observe(st.Duration.Seconds())
	if !st.Answered() {
		m.nodeUp.WithLabelValues(cluster, node).Set(0)
		m.nodeReadOnly.DeleteLabelValues(cluster, node)
		m.nodeProbeErrors.WithLabelValues(cluster, node, known(probeErrorKinds, string(st.ErrKind))).Inc()
		return
	}
	m.nodeUp.WithLabelValues(cluster, node).Set(1)
	m.nodeReadOnly.WithLabelValues(cluster, node).Set(boolValue(!st.Writable()))
}

// ClusterDecided records a cluster's verdict and, when it has one, its
// primary. The cluster_primary series of a former primary is deleted.
func (m *Metrics) ClusterDecided(v probe.Verdict) {
	primary := ""
	if v.Safe() {
		primary = v.Primary.Target.Name
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	// A primary outside the latest Prune comes from a tick that still ran
	// on the old configuration.
	if !m.rememberCluster(v.Cluster) || primary != "" && !m.inScope(v.Cluster, primary) {
		return
	}

	setOneHot(m.clusterVerdict, []string{v.Cluster}, verdictKinds, known(verdictKinds, string(v.Kind)))

	if previous, ok := m.primaries[v.Cluster]; ok && previous != primary {
		m.clusterPrimary.DeleteLabelValues(v.Cluster, previous)
		delete(m.primaries, v.Cluster)
	}
	if primary != "" {
		m.clusterPrimary.WithLabelValues(v.Cluster, primary).Set(1)
		m.primaries[v.Cluster] = primary
	}
}

// JobChecked records whether one direction of a job has drifted.
func (m *Metrics) JobChecked(jobID string, dir dts.Direction, drift bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.rememberJob(jobID, string(dir)) {
		return
	}
	m.jobDrift.WithLabelValues(jobID, string(dir)).Set(boolValue(drift))
}

// SwitchEnded records the end of an endpoint switch. result is one of
// "finished", "failed", "refused", "timeout" or "unknown". Any other value
// is recorded as "other".
func (m *Metrics) SwitchEnded(jobID string, dir dts.Direction, result string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.rememberJob(jobID, string(dir)) {
		return
	}

	result = known(switchResults, result)
	setOneHot(m.switchLastResult, []string{jobID, string(dir)}, switchResults, result)
	m.switchLastTimestamp.WithLabelValues(jobID, string(dir)).Set(unixSeconds(m.orNow(at)))
	m.switches.WithLabelValues(jobID, string(dir), result).Inc()
}

// TickEnded records one tick. A tick that ended ok makes the service ready
// for three intervals.
func (m *Metrics) TickEnded(d time.Duration, ok bool, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()

	m.tickDuration.Observe(d.Seconds())
	m.lastTickFailed = !ok
	if !ok {
		m.ticks.WithLabelValues(tickIncomplete).Inc()
		return
	}
	m.ticks.WithLabelValues(tickOK).Inc()
	m.lastGoodTick.Set(unixSeconds(m.orNow(at)))
	m.lastSuccess = m.now()
}

// rememberNode notes a cluster and node for Prune, and reports whether
// measurements about them are still wanted.
func (m *Metrics) rememberNode(cluster, node string) bool {
	if !m.rememberCluster(cluster) {
		return false
	}
	if !m.inScope(cluster, node) {
		return false
	}
	m.nodes[cluster][node] = true
	return true
}

// inScope reports whether node of cluster is in the configuration of the
// latest Prune, or whether there was none.
func (m *Metrics) inScope(cluster, node string) bool {
	return m.scope == nil || m.scope.clusters[cluster][node]
}

// rememberCluster notes a cluster for Prune, and reports whether
// measurements about it are still wanted.
func (m *Metrics) rememberCluster(cluster string) bool {
	if m.scope != nil && m.scope.clusters[cluster] == nil {
		return false
	}
	if m.nodes[cluster] == nil {
		m.nodes[cluster] = make(map[string]bool)
	}
	return true
}

// rememberJob notes a job and direction for Prune, and reports whether
// measurements about them are still wanted. The first time it records
// them, it creates every switches_total series at zero so that increase() counts
// the first switch.
func (m *Metrics) rememberJob(jobID, dir string) bool {
	if m.scope != nil && !m.scope.jobs[jobID][dir] {
		return false
	}
	if m.jobs[jobID] == nil {
		m.jobs[jobID] = make(map[string]bool)
	}
	if !m.jobs[jobID][dir] {
		m.jobs[jobID][dir] = true
		for _, result := range switchResults {
			m.switches.WithLabelValues(jobID, dir, result)
		}
	}
	return true
}

// orNow returns t, or the current time when t is zero.
func (m *Metrics) orNow(t time.Time) time.Time {
	if t.IsZero() {
		return m.now()
	}
	return t
}

// setOneHot sets the series named by labels plus each of kinds to 1 for
// current and 0 for the others. When current is otherLabel, the "other"
// series is set to 1 too, and in every other case it is deleted.
func setOneHot(vec *prometheus.GaugeVec, labels, kinds []string, current string) {
	values := append(labels[:len(labels):len(labels)], "")
	last := len(values) - 1
	for _, kind := range kinds {
		values[last] = kind
		vec.WithLabelValues(values...).Set(boolValue(kind == current))
	}

	values[last] = otherLabel
	if current == otherLabel {
		vec.WithLabelValues(values...).Set(1)
	} else {
		vec.DeleteLabelValues(values...)
	}
}

// known returns v when it is one of kinds, and otherLabel otherwise.
func known(kinds []string, v string) string {
	for _, kind := range kinds {
		if v == kind {
			return v
		}
	}
	return otherLabel
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMicro()) / 1e6
}
