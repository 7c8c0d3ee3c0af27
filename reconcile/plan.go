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
}

// plan returns the switches a job needs, source side first. A side is
// planned only when its cluster has a primary and every endpoint of the
// side was read and mapped to a node. Only the endpoints that differ from
// the primary get a call, so after a crash between the two calls of a
// two-way switch only the second one is planned.
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
		if blocked != "" {
			for _, p := range drift {
				p.action = "no switch: " + blocked
				t.tellDrift(jc, p, *v.Primary, target, "No switch is possible while "+blocked+".")
			}
			continue
		}
		sp := &sidePlan{side: side, cluster: c.Name, primary: *v.Primary, target: target}
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
		for _, p := range drift {
			t.tellDrift(jc, p, sp.primary, target, t.plannedText(sp))
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

// tellDrift logs a drifted endpoint once per change and raises its drift
// condition.
func (t *tick) tellDrift(jc *jobCheck, p *pair, primary probe.Status, target *config.Node, what string) {
	key := pairKey(jc.job.ID, p.dir, p.typ)
	state := "drift:" + p.node.Name + "->" + primary.Target.Name
	t.e.logDecision(key, state, slog.LevelInfo, "dts does not point at the primary",
		"job", jc.job.ID, "direction", p.dir, "endpoint_type", p.typ, "cluster", p.cluster,
		"node", p.node.Name, "identity", t.identity(p.cluster, p.node.Name),
		"primary", primary.Target.Name, "primary_identity", primary.Identity, "dry_run", t.cfg.DryRun)
	t.e.notifier.Condition(state, notify.Event{
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
