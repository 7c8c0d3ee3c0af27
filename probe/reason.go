package probe

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// The functions below write Verdict.Reason: first what the probes found,
// naming each node by name and address, then one sentence of what the
// person on call should check or do. A safe verdict needs no advice.

func identityChangedReason(cluster string, changed []int, statuses []Status, previous map[string]string) string {
	var b strings.Builder
	for _, i := range changed {
		s := statuses[i]
		fmt.Fprintf(&b, "Node %s of cluster %s now reports identity %s (%s) instead of %s, so its address reaches a different server. ",
			label(s), cluster, s.Identity, s.IdentitySource, previous[s.Target.Name])
	}
	where := "that address"
	if len(changed) > 1 {
		where = "those addresses"
	}
	fmt.Fprintf(&b, "Check which server listens at %s and whether the configuration still names the right one.", where)
	return b.String()
}

func duplicateReason(cluster string, groups [][]int, statuses []Status) string {
	var b strings.Builder
	for _, g := range groups {
		nodes := pick(statuses, g)
		fmt.Fprintf(&b, "Nodes %s of cluster %s report the same identity %s (%s), so they are one server reached twice or clones of one data directory. ",
			joinLabels(nodes, label), cluster, nodes[0].Identity, nodes[0].IdentitySource)
	}
	b.WriteString("Check the node addresses in the configuration, and give each cloned server its own identity (on MySQL, delete auto.cnf from its data directory and restart it).")
	return b.String()
}

func noPrimaryReason(cluster string, statuses []Status, answered []int, unanswered []Status) string {
	if len(statuses) == 0 {
		return fmt.Sprintf("Cluster %s has no node to probe. Add its nodes to the configuration.", cluster)
	}
	if len(answered) == 0 {
		return fmt.Sprintf("No node of cluster %s answered, so no node's role is known: %s. Check the network path to each node, and the probe user's password and grants.",
			cluster, joinLabels(unanswered, labelWithError))
	}
	readOnly := pick(statuses, answered)
	verb := "is"
	if len(readOnly) > 1 {
		verb = "are"
	}
	check := "Check whether a switchover is in progress, and if not"
	if len(unanswered) > 0 {
		check = fmt.Sprintf("Check whether a switchover is in progress or whether %s is the primary, and if neither", joinNames(unanswered, "or"))
	}
	return fmt.Sprintf("No node of cluster %s that answered is writable: %s %s read-only.%s %s, set read_only=OFF on the intended primary.",
		cluster, joinLabels(readOnly, labelWithFlags), verb, unansweredSentence(unanswered), check)
}

func splitBrainReason(cluster string, writable []Status, unanswered []Status) string {
	return fmt.Sprintf("Nodes %s of cluster %s are writable, so clients may be writing to more than one of them.%s Set read_only=ON on every node but the real primary, then check the others for writes that did not replicate.",
		joinLabels(writable, label), cluster, unansweredSentence(unanswered))
}

func replicatingReason(cluster string, primary Status, statuses []Status, source int, found bool, unanswered []Status) string {
	r := primary.Replica
	address := net.JoinHostPort(r.SourceHost, strconv.Itoa(r.SourcePort))
	from := address + ", which matches no configured node, so that source"
	suspect := address
	if found {
		s := statuses[source]
		from = fmt.Sprintf("%s, which did not answer (%s), so %s", label(s), errorWords(s.ErrKind), s.Target.Name)
		suspect = s.Target.Name
		// The source is already named with its error.
		unanswered = slices.DeleteFunc(slices.Clone(unanswered), func(u Status) bool { return u.Target == s.Target })
	}
	return fmt.Sprintf("%s is the only writable node of cluster %s, but its replication IO thread is %s from %s may still be the real primary.%s Make sure %s is stopped or read-only, then run STOP REPLICA on %s.",
		label(primary), cluster, ioState(r.IORunning), from, unansweredSentence(unanswered), suspect, primary.Target.Name)
}

func notApplyingReason(cluster string, primary, source Status, unanswered []Status) string {
	name := primary.Target.Name
	return fmt.Sprintf("%s is the only writable node of cluster %s, but it has stopped applying what it receives from %s, which answered as read-only. Its replication IO thread is %s while its SQL thread is stopped, so %s may lack transactions that %s has.%s Run START REPLICA SQL_THREAD on %s and wait for it to catch up, or run STOP REPLICA on %s if it really is the new primary.",
		label(primary), cluster, label(source), ioState(primary.Replica.IORunning), name, source.Target.Name,
		unansweredSentence(unanswered), name, name)
}

func primaryReason(cluster string, statuses []Status, w int, unanswered []Status) string {
	primary := statuses[w]
	reason := fmt.Sprintf("%s is the only writable node of cluster %s.", label(primary), cluster)
	if primary.Replica != nil && ioActive(primary.Replica.IORunning) {
		if source, found := sourceNode(statuses, w); found {
			reason += fmt.Sprintf(" It also replicates from %s, which answered as read-only.", label(statuses[source]))
		}
	}
	return reason + unansweredSentence(unanswered)
}

// unansweredSentence returns a sentence, with a leading space, that lists
// the nodes that did not answer, or "" when every node answered.
func unansweredSentence(unanswered []Status) string {
	switch len(unanswered) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" %s did not answer, so its role is unknown and was not counted.", labelWithError(unanswered[0]))
	}
	return fmt.Sprintf(" %s did not answer, so their roles are unknown and were not counted.", joinLabels(unanswered, labelWithError))
}

func ioState(state string) string {
	if strings.EqualFold(state, "Yes") {
		return "running"
	}
	return strings.ToLower(state)
}

// label names a node as "name (address)".
func label(s Status) string {
	return fmt.Sprintf("%s (%s)", s.Target.Name, s.Target.Address)
}

// labelWithFlags adds the flag that makes a node read-only when
// read_only alone does not show it.
func labelWithFlags(s Status) string {
	if !s.ReadOnly && s.HasSuperReadOnly && s.SuperReadOnly {
		return fmt.Sprintf("%s (%s, super_read_only=ON)", s.Target.Name, s.Target.Address)
	}
	return label(s)
}

// labelWithError adds why a node did not answer.
func labelWithError(s Status) string {
	return fmt.Sprintf("%s (%s, %s)", s.Target.Name, s.Target.Address, errorWords(s.ErrKind))
}

func errorWords(kind ErrorKind) string {
	switch kind {
	case ErrTimeout:
		return "timed out"
	case ErrRefused:
		return "connection refused"
	case ErrDNS:
		return "DNS lookup failed"
	case ErrAccessDenied:
		return "access denied"
	case ErrTooMany:
		return "too many connections"
	case ErrQuery:
		return "query failed"
	}
	return "error"
}

// joinLabels lists nodes as "a, b and c".
func joinLabels(nodes []Status, f func(Status) string) string {
	parts := make([]string, len(nodes))
	for i, s := range nodes {
		parts[i] = f(s)
	}
	return joinWords(parts, "and")
}

// joinNames lists the names of nodes as "a, b or c", with conjunction
// before the last name.
func joinNames(nodes []Status, conjunction string) string {
	parts := make([]string, len(nodes))
	for i, s := range nodes {
		parts[i] = s.Target.Name
	}
	return joinWords(parts, conjunction)
}

func joinWords(parts []string, conjunction string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + conjunction + " " + parts[len(parts)-1]
}
