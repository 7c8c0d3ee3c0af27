package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

// Sides of a job: which of its configured clusters an endpoint belongs to.
const (
	sideSource      = "source"
	sideDestination = "destination"
)

// jobCheck is the record of one job within a tick: what DTS returned, the
// state of each endpoint and the switch calls made.
type jobCheck struct {
	job    config.Job
	region string
	// status holds the job status DTS returned for each direction that
	// could be read.
	status map[dts.Direction]dts.JobStatus
	pairs  []*pair
	calls  []CallReport
	reason string
	// held is set when a guard held a switch of the job back.
	held bool
	// noMoreSwitch is set after a switch call with an unknown outcome: the
	// job gets no further call in this tick.
	noMoreSwitch bool
	// fromCache marks the directions whose status was kept from an earlier
	// tick instead of read from DTS.
	fromCache map[dts.Direction]bool
}

// pair is one direction and endpoint type of a job, and the cluster behind
// it.
type pair struct {
	dir     dts.Direction
	typ     dts.EndpointType
	side    string
	cluster string

	read     bool
	endpoint dts.Endpoint
	// node is the configured node the endpoint maps to, or nil.
	node   *config.Node
	state  string
	action string
}

// jobPairs lists the endpoints of a job that point at configured clusters.
// The source cluster is behind Forward/Source and, for a two-way job,
// Reverse/Destination; the destination cluster is behind
// Forward/Destination and Reverse/Source. Within a side the Forward
// endpoint comes first, which is the order of the switch calls.
func jobPairs(j config.Job) []*pair {
	var out []*pair
	add := func(dir dts.Direction, typ dts.EndpointType, side, cluster string) {
		out = append(out, &pair{dir: dir, typ: typ, side: side, cluster: cluster})
	}
	if j.Source != "" {
		add(dts.Forward, dts.Source, sideSource, j.Source)
		if j.TwoWay {
			add(dts.Reverse, dts.Destination, sideSource, j.Source)
		}
	}
	if j.Destination != "" {
		add(dts.Forward, dts.Destination, sideDestination, j.Destination)
		if j.TwoWay {
			add(dts.Reverse, dts.Source, sideDestination, j.Destination)
		}
	}
	return out
}

// pair returns the pair of a direction and endpoint type, or nil.
func (jc *jobCheck) pair(dir dts.Direction, typ dts.EndpointType) *pair {
	for _, p := range jc.pairs {
		if p.dir == dir && p.typ == typ {
			return p
		}
	}
	return nil
}

// pairKey is the notification key of one endpoint of a job.
func pairKey(jobID string, dir dts.Direction, typ dts.EndpointType) string {
	return "job/" + jobID + "/" + string(dir) + "/" + string(typ)
}

// check reads the job from DTS in every direction it has and compares each
// endpoint with its cluster's primary.
func (t *tick) check(ctx context.Context, j config.Job) *jobCheck {
	jc := &jobCheck{job: j, region: jobRegion(t.cfg, j), status: map[dts.Direction]dts.JobStatus{},
		pairs: jobPairs(j), fromCache: map[dts.Direction]bool{}}
	dirs := Directions(j)
	for _, dir := range dirs {
		if js, ok := t.cached(j, dir); ok {
			jc.status[dir], jc.fromCache[dir] = js, true
			continue
		}
		js, err := t.read(ctx, jc.region, j.ID, dir)
		if err != nil {
			t.readFailed(jc, dir, err)
			continue
		}
		jc.status[dir] = js
		delete(t.e.logged, readKey(j.ID, dir))
		t.e.notifier.Clear(notify.Event{Kind: notify.KindRecovered, Key: readKey(j.ID, dir), JobID: j.ID, Direction: string(dir), At: t.e.now()})
	}
	for _, p := range jc.pairs {
		t.evaluate(jc, p)
	}
	for _, dir := range dirs {
		drift := false
		for _, p := range jc.pairs {
			drift = drift || (p.dir == dir && p.state == StateDrift)
		}
		t.e.observer.JobChecked(j.ID, dir, drift)
	}
	return jc
}

// read returns the job direction as DTS reported it during this tick's
// probes, or reads it now.
func (t *tick) read(ctx context.Context, region, jobID string, dir dts.Direction) (dts.JobStatus, error) {
	key := readKey(jobID, dir)
	if f, ok := t.fetched[key]; ok {
		delete(t.fetched, key)
		return f.status, f.err
	}
	return t.e.dts.DescribeJob(ctx, region, jobID, dir)
}

func readKey(jobID string, dir dts.Direction) string { return "job/" + jobID + "/" + string(dir) }

// readFailed marks the endpoints of a direction DTS could not be read for
// as unknown, logs the error with its code and request id, and reports it.
func (t *tick) readFailed(jc *jobCheck, dir dts.Direction, err error) {
	code, requestID := apiErrorFields(err)
	reason := fmt.Sprintf("DTS could not be read for job %s direction %s: %s", jc.job.ID, dir, t.e.red.err(err))
	if dts.IsNotFound(err) {
		reason = fmt.Sprintf("DTS does not know job %s in region %s (code %s): check the job id and region_id in the configuration", jc.job.ID, jc.region, code)
	}
	t.e.logDecision(readKey(jc.job.ID, dir), "error|"+code, slog.LevelError, "read dts job",
		"job", jc.job.ID, "direction", dir, "code", code, "request_id", requestID, "err", t.e.red.err(err))
	t.e.notifier.Condition("dts_error:"+code, notify.Event{
		Kind:       notify.KindUnsafe,
		Key:        readKey(jc.job.ID, dir),
		JobID:      jc.job.ID,
		Direction:  string(dir),
		Reason:     reason,
		Result:     "DTS could not be read",
		RequestIDs: nonEmpty(requestID),
		At:         t.e.now(),
	})
	jc.reason = reason
	for _, p := range jc.pairs {
		if p.dir == dir {
			p.state, p.action = StateUnknown, reason
		}
	}
}

// apiErrorFields returns the DTS error code and request id of err, or
// "none" and "" when err carries none.
func apiErrorFields(err error) (code, requestID string) {
	var ae *dts.APIError
	if errors.As(err, &ae) {
		code = ae.Code
		requestID = ae.RequestID
	}
	if code == "" {
		code = "none"
	}
	return code, requestID
}

// evaluate maps a pair's DTS endpoint to a configured node and compares it
// with the primary of the cluster.
func (t *tick) evaluate(jc *jobCheck, p *pair) {
	js, ok := jc.status[p.dir]
	if !ok {
		return
	}
	p.read, p.endpoint = true, js.Endpoint(p.typ)
	c := findCluster(t.cfg, p.cluster)
	if c == nil {
		p.state, p.action = StateUnknown, "cluster "+p.cluster+" is not configured"
		return
	}
	matches := matchNodes(p.endpoint, c.Nodes)
	if len(matches) == 1 {
		p.node = &c.Nodes[matches[0]]
	}
	if len(matches) != 1 {
		t.noMatch(jc, p, len(matches))
		return
	}
	v := t.verdicts[p.cluster]
	switch {
	case !v.Safe():
		p.state, p.action = StateUnknown, "no switch: cluster "+p.cluster+" has verdict "+string(v.Kind)
	case p.node.Name == v.Primary.Target.Name && t.identity(p.cluster, p.node.Name) == v.Primary.Identity:
		p.state, p.action = StateInSync, "in sync"
		t.e.logDecision(pairKey(jc.job.ID, p.dir, p.typ), "in_sync|"+p.node.Name, slog.LevelInfo, "dts points at the primary",
			"job", jc.job.ID, "direction", p.dir, "endpoint_type", p.typ, "cluster", p.cluster,
			"node", p.node.Name, "identity", v.Primary.Identity)
		t.e.notifier.Clear(notify.Event{
			Kind: notify.KindRecovered, Key: pairKey(jc.job.ID, p.dir, p.typ), JobID: jc.job.ID,
			Direction: string(p.dir), EndpointType: string(p.typ), Cluster: p.cluster,
			New: nodeInfo(p.node, v.Primary.Identity), Result: "DTS points at the primary", At: t.e.now(),
		})
	default:
		p.state = StateDrift
	}
}

// noMatch reports an endpoint that maps to no configured node, or to
// several: the state of the job cannot be determined.
func (t *tick) noMatch(jc *jobCheck, p *pair, n int) {
	ref := endpointText(endpointRef(p.endpoint))
	state := "no_match:" + ref
	reason := fmt.Sprintf("DTS job %s %s/%s points at %s, which matches no node of cluster %s: check the nodes' dts blocks in the configuration, or whether someone pointed the job elsewhere",
		jc.job.ID, p.dir, p.typ, ref, p.cluster)
	if n > 1 {
		state = "ambiguous:" + ref
		reason = fmt.Sprintf("DTS job %s %s/%s points at %s, which matches %d nodes of cluster %s: give each node a distinct dts block",
			jc.job.ID, p.dir, p.typ, ref, n, p.cluster)
	}
	p.state, p.action = StateUnknown, reason
	key := pairKey(jc.job.ID, p.dir, p.typ)
	t.e.logDecision(key, state, slog.LevelWarn, "dts endpoint matches no configured node",
		"job", jc.job.ID, "direction", p.dir, "endpoint_type", p.typ, "cluster", p.cluster, "endpoint", ref)
	t.e.notifier.Condition(state, notify.Event{
		Kind: notify.KindUnsafe, Key: key, JobID: jc.job.ID,
		Direction: string(p.dir), EndpointType: string(p.typ), Cluster: p.cluster,
		Verdict: string(t.verdicts[p.cluster].Kind), Reason: reason,
		Result: "no switch", RequestIDs: nonEmpty(jc.status[p.dir].RequestID), At: t.e.now(),
	})
}

// identity returns the identity a node of a cluster reported in this
// tick's probe, or "" when its probe failed.
func (t *tick) identity(cluster, node string) string {
	for _, st := range t.statuses[cluster] {
		if st.Target.Name == node && st.Answered() {
			return st.Identity
		}
	}
	return ""
}

func nonEmpty(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}
