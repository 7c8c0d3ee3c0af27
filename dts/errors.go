package dts

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownOutcome marks a SwitchSynchronizationEndpoint call that may have
// reached DTS although no answer arrived (a timeout, a reset connection, a
// 5xx). The call has no idempotency token, so the caller must re-read the
// job before it ever calls again.
var ErrUnknownOutcome = errors.New("outcome of the switch call is unknown")

// APIError is an error that DTS returned, through either channel: a non-2xx
// status with Code and Message, or HTTP 200 with Success "false" and
// ErrCode and ErrMessage.
type APIError struct {
	Action     string
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string
}

func (e *APIError) Error() string {
	code := e.Code
	if code == "" {
		code = "no error code"
	}
	requestID := e.RequestID
	if requestID == "" {
		requestID = "none"
	}
	return fmt.Sprintf("dts %s: %s: %s (http %d, request id %s)", e.Action, code, e.Message, e.HTTPStatus, requestID)
}

// CodeJobStatusModifying is the code of a switch rejected because another
// switch task of the same job is still running. DTS documents no code for
// this case, so the value is the one dtstest sends; IsJobBusy also accepts
// any code ending in "JobStatusModifying".
const CodeJobStatusModifying = "OperationDenied.JobStatusModifying"

// TransportError is a request that got no HTTP response: the connection was
// refused or reset, the name did not resolve, or the timeout expired. Its
// text names only the action, scheme and host, never the signed URL, and
// Unwrap returns the network error so that errors.Is and errors.As see its
// kind (syscall.ECONNREFUSED, *net.DNSError, a net.Error with Timeout).
type TransportError struct {
	Action string
	Scheme string
	Host   string
	// NotSent is true when the connection was never established, so the
	// request surely did not reach DTS.
	NotSent bool
	Err     error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("dts %s: post %s://%s: %s", e.Action, e.Scheme, e.Host, redact(e.Err.Error()))
}

func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the request timed out.
func (e *TransportError) Timeout() bool {
	var ne interface{ Timeout() bool }
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// unknownOutcomeError marks a switch call that may have reached DTS. It
// matches ErrUnknownOutcome with errors.Is and unwraps to the cause, so
// errors.As still finds an *APIError or a *TransportError.
type unknownOutcomeError struct {
	err error
}

func (e *unknownOutcomeError) Error() string {
	return ErrUnknownOutcome.Error() + ": " + e.err.Error()
}

func (e *unknownOutcomeError) Unwrap() error { return e.err }

func (e *unknownOutcomeError) Is(target error) bool { return target == ErrUnknownOutcome }

// IsThrottling reports whether DTS rejected the call for flow control: the
// code is Throttling, starts with "Throttling." or is Rejected.Throttling.
func IsThrottling(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return isThrottlingCode(ae.Code)
}

func isThrottlingCode(code string) bool {
	return code == "Throttling" || strings.HasPrefix(code, "Throttling.") || code == "Rejected.Throttling"
}

// IsRetryable reports whether a read-only call that failed with err may be
// sent again after a backoff: a transport error or timeout, an HTTP 5xx,
// throttling, ServiceUnavailable or InternalError. It is false for a
// cancelled context and for ErrUnknownOutcome, because a switch must not be
// repeated before the job has been read again.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, ErrUnknownOutcome) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var te *TransportError
	if errors.As(err, &te) {
		return true
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch {
	case ae.HTTPStatus >= 500, isThrottlingCode(ae.Code):
		return true
	case ae.Code == "ServiceUnavailable", ae.Code == "InternalError":
		return true
	}
	return false
}

// IsNotFound reports whether DTS does not know the job or task: the code
// is InvalidJobId or ends in "NotFound" (Forbidden.InstanceNotFound,
// InvalidJobId.NotFound, InvalidSynchronizationJobId.NotFound, ...). An
// unknown AccessKey ID (InvalidAccessKeyId.NotFound) and an unknown action
// (InvalidAction.NotFound) are excluded because they are configuration
// errors, not a missing job.
func IsNotFound(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch {
	case ae.Code == "InvalidAccessKeyId.NotFound", ae.Code == "InvalidAction.NotFound":
		return false
	case ae.Code == "InvalidJobId":
		return true
	}
	return strings.HasSuffix(ae.Code, "NotFound")
}

// IsJobBusy reports whether DTS rejected a switch because another switch
// task of the job is still running.
func IsJobBusy(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Code == CodeJobStatusModifying || strings.HasSuffix(ae.Code, "JobStatusModifying")
}
