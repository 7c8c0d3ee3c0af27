package dtstest

import (
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"dts-reconciler/dts"
)

func describe(t *testing.T, s *Server) reply {
	t.Helper()
	return send(t, s, "DescribeSynchronizationJobStatus", request{params: map[string]string{"SynchronizationJobId": oneWay.ID}})
}

func TestInject_OrderCountAndAction(t *testing.T) {
	s := newTestServer(t, Options{})
	s.Inject(Fault{Action: "SwitchSynchronizationEndpoint", Code: "Throttling.User"})
	s.Inject(Fault{Count: 2, Code: "Throttling.User", HTTPStatus: 400})
	s.Inject(Fault{Action: "DescribeSynchronizationJobStatus", Code: "ServiceUnavailable", HTTPStatus: 503})
	s.Inject(Fault{Action: "DescribeSynchronizationJobStatus", SuccessFalse: true, Code: "InternalError", Message: "boom"})

	want := []struct {
		status int
		code   string
	}{
		{400, "Throttling.User"}, {400, "Throttling.User"}, {503, "ServiceUnavailable"}, {200, "InternalError"}, {200, ""},
	}
	for i, w := range want {
		r := describe(t, s)
		if r.status != w.status || r.code() != w.code {
			t.Errorf("call %d: status, code = %d, %q, want %d, %q", i+1, r.status, r.code(), w.status, w.code)
		}
	}
	// The switch fault is still waiting for its action.
	r := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(nil)})
	if r.code() != "Throttling.User" || r.str("TaskId") != "" {
		t.Errorf("switch = %d %v, want Throttling.User without a task", r.status, r.body)
	}
	if js, _ := s.Job(oneWay.ID, dts.Forward); js.Status != "Synchronizing" {
		t.Errorf("job status after a faulted switch = %q, want Synchronizing", js.Status)
	}
}

func TestInject_HTMLBody(t *testing.T) {
	s := newTestServer(t, Options{})
	s.Inject(Fault{HTTPStatus: 502})
	p := commonParams("DescribeSynchronizationJobStatus")
	p["Signature"] = sign(testSecret, stringToSign("GET", p))
	values := url.Values{}
	for k, v := range p {
		values.Set(k, v)
	}
	resp, err := http.Get(s.URL + "/?" + values.Encode())
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Errorf("status = %d, want 502", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type = %q, want text/html", ct)
	}
}

func TestInject_DelayedSwitchCreatesTask(t *testing.T) {
	s := newTestServer(t, Options{})
	s.Inject(Fault{Action: "SwitchSynchronizationEndpoint", Delay: 50 * time.Millisecond})
	r := send(t, s, "SwitchSynchronizationEndpoint", request{params: switchParams(nil)})
	if r.str("TaskId") == "" {
		t.Fatalf("switch = %v, want a task after the delay", r.body)
	}
	if c := s.CallsOf("SwitchSynchronizationEndpoint"); len(c) != 1 || c[0].TaskID != r.str("TaskId") {
		t.Errorf("recorded switch calls = %+v, want one with task %s", c, r.str("TaskId"))
	}
}

func TestInject_HangUntilClose(t *testing.T) {
	s := NewServer(Options{AccessKeyID: testKeyID, AccessKeySecret: testSecret})
	s.AddJob(oneWay)
	s.Inject(Fault{Hang: true})
	arrived := make(chan Call, 1)
	s.OnCall(func(c Call) { arrived <- c })

	p := commonParams("DescribeSynchronizationJobStatus")
	p["SynchronizationJobId"] = oneWay.ID
	p["Signature"] = sign(testSecret, stringToSign("GET", p))
	values := url.Values{}
	for k, v := range p {
		values.Set(k, v)
	}
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(s.URL + "/?" + values.Encode())
		if err == nil {
			resp.Body.Close()
			err = errors.New("got a response: " + resp.Status)
		}
		done <- err
	}()

	var c Call
	select {
	case c = <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the hung call never arrived")
	}
	if c.HTTPStatus != 0 {
		t.Errorf("recorded status = %d, want 0 for a call without a response", c.HTTPStatus)
	}
	select {
	case err := <-done:
		t.Fatalf("the hung call returned before Close: %v", err)
	case <-time.After(50 * time.Millisecond):
	}

	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return while a call hung")
	}
	if err := <-done; err == nil {
		t.Error("the hung call got no error")
	}
}

func TestCalls_ResetAndHooks(t *testing.T) {
	s := newTestServer(t, Options{})
	var mu sync.Mutex
	var seen []string
	s.OnCall(func(c Call) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, c.Action)
	})
	describe(t, s)
	send(t, s, "DescribeEndpointSwitchStatus", request{params: map[string]string{"TaskId": "7"}})
	if n := len(s.CallsOf("DescribeSynchronizationJobStatus")); n != 1 {
		t.Errorf("describe calls = %d, want 1", n)
	}
	calls := s.Calls()
	calls[0].Params["SynchronizationJobId"] = "changed"
	if got := s.Calls()[0].Params["SynchronizationJobId"]; got != oneWay.ID {
		t.Errorf("recorded job id = %q after editing a copy, want %q", got, oneWay.ID)
	}
	s.ResetCalls()
	if n := len(s.Calls()); n != 0 {
		t.Errorf("calls after ResetCalls = %d, want 0", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != "DescribeSynchronizationJobStatus" || seen[1] != "DescribeEndpointSwitchStatus" {
		t.Errorf("hook saw %q, want the two actions in order", seen)
	}
}
