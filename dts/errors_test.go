package dts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

func TestErrorClasses(t *testing.T) {
	api := func(status int, code string) error {
		return fmt.Errorf("wrapped: %w", &APIError{Action: "A", HTTPStatus: status, Code: code})
	}
	refused := &TransportError{Action: "A", NotSent: true, Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name                                  string
		err                                   error
		retryable, throttling, notFound, busy bool
	}{
		{name: "nil", err: nil},
		{name: "throttling", err: api(400, "Throttling"), retryable: true, throttling: true},
		{name: "throttling_user", err: api(400, "Throttling.User"), retryable: true, throttling: true},
		{name: "throttling_api_403", err: api(403, "Throttling.Api"), retryable: true, throttling: true},
		{name: "rejected_throttling", err: api(400, "Rejected.Throttling"), retryable: true, throttling: true},
		{name: "throttling_lookalike", err: api(400, "ThrottlingX")},
		{name: "service_unavailable", err: api(503, "ServiceUnavailable"), retryable: true},
		{name: "internal_error_200", err: api(200, "InternalError"), retryable: true},
		{name: "html_502", err: api(502, ""), retryable: true},
		{name: "invalid_parameter", err: api(400, "InvalidParameter")},
		{name: "signature", err: api(400, "SignatureDoesNotMatch")},
		{name: "instance_not_found", err: api(404, "Forbidden.InstanceNotFound"), notFound: true},
		{name: "invalid_job_id", err: api(400, "InvalidJobId"), notFound: true},
		{name: "job_id_not_found", err: api(400, "InvalidSynchronizationJobId.NotFound"), notFound: true},
		{name: "access_key_not_found", err: api(404, "InvalidAccessKeyId.NotFound")},
		{name: "action_not_found", err: api(404, "InvalidAction.NotFound")},
		{name: "busy", err: api(200, CodeJobStatusModifying), busy: true},
		{name: "busy_other_prefix", err: api(200, "Forbidden.JobStatusModifying"), busy: true},
		{name: "transport", err: refused, retryable: true},
		{name: "unknown_outcome", err: &unknownOutcomeError{err: api(503, "ServiceUnavailable")}},
		{name: "canceled", err: fmt.Errorf("x: %w", context.Canceled)},
		{name: "plain", err: errors.New("plain")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRetryable(tt.err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			if got := IsThrottling(tt.err); got != tt.throttling {
				t.Errorf("IsThrottling = %v, want %v", got, tt.throttling)
			}
			if got := IsNotFound(tt.err); got != tt.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.notFound)
			}
			if got := IsJobBusy(tt.err); got != tt.busy {
				t.Errorf("IsJobBusy = %v, want %v", got, tt.busy)
			}
		})
	}
}

func TestSwitchOutcome(t *testing.T) {
	tests := []struct {
		name           string
		err            error
		retry, unknown bool
	}{
		{name: "refused", err: &TransportError{NotSent: true, Err: syscall.ECONNREFUSED}, retry: true},
		{name: "dns", err: &TransportError{NotSent: true, Err: &net.DNSError{Err: "no such host", Name: "x"}}, retry: true},
		{name: "reset", err: &TransportError{Err: syscall.ECONNRESET}, unknown: true},
		{name: "timeout", err: &TransportError{Err: context.DeadlineExceeded}, unknown: true},
		{name: "abandoned", err: &abandonedError{action: "A", err: context.Canceled}, unknown: true},
		{name: "throttled", err: &APIError{HTTPStatus: 400, Code: "Throttling.User"}, retry: true},
		{name: "throttled_503", err: &APIError{HTTPStatus: 503, Code: "Throttling"}, retry: true},
		{name: "503", err: &APIError{HTTPStatus: 503, Code: "ServiceUnavailable"}, unknown: true},
		{name: "internal_error_200", err: &APIError{HTTPStatus: 200, Code: "InternalError"}, unknown: true},
		{name: "invalid_parameter", err: &APIError{HTTPStatus: 400, Code: "InvalidParameter"}},
		{name: "busy", err: &APIError{HTTPStatus: 200, Code: CodeJobStatusModifying}},
		{name: "not_sent_ctx", err: &notSentError{action: "A", err: context.Canceled}},
		{name: "sdk_error", err: &sdkError{action: "A", code: "SDK.X", err: errors.New("x")}},
		{name: "other", err: errors.New("sdk panic"), unknown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, unknown := switchOutcome(tt.err)
			if retry != tt.retry || unknown != tt.unknown {
				t.Errorf("switchOutcome = retry %v, unknown %v, want %v, %v", retry, unknown, tt.retry, tt.unknown)
			}
		})
	}
}

func TestNotSent(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "dial_refused", err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, want: true},
		{name: "dns", err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host"}}, want: true},
		{name: "proxyconnect", err: &net.OpError{Op: "proxyconnect", Err: syscall.ECONNREFUSED}, want: true},
		{name: "read_reset", err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}},
		{name: "deadline", err: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notSent(tt.err); got != tt.want {
				t.Errorf("notSent = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBackoff_CappedExponential(t *testing.T) {
	c := &Client{cfg: Config{BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}}
	c.jitterFn = func(limit time.Duration) time.Duration { return limit }
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := c.backoff(i + 1); got != w*time.Millisecond {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
	if got := c.backoff(500); got != time.Second {
		t.Errorf("backoff(500) = %s, want the cap 1s", got)
	}
}

func TestRandomDuration_InRange(t *testing.T) {
	for range 1000 {
		if d := randomDuration(10 * time.Millisecond); d < 0 || d > 10*time.Millisecond {
			t.Fatalf("randomDuration = %s, want within [0, 10ms]", d)
		}
	}
	if d := randomDuration(0); d != 0 {
		t.Errorf("randomDuration(0) = %s, want 0", d)
	}
}

func TestAPIError_Text(t *testing.T) {
	err := &APIError{Action: "A", HTTPStatus: 502, Message: "m"}
	if got, want := err.Error(), "dts A: no error code: m (http 502, request id none)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
