package dtstest

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"dts-reconciler/dts"
)

func TestDescribe_Directions(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		name       string
		job        string
		dir        string
		status     int
		code       string
		srcType    string
		srcPort    string
		wantDirOut string
	}{
		{name: "one_way_default", job: oneWay.ID, status: 200, srcType: "ECS", srcPort: "3306", wantDirOut: "Forward"},
		{name: "two_way_reverse", job: twoWay.ID, dir: "Reverse", status: 200, srcType: "Express", srcPort: "3307", wantDirOut: "Reverse"},
		{name: "one_way_reverse", job: oneWay.ID, dir: "Reverse", status: 400, code: "InvalidParameter"},
		{name: "bad_direction", job: oneWay.ID, dir: "Sideways", status: 400, code: "InvalidParameter"},
		{name: "unknown_job", job: "nope", status: 404, code: "Forbidden.InstanceNotFound"},
		{name: "no_job", job: "", status: 400, code: "MissingParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := map[string]string{"SynchronizationJobId": tt.job}
			if tt.dir != "" {
				p["SynchronizationDirection"] = tt.dir
			}
			r := send(t, s, "DescribeSynchronizationJobStatus", request{params: p})
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("status, code = %d, %q, want %d, %q (%v)", r.status, r.code(), tt.status, tt.code, r.body)
			}
			if tt.status != 200 {
				return
			}
			if r.str("Success") != "true" {
				t.Errorf("Success = %q, want \"true\"", r.str("Success"))
			}
			if got := r.str("SynchronizationDirection"); got != tt.wantDirOut {
				t.Errorf("direction = %q, want %q", got, tt.wantDirOut)
			}
			src, _ := r.body["SourceEndpoint"].(map[string]any)
			if src["InstanceType"] != tt.srcType || src["Port"] != tt.srcPort {
				t.Errorf("source = %v, want type %s port %s (port as a string)", src, tt.srcType, tt.srcPort)
			}
		})
	}
}

func TestSwitch_Validation(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(map[string]string)
		status int
		code   string
	}{
		{name: "valid", status: 200},
		{name: "no_job", edit: func(p map[string]string) { delete(p, "SynchronizationJobId") }, status: 400, code: "MissingParameter"},
		{name: "unknown_job", edit: func(p map[string]string) { p["SynchronizationJobId"] = "nope" }, status: 404, code: "Forbidden.InstanceNotFound"},
		{name: "no_type", edit: func(p map[string]string) { delete(p, "Endpoint.Type") }, status: 400, code: "MissingParameter"},
		{name: "bad_type", edit: func(p map[string]string) { p["Endpoint.Type"] = "source" }, status: 400, code: "InvalidParameter"},
		{name: "no_instance_type", edit: func(p map[string]string) { delete(p, "Endpoint.InstanceType") }, status: 400, code: "MissingParameter"},
		{name: "rds_instance_type", edit: func(p map[string]string) { p["Endpoint.InstanceType"] = "RDS" }, status: 400, code: "InvalidParameter"},
		{name: "no_port", edit: func(p map[string]string) { delete(p, "Endpoint.Port") }, status: 400, code: "MissingParameter"},
		{name: "port_zero", edit: func(p map[string]string) { p["Endpoint.Port"] = "0" }, status: 400, code: "InvalidParameter"},
		{name: "port_text", edit: func(p map[string]string) { p["Endpoint.Port"] = "mysql" }, status: 400, code: "InvalidParameter"},
		{name: "ecs_no_instance_id", edit: func(p map[string]string) { delete(p, "Endpoint.InstanceId") }, status: 400, code: "MissingParameter"},
		{name: "ecs_no_ip", edit: func(p map[string]string) { delete(p, "Endpoint.IP") }, status: 200},
		{name: "express_no_ip", edit: func(p map[string]string) {
			p["Endpoint.InstanceType"] = "Express"
			delete(p, "Endpoint.IP")
		}, status: 400, code: "MissingParameter"},
		{name: "express_no_vpc", edit: func(p map[string]string) {
			p["Endpoint.InstanceType"] = "Express"
			delete(p, "Endpoint.InstanceId")
		}, status: 400, code: "MissingParameter"},
		{name: "local_no_ip", edit: func(p map[string]string) {
			p["Endpoint.InstanceType"] = "LocalInstance"
			delete(p, "Endpoint.IP")
		}, status: 400, code: "MissingParameter"},
		{name: "local_ip_only", edit: func(p map[string]string) {
			p["Endpoint.InstanceType"] = "LocalInstance"
			delete(p, "Endpoint.InstanceId")
		}, status: 200},
		{name: "bad_ip", edit: func(p map[string]string) { p["Endpoint.IP"] = "db.example" }, status: 400, code: "InvalidParameter"},
		{name: "reverse_one_way", edit: func(p map[string]string) { p["SynchronizationDirection"] = "Reverse" }, status: 400, code: "InvalidParameter"},
		{name: "reverse_two_way", edit: func(p map[string]string) {
			p["SynchronizationJobId"] = twoWay.ID
			p["SynchronizationDirection"] = "Reverse"
		}, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{})
			r := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(tt.edit)})
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("status, code = %d, %q, want %d, %q (%v)", r.status, r.code(), tt.status, tt.code, r.body)
			}
			taskID := r.str("TaskId")
			if (taskID != "") != (tt.status == 200) {
				t.Errorf("TaskId = %q, want one only on success", taskID)
			}
			if c := s.Calls()[0]; c.TaskID != taskID {
				t.Errorf("recorded task = %q, want %q", c.TaskID, taskID)
			}
		})
	}
}

func TestTask_Lifecycle(t *testing.T) {
	tests := []struct {
		name       string
		init, sw   time.Duration
		fail       bool
		want       string
		jobStatus  string
		endpointIs string // instance id of the forward source afterwards
	}{
		{name: "initializing", init: time.Hour, sw: time.Hour, want: dts.TaskInitializing, jobStatus: "Modifying", endpointIs: "i-a"},
		{name: "switching", init: time.Millisecond, sw: time.Hour, want: dts.TaskSwitching, jobStatus: "Modifying", endpointIs: "i-a"},
		{name: "finished", init: time.Millisecond, sw: time.Millisecond, want: dts.TaskFinished, jobStatus: "Synchronizing", endpointIs: "i-new"},
		{name: "failed", init: time.Millisecond, sw: time.Millisecond, fail: true, want: dts.TaskFailed, jobStatus: "Failed", endpointIs: "i-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{InitializingDelay: tt.init, SwitchingDelay: tt.sw})
			s.SetStatus(oneWay.ID, dts.Forward, "Failed")
			if tt.fail {
				s.FailNextTask(oneWay.ID)
			}
			r := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(nil)})
			taskID := r.str("TaskId")
			if taskID == "" {
				t.Fatalf("switch: %v", r.body)
			}
			waitState(t, s, taskID, tt.want)

			js, ok := s.Job(oneWay.ID, dts.Forward)
			if !ok {
				t.Fatal("Job: not found")
			}
			if js.Status != tt.jobStatus {
				t.Errorf("job status = %q, want %q", js.Status, tt.jobStatus)
			}
			if js.Source.InstanceID != tt.endpointIs {
				t.Errorf("source instance = %q, want %q", js.Source.InstanceID, tt.endpointIs)
			}
			if js.Destination != oneWay.Destination {
				t.Errorf("destination = %+v, want unchanged %+v", js.Destination, oneWay.Destination)
			}
			if tt.want == dts.TaskFinished && (js.Source.EngineName != "MySQL" || js.Source.UserName != "dts") {
				t.Errorf("source = %+v, want engine and user kept", js.Source)
			}
		})
	}
}

func TestSwitch_BusyWhileTaskRuns(t *testing.T) {
	s := newTestServer(t, Options{InitializingDelay: time.Hour})
	first := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(func(p map[string]string) {
		p["SynchronizationJobId"] = twoWay.ID
	})})
	if first.str("TaskId") == "" {
		t.Fatalf("first switch: %v", first.body)
	}
	second := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(func(p map[string]string) {
		p["SynchronizationJobId"] = twoWay.ID
		p["SynchronizationDirection"] = "Reverse"
		p["Endpoint.Type"] = "Destination"
	})})
	if second.status != 200 || second.str("Success") != "false" || second.code() != dts.CodeJobStatusModifying {
		t.Errorf("second switch = %d %v, want 200 with Success false and %s", second.status, second.body, dts.CodeJobStatusModifying)
	}
	other := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(nil)})
	if other.str("TaskId") == "" {
		t.Errorf("switch of another job = %v, want a task", other.body)
	}
}

func TestSwitch_RefusedWhileStatusModifying(t *testing.T) {
	s := newTestServer(t, Options{})
	s.SetStatus(oneWay.ID, dts.Forward, "Modifying")
	r := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(nil)})
	if r.code() != dts.CodeJobStatusModifying {
		t.Errorf("code = %q, want %s", r.code(), dts.CodeJobStatusModifying)
	}
}

func TestSwitchStatus_Errors(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		name   string
		params map[string]string
		status int
		code   string
	}{
		{name: "unknown_task", params: map[string]string{"TaskId": "42"}, status: 200, code: "InvalidTaskId.NotFound"},
		{name: "no_task", params: map[string]string{}, status: 400, code: "MissingParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, "DescribeEndpointSwitchStatus", request{params: tt.params})
			if r.status != tt.status || r.code() != tt.code {
				t.Errorf("status, code = %d, %q, want %d, %q", r.status, r.code(), tt.status, tt.code)
			}
		})
	}
}

func TestUnknownAction(t *testing.T) {
	s := newTestServer(t, Options{})
	r := send(t, s, "DeleteSynchronizationJob", request{params: map[string]string{"SynchronizationJobId": oneWay.ID}})
	if r.status != 404 || r.code() != "InvalidAction.NotFound" {
		t.Errorf("status, code = %d, %q, want 404, InvalidAction.NotFound", r.status, r.code())
	}
}

func TestJob_Accessors(t *testing.T) {
	s := newTestServer(t, Options{})
	if _, ok := s.Job(oneWay.ID, dts.Reverse); ok {
		t.Error("Job(one-way, Reverse) found, want not found")
	}
	if _, ok := s.Job("nope", dts.Forward); ok {
		t.Error("Job(unknown) found, want not found")
	}
	rev, ok := s.Job(twoWay.ID, dts.Reverse)
	if !ok {
		t.Fatal("Job(two-way, Reverse) not found")
	}
	if rev.Source != twoWay.Destination || rev.Destination != twoWay.Source {
		t.Errorf("reverse = %+v -> %+v, want the forward endpoints swapped", rev.Source, rev.Destination)
	}
	s.SetStatus(twoWay.ID, dts.Reverse, "Failed")
	if js, _ := s.Job(twoWay.ID, dts.Reverse); js.Status != "Failed" {
		t.Errorf("reverse status = %q, want Failed", js.Status)
	}
	if js, _ := s.Job(twoWay.ID, dts.Forward); js.Status != "Synchronizing" {
		t.Errorf("forward status = %q, want Synchronizing", js.Status)
	}
}

func TestOptions_LoggerOneLinePerCall(t *testing.T) {
	buf := &lockedBuffer{}
	s := newTestServer(t, Options{Logger: slog.New(slog.NewTextHandler(buf, nil))})
	send(t, s, "DescribeSynchronizationJobStatus", request{params: map[string]string{"SynchronizationJobId": oneWay.ID}})
	send(t, s, "DescribeEndpointSwitchStatus", request{params: map[string]string{"TaskId": "1"}})
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("log lines = %d, want 2:\n%s", n, out)
	}
	if strings.Contains(out, testSecret) {
		t.Errorf("log contains the secret:\n%s", out)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
