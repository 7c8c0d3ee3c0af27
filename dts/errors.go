package dts

import (
	"errors"
	"fmt"
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
	return fmt.Sprintf("dts %s: %s: %s (http %d, request id %s)", e.Action, e.Code, e.Message, e.HTTPStatus, e.RequestID)
}
