package dts_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
)

// leaks returns the forbidden substrings that s contains.
func leaks(s string) []string {
	var found []string
	for _, bad := range []string{testSecret, "Signature=", "AccessKeyId=", "Signature%3D", "AccessKeyId%3D"} {
		if strings.Contains(s, bad) {
			found = append(found, bad)
		}
	}
	return found
}

func TestErrorsAndLogs_NoSecret(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*dts.Config)
		fault *dtstest.Fault
		call  func(context.Context, *dts.Client) error
	}{
		{name: "wrong_secret", mod: func(c *dts.Config) { c.AccessKeySecret = testSecret + "-wrong" }},
		{name: "connection_refused", mod: func(c *dts.Config) { c.Endpoint = closedPortURL(t) }},
		{name: "timeout", mod: func(c *dts.Config) { c.Timeout = 200 * time.Millisecond },
			fault: &dtstest.Fault{Count: 10, Delay: 2 * time.Second}},
		{name: "html_502", fault: &dtstest.Fault{Count: 10, HTTPStatus: 502}},
		{name: "success_false", fault: &dtstest.Fault{Count: 10, SuccessFalse: true, Code: "OperationDenied"}},
		{name: "throttled", fault: &dtstest.Fault{Count: 10, Code: "Throttling.User", HTTPStatus: 400}},
	}
	calls := map[string]func(context.Context, *dts.Client) error{
		"describe": func(ctx context.Context, c *dts.Client) error {
			_, err := c.DescribeJob(ctx, "", oneWayJob.ID, dts.Forward)
			return err
		},
		"switch": func(ctx context.Context, c *dts.Client) error {
			_, err := c.Switch(ctx, switchReq)
			return err
		},
		"status": func(ctx context.Context, c *dts.Client) error {
			_, err := c.SwitchStatus(ctx, "", "100001")
			return err
		},
	}
	for _, tt := range tests {
		for callName, call := range calls {
			t.Run(tt.name+"/"+callName, func(t *testing.T) {
				e := newEnv(t, dtstest.Options{}, func(c *dts.Config) {
					c.MaxAttempts = 2
					if tt.mod != nil {
						tt.mod(c)
					}
				})
				if tt.fault != nil {
					e.srv.Inject(*tt.fault)
				}
				err := call(ctxT(t), e.client)
				if err == nil {
					t.Fatal("call succeeded, want an error")
				}
				if found := leaks(err.Error()); len(found) > 0 {
					t.Errorf("error text contains %q: %v", found, err)
				}
				if found := leaks(e.logs.String()); len(found) > 0 {
					t.Errorf("logs contain %q:\n%s", found, e.logs.String())
				}
			})
		}
	}
}

func TestConcurrentCalls(t *testing.T) {
	e := newEnv(t, dtstest.Options{InitializingDelay: time.Millisecond, SwitchingDelay: time.Millisecond}, nil)
	// Throttle some calls so that retries run concurrently too.
	e.srv.Inject(dtstest.Fault{Count: 8, Code: "Throttling.User", HTTPStatus: 400})

	var wg sync.WaitGroup
	errs := make(chan error, 32*3)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			dir := dts.Forward
			if i%2 == 1 {
				dir = dts.Reverse
			}
			if _, err := e.client.DescribeJob(ctx, "", twoWayJob.ID, dir); err != nil {
				errs <- fmt.Errorf("goroutine %d: describe: %w", i, err)
			}
			if _, err := e.client.SwitchStatus(ctx, "", "100001"); !dts.IsNotFound(err) && err != nil {
				errs <- fmt.Errorf("goroutine %d: status: %w", i, err)
			}
			if _, err := e.client.DescribeJob(ctx, "cn-beijing", oneWayJob.ID, dts.Forward); err != nil {
				errs <- fmt.Errorf("goroutine %d: describe: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, want := len(e.srv.CallsOf(actionDescribe)), 64+8; n > want || n < 64 {
		t.Errorf("describe calls = %d, want between 64 and %d", n, want)
	}
}

// hungEnv returns an environment whose next call of action hangs, and a
// channel closed when the emulator has received it.
func hungEnv(t *testing.T, action string) (*env, <-chan struct{}) {
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) { c.Timeout = time.Minute })
	e.srv.Inject(dtstest.Fault{Action: action, Hang: true})
	arrived := make(chan struct{})
	var once sync.Once
	e.srv.OnCall(func(c dtstest.Call) {
		if c.Action == action {
			once.Do(func() { close(arrived) })
		}
	})
	return e, arrived
}

// returnsWithin runs fn and fails the test when it has not returned after
// limit, which is far below the client Timeout of a minute.
func returnsWithin(t *testing.T, limit time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("call still running %s after its context was cancelled", limit)
		return nil
	}
}

func TestContextCancel_StopsWaiting(t *testing.T) {
	tests := []struct {
		name    string
		action  string
		call    func(context.Context, *dts.Client) error
		unknown bool
	}{
		{name: "describe", action: actionDescribe, call: func(ctx context.Context, c *dts.Client) error {
			_, err := c.DescribeJob(ctx, "", oneWayJob.ID, dts.Forward)
			return err
		}},
		{name: "switch", action: actionSwitch, unknown: true, call: func(ctx context.Context, c *dts.Client) error {
			_, err := c.Switch(ctx, switchReq)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, arrived := hungEnv(t, tt.action)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-arrived
				cancel()
			}()
			err := returnsWithin(t, 10*time.Second, func() error { return tt.call(ctx, e.client) })
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error = %v, want context.Canceled", err)
			}
			if got := errors.Is(err, dts.ErrUnknownOutcome); got != tt.unknown {
				t.Errorf("errors.Is(err, ErrUnknownOutcome) = %v, want %v", got, tt.unknown)
			}

			// The hung request still holds the SDK client: a second call
			// waits for it and must stop waiting when its own context ends.
			ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel2()
			err = returnsWithin(t, 10*time.Second, func() error {
				_, err := e.client.DescribeJob(ctx2, "", oneWayJob.ID, dts.Forward)
				return err
			})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("queued call error = %v, want context.DeadlineExceeded", err)
			}
			if errors.Is(err, dts.ErrUnknownOutcome) {
				t.Errorf("queued call error = %v: it was never sent, so its outcome is known", err)
			}
		})
	}
}

// rawServer responds to every request with status and body, without
// checking signatures. It returns DTS responses that the emulator never
// sends.
func rawServer(t *testing.T, status int, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSwitch_ResponseWithoutTaskID(t *testing.T) {
	url := rawServer(t, 200, `{"RequestId":"R-1","Success":true}`)
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) { c.Endpoint = url })
	res, err := e.client.Switch(ctxT(t), switchReq)
	if err == nil {
		t.Fatalf("Switch = %+v, want an error for an empty TaskId", res)
	}
	if !errors.Is(err, dts.ErrUnknownOutcome) {
		t.Errorf("error = %v, want ErrUnknownOutcome", err)
	}
	if !strings.Contains(err.Error(), "R-1") {
		t.Errorf("error = %v, want it to name the request id", err)
	}
}

func TestDecode_LenientTypes(t *testing.T) {
	body := `{"RequestId":"R-2","Success":true,"SynchronizationJobId":"j1","Status":"Synchronizing",
		"SourceEndpoint":{"InstanceType":"ECS","InstanceId":"i-1","IP":"10.0.0.1","Port":3306},
		"DestinationEndpoint":{"InstanceType":"LocalInstance","IP":"10.0.0.2","Port":"3307"},
		"Delay":12,"DelayMillis":12000,"SynchronizationObjects":[{"SchemaName":"db"}]}`
	url := rawServer(t, 200, body)
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) { c.Endpoint = url })
	js, err := e.client.DescribeJob(ctxT(t), "", "j1", dts.Reverse)
	if err != nil {
		t.Fatalf("DescribeJob: %v", err)
	}
	if js.Source.Port != "3306" || js.Destination.Port != "3307" {
		t.Errorf("ports = %q, %q, want 3306, 3307", js.Source.Port, js.Destination.Port)
	}
	if js.Direction != dts.Reverse {
		t.Errorf("direction = %q, want the requested Reverse when the response has none", js.Direction)
	}
}

func TestDescribeJob_UnreadableResponse(t *testing.T) {
	url := rawServer(t, 200, `<xml>not json</xml>`)
	e := newEnv(t, dtstest.Options{}, func(c *dts.Config) { c.Endpoint = url })
	_, err := e.client.DescribeJob(ctxT(t), "", "j1", dts.Forward)
	if err == nil || !strings.Contains(err.Error(), "decode") {
		t.Errorf("error = %v, want a decode error", err)
	}
	if got := e.obs.of(actionDescribe); len(got) != 1 || got[0] != "decode" {
		t.Errorf("observed = %q, want one decode", got)
	}
}
