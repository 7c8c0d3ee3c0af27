package dts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
)

// abandonedError is a call whose context ended while its request was in
// flight: DTS may have received it. It unwraps to the context's error.
type abandonedError struct {
	action string
	err    error
}

func (e *abandonedError) Error() string {
	return fmt.Sprintf("dts %s: stopped waiting for the response: %v", e.action, e.err)
}

func (e *abandonedError) Unwrap() error { return e.err }

// notSentError is a call whose context ended before its request was sent.
// It unwraps to the context's error.
type notSentError struct {
	action string
	err    error
}

func (e *notSentError) Error() string {
	return fmt.Sprintf("dts %s: not sent: %v", e.action, e.err)
}

func (e *notSentError) Unwrap() error { return e.err }

// sdkError is an error that the SDK raised before sending, such as a
// credential provider failure. Its text is redacted; Unwrap returns the
// SDK's *errors.ClientError.
type sdkError struct {
	action string
	code   string
	msg    string
	err    error
}

func (e *sdkError) Error() string {
	return fmt.Sprintf("dts %s: sdk %s: %s", e.action, e.code, e.msg)
}

func (e *sdkError) Unwrap() error { return e.err }

// exchange is the outcome of one HTTP attempt.
type exchange struct {
	status int
	body   []byte
	err    error
	code   string // for Config.Observe
}

// send makes one HTTP attempt of action and returns the status and body of
// a 2xx response. Otherwise the error is an *APIError (a non-2xx
// response), a *TransportError, an *abandonedError (ctx ended while the
// request was in flight), a *notSentError (ctx ended before sending), an
// *sdkError, or another error when the SDK panicked on the response.
func (c *Client) send(ctx context.Context, action, regionID string, params map[string]string) (int, []byte, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, nil, &notSentError{action: action, err: ctx.Err()}
	}
	if err := ctx.Err(); err != nil {
		<-c.sem
		return 0, nil, &notSentError{action: action, err: err}
	}

	tgt := c.targetOf(regionID)
	req := requests.NewCommonRequest()
	req.Method = requests.POST
	req.Scheme = tgt.scheme
	req.Domain = tgt.host
	req.Product = apiProduct
	req.Version = apiVersion
	req.ApiName = action
	req.RegionId = regionID
	req.SetReadTimeout(c.cfg.Timeout)
	req.SetConnectTimeout(c.cfg.Timeout)
	for k, v := range params {
		req.QueryParams[k] = v
	}

	// The SDK takes no context, so the call runs on its own goroutine. It
	// keeps the client until the SDK returns, which Timeout bounds, while
	// the caller stops waiting as soon as ctx ends.
	done := make(chan exchange, 1)
	go func() {
		start := time.Now()
		ex := c.roundTrip(req, action, tgt)
		d := time.Since(start)
		<-c.sem
		c.log.Debug("dts call", "action", action, "code", ex.code, "duration", d)
		if c.cfg.Observe != nil {
			c.cfg.Observe(action, ex.code, d)
		}
		done <- ex
	}()

	select {
	case ex := <-done:
		return ex.status, ex.body, ex.err
	case <-ctx.Done():
		return 0, nil, &abandonedError{action: action, err: ctx.Err()}
	}
}

// roundTrip runs the SDK call and turns its outcome into this package's
// error types. A panic inside the SDK, which type-asserts fields of error
// bodies, becomes an error.
func (c *Client) roundTrip(req *requests.CommonRequest, action string, tgt target) (ex exchange) {
	defer func() {
		if p := recover(); p != nil {
			ex = exchange{err: fmt.Errorf("dts %s: sdk panic while reading the response: %s", action, redact(fmt.Sprint(p))), code: "decode"}
		}
	}()

	resp, err := c.sdk.ProcessCommonRequest(req)
	if err == nil {
		body := resp.GetHttpContentBytes()
		return exchange{status: resp.GetHttpStatus(), body: body, code: responseCode(action, resp.GetHttpStatus(), body)}
	}

	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		ae := &APIError{
			Action:     action,
			HTTPStatus: se.HttpStatus(),
			Code:       se.ErrorCode(),
			Message:    cleanMessage(se.Message()),
			RequestID:  se.RequestId(),
		}
		code := ae.Code
		if code == "" {
			// The SDK could not read a JSON error: Message is the raw body,
			// such as a proxy's HTML page.
			code = fmt.Sprintf("http_%d", ae.HTTPStatus)
			ae.Message = ""
			if text := cleanMessage(htmlTag.ReplaceAllString(se.Message(), " ")); text != "" {
				ae.Message = "response is not a DTS error: " + text
			}
		}
		if ae.Message == "" {
			ae.Message = "empty response"
		}
		return exchange{err: ae, code: code}
	}

	var ue *url.Error
	if errors.As(err, &ue) {
		te := &TransportError{Action: action, Scheme: tgt.scheme, Host: tgt.host, NotSent: notSent(ue.Err), Err: ue.Err}
		return exchange{err: te, code: "transport"}
	}

	var ce *sdkerrors.ClientError
	if errors.As(err, &ce) {
		return exchange{err: &sdkError{action: action, code: ce.ErrorCode(), msg: cleanMessage(ce.Message()), err: ce}, code: "sdk"}
	}

	// Reading the body failed after the headers arrived.
	te := &TransportError{Action: action, Scheme: tgt.scheme, Host: tgt.host, Err: err}
	return exchange{err: te, code: "transport"}
}

// notSent reports whether a transport error happened before a connection
// existed (refused, unreachable, name not resolved, proxy not reachable),
// so the request cannot have reached DTS.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect")
}

// responseCode returns the code of a 2xx response for Config.Observe: "" on
// success, ErrCode when Success is false, "decode" for a body that is not
// JSON.
func responseCode(action string, status int, body []byte) string {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return "decode"
	}
	ae := env.failure(action, status)
	switch {
	case ae == nil:
		return ""
	case ae.Code == "":
		return fmt.Sprintf("http_%d", status)
	}
	return ae.Code
}
