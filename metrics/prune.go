package metrics

import (
	"dts-reconciler/config"
	"dts-reconciler/dts"

	"github.com/prometheus/client_golang/prometheus"
)

// scope is the set of clusters, nodes, jobs and directions a configuration
// contains.
type scope struct {
	clusters map[string]map[string]bool // cluster → node names
	jobs     map[string]map[string]bool // job id → directions
}

func newScope(cfg *config.Config) *scope {
	s := &scope{
		clusters: make(map[string]map[string]bool),
		jobs:     make(map[string]map[string]bool),
	}
	for _, c := range cfg.Clusters {
		nodes := make(map[string]bool)
		for _, n := range c.Nodes {
			nodes[n.Name] = true
		}
		s.clusters[c.Name] = nodes
	}
	for _, j := range cfg.Jobs {
		dirs := map[string]bool{string(dts.Forward): true}
		if j.TwoWay {
			dirs[string(dts.Reverse)] = true
		}
		s.jobs[j.ID] = dirs
	}
	return s
}

// Prune deletes the series of clusters, nodes, jobs and job directions
// that cfg does not contain, as after a reload that removed them. Until the
// next Prune, measurements about anything outside cfg are ignored, so that
// a tick still running on the old configuration cannot bring the series
// back. A nil cfg changes nothing.
func (m *Metrics) Prune(cfg *config.Config) {
	if cfg == nil {
		return
	}
	keep := newScope(cfg)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.scope = keep

	for cluster, nodes := range m.nodes {
		keptNodes, ok := keep.clusters[cluster]
		if !ok {
			deleteMatching(prometheus.Labels{"cluster": cluster},
				m.nodeUp, m.nodeReadOnly, m.nodeProbeErrors, m.nodeProbeDuration,
				m.clusterVerdict, m.clusterPrimary)
			delete(m.nodes, cluster)
			delete(m.primaries, cluster)
			continue
		}
		for node := range nodes {
			if keptNodes[node] {
				continue
			}
			deleteMatching(prometheus.Labels{"cluster": cluster, "node": node},
				m.nodeUp, m.nodeReadOnly, m.nodeProbeErrors, m.clusterPrimary)
			delete(nodes, node)
			if m.primaries[cluster] == node {
				delete(m.primaries, cluster)
			}
		}
	}

	for job, dirs := range m.jobs {
		keptDirs, ok := keep.jobs[job]
		if !ok {
			deleteMatching(prometheus.Labels{"job": job},
				m.jobDrift, m.switchLastResult, m.switchLastTimestamp, m.switches)
			delete(m.jobs, job)
			continue
		}
		for dir := range dirs {
			if keptDirs[dir] {
				continue
			}
			deleteMatching(prometheus.Labels{"job": job, "direction": dir},
				m.jobDrift, m.switchLastResult, m.switchLastTimestamp, m.switches)
			delete(dirs, dir)
		}
	}
}

// partialDeleter is the DeletePartialMatch method every metric vector has.
type partialDeleter interface {
	DeletePartialMatch(labels prometheus.Labels) int
}

func deleteMatching(labels prometheus.Labels, vecs ...partialDeleter) {
	for _, vec := range vecs {
		vec.DeletePartialMatch(labels)
	}
}
