package probe

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
	// thread running (or connecting) from a node that did not answer, so
	// that node may still be the real primary.
	VerdictReplicatingPrimary VerdictKind = "writable_replica"
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
func Decide(cluster string, statuses []Status, previous map[string]string) Verdict {
	// Replaced by the real decision; kept here so dependent packages build.
	return Verdict{Cluster: cluster, Kind: VerdictNoPrimary, Reason: "not decided"}
}
