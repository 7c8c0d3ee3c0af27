package dts_test

import (
	"errors"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
)

const (
	actionDescribe = "DescribeSynchronizationJobStatus"
	actionSwitch   = "SwitchSynchronizationEndpoint"
)

var switchReq = dts.SwitchRequest{JobID: oneWayJob.ID, EndpointType: dts.Source,
	Endpoint: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-new", IP: "10.0.0.2", Port: "3306"}}

func TestDescribeJob_Retries(t *testing.T) {
	tests := []struct {
		name     string
		fault    dtstest.Fault
		calls    int // at the emulator
		wantCode string
		ok       bool
	}{
		{name: "throttling_then_ok", fault: dtstest.Fault{Count: 2, Code: "Throttling.User", HTTPStatus: 400}, calls: 3, ok: true},
		{name: "throttling_at_403", fault: dtstest.Fault{Count: 1, Code: "Throttling.Api", HTTPStatus: 403}, calls: 2, ok: true},
		{name: "rejected_throttling", fault: dtstest.Fault{Count: 1, Code: "Rejected.Throttling", HTTPStatus: 400}, calls: 2, ok: true},
		{name: "throttling_success_false", fault: dtstest.Fault{Count: 1, Code: "Throttling", SuccessFalse: true}, calls: 2, ok: true},
		{name: "service_unavailable", fault: dtstest.Fault{Count: 3, Code: "ServiceUnavailable", HTTPStatus: 503}, calls: 4, ok: true},
		{name: "internal_error_success_false", fault: dtstest.Fault{Count: 1, Code: "InternalError", SuccessFalse: true}, calls: 2, ok: true},
		{name: "html_502", fault: dtstest.Fault{Count: 1, HTTPStatus: 502}, calls: 2, ok: true},
		{name: "exhausted", fault: dtstest.Fault{Count: 10, Code: "InternalError", HTTPStatus: 500}, calls: 4, wantCode: "InternalError"},
		{name: "invalid_parameter", fault: dtstest.Fault{Code: "InvalidParameter", HTTPStatus: 400}, calls: 1, wantCode: "InvalidParameter"},
		{name: "forbidden_ram", fault: dtstest.Fault{Code: "Forbidden.RAM", HTTPStatus: 403}, calls: 1, wantCode: "Forbidden.RAM"},
		{name: "denied_success_false", fault: dtstest.Fault{Code: "OperationDenied", SuccessFalse: true}, calls: 1, wantCode: "OperationDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dtstest.Options{}, nil)
			tt.fault.Action = actionDescribe
			e.srv.Inject(tt.fault)
			_, err := e.client.DescribeJob(ctxT(t), "", oneWayJob.ID, dts.Forward)
			if n := len(e.srv.CallsOf(actionDescribe)); n != tt.calls {
				t.Errorf("calls = %d, want %d", n, tt.calls)
			}
			if n := len(e.obs.of(actionDescribe)); n != tt.calls {
				t.Errorf("observed attempts = %d, want %d", n, tt.calls)
			}
			if tt.ok {
				if err != nil {
					t.Fatalf("DescribeJob: %v", err)
				}
				return
			}
			var ae *dts.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v, want an *APIError", err)
			}
			if ae.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", ae.Code, tt.wantCode)
			}
		})
	}
}

func TestDescribeJob_RetryLogged(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, nil)
	e.srv.Inject(dtstest.Fault{Action: actionDescribe, Code: "Throttling.User", HTTPStatus: 400})
	if _, err := e.client.DescribeJob(ctxT(t), "", oneWayJob.ID, dts.Forward); err != nil {
		t.Fatalf("DescribeJob: %v", err)
	}
	logs := e.logs.String()
	for _, want := range []string{`"level":"WARN"`, `"action":"DescribeSynchronizationJobStatus"`, `"attempt":1`, `"code":"Throttling.User"`, `"request_id":"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if got, want := e.obs.of(actionDescribe), []string{"Throttling.User", ""}; !slices.Equal(got, want) {
		t.Errorf("observed codes = %q, want %q", got, want)
	}
}

func TestSwitch_Retries(t *testing.T) {
	tests := []struct {
		name    string
		fault   dtstest.Fault
		calls   int
		task    bool // a task was created
		unknown bool // errors.Is(err, ErrUnknownOutcome)
		status  int  // HTTP status of the *APIError, 0 for none
	}{
		{name: "throttling_retried", fault: dtstest.Fault{Count: 2, Code: "Throttling.User", HTTPStatus: 400}, calls: 3, task: true},
		{name: "throttling_success_false_retried", fault: dtstest.Fault{Code: "Throttling.Api", SuccessFalse: true}, calls: 2, task: true},
		{name: "service_unavailable", fault: dtstest.Fault{Code: "ServiceUnavailable", HTTPStatus: 503}, calls: 1, unknown: true, status: 503},
		{name: "internal_error_500", fault: dtstest.Fault{Code: "InternalError", HTTPStatus: 500}, calls: 1, unknown: true, status: 500},
		{name: "html_502", fault: dtstest.Fault{HTTPStatus: 502}, calls: 1, unknown: true, status: 502},
		{name: "invalid_parameter", fault: dtstest.Fault{Code: "InvalidParameter", HTTPStatus: 400}, calls: 1, status: 400},
		{name: "internal_error_success_false", fault: dtstest.Fault{Code: "InternalError", SuccessFalse: true}, calls: 1, unknown: true, status: 200},
		{name: "denied_success_false", fault: dtstest.Fault{Code: "OperationDenied", SuccessFalse: true}, calls: 1, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dtstest.Options{}, nil)
			tt.fault.Action = actionSwitch
			e.srv.Inject(tt.fault)
			res, err := e.client.Switch(ctxT(t), switchReq)
			calls := e.srv.CallsOf(actionSwitch)
			if len(calls) != tt.calls {
				t.Errorf("switch calls = %d, want %d", len(calls), tt.calls)
			}
			created := 0
			for _, c := range calls {
				if c.TaskID != "" {
					created++
				}
			}
			if tt.task != (created == 1) || created > 1 {
				t.Errorf("tasks created = %d, want a task: %v", created, tt.task)
			}
			if tt.task {
				if err != nil || res.TaskID == "" {
					t.Fatalf("Switch = %+v, %v, want a task id", res, err)
				}
				return
			}
			if got := errors.Is(err, dts.ErrUnknownOutcome); got != tt.unknown {
				t.Errorf("errors.Is(%v, ErrUnknownOutcome) = %v, want %v", err, got, tt.unknown)
			}
			var ae *dts.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v, want an *APIError", err)
			}
			if ae.HTTPStatus != tt.status {
				t.Errorf("status = %d, want %d", ae.HTTPStatus, tt.status)
			}
			if dts.IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true, want false for a failed switch", err)
			}
		})
	}
}

func TestSwitch_TimeoutIsUnknownOutcome(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) { c.Timeout = 300 * time.Millisecond })
	e.srv.Inject(dtstest.Fault{Action: actionSwitch, Delay: 3 * time.Second})
	_, err := e.client.Switch(ctxT(t), switchReq)
	if !errors.Is(err, dts.ErrUnknownOutcome) {
		t.Fatalf("error = %v, want ErrUnknownOutcome", err)
	}
	var te *dts.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want a *TransportError", err)
	}
	if !te.Timeout() {
		t.Errorf("TransportError.Timeout() = false for %v", te)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error does not expose a net.Error with Timeout: %v", err)
	}

	calls := e.srv.CallsOf(actionSwitch)
	if len(calls) != 1 {
		t.Fatalf("switch calls = %d, want exactly 1", len(calls))
	}
	if calls[0].TaskID == "" {
		t.Fatal("the delayed switch created no task")
	}
	st := waitTask(t, e.client, calls[0].TaskID)
	if st.Status != dts.TaskFinished {
		t.Errorf("task status = %q, want Finished", st.Status)
	}
	js, _ := e.srv.Job(oneWayJob.ID, dts.Forward)
	if js.Source.InstanceID != switchReq.Endpoint.InstanceID {
		t.Errorf("source = %+v, want the switched endpoint although the client timed out", js.Source)
	}
}

// closedPortURL returns an http URL on 127.0.0.1 where nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestSwitch_ConnectionRefusedRetried(t *testing.T) {
	url := closedPortURL(t)
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) {
		c.Endpoint = url
		c.MaxAttempts = 3
	})
	_, err := e.client.Switch(ctxT(t), switchReq)
	if err == nil {
		t.Fatal("Switch to a closed port succeeded")
	}
	if errors.Is(err, dts.ErrUnknownOutcome) {
		t.Errorf("error = %v, must not be ErrUnknownOutcome: the request never left", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error = %v, want it to match ECONNREFUSED", err)
	}
	var te *dts.TransportError
	if !errors.As(err, &te) || !te.NotSent {
		t.Errorf("error = %v, want a *TransportError with NotSent", err)
	}
	if got, want := e.obs.of(actionSwitch), []string{"transport", "transport", "transport"}; !slices.Equal(got, want) {
		t.Errorf("observed attempts = %q, want %q", got, want)
	}
}

func TestSwitch_ResetConnectionIsUnknownOutcome(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	// The server reads the request, then closes without responding.
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_, _ = conn.Read(buf)
			conn.Close()
		}
	}()
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) { c.Endpoint = "http://" + ln.Addr().String() })
	_, err = e.client.Switch(ctxT(t), switchReq)
	if !errors.Is(err, dts.ErrUnknownOutcome) {
		t.Fatalf("error = %v, want ErrUnknownOutcome", err)
	}
	if got := e.obs.of(actionSwitch); len(got) != 1 {
		t.Errorf("attempts = %d, want 1", len(got))
	}
}

func TestWrongSecret_SignatureDoesNotMatch(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) { c.AccessKeySecret = "wrong-" + testSecret })
	_, err := e.client.DescribeJob(ctxT(t), "", oneWayJob.ID, dts.Forward)
	var ae *dts.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want an *APIError", err)
	}
	if ae.Code != "SignatureDoesNotMatch" || ae.HTTPStatus != 400 {
		t.Errorf("code, status = %q, %d, want SignatureDoesNotMatch, 400", ae.Code, ae.HTTPStatus)
	}
	if ae.RequestID == "" {
		t.Error("request id is empty")
	}
	if n := len(e.srv.Calls()); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestSuccessFalse_APIErrorFields(t *testing.T) {
	e := newEnv(t, dtstest.Options{}, nil)
	e.srv.Inject(dtstest.Fault{Action: actionDescribe, SuccessFalse: true, Code: "OperationDenied.Foo", Message: "the job is locked"})
	_, err := e.client.DescribeJob(ctxT(t), "", oneWayJob.ID, dts.Forward)
	var ae *dts.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want an *APIError", err)
	}
	if ae.HTTPStatus != 200 {
		t.Errorf("status = %d, want 200", ae.HTTPStatus)
	}
	if ae.Code != "OperationDenied.Foo" {
		t.Errorf("code = %q, want OperationDenied.Foo", ae.Code)
	}
	if ae.Message != "the job is locked" {
		t.Errorf("message = %q, want %q", ae.Message, "the job is locked")
	}
	if ae.RequestID == "" {
		t.Error("request id is empty")
	}
	if ae.Action != actionDescribe {
		t.Errorf("action = %q, want %q", ae.Action, actionDescribe)
	}
}

func TestNon2xx_APIError(t *testing.T) {
	tests := []struct {
		name  string
		fault dtstest.Fault
		code  string
	}{
		{name: "json_403", fault: dtstest.Fault{Code: "Forbidden.RAM", HTTPStatus: 403, Message: "no permission"}, code: "Forbidden.RAM"},
		{name: "html_404", fault: dtstest.Fault{HTTPStatus: 404}, code: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, dtstest.Options{}, nil)
			tt.fault.Action = actionDescribe
			e.srv.Inject(tt.fault)
			_, err := e.client.DescribeJob(ctxT(t), "", oneWayJob.ID, dts.Forward)
			var ae *dts.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v, want an *APIError", err)
			}
			if ae.Code != tt.code || ae.HTTPStatus != tt.fault.HTTPStatus {
				t.Errorf("code, status = %q, %d, want %q, %d", ae.Code, ae.HTTPStatus, tt.code, tt.fault.HTTPStatus)
			}
			if ae.Message == "" || len(ae.Message) > 260 || strings.Contains(ae.Message, "\n") {
				t.Errorf("message = %q, want a short single line", ae.Message)
			}
		})
	}
}
