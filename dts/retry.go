package dts

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// randomDuration returns a uniformly random duration in [0, limit].
func randomDuration(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(limit) + 1))
}

// backoff returns the wait before retry number n (1 for the first retry):
// full jitter over BaseBackoff·2^(n-1), capped at MaxBackoff.
func (c *Client) backoff(n int) time.Duration {
	limit := c.cfg.BaseBackoff
	for i := 1; i < n && limit < c.cfg.MaxBackoff; i++ {
		limit *= 2
	}
	return c.jitterFn(min(limit, c.cfg.MaxBackoff))
}

// wait sleeps for d or until ctx ends; it returns ctx.Err() in that case.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logRetry logs a failed attempt that will be retried.
func (c *Client) logRetry(action string, attempt int, err error, delay time.Duration, attrs ...any) {
	code, requestID := errorCode(err), ""
	var ae *APIError
	if errors.As(err, &ae) {
		requestID = ae.RequestID
	}
	args := append([]any{"action", action, "attempt", attempt, "code", code, "request_id", requestID,
		"duration", delay, "err", err}, attrs...)
	c.log.Warn("dts call failed, retrying", args...)
}

// errorCode returns a short code for err in logs: the API error code, the
// HTTP status of an error response without one, or "transport".
func errorCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		if ae.Code != "" {
			return ae.Code
		}
		return fmt.Sprintf("http_%d", ae.HTTPStatus)
	}
	var te *TransportError
	if errors.As(err, &te) {
		return "transport"
	}
	return ""
}

// callRead makes a read-only call, decodes its response into out, and retries
// as IsRetryable allows, up to MaxAttempts.
func (c *Client) callRead(ctx context.Context, action, regionID string, params map[string]string, out interface{ env() envelope }, attrs ...any) error {
	for attempt := 1; ; attempt++ {
		status, body, err := c.send(ctx, action, regionID, params)
		if err == nil {
			err = decodeBody(action, status, body, out)
			if err == nil {
				return nil
			}
		}
		if attempt >= c.cfg.MaxAttempts || !IsRetryable(err) {
			return err
		}
		delay := c.backoff(attempt)
		c.logRetry(action, attempt, err, delay, attrs...)
		if werr := wait(ctx, delay); werr != nil {
			return fmt.Errorf("%w; retry stopped: %w", err, werr)
		}
	}
}

// switchOutcome classifies a failed switch attempt. It is retried when the
// request surely did not reach DTS or DTS throttled it. Its outcome is
// unknown when DTS may have acted on it, which includes an HTTP 5xx and
// InternalError or ServiceUnavailable even in an HTTP 200 response, because
// the server failed while it handled the request. It is neither when DTS
// rejected it or it was never sent. Any other error counts as unknown.
func switchOutcome(err error) (retry, unknown bool) {
	var ns *notSentError
	var se *sdkError
	if errors.As(err, &ns) || errors.As(err, &se) {
		return false, false
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.NotSent, !te.NotSent
	}
	var ae *APIError
	if errors.As(err, &ae) {
		if isThrottlingCode(ae.Code) {
			return true, false
		}
		serverFault := ae.Code == "InternalError" || ae.Code == "ServiceUnavailable"
		return false, ae.HTTPStatus >= 500 || serverFault
	}
	return false, true
}

// callSwitch makes a SwitchSynchronizationEndpoint call. The call has no
// idempotency token, so it is sent again only when switchOutcome allows,
// and a response that may hide a switch becomes ErrUnknownOutcome.
func (c *Client) callSwitch(ctx context.Context, regionID string, params map[string]string, attrs ...any) (SwitchResult, error) {
	const action = actionSwitch
	for attempt := 1; ; attempt++ {
		status, body, err := c.send(ctx, action, regionID, params)
		if err == nil {
			var out switchJSON
			err = decodeBody(action, status, body, &out)
			var ae *APIError
			switch {
			case err == nil && out.TaskID == "":
				return SwitchResult{}, &unknownOutcomeError{err: fmt.Errorf(
					"dts %s: accepted without a TaskId (http %d, request id %s)", action, status, out.RequestID)}
			case err == nil:
				return SwitchResult{TaskID: string(out.TaskID), RequestID: string(out.RequestID)}, nil
			case !errors.As(err, &ae):
				// A 2xx response that cannot be read may hide an accepted switch.
				return SwitchResult{}, &unknownOutcomeError{err: err}
			}
		}

		retry, unknown := switchOutcome(err)
		if unknown {
			return SwitchResult{}, &unknownOutcomeError{err: err}
		}
		if !retry || attempt >= c.cfg.MaxAttempts {
			return SwitchResult{}, err
		}
		delay := c.backoff(attempt)
		c.logRetry(action, attempt, err, delay, attrs...)
		if werr := wait(ctx, delay); werr != nil {
			return SwitchResult{}, fmt.Errorf("%w; retry stopped: %w", err, werr)
		}
	}
}
