package dts_test

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
)

func TestDescribeJob_BothDirections(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, nil)
	tests := []struct {
		name     string
		dir      dts.Direction
		src, dst dts.Endpoint
	}{
		{name: "forward", dir: dts.Forward, src: twoWayJob.Source, dst: twoWayJob.Destination},
		{name: "reverse", dir: dts.Reverse, src: twoWayJob.Destination, dst: twoWayJob.Source},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js, err := e.client.DescribeJob(ctxT(t), "", twoWayJob.ID, tt.dir)
			if err != nil {
				t.Fatalf("DescribeJob: %v", err)
			}
			if js.Source != tt.src {
				t.Errorf("source = %+v, want %+v", js.Source, tt.src)
			}
			if js.Destination != tt.dst {
				t.Errorf("destination = %+v, want %+v", js.Destination, tt.dst)
			}
			if js.Direction != tt.dir {
				t.Errorf("direction = %q, want %q", js.Direction, tt.dir)
			}
			if js.JobID != twoWayJob.ID || js.Name != twoWayJob.Name {
				t.Errorf("job = %q %q, want %q %q", js.JobID, js.Name, twoWayJob.ID, twoWayJob.Name)
			}
			if js.Status != "Synchronizing" {
				t.Errorf("status = %q, want Synchronizing", js.Status)
			}
			if js.RequestID == "" {
				t.Error("request id is empty")
			}
		})
	}
}

func TestDescribeJob_Errors(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, nil)
	tests := []struct {
		name     string
		jobID    string
		dir      dts.Direction
		code     string
		status   int
		notFound bool
	}{
		{name: "unknown_job", jobID: "dtsnosuchjob", dir: dts.Forward, code: "Forbidden.InstanceNotFound", status: 404, notFound: true},
		{name: "reverse_of_one_way", jobID: oneWayJob.ID, dir: dts.Reverse, code: "InvalidParameter", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetCalls()
			_, err := e.client.DescribeJob(ctxT(t), "", tt.jobID, tt.dir)
			var ae *dts.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v, want an *APIError", err)
			}
			if ae.Code != tt.code || ae.HTTPStatus != tt.status {
				t.Errorf("code, status = %q, %d, want %q, %d", ae.Code, ae.HTTPStatus, tt.code, tt.status)
			}
			if got := dts.IsNotFound(err); got != tt.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.notFound)
			}
			if n := len(e.srv.Calls()); n != 1 {
				t.Errorf("calls = %d, want 1 (not retried)", n)
			}
		})
	}
}

func TestSwitch_ChangesOneDirectionSide(t *testing.T) {
	newEP := dts.Endpoint{InstanceType: "ECS", InstanceID: "i-new00042", IP: "10.9.9.9", Port: "3310"}
	tests := []struct {
		name string
		dir  dts.Direction
		side dts.EndpointType
	}{
		{name: "forward_source", dir: dts.Forward, side: dts.Source},
		{name: "forward_destination", dir: dts.Forward, side: dts.Destination},
		{name: "reverse_source", dir: dts.Reverse, side: dts.Source},
		{name: "reverse_destination", dir: dts.Reverse, side: dts.Destination},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dtstest.Options{}, nil)
			before := map[dts.Direction]dts.JobStatus{}
			for _, d := range []dts.Direction{dts.Forward, dts.Reverse} {
				before[d], _ = e.srv.Job(twoWayJob.ID, d)
			}

			res, err := e.client.Switch(ctxT(t), dts.SwitchRequest{
				JobID: twoWayJob.ID, Direction: tt.dir, EndpointType: tt.side, Endpoint: newEP,
			})
			if err != nil {
				t.Fatalf("Switch: %v", err)
			}
			if res.TaskID == "" || res.RequestID == "" {
				t.Fatalf("result = %+v, want a task id and a request id", res)
			}
			if st := waitTask(t, e.client, res.TaskID); st.Status != dts.TaskFinished {
				t.Fatalf("task status = %q, want Finished", st.Status)
			}

			for _, d := range []dts.Direction{dts.Forward, dts.Reverse} {
				got, err := e.client.DescribeJob(ctxT(t), "", twoWayJob.ID, d)
				if err != nil {
					t.Fatalf("DescribeJob %s: %v", d, err)
				}
				for _, side := range []dts.EndpointType{dts.Source, dts.Destination} {
					want := before[d].Endpoint(side)
					if d == tt.dir && side == tt.side {
						want = newEP
					}
					if got.Endpoint(side) != want {
						t.Errorf("%s %s = %+v, want %+v", d, side, got.Endpoint(side), want)
					}
				}
				if got.Status != "Synchronizing" {
					t.Errorf("%s status = %q, want Synchronizing", d, got.Status)
				}
			}
		})
	}
}

// commonParams are the parameters that the SDK adds to every RPC call.
var commonParams = []string{
	"AccessKeyId", "Action", "Format", "RegionId", "SignatureMethod", "SignatureNonce",
	"SignatureType", "SignatureVersion", "Timestamp", "Version",
}

func TestSwitch_WireParameters(t *testing.T) {
	tests := []struct {
		name string
		req  dts.SwitchRequest
		want map[string]string
	}{
		{
			name: "ecs_forward_default",
			req: dts.SwitchRequest{JobID: oneWayJob.ID, EndpointType: dts.Source,
				Endpoint: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-xyz", Port: "3306", EngineName: "MySQL", UserName: "u"}},
			want: map[string]string{
				"SynchronizationJobId": oneWayJob.ID, "SynchronizationDirection": "Forward",
				"Endpoint.Type": "Source", "Endpoint.InstanceType": "ECS", "Endpoint.InstanceId": "i-xyz",
				"Endpoint.Port": "3306",
			},
		},
		{
			name: "local_instance_ip_only",
			req: dts.SwitchRequest{JobID: oneWayJob.ID, Direction: dts.Forward, EndpointType: dts.Destination,
				Endpoint: dts.Endpoint{InstanceType: "LocalInstance", IP: "203.0.113.9", Port: "3307"}},
			want: map[string]string{
				"SynchronizationJobId": oneWayJob.ID, "SynchronizationDirection": "Forward",
				"Endpoint.Type": "Destination", "Endpoint.InstanceType": "LocalInstance", "Endpoint.IP": "203.0.113.9",
				"Endpoint.Port": "3307",
			},
		},
		{
			name: "express_reverse_cross_account",
			req: dts.SwitchRequest{RegionID: "cn-shanghai", JobID: twoWayJob.ID, Direction: dts.Reverse, EndpointType: dts.Source,
				Endpoint:      dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-1", IP: "172.16.0.9", Port: "3306"},
				SourceOwnerID: "1234567890", SourceRole: "dts-cross-role"},
			want: map[string]string{
				"SynchronizationJobId": twoWayJob.ID, "SynchronizationDirection": "Reverse",
				"Endpoint.Type": "Source", "Endpoint.InstanceType": "Express", "Endpoint.InstanceId": "vpc-1",
				"Endpoint.IP": "172.16.0.9", "Endpoint.Port": "3306",
				"SourceEndpoint.OwnerID": "1234567890", "SourceEndpoint.Role": "dts-cross-role",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dtstest.Options{}, nil)
			if _, err := e.client.Switch(ctxT(t), tt.req); err != nil {
				t.Fatalf("Switch: %v", err)
			}
			calls := e.srv.Calls()
			if len(calls) != 1 {
				t.Fatalf("calls = %d, want 1", len(calls))
			}
			c := calls[0]
			if c.Method != "POST" {
				t.Errorf("method = %s, want POST", c.Method)
			}

			wantKeys := slices.Sorted(maps.Keys(tt.want))
			wantKeys = append(wantKeys, commonParams...)
			slices.Sort(wantKeys)
			gotKeys := slices.Sorted(maps.Keys(c.Params))
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("parameters = %v, want %v", gotKeys, wantKeys)
			}
			for k, v := range tt.want {
				if c.Params[k] != v {
					t.Errorf("%s = %q, want %q", k, c.Params[k], v)
				}
			}

			wantRegion := tt.req.RegionID
			if wantRegion == "" {
				wantRegion = "cn-hangzhou"
			}
			common := map[string]string{
				"Action": "SwitchSynchronizationEndpoint", "Version": "2020-01-01", "Format": "JSON",
				"RegionId": wantRegion, "AccessKeyId": testKeyID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
			}
			for k, v := range common {
				if c.Params[k] != v {
					t.Errorf("%s = %q, want %q", k, c.Params[k], v)
				}
			}
		})
	}
}

func TestSwitchStatus_UnknownTask(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, nil)
	_, err := e.client.SwitchStatus(ctxT(t), "", "999")
	var ae *dts.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want an *APIError", err)
	}
	if ae.HTTPStatus != 200 || ae.Code != "InvalidTaskId.NotFound" {
		t.Errorf("status, code = %d, %q, want 200, InvalidTaskId.NotFound", ae.HTTPStatus, ae.Code)
	}
	if !dts.IsNotFound(err) {
		t.Error("IsNotFound = false, want true")
	}
}

func TestSwitch_FailedTaskKeepsEndpoint(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, nil)
	e.srv.FailNextTask(oneWayJob.ID)
	res, err := e.client.Switch(ctxT(t), dts.SwitchRequest{JobID: oneWayJob.ID, EndpointType: dts.Source,
		Endpoint: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-other", Port: "3306"}})
	if err != nil {
		t.Fatalf("Switch: %v", err)
	}
	st := waitTask(t, e.client, res.TaskID)
	if st.Status != dts.TaskFailed {
		t.Errorf("task status = %q, want Failed", st.Status)
	}
	if st.ErrorMessage == "" {
		t.Error("failed task has no error message")
	}
	js, err := e.client.DescribeJob(ctxT(t), "", oneWayJob.ID, dts.Forward)
	if err != nil {
		t.Fatalf("DescribeJob: %v", err)
	}
	if js.Source != oneWayJob.Source {
		t.Errorf("source = %+v, want unchanged %+v", js.Source, oneWayJob.Source)
	}
}

func TestSwitch_SecondWhileRunningIsJobBusy(t *testing.T) {
	e := newEnv(t, dtstest.Options{InitializingDelay: time.Hour}, nil)
	req := dts.SwitchRequest{JobID: twoWayJob.ID, Direction: dts.Forward, EndpointType: dts.Source,
		Endpoint: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-n1", Port: "3306"}}
	if _, err := e.client.Switch(ctxT(t), req); err != nil {
		t.Fatalf("first Switch: %v", err)
	}
	js, err := e.client.DescribeJob(ctxT(t), "", twoWayJob.ID, dts.Reverse)
	if err != nil {
		t.Fatalf("DescribeJob: %v", err)
	}
	if js.Status != "Modifying" {
		t.Errorf("status while a task runs = %q, want Modifying", js.Status)
	}

	req.Direction, req.EndpointType = dts.Reverse, dts.Destination
	_, err = e.client.Switch(ctxT(t), req)
	if !dts.IsJobBusy(err) {
		t.Fatalf("second Switch error = %v, want IsJobBusy", err)
	}
	if errors.Is(err, dts.ErrUnknownOutcome) {
		t.Errorf("busy refusal matches ErrUnknownOutcome: %v", err)
	}
	if n := len(e.srv.CallsOf("SwitchSynchronizationEndpoint")); n != 2 {
		t.Errorf("switch calls = %d, want 2 (the refusal is not retried)", n)
	}
}
