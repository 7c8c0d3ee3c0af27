package dtstest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"dts-reconciler/dts"
)

// directionParam reads SynchronizationDirection: "" means Forward, and
// Reverse exists only on two-way jobs.
func directionParam(p map[string]string, jb *job) (dts.Direction, *response) {
	dir := dts.Direction(p["SynchronizationDirection"])
	if dir == "" {
		dir = dts.Forward
	}
	if dir != dts.Forward && dir != dts.Reverse {
		a := invalid("SynchronizationDirection", string(dir), "use Forward or Reverse")
		return "", &a
	}
	if jb.dirs[dir] == nil {
		a := invalid("SynchronizationDirection", string(dir),
			fmt.Sprintf("job %s is one-way and has no Reverse direction", jb.id))
		return "", &a
	}
	return dir, nil
}

// jobParamLocked finds the job of SynchronizationJobId.
func (s *Server) jobParamLocked(p map[string]string) (*job, *response) {
	id := p["SynchronizationJobId"]
	if id == "" {
		a := missing("SynchronizationJobId")
		return nil, &a
	}
	jb := s.jobs[id]
	if jb == nil {
		a := gatewayError(http.StatusNotFound, "Forbidden.InstanceNotFound",
			fmt.Sprintf("The specified instance %s is not found.", id))
		return nil, &a
	}
	return jb, nil
}

// jobDirectionLocked returns the job and direction a request names, or
// the error response for a missing or unknown one.
func (s *Server) jobDirectionLocked(p map[string]string) (*job, dts.Direction, *response) {
	jb, bad := s.jobParamLocked(p)
	if bad != nil {
		return nil, "", bad
	}
	dir, bad := directionParam(p, jb)
	if bad != nil {
		return nil, "", bad
	}
	return jb, dir, nil
}

func (s *Server) describeJob(p map[string]string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.advanceLocked(now)
	jb, dir, bad := s.jobDirectionLocked(p)
	if bad != nil {
		return *bad
	}

	js := jobStatusLocked(jb, dir, jb.dirs[dir])
	// Port travels as a string and DelayMillis as a number, as in the
	// API's models.
	return ok(map[string]any{
		"SynchronizationJobId":     js.JobID,
		"SynchronizationJobName":   js.Name,
		"SynchronizationDirection": string(js.Direction),
		"Status":                   js.Status,
		"SourceEndpoint":           endpointJSON(js.Source),
		"DestinationEndpoint":      endpointJSON(js.Destination),
		"Delay":                    "0",
		"DelayMillis":              0,
		"Checkpoint":               strconv.FormatInt(now.Unix(), 10),
		"ErrorMessage":             "",
	})
}

func endpointJSON(e dts.Endpoint) map[string]any {
	return map[string]any{
		"InstanceType": e.InstanceType,
		"InstanceId":   e.InstanceID,
		"IP":           e.IP,
		"Port":         e.Port,
		"EngineName":   e.EngineName,
		"UserName":     e.UserName,
	}
}

// Endpoint instance types that a switch accepts.
var switchInstanceTypes = map[string]bool{"LocalInstance": true, "ECS": true, "Express": true}

// checkEndpoint validates the Endpoint.* parameters of a switch.
func checkEndpoint(p map[string]string) (dts.EndpointType, dts.Endpoint, *response) {
	fail := func(a response) (dts.EndpointType, dts.Endpoint, *response) { return "", dts.Endpoint{}, &a }

	side := dts.EndpointType(p["Endpoint.Type"])
	ep := dts.Endpoint{
		InstanceType: p["Endpoint.InstanceType"],
		InstanceID:   p["Endpoint.InstanceId"],
		IP:           p["Endpoint.IP"],
		Port:         p["Endpoint.Port"],
	}
	switch {
	case side == "":
		return fail(missing("Endpoint.Type"))
	case side != dts.Source && side != dts.Destination:
		return fail(invalid("Endpoint.Type", string(side), "use Source or Destination"))
	case ep.InstanceType == "":
		return fail(missing("Endpoint.InstanceType"))
	case !switchInstanceTypes[ep.InstanceType]:
		return fail(invalid("Endpoint.InstanceType", ep.InstanceType, "use LocalInstance, ECS or Express"))
	case ep.Port == "":
		return fail(missing("Endpoint.Port"))
	}
	if n, err := strconv.Atoi(ep.Port); err != nil || n < 1 || n > 65535 {
		return fail(invalid("Endpoint.Port", ep.Port, "use a port number from 1 to 65535"))
	}
	if ep.InstanceID == "" && (ep.InstanceType == "ECS" || ep.InstanceType == "Express") {
		return fail(missing("Endpoint.InstanceId"))
	}
	if ep.IP == "" && (ep.InstanceType == "Express" || ep.InstanceType == "LocalInstance") {
		return fail(missing("Endpoint.IP"))
	}
	if ep.IP != "" && net.ParseIP(ep.IP) == nil {
		return fail(invalid("Endpoint.IP", ep.IP, "use an IPv4 or IPv6 address"))
	}
	return side, ep, nil
}

func (s *Server) switchEndpoint(p map[string]string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.advanceLocked(now)
	jb, dir, bad := s.jobDirectionLocked(p)
	if bad != nil {
		return *bad
	}
	side, ep, bad := checkEndpoint(p)
	if bad != nil {
		return *bad
	}
	// DTS documents no error code for this rejection, so the code is made up
	// in the style of its other codes and exported as
	// dts.CodeJobStatusModifying.
	if jb.running != nil {
		return businessError(dts.CodeJobStatusModifying,
			fmt.Sprintf("The job %s is being modified by switch task %s; retry when it has ended.", jb.id, jb.running.id))
	}
	if jb.dirs[dir].status == StatusModifying {
		return businessError(dts.CodeJobStatusModifying,
			fmt.Sprintf("The job %s is in status Modifying; retry when it has ended.", jb.id))
	}

	t := s.startTaskLocked(jb, dir, side, ep, now)
	a := ok(map[string]any{"TaskId": t.id})
	a.taskID = t.id
	return a
}

func (s *Server) switchStatus(p map[string]string) response {
	id := p["TaskId"]
	if id == "" {
		return missing("TaskId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.advanceLocked(now)
	t := s.tasks[id]
	if t == nil {
		return businessError("InvalidTaskId.NotFound", fmt.Sprintf("The switch task %s is not found.", id))
	}
	body := map[string]any{"TaskId": t.id, "Status": t.state(now)}
	if t.state(now) == dts.TaskFailed {
		body["ErrorMessage"] = "The switch task failed: an injected failure."
	}
	a := ok(body)
	a.taskID = t.id
	return a
}
