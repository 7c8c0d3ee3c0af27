package probe

import (
	"net"
	"strconv"
	"strings"
)

// VerdictKind is the outcome of deciding a cluster's primary. Only
// [VerdictPrimary] allows a switch.
type VerdictKind string

// Verdict kinds.
const (
	VerdictPrimary VerdictKind = "primary"
	// VerdictNoPrimary: no node that answered is writable.
	VerdictNoPrimary VerdictKind = "no_primary"
	// VerdictSplitBrain: two or more nodes are writable.
	VerdictSplitBrain VerdictKind = "split_brain"
	// VerdictDuplicateIdentity: two nodes report the same identity, as
	// after a cloned data directory.
	VerdictDuplicateIdentity VerdictKind = "duplicate_identity"
	// VerdictReplicatingPrimary: the only writable node still has its IO
	// thread running (or connecting) from a node that did not answer, or
	// from a host that matches no configured node, so that source may still
	// be the real primary.
	VerdictReplicatingPrimary VerdictKind = "writable_replica"
	// VerdictReplicaNotApplying: the only writable node receives from a
	// node that answered (IO thread running or connecting) but its SQL
	// thread is stopped, so it may lack transactions its source has.
	VerdictReplicaNotApplying VerdictKind = "replica_not_applying"
	// VerdictIdentityChanged: a node's identity differs from the previous
	// probe, so its address now reaches another server.
	VerdictIdentityChanged VerdictKind = "identity_changed"
)

// Verdict is the decision about one cluster.
type Verdict struct {
	Cluster string
	Kind    VerdictKind
	// Primary is the writable node when Kind is VerdictPrimary.
	Primary *Status
	// Reason explains the verdict in words a person on call can act on.
	Reason string
	// Unanswered lists the nodes that did not answer, with their errors.
	Unanswered []Status
}

// Safe reports whether the verdict allows a switch.
func (v Verdict) Safe() bool { return v.Kind == VerdictPrimary && v.Primary != nil }

// Decide returns the verdict for one cluster from the statuses of all its
// nodes. previous maps a node name to the identity it reported at the
// previous probe (nil on the first one); a node whose identity changed makes
// the verdict [VerdictIdentityChanged].
//
// The rules apply in this order, and the first that matches decides:
//  1. a node that answered with an identity other than previous[name]:
//     [VerdictIdentityChanged];
//  2. two nodes that answered with one identity: [VerdictDuplicateIdentity];
//  3. no writable node: [VerdictNoPrimary];
//  4. two or more writable nodes: [VerdictSplitBrain];
//  5. one writable node whose replication IO thread runs from a source
//     that is not a node that answered: [VerdictReplicatingPrimary];
//  6. one writable node whose IO thread runs from a node that answered
//     while its SQL thread does not: [VerdictReplicaNotApplying];
//  7. otherwise [VerdictPrimary] with that node.
//
// A writable node whose IO and SQL threads both run from a read-only node
// that answered is still the primary: that is master-master replication
// with a passive read-only side.
//
// A node that did not answer is never counted as writable or read-only. It
// is listed in Unanswered whatever the verdict, and it does not block a
// verdict on its own.
func Decide(cluster string, statuses []Status, previous map[string]string) Verdict {
	v := Verdict{Cluster: cluster}
	var answered []int
	for i, s := range statuses {
		if s.Answered() {
			answered = append(answered, i)
		} else {
			v.Unanswered = append(v.Unanswered, s)
		}
	}

	if changed := changedIdentities(statuses, answered, previous); len(changed) > 0 {
		v.Kind = VerdictIdentityChanged
		v.Reason = identityChangedReason(cluster, changed, statuses, previous)
		return v
	}
	if groups := duplicateIdentities(statuses, answered); len(groups) > 0 {
		v.Kind = VerdictDuplicateIdentity
		v.Reason = duplicateReason(cluster, groups, statuses)
		return v
	}

	var writable []int
	for _, i := range answered {
		if statuses[i].Writable() {
			writable = append(writable, i)
		}
	}
	switch len(writable) {
	case 0:
		v.Kind = VerdictNoPrimary
		v.Reason = noPrimaryReason(cluster, statuses, answered, v.Unanswered)
		return v
	case 1:
	default:
		v.Kind = VerdictSplitBrain
		v.Reason = splitBrainReason(cluster, pick(statuses, writable), v.Unanswered)
		return v
	}

	w := writable[0]
	primary := statuses[w]
	if primary.Replica != nil && ioActive(primary.Replica.IORunning) {
		source, found := sourceNode(statuses, w)
		if !found || !statuses[source].Answered() {
			v.Kind = VerdictReplicatingPrimary
			v.Reason = replicatingReason(cluster, primary, statuses, source, found, v.Unanswered)
			return v
		}
		if !primary.Replica.SQLRunning {
			v.Kind = VerdictReplicaNotApplying
			v.Reason = notApplyingReason(cluster, primary, statuses[source], v.Unanswered)
			return v
		}
	}
	v.Kind = VerdictPrimary
	v.Primary = &primary
	v.Reason = primaryReason(cluster, statuses, w, v.Unanswered)
	return v
}

// changedIdentities returns the indexes of the answered nodes whose
// identity differs from the one previous holds for their name.
func changedIdentities(statuses []Status, answered []int, previous map[string]string) []int {
	var changed []int
	for _, i := range answered {
		old, ok := previous[statuses[i].Target.Name]
		if ok && old != "" && old != statuses[i].Identity {
			changed = append(changed, i)
		}
	}
	return changed
}

// duplicateIdentities returns the groups of answered nodes that share an
// identity, in the order of their first node.
func duplicateIdentities(statuses []Status, answered []int) [][]int {
	byIdentity := make(map[string][]int)
	var order []string
	for _, i := range answered {
		id := statuses[i].Identity
		if id == "" {
			continue
		}
		if _, seen := byIdentity[id]; !seen {
			order = append(order, id)
		}
		byIdentity[id] = append(byIdentity[id], i)
	}
	var groups [][]int
	for _, id := range order {
		if len(byIdentity[id]) > 1 {
			groups = append(groups, byIdentity[id])
		}
	}
	return groups
}

// ioActive reports whether a replication IO thread state means the thread
// runs or tries to. Only "No" (and an empty value) count as stopped, so an
// unfamiliar state is treated as running.
func ioActive(state string) bool {
	state = strings.TrimSpace(state)
	return state != "" && !strings.EqualFold(state, "No")
}

// sourceNode returns the index of the node that statuses[w] replicates
// from, matched by source UUID against identities or by source host and
// port against addresses. A node that answered wins over one that did not,
// and statuses[w] never matches itself.
func sourceNode(statuses []Status, w int) (int, bool) {
	r := statuses[w].Replica
	match := func(s Status) bool {
		if r.SourceUUID != "" && s.Answered() && strings.EqualFold(r.SourceUUID, s.Identity) {
			return true
		}
		host, port := hostPort(s.Target.Address)
		return port == r.SourcePort && sameHost(host, r.SourceHost)
	}
	fallback := -1
	for i, s := range statuses {
		if i == w || !match(s) {
			continue
		}
		if s.Answered() {
			return i, true
		}
		if fallback < 0 {
			fallback = i
		}
	}
	return fallback, fallback >= 0
}

// sameHost compares two host names or IP addresses. localhost, 127.0.0.1
// and ::1 are the same host, because a replica configured with one of them
// reaches the server a target names with another.
func sameHost(a, b string) bool {
	a, b = canonicalHost(a), canonicalHost(b)
	if a == "" || b == "" {
		return false
	}
	if ipA, ipB := net.ParseIP(a), net.ParseIP(b); ipA != nil && ipB != nil {
		return ipA.Equal(ipB)
	}
	return a == b
}

func canonicalHost(h string) string {
	h = strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]"))
	h = strings.TrimSuffix(h, ".")
	if h == "localhost" || h == "::1" {
		return "127.0.0.1"
	}
	return h
}

// hostPort splits a target address; an address without a port means
// MySQL's default port 3306.
func hostPort(address string) (string, int) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return address, 3306
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return host, 0
	}
	return host, port
}

func pick(statuses []Status, indexes []int) []Status {
	out := make([]Status, len(indexes))
	for k, i := range indexes {
		out[k] = statuses[i]
	}
	return out
}
