package reconcile

import (
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

// cachedRead is a DTS read of one job direction that found every endpoint
// of that direction in sync.
type cachedRead struct {
	status dts.JobStatus
	at     time.Time
	// primaries maps each cluster of the job to the identity of its
	// primary when DTS was read.
	primaries map[string]string
}

// cached returns the DTS read of a job direction kept from an earlier tick,
// when it may stand for a fresh one: dts_refresh has not passed since, and
// every cluster of the job still has the same primary. A read is kept only
// when it found the direction in sync and no switch was made, so a stale
// entry can only hide a change someone made to the job by hand, for at most
// dts_refresh. Every switch call is preceded by a fresh read anyway.
func (t *tick) cached(j config.Job, dir dts.Direction) (dts.JobStatus, bool) {
	c, ok := t.recent(j.ID, dir)
	if !ok {
		return dts.JobStatus{}, false
	}
	for _, cluster := range jobClusters(j) {
		v, ok := t.verdicts[cluster]
		if !ok || !v.Safe() || v.Primary.Identity != c.primaries[cluster] {
			return dts.JobStatus{}, false
		}
	}
	return c.status, true
}

// recent returns the read kept for a job direction when dts_refresh has not
// passed since it was made.
func (t *tick) recent(jobID string, dir dts.Direction) (cachedRead, bool) {
	c, ok := t.e.reads[readKey(jobID, dir)]
	if !ok || t.cfg.DTSRefresh <= 0 || t.e.now().Sub(c.at) >= t.cfg.DTSRefresh {
		return cachedRead{}, false
	}
	return c, true
}

// remember keeps the fresh reads of a job whose directions are in sync
// after a tick that made no switch call, and forgets the others.
func (t *tick) remember(jc *jobCheck) {
	for dir, st := range jc.status {
		key := readKey(jc.job.ID, dir)
		if jc.fromCache[dir] {
			continue
		}
		if t.cfg.DTSRefresh <= 0 || len(jc.calls) > 0 || !jc.inSync(dir) {
			delete(t.e.reads, key)
			continue
		}
		primaries := map[string]string{}
		for _, cluster := range jobClusters(jc.job) {
			primaries[cluster] = t.verdicts[cluster].Primary.Identity
		}
		t.e.reads[key] = cachedRead{status: st, at: t.e.now(), primaries: primaries}
	}
}

// inSync reports whether every endpoint of the direction points at its
// cluster's primary.
func (jc *jobCheck) inSync(dir dts.Direction) bool {
	for _, p := range jc.pairs {
		if p.dir == dir && p.state != StateInSync {
			return false
		}
	}
	return true
}

// Directions returns the directions of a job: Forward, and Reverse for a
// two-way job.
func Directions(j config.Job) []dts.Direction {
	if j.TwoWay {
		return []dts.Direction{dts.Forward, dts.Reverse}
	}
	return []dts.Direction{dts.Forward}
}

// jobClusters returns the configured clusters behind a job.
func jobClusters(j config.Job) []string {
	var out []string
	if j.Source != "" {
		out = append(out, j.Source)
	}
	if j.Destination != "" {
		out = append(out, j.Destination)
	}
	return out
}
