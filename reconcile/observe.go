package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// errNoStatus stands for a node the prober returned no status for.
var errNoStatus = errors.New("probe returned no status for this node")

// probeClusters probes every node of the named clusters in one Prober call
// and returns each cluster's statuses in node order.
func (e *Engine) probeClusters(ctx context.Context, names []string) map[string][]probe.Status {
	var targets []probe.Target
	for _, name := range names {
		if c := findCluster(e.cfg, name); c != nil {
			for _, n := range c.Nodes {
				targets = append(targets, nodeTarget(c.Name, n))
			}
		}
	}
	got := e.prober.Probe(ctx, targets)
	out := map[string][]probe.Status{}
	for i, target := range targets {
		st := probe.Status{Target: target, Err: errNoStatus, ErrKind: probe.ErrOther}
		if i < len(got) {
			st = got[i]
			st.Target = target
		}
		e.observer.NodeProbed(st)
		e.noteNode(st)
		out[target.Cluster] = append(out[target.Cluster], st)
	}
	return out
}

// noteNode logs a node that stops answering, once per kind of error, and
// a node that answers again. A node that answers from the start is not
// logged: a fleet of healthy nodes says nothing.
func (e *Engine) noteNode(st probe.Status) {
	key := "node/" + st.Target.Cluster + "/" + st.Target.Name
	last, seen := e.logged[key]
	if st.Answered() {
		if seen && last != "answered" {
			e.log.Info("node answers again", "cluster", st.Target.Cluster, "node", st.Target.Name,
				"address", st.Target.Address, "identity", st.Identity)
		}
		e.logged[key] = "answered"
		return
	}
	state := "unanswered|" + string(st.ErrKind)
	if last != state {
		e.log.Warn("node did not answer; its role is unknown", "cluster", st.Target.Cluster, "node", st.Target.Name,
			"address", st.Target.Address, "code", string(st.ErrKind), "err", e.red.err(st.Err))
	}
	e.logged[key] = state
}

// decideCluster decides a cluster's verdict against the identities of the
// previous probe, then stores this probe's identities. A node whose probe
// failed keeps the identity it reported last.
func (e *Engine) decideCluster(name string, statuses []probe.Status) probe.Verdict {
	prev := e.identities[name]
	v := e.decide(name, statuses, prev)
	v.Cluster = name
	if v.Primary != nil {
		primary := *v.Primary
		v.Primary = &primary
	}
	next := maps.Clone(prev)
	if next == nil {
		next = map[string]string{}
	}
	for _, st := range statuses {
		if st.Answered() && st.Identity != "" {
			next[st.Target.Name] = st.Identity
		}
	}
	e.identities[name] = next
	return v
}

// observe probes every cluster some job uses, decides each one's verdict,
// adds it to the report and raises or clears its unsafe condition.
func (t *tick) observe(ctx context.Context) {
	names := usedClusters(t.cfg)
	t.statuses = t.e.probeClusters(ctx, names)
	for _, name := range names {
		statuses := t.statuses[name]
		prev := t.e.identities[name]
		v := t.e.decideCluster(name, statuses)
		if t.unsafeIsNew(v) {
			v, statuses, prev = t.recheckUnsafe(ctx, v, statuses, prev)
			t.statuses[name] = statuses
		}
		t.verdicts[name] = v
		t.e.observer.ClusterDecided(v)
		t.rep.Clusters = append(t.rep.Clusters, t.clusterReport(v, statuses))
		t.tellCluster(v, statuses, prev)
	}
}

// unsafeIsNew reports whether v is an unsafe verdict that differs in kind
// from the one last logged for its cluster, so it is probed again before
// it is reported. A changed identity is not probed again: the next
// probe compares with this one and would no longer see the change.
func (t *tick) unsafeIsNew(v probe.Verdict) bool {
	if v.Safe() || v.Kind == probe.VerdictIdentityChanged || t.cfg.Safety.Confirmations < 2 {
		return false
	}
	last := t.e.logged["cluster/"+v.Cluster]
	return !strings.HasPrefix(last, string(v.Kind))
}

// recheckUnsafe probes a cluster with a new unsafe verdict again, up to
// safety.confirmations-1 times spaced by safety.confirm_interval, as a new
// primary is confirmed. A verdict seen for a moment during a switchover
// (two writable nodes, or none) is then not reported. It stops early at a
// safe verdict and returns the verdict, statuses and previous identities
// of the last probe, which the tick uses.
func (t *tick) recheckUnsafe(ctx context.Context, v probe.Verdict, statuses []probe.Status, prev map[string]string) (probe.Verdict, []probe.Status, map[string]string) {
	for i := 2; i <= t.cfg.Safety.Confirmations; i++ {
		if t.e.clock.Sleep(ctx, t.cfg.Safety.ConfirmInterval) != nil {
			break
		}
		prev = t.e.identities[v.Cluster]
		statuses = t.e.probeClusters(ctx, []string{v.Cluster})[v.Cluster]
		next := t.e.decideCluster(v.Cluster, statuses)
		t.e.log.Debug("unsafe verdict probed again", "cluster", v.Cluster, "verdict", v.Kind,
			"probe", i, "now", next.Kind)
		v = next
		if v.Safe() {
			break
		}
	}
	return v, statuses, prev
}

// tellCluster logs a cluster's verdict once per change and raises or clears
// its unsafe condition.
func (t *tick) tellCluster(v probe.Verdict, statuses []probe.Status, prev map[string]string) {
	key := "cluster/" + v.Cluster
	if v.Safe() {
		p := v.Primary
		t.e.logDecision(key, "primary|"+p.Target.Name+"|"+p.Identity, slog.LevelInfo, "primary decided",
			"cluster", v.Cluster, "node", p.Target.Name, "address", p.Target.Address, "identity", p.Identity,
			"unanswered", len(v.Unanswered))
		t.e.notifier.Clear(notify.Event{
			Kind: notify.KindRecovered, Key: key, Cluster: v.Cluster, Verdict: string(v.Kind),
			New:    notify.Node{Name: p.Target.Name, Address: p.Target.Address, Identity: p.Identity},
			Result: "primary is " + p.Target.Name, At: t.e.now(),
		})
		return
	}
	involved := involvedNodes(v, statuses, prev)
	state := string(v.Kind)
	if len(involved) > 0 {
		state += ":" + strings.Join(involved, ",")
	}
	reason := t.e.red.text(v.Reason)
	t.e.logDecision(key, state, slog.LevelWarn, "no switch for this cluster",
		"cluster", v.Cluster, "verdict", v.Kind, "nodes", strings.Join(involved, ","), "reason", reason)
	t.e.notifier.Condition(state, notify.Event{
		Kind:    notify.KindUnsafe,
		Key:     key,
		Cluster: v.Cluster,
		Verdict: string(v.Kind),
		Reason:  reason,
		Result:  "no switch for jobs on this cluster",
		At:      t.e.now(),
	})
}

// involvedNodes names the nodes an unsafe verdict is about, sorted, so the
// condition changes only when the set of nodes does.
func involvedNodes(v probe.Verdict, statuses []probe.Status, prev map[string]string) []string {
	set := map[string]bool{}
	seen := map[string]string{}
	for _, st := range statuses {
		name := st.Target.Name
		switch v.Kind {
		case probe.VerdictSplitBrain, probe.VerdictReplicatingPrimary, probe.VerdictReplicaNotApplying:
			set[name] = set[name] || st.Writable()
		case probe.VerdictDuplicateIdentity:
			if other, ok := seen[st.Identity]; ok && st.Answered() && st.Identity != "" {
				set[name], set[other] = true, true
			}
			if st.Answered() && st.Identity != "" {
				seen[st.Identity] = name
			}
		case probe.VerdictIdentityChanged:
			set[name] = set[name] || (st.Answered() && prev[name] != "" && prev[name] != st.Identity)
		}
	}
	for _, st := range v.Unanswered {
		set[st.Target.Name] = true
	}
	var out []string
	for name, in := range set {
		if in {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// confirm re-probes a cluster safety.confirmations-1 more times, spaced by
// safety.confirm_interval, and reports whether every probe named the same
// primary with the same identity as this tick's verdict.
func (t *tick) confirm(ctx context.Context, cluster string) (bool, string) {
	if c, ok := t.confirmed[cluster]; ok {
		return c.ok, c.reason
	}
	want := t.verdicts[cluster].Primary
	n := max(t.cfg.Safety.Confirmations, 1)
	result := confirmation{ok: true}
	for i := 2; i <= n; i++ {
		if err := t.e.clock.Sleep(ctx, t.cfg.Safety.ConfirmInterval); err != nil {
			result = confirmation{reason: "the tick was cancelled before the new primary was confirmed"}
			break
		}
		statuses := t.e.probeClusters(ctx, []string{cluster})[cluster]
		v := t.e.decide(cluster, statuses, t.e.identities[cluster])
		if v.Safe() && v.Primary.Target.Name == want.Target.Name && v.Primary.Identity == want.Identity {
			continue
		}
		seen := string(v.Kind)
		if v.Safe() {
			seen = "primary " + v.Primary.Target.Name + " (" + v.Primary.Identity + ")"
		}
		result = confirmation{reason: fmt.Sprintf("the new primary %s (%s) was not confirmed: probe %d of %d found %s",
			want.Target.Name, want.Identity, i, n, seen)}
		break
	}
	t.confirmed[cluster] = result
	return result.ok, result.reason
}

// clusterReport describes a verdict and the statuses behind it.
func (t *tick) clusterReport(v probe.Verdict, statuses []probe.Status) ClusterReport {
	cr := ClusterReport{Name: v.Cluster, Verdict: string(v.Kind), Reason: t.e.red.text(v.Reason), Nodes: []NodeReport{}}
	if v.Safe() {
		cr.Primary, cr.PrimaryIdentity = v.Primary.Target.Name, v.Primary.Identity
	}
	for _, st := range statuses {
		cr.Nodes = append(cr.Nodes, NodeReport{
			Name:           st.Target.Name,
			Address:        st.Target.Address,
			Answered:       st.Answered(),
			Writable:       st.Writable(),
			ReadOnly:       st.Answered() && st.ReadOnly,
			Identity:       st.Identity,
			IdentitySource: st.IdentitySource,
			Flavor:         st.Flavor,
			Version:        st.Version,
			ErrorKind:      string(st.ErrKind),
			Error:          t.e.red.err(st.Err),
			DurationMS:     st.Duration.Milliseconds(),
		})
	}
	return cr
}
