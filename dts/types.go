// Package dts calls the Alibaba Cloud DTS API (version 2020-01-01) through
// the SDK's CommonRequest: it reads a synchronization job's endpoints,
// switches an endpoint, and follows the switch task.
package dts

// Direction is a synchronization direction. Reverse exists only on two-way
// jobs.
type Direction string

// Directions.
const (
	Forward Direction = "Forward"
	Reverse Direction = "Reverse"
)

// EndpointType names the side of a direction: Source or Destination.
type EndpointType string

// Endpoint types.
const (
	Source      EndpointType = "Source"
	Destination EndpointType = "Destination"
)

// Endpoint is the connection that DTS uses to reach a database.
type Endpoint struct {
	InstanceType string // LocalInstance, ECS, Express, RDS, ...
	InstanceID   string
	IP           string
	Port         string
	EngineName   string
	UserName     string
}

// JobStatus is one direction of a synchronization job as
// DescribeSynchronizationJobStatus returns it.
type JobStatus struct {
	JobID       string
	Name        string
	Direction   Direction
	Status      string // Synchronizing, Failed, Modifying, ...
	Source      Endpoint
	Destination Endpoint
	// ErrorMessage is the task-level reason when synchronization failed.
	ErrorMessage string
	RequestID    string
}

// Endpoint returns the endpoint of the given side.
func (j JobStatus) Endpoint(t EndpointType) Endpoint {
	if t == Destination {
		return j.Destination
	}
	return j.Source
}

// SwitchRequest is one SwitchSynchronizationEndpoint call.
type SwitchRequest struct {
	RegionID     string
	JobID        string
	Direction    Direction
	EndpointType EndpointType
	// Endpoint is the new database: InstanceType, InstanceID (sent when
	// set), IP (sent when set) and Port are used.
	Endpoint      Endpoint
	SourceOwnerID string
	SourceRole    string
}

// SwitchResult is the answer to an accepted switch call.
type SwitchResult struct {
	TaskID    string
	RequestID string
}

// Switch task states of DescribeEndpointSwitchStatus. Finished and Failed
// are terminal.
const (
	TaskNotStarted   = "NotStarted"
	TaskInitializing = "Initializing"
	TaskSwitching    = "Switching"
	TaskFailed       = "Failed"
	TaskFinished     = "Finished"
)

// TaskStatus is the state of a switch task.
type TaskStatus struct {
	TaskID    string
	Status    string
	RequestID string
	// ErrorMessage is the reason DTS gives for a Failed task, if any.
	ErrorMessage string
}

// Terminal reports whether the task has ended.
func (t TaskStatus) Terminal() bool { return t.Status == TaskFinished || t.Status == TaskFailed }
