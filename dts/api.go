package dts

import (
	"context"
	"fmt"
)

// Actions of the DTS API that the client calls.
const (
	actionDescribeJob  = "DescribeSynchronizationJobStatus"
	actionSwitch       = "SwitchSynchronizationEndpoint"
	actionSwitchStatus = "DescribeEndpointSwitchStatus"
)

// DescribeJob reads one direction of a synchronization job with
// DescribeSynchronizationJobStatus. regionID "" means Config.RegionID and
// dir "" means Forward. Retryable failures are retried; see IsRetryable.
func (c *Client) DescribeJob(ctx context.Context, regionID, jobID string, dir Direction) (JobStatus, error) {
	if dir == "" {
		dir = Forward
	}
	region, err := c.regionOf(regionID)
	if err == nil {
		err = checkJob(jobID, dir)
	}
	if err != nil {
		return JobStatus{}, fmt.Errorf("describe job %s %s: %w", jobID, dir, err)
	}

	params := map[string]string{
		"SynchronizationJobId":     jobID,
		"SynchronizationDirection": string(dir),
	}
	var out jobStatusJSON
	if err := c.callRead(ctx, actionDescribeJob, region, params, &out, "job", jobID, "direction", dir); err != nil {
		return JobStatus{}, fmt.Errorf("describe job %s %s: %w", jobID, dir, err)
	}

	js := JobStatus{
		JobID:        string(out.JobID),
		Name:         string(out.Name),
		Direction:    Direction(out.Direction),
		Status:       string(out.Status),
		Source:       out.Source.endpoint(),
		Destination:  out.Destination.endpoint(),
		ErrorMessage: string(out.ErrorMessage),
		RequestID:    string(out.RequestID),
	}
	if js.JobID == "" {
		js.JobID = jobID
	}
	if js.Direction == "" {
		js.Direction = dir
	}
	return js, nil
}

// Switch points one side of one direction of a job at a new database with
// SwitchSynchronizationEndpoint and returns the switch task's id.
//
// The call has no idempotency token. It is sent again only when the
// request surely did not reach DTS (connection refused, name not resolved)
// or DTS throttled it. When DTS may have acted on it, the error matches
// ErrUnknownOutcome and the caller must read the job again before any new
// switch. That covers a timeout, a reset connection, an HTTP 5xx,
// InternalError or ServiceUnavailable in any response, ctx ending while
// waiting, and an accepted response without a TaskId.
func (c *Client) Switch(ctx context.Context, req SwitchRequest) (SwitchResult, error) {
	if req.Direction == "" {
		req.Direction = Forward
	}
	region, err := c.regionOf(req.RegionID)
	if err == nil {
		err = checkSwitch(req)
	}
	if err != nil {
		return SwitchResult{}, fmt.Errorf("switch %s of job %s %s: %w", req.EndpointType, req.JobID, req.Direction, err)
	}

	params := switchParams(req)
	res, err := c.callSwitch(ctx, region, params,
		"job", req.JobID, "direction", req.Direction, "endpoint_type", req.EndpointType)
	if err != nil {
		return SwitchResult{}, fmt.Errorf("switch %s of job %s %s: %w", req.EndpointType, req.JobID, req.Direction, err)
	}
	return res, nil
}

// switchParams returns the request parameters of a switch: the job, the
// direction (always, even Forward), the endpoint, and the cross-account
// source parameters when set.
func switchParams(req SwitchRequest) map[string]string {
	p := map[string]string{
		"SynchronizationJobId":     req.JobID,
		"SynchronizationDirection": string(req.Direction),
		"Endpoint.Type":            string(req.EndpointType),
		"Endpoint.InstanceType":    req.Endpoint.InstanceType,
		"Endpoint.Port":            req.Endpoint.Port,
	}
	if req.Endpoint.InstanceID != "" {
		p["Endpoint.InstanceId"] = req.Endpoint.InstanceID
	}
	if req.Endpoint.IP != "" {
		p["Endpoint.IP"] = req.Endpoint.IP
	}
	if req.SourceOwnerID != "" {
		p["SourceEndpoint.OwnerID"] = req.SourceOwnerID
	}
	if req.SourceRole != "" {
		p["SourceEndpoint.Role"] = req.SourceRole
	}
	return p
}

// SwitchStatus reads the state of a switch task with
// DescribeEndpointSwitchStatus. regionID "" means Config.RegionID.
// Retryable failures are retried; see IsRetryable.
func (c *Client) SwitchStatus(ctx context.Context, regionID, taskID string) (TaskStatus, error) {
	region, err := c.regionOf(regionID)
	if err == nil && taskID == "" {
		err = fmt.Errorf("missing task id")
	}
	if err != nil {
		return TaskStatus{}, fmt.Errorf("read switch task %q: %w", taskID, err)
	}

	var out switchStatusJSON
	params := map[string]string{"TaskId": taskID}
	if err := c.callRead(ctx, actionSwitchStatus, region, params, &out, "task_id", taskID); err != nil {
		return TaskStatus{}, fmt.Errorf("read switch task %s: %w", taskID, err)
	}
	return TaskStatus{
		TaskID:       taskID,
		Status:       string(out.Status),
		RequestID:    string(out.RequestID),
		ErrorMessage: string(out.ErrorMessage),
	}, nil
}

func checkJob(jobID string, dir Direction) error {
	if jobID == "" {
		return fmt.Errorf("missing job id")
	}
	if dir != Forward && dir != Reverse {
		return fmt.Errorf("invalid direction %q: must be Forward or Reverse", dir)
	}
	return nil
}

func checkSwitch(req SwitchRequest) error {
	if err := checkJob(req.JobID, req.Direction); err != nil {
		return err
	}
	switch {
	case req.EndpointType != Source && req.EndpointType != Destination:
		return fmt.Errorf("invalid endpoint type %q: must be Source or Destination", req.EndpointType)
	case req.Endpoint.InstanceType == "":
		return fmt.Errorf("missing endpoint instance type")
	case req.Endpoint.Port == "":
		return fmt.Errorf("missing endpoint port")
	}
	return nil
}
