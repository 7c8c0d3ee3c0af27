package probe

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// The functions below write Verdict.Reason: what was found, naming each
// node by name and address, and what the person on call should check.

func identityChangedReason(cluster string, changed []int, statuses []Status, previous map[string]string) string {
	var b strings.Builder
	for _, i := range changed {
		s := statuses[i]
		fmt.Fprintf(&b, "Node %s of cluster %s now reports identity %s (%s) instead of %s, so its address may reach a different server. ",
			label(s), cluster, s.Identity, s.IdentitySource, previous[s.Target.Name])
	}
	b.WriteString("Check which server listens at that address and whether the configuration still names the right one.")
	return b.String()
}

func duplicateReason(cluster string, groups [][]int, statuses []Status) string {
	var b strings.Builder
	for _, g := range groups {
		nodes := pick(statuses, g)
		fmt.Fprintf(&b, "Nodes %s of cluster %s report the same identity %s (%s). ",
			joinLabels(nodes, label), cluster, nodes[0].Identity, nodes[0].IdentitySource)
	}
	b.WriteString("This happens after cloning a data directory, or when two node entries reach one server. Check the node addresses in the configuration, and give each server its own identity (on MySQL, remove auto.cnf and restart).")
	return b.String()
}

func noPrimaryReason(cluster string, statuses []Status, answered []int, unanswered []Status) string {
	if len(statuses) == 0 {
		return fmt.Sprintf("Cluster %s has no node to probe.", cluster)
	}
	if len(answered) == 0 {
		return fmt.Sprintf("No node of cluster %s answered: %s. Check the network path to the nodes and the probe user's password and grants. A failed probe says nothing about a node's role.",
			cluster, joinLabels(unanswered, labelWithError))
	}
	readOnly := pick(statuses, answered)
	verb := "is"
	if len(readOnly) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("No node of cluster %s that answered is writable: %s %s read-only. Check whether a failover is in progress, and set read_only=OFF on the intended primary.%s",
		cluster, joinLabels(readOnly, labelWithFlags), verb, unansweredSentence(unanswered))
}

func splitBrainReason(cluster string, writable []Status, unanswered []Status) string {
	return fmt.Sprintf("Nodes %s of cluster %s are writable, so clients may be writing to more than one of them. Decide which one is the primary, set read_only=ON on the others, and check them for writes that did not replicate.%s",
		joinLabels(writable, label), cluster, unansweredSentence(unanswered))
}

func replicatingReason(cluster string, primary Status, statuses []Status, source int, found bool, unanswered []Status) string {
	r := primary.Replica
	from := net.JoinHostPort(r.SourceHost, strconv.Itoa(r.SourcePort)) + ", which matches no configured node"
	if found {
		s := statuses[source]
		from = fmt.Sprintf("%s, which did not answer (%s)", label(s), errorWords(s.ErrKind))
	}
	return fmt.Sprintf("%s is the only writable node of cluster %s, but its replication IO thread is %s from %s. That source may still be the real primary: make sure it is stopped or read-only, then run STOP REPLICA on %s.%s",
		label(primary), cluster, ioState(r.IORunning), from, primary.Target.Name, unansweredSentence(unanswered))
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
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
