package reconcile

import (
	"encoding/json"
	"io"
	"time"
)

// Endpoint states of [EndpointReport.State] and job states of
// [JobReport.Status].
const (
	// StateInSync: DTS points at the primary.
	StateInSync = "in_sync"
	// StateSwitched: DTS pointed elsewhere and now points at the primary
	// after this tick's switch.
	StateSwitched = "switched"
	// StateDrift: DTS points at a node that is not the primary and no
	// switch was tried, because the tick ran in dry-run or another endpoint
	// of the same cluster could not be determined.
	StateDrift = "drift"
	// StateHeld: a guard held the switch back.
	StateHeld = "held"
	// StateFailed: the switch was refused by DTS, failed, timed out, or DTS
	// did not point at the primary afterwards.
	StateFailed = "failed"
	// StateUnknown: the state could not be determined (an unsafe cluster
	// verdict, an endpoint matching no configured node, DTS unreadable).
	StateUnknown = "unknown"
)

// Exit statuses of [Report.ExitCode].
const (
	ExitInSync  = 0
	ExitDrift   = 1
	ExitUnknown = 3
)

// Report is the outcome of one tick.
//
// WriteJSON encodes it as one JSON object with schema_version 1:
//
//	schema_version  1
//	exit_code       0, 1 or 3 (see ExitCode)
//	started, ended  RFC 3339 times
//	dry_run         true when nothing that changes DTS was called
//	error           set when the tick stopped early (a recovered panic,
//	                a cancellation, or the process stopping)
//	problems        tick-level troubles, such as a state file write error
//	state_file_error
//	                set when the latest write of the state file failed
//	clusters[]      name, verdict, primary, primary_identity, reason,
//	                nodes[]: name, address, answered, writable, read_only,
//	                identity, identity_source, flavor, version,
//	                error_kind, error, duration_ms
//	jobs[]          id, region, two_way, status, reason,
//	                endpoints[]: direction, endpoint_type, cluster,
//	                  dts {instance_type, instance_id, ip, port}, node,
//	                  node_identity, primary, primary_identity, verdict,
//	                  state, action
//	                calls[]: direction, endpoint_type, cluster, from, to,
//	                  to_identity, result, task_id, request_ids, error,
//	                  duration_ms
//
// Fields are added in later versions without changing schema_version;
// renaming or removing one increases it.
type Report struct {
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	DryRun   bool      `json:"dry_run"`
	Error    string    `json:"error,omitempty"`
	Problems []string  `json:"problems,omitempty"`
	// StateFileError is set when the latest write of the state file
	// failed, so the file may lack a running switch task.
	StateFileError string          `json:"state_file_error,omitempty"`
	Clusters       []ClusterReport `json:"clusters"`
	Jobs           []JobReport     `json:"jobs"`
}

// ClusterReport is the verdict about one cluster.
type ClusterReport struct {
	Name            string       `json:"name"`
	Verdict         string       `json:"verdict"`
	Primary         string       `json:"primary,omitempty"`
	PrimaryIdentity string       `json:"primary_identity,omitempty"`
	Reason          string       `json:"reason,omitempty"`
	Nodes           []NodeReport `json:"nodes"`
}

// NodeReport is the result of the probe of one node.
type NodeReport struct {
	Name           string `json:"name"`
	Address        string `json:"address"`
	Answered       bool   `json:"answered"`
	Writable       bool   `json:"writable"`
	ReadOnly       bool   `json:"read_only"`
	Identity       string `json:"identity,omitempty"`
	IdentitySource string `json:"identity_source,omitempty"`
	Flavor         string `json:"flavor,omitempty"`
	Version        string `json:"version,omitempty"`
	ErrorKind      string `json:"error_kind,omitempty"`
	Error          string `json:"error,omitempty"`
	DurationMS     int64  `json:"duration_ms"`
}

// JobReport is the state of one DTS job and the switch calls of the tick.
type JobReport struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	TwoWay bool   `json:"two_way"`
	// Status is the worst state of the job's endpoints.
	Status    string           `json:"status"`
	Reason    string           `json:"reason,omitempty"`
	Endpoints []EndpointReport `json:"endpoints"`
	// Calls lists the switch calls planned (dry-run, held) or made.
	Calls []CallReport `json:"calls,omitempty"`
}

// EndpointReport is one direction and endpoint type of a job.
type EndpointReport struct {
	Direction    string `json:"direction"`
	EndpointType string `json:"endpoint_type"`
	Cluster      string `json:"cluster"`
	// DTS is the endpoint DTS reported; nil when DTS could not be read.
	DTS *EndpointRef `json:"dts,omitempty"`
	// Node is the configured node the endpoint maps to; empty when it maps
	// to none.
	Node            string `json:"node,omitempty"`
	NodeIdentity    string `json:"node_identity,omitempty"`
	Primary         string `json:"primary,omitempty"`
	PrimaryIdentity string `json:"primary_identity,omitempty"`
	Verdict         string `json:"verdict"`
	State           string `json:"state"`
	// Action describes in words what was done or would be done.
	Action string `json:"action"`
}

// EndpointRef is the endpoint through which DTS reaches a database.
type EndpointRef struct {
	InstanceType string `json:"instance_type"`
	InstanceID   string `json:"instance_id,omitempty"`
	IP           string `json:"ip,omitempty"`
	Port         string `json:"port"`
}

// CallReport is one switch call.
type CallReport struct {
	Direction    string `json:"direction"`
	EndpointType string `json:"endpoint_type"`
	Cluster      string `json:"cluster"`
	From         string `json:"from,omitempty"`
	To           string `json:"to"`
	ToIdentity   string `json:"to_identity"`
	// Result is planned (dry-run), held, skipped (DTS already pointed at the
	// primary), finished, failed, refused, timeout, unknown or abandoned.
	Result     string   `json:"result"`
	TaskID     string   `json:"task_id,omitempty"`
	RequestIDs []string `json:"request_ids,omitempty"`
	Error      string   `json:"error,omitempty"`
	DurationMS int64    `json:"duration_ms"`
}

// stateExit is the exit status an endpoint or job state stands for.
func stateExit(state string) int {
	switch state {
	case StateUnknown:
		return ExitUnknown
	case StateDrift, StateHeld, StateFailed:
		return ExitDrift
	}
	return ExitInSync
}

// ExitCode returns the exit status of once and audit, the highest that
// applies. It is 0 when every job points at its primary, after any switch
// made. It is 1 when drift remains (in dry-run when drift was found, live
// when a switch failed, was rejected or was held back), or when the state
// file could not be written. It is 3 when the state of some job could not
// be determined or the tick stopped early.
func (r *Report) ExitCode() int {
	code := ExitInSync
	if r.StateFileError != "" {
		code = ExitDrift
	}
	if r.Error != "" {
		code = ExitUnknown
	}
	for _, j := range r.Jobs {
		code = max(code, stateExit(j.Status))
		for _, ep := range j.Endpoints {
			code = max(code, stateExit(ep.State))
		}
	}
	return code
}

// WriteJSON writes the report as indented JSON in the schema documented on
// [Report].
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		SchemaVersion int `json:"schema_version"`
		ExitCode      int `json:"exit_code"`
		*Report
	}{1, r.ExitCode(), r}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// worseState returns the state with the higher exit status; on a tie the
// later state in the order in_sync, switched, drift, held, failed, unknown.
func worseState(a, b string) string {
	rank := func(s string) int {
		order := []string{StateInSync, StateSwitched, StateDrift, StateHeld, StateFailed, StateUnknown}
		for i, o := range order {
			if o == s {
				return i
			}
		}
		return 0
	}
	if a == "" || rank(b) > rank(a) {
		return b
	}
	return a
}
