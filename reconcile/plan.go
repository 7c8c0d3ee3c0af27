package reconcile

import (
	"fmt"
	"log/slog"
	"strings"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// sidePlan is the switch of one side of a job: the calls that point every
// drifted endpoint of one cluster at its primary.
type sidePlan struct {
	side    string
	cluster string
	primary probe.Status
	target  *config.Node
	steps   []step
	// drift lists the endpoints the steps switch.
	drift []*pair
}

// plan returns the switches a job needs, source side first. A side is
// planned only when its cluster has a primary and every endpoint of the
// side was read and mapped to a node. Only the endpoints that differ from
// the primary get a call, so after a crash between the two calls of a
// two-way switch only the second one is planned. Every drifted endpoint is
// logged. Its drift condition is raised here only for a side that cannot be
// planned, and by tellDrift for a planned side.
func (t *tick) plan(jc *jobCheck) []*sidePlan {
	var out []*sidePlan
	for _, side := range []string{sideSource, sideDestination} {
		var drift []*pair
		blocked := ""
		for _, p := range jc.pairs {
			switch {
			case p.side != side:
			case p.state == StateUnknown:
				blocked = fmt.Sprintf("the state of %s/%s is unknown", p.dir, p.typ)
			case p.state == StateDrift:
				drift = append(drift, p)
			}
		}
		if len(drift) == 0 {
			continue
		}
		v := t.verdicts[drift[0].cluster]
		c := findCluster(t.cfg, drift[0].cluster)
		target := findNode(c, v.Primary.Target.Name)
		if target == nil {
			blocked = "the primary " + v.Primary.Target.Name + " is not a configured node"
		}
		for _, p := range drift {
			t.logDrift(jc, p, *v.Primary)
		}
		if blocked != "" {
			for _, p := range drift {
				p.action = "no switch: " + blocked
				t.postDrift(jc, p, *v.Primary, target, "No switch is possible while "+blocked+".")
			}
			continue
		}
		sp := &sidePlan{side: side, cluster: c.Name, primary: *v.Primary, target: target, drift: drift}
		for _, p := range drift {
			sp.steps = append(sp.steps, step{
				Direction:      p.dir,
				EndpointType:   p.typ,
				Cluster:        c.Name,
				TargetNode:     target.Name,
				TargetIdentity: v.Primary.Identity,
				FromNode:       p.node.Name,
				FromIdentity:   t.identity(c.Name, p.node.Name),
			})
		}
		out = append(out, sp)
	}
	return out
}

// plannedText describes the planned calls, or in dry-run the calls that
// would be made.
func (t *tick) plannedText(sp *sidePlan) string {
	var calls []string
	for _, s := range sp.steps {
		calls = append(calls, string(s.Direction)+"/"+string(s.EndpointType))
	}
	verb := "Switching"
	if t.cfg.DryRun {
		verb = "Dry-run: would switch"
	}
	return fmt.Sprintf("%s %s to %s.", verb, strings.Join(calls, " then "), sp.target.Name)
}

// tellDrift raises the drift conditions of a planned side. It is called in
// dry-run, and live once the confirmation probes agree on the new primary,
// so that a primary that flaps for a moment posts nothing.
func (t *tick) tellDrift(jc *jobCheck, sp *sidePlan) {
	for _, p := range sp.drift {
		t.postDrift(jc, p, sp.primary, sp.target, t.plannedText(sp))
	}
}

// driftState is the condition state of a drifted endpoint.
func driftState(p *pair, primary probe.Status) string {
	return "drift:" + p.node.Name + "->" + primary.Target.Name
}

// logDrift logs a drifted endpoint once per change.
func (t *tick) logDrift(jc *jobCheck, p *pair, primary probe.Status) {
	t.e.logDecision(pairKey(jc.job.ID, p.dir, p.typ), driftState(p, primary), slog.LevelInfo, "dts does not point at the primary",
		"job", jc.job.ID, "direction", p.dir, "endpoint_type", p.typ, "cluster", p.cluster,
		"node", p.node.Name, "identity", t.identity(p.cluster, p.node.Name),
		"primary", primary.Target.Name, "primary_identity", primary.Identity, "dry_run", t.cfg.DryRun)
}

// postDrift raises the drift condition of an endpoint. The text in what
// describes what is done about the drift.
func (t *tick) postDrift(jc *jobCheck, p *pair, primary probe.Status, target *config.Node, what string) {
	key := pairKey(jc.job.ID, p.dir, p.typ)
	t.e.notifier.Condition(driftState(p, primary), notify.Event{
		Kind:         notify.KindDrift,
		Key:          key,
		JobID:        jc.job.ID,
		Direction:    string(p.dir),
		EndpointType: string(p.typ),
		Cluster:      p.cluster,
		Old:          nodeInfo(p.node, t.identity(p.cluster, p.node.Name)),
		New:          nodeInfo(target, primary.Identity),
		Verdict:      string(probe.VerdictPrimary),
		Reason: fmt.Sprintf("DTS points at %s, but the primary of cluster %s is %s. %s",
			p.node.Name, p.cluster, primary.Target.Name, what),
		RequestIDs: nonEmpty(jc.status[p.dir].RequestID),
		DryRun:     t.cfg.DryRun,
		At:         t.e.now(),
	})
}

// dryRun reports what a side's switch would do, and which passive guard
// would hold it back; it calls nothing that changes DTS.
func (t *tick) dryRun(jc *jobCheck, sp *sidePlan) {
	code, reason := t.passiveGuard(jc, sp)
	for _, s := range sp.steps {
		p := jc.pair(s.Direction, s.EndpointType)
		p.action = "dry-run: would switch to " + sp.target.Name
		if code != "" {
			p.action = "dry-run: would be held: " + reason
		}
		jc.calls = append(jc.calls, callReport(s, "planned"))
	}
}

// callReport starts the report of a switch call.
func callReport(s step, result string) CallReport {
	return CallReport{
		Direction:    string(s.Direction),
		EndpointType: string(s.EndpointType),
		Cluster:      s.Cluster,
		From:         s.FromNode,
		To:           s.TargetNode,
		ToIdentity:   s.TargetIdentity,
		Result:       result,
	}
}

// report builds the job's part of the tick report.
func (jc *jobCheck) report(t *tick) JobReport {
	jr := JobReport{
		ID:        jc.job.ID,
		Region:    jc.region,
		TwoWay:    jc.job.TwoWay,
		Status:    StateInSync,
		Reason:    jc.reason,
		Endpoints: []EndpointReport{},
		Calls:     append(t.extraCalls[jc.job.ID], jc.calls...),
	}
	for _, dir := range []dts.Direction{dts.Forward, dts.Reverse} {
		for _, typ := range []dts.EndpointType{dts.Source, dts.Destination} {
			p := jc.pair(dir, typ)
			if p == nil {
				continue
			}
			ep := EndpointReport{
				Direction: string(dir), EndpointType: string(typ), Cluster: p.cluster,
				State: p.state, Action: p.action, Verdict: string(t.verdicts[p.cluster].Kind),
			}
			if p.read {
				ref := endpointRef(p.endpoint)
				ep.DTS = &ref
			}
			if p.node != nil {
				ep.Node, ep.NodeIdentity = p.node.Name, t.identity(p.cluster, p.node.Name)
			}
			if v := t.verdicts[p.cluster]; v.Safe() {
				ep.Primary, ep.PrimaryIdentity = v.Primary.Target.Name, v.Primary.Identity
			}
			jr.Status = worseState(jr.Status, ep.State)
			jr.Endpoints = append(jr.Endpoints, ep)
		}
	}
	return jr
}
