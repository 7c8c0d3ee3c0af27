package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

// planID names a new plan; the calls of one plan count once against the
// hourly budget.
func planID(jobID, side string, at int64) string {
	return fmt.Sprintf("%s/%s/%d", jobID, side, at)
}

// act makes a side's switch calls, then reads the job again to confirm
// that DTS points at the new primary.
func (t *tick) act(ctx context.Context, jc *jobCheck, sp *sidePlan) {
	r := &switchRun{
		job:     jc.job,
		region:  jc.region,
		plan:    planID(jc.job.ID, sp.side, t.e.now().UnixNano()),
		cluster: findCluster(t.cfg, sp.cluster),
		target:  *sp.target,
	}
	t.ownPlans[r.plan] = true
	res := t.e.runSteps(ctx, r, sp.steps)
	jc.calls = append(jc.calls, res.calls...)
	if res.unknown {
		jc.noMoreSwitch = true
	}

	var toConfirm []step
	for i, s := range sp.steps {
		p := jc.pair(s.Direction, s.EndpointType)
		if i >= len(res.calls) {
			p.state, p.action = StateFailed, "not switched: an earlier call of the same switch did not finish"
			continue
		}
		cr := res.calls[i]
		switch cr.Result {
		case resultFinished:
			toConfirm = append(toConfirm, s)
		case "skipped":
			p.state, p.action = StateInSync, "already pointed at "+s.TargetNode+": switched by someone else"
			t.clearDrift(jc, p, s)
		default:
			p.state, p.action = StateFailed, cr.Result+": "+cr.Error
		}
	}
	for _, c := range t.e.confirmSwitch(ctx, r, toConfirm) {
		p := jc.pair(c.step.Direction, c.step.EndpointType)
		if !c.ok {
			p.state, p.action = StateFailed, c.reason
			continue
		}
		p.state, p.action = StateSwitched, c.reason
		t.clearDrift(jc, p, c.step)
	}
}

// clearDrift ends the drift condition of an endpoint that now points at
// the primary.
func (t *tick) clearDrift(jc *jobCheck, p *pair, s step) {
	key := pairKey(jc.job.ID, p.dir, p.typ)
	t.e.logDecision(key, "in_sync|"+s.TargetNode, slog.LevelInfo, "dts points at the new primary",
		"job", jc.job.ID, "direction", p.dir, "endpoint_type", p.typ, "cluster", p.cluster,
		"node", s.TargetNode, "identity", s.TargetIdentity)
	ev := t.e.stepEvent(notify.KindRecovered, jc.job.ID, s)
	ev.Key, ev.Result = key, "DTS points at the primary"
	t.e.notifier.Clear(ev)
}

// stepCheck is the confirmation of one switched endpoint.
type stepCheck struct {
	step   step
	ok     bool
	reason string
}

// confirmSwitch reads the job again in every direction that was switched
// and checks that each endpoint now maps to its target node and that DTS
// does not report the direction as Failed.
func (e *Engine) confirmSwitch(ctx context.Context, r *switchRun, steps []step) []stepCheck {
	var out []stepCheck
	read := map[dts.Direction]dts.JobStatus{}
	readErr := map[dts.Direction]error{}
	for _, s := range steps {
		js, seen := read[s.Direction]
		err := readErr[s.Direction]
		if !seen {
			js, err = e.dts.DescribeJob(ctx, r.region, r.job.ID, s.Direction)
			read[s.Direction], readErr[s.Direction] = js, err
		}
		c := stepCheck{step: s}
		switch {
		case err != nil:
			c.reason = "the switch task finished, but DTS could not be read to confirm it: " + e.red.err(err)
		case !pointsAt(js.Endpoint(s.EndpointType), r.cluster, s.TargetNode):
			c.reason = fmt.Sprintf("the switch task finished, but DTS now points at %s instead of %s",
				endpointText(endpointRef(js.Endpoint(s.EndpointType))), s.TargetNode)
		case strings.EqualFold(js.Status, "Failed"):
			c.reason = "the switch task finished, but DTS reports the direction as Failed: " + e.red.text(js.ErrorMessage)
		default:
			c.ok = true
			c.reason = "switched to " + s.TargetNode + " (job status " + js.Status + ")"
		}
		if !c.ok {
			e.log.Error("switch not confirmed", "job", r.job.ID, "direction", s.Direction, "endpoint_type", s.EndpointType,
				"node", s.TargetNode, "request_id", js.RequestID, "err", c.reason)
		}
		out = append(out, c)
	}
	return out
}
