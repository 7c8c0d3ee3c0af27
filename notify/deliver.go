package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
)

// Reasons given to Config.OnResult for a message that was not delivered.
const (
	// ReasonRateLimited: Slack returned 429 without a usable Retry-After,
	// with one longer than the retry bound, or after the last retry.
	ReasonRateLimited = "rate_limited"
	// ReasonTimeout: no response within the timeout.
	ReasonTimeout = "timeout"
	// ReasonHTTPStatus: an HTTP status other than 200 and 429.
	ReasonHTTPStatus = "http_status"
	// ReasonAPIError: the Web API returned "ok": false, such as
	// channel_not_found or invalid_auth.
	ReasonAPIError = "api_error"
	// ReasonNetwork: the request could not be made or sent.
	ReasonNetwork = "network"
	// ReasonQueueFull: the queue was full, so the message was dropped.
	ReasonQueueFull = "queue_full"
	// ReasonClosed: Close stopped waiting before the message was sent.
	ReasonClosed = "closed"
)

// A 429 is retried at most maxRetries times, and only when its
// Retry-After is at most maxRetryDelay. Nothing else is retried, because
// Slack may have posted a message whose response was lost.
const (
	maxRetries    = 3
	maxRetryDelay = 30 * time.Second
	// dropLogInterval is the minimum time between two warnings about
	// dropped messages.
	dropLogInterval = time.Minute
)

// sender makes one attempt to post c.
type sender func(ctx context.Context, c content) error

func webhookSender(url string, client *http.Client) sender {
	return func(ctx context.Context, c content) error {
		msg := &slack.WebhookMessage{Text: c.text, Blocks: &slack.Blocks{BlockSet: c.blocks}}
		return slack.PostWebhookCustomHTTPContext(ctx, url, client, msg)
	}
}

func botSender(api *slack.Client, channel string) sender {
	return func(ctx context.Context, c content) error {
		_, _, err := api.PostMessageContext(ctx, channel, slack.MsgOptionText(c.text, false), slack.MsgOptionBlocks(c.blocks...))
		return err
	}
}

// run delivers queued messages in order until Close closes the queue.
// Once n.ctx is cancelled the remaining messages are given up unsent.
func (n *Notifier) run() {
	defer close(n.done)
	abandoned := 0
	for p := range n.queue {
		if n.ctx.Err() != nil {
			abandoned++
			n.finish(false, ReasonClosed)
			continue
		}
		n.deliver(p)
	}
	if abandoned > 0 {
		n.log.Warn("slack messages abandoned at close", "count", abandoned)
	}
}

// deliver posts p, retrying a 429 that carries a short enough Retry-After.
func (n *Notifier) deliver(p post) {
	c := render(p)
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(n.ctx, n.timeout)
		err := n.send(ctx, c)
		cancel()
		if err == nil {
			n.log.Debug("slack message delivered", "key", p.ev.Key, "kind", p.ev.Kind, "attempt", attempt)
			n.finish(true, "")
			return
		}

		var limited *slack.RateLimitedError
		if errors.As(err, &limited) && attempt <= maxRetries && limited.RetryAfter <= maxRetryDelay {
			n.log.Info("slack rate limited, retrying", "key", p.ev.Key, "kind", p.ev.Kind,
				"attempt", attempt, "duration", limited.RetryAfter)
			if !n.sleep(limited.RetryAfter) {
				n.finish(false, ReasonClosed)
				return
			}
			continue
		}

		reason := classify(err)
		if n.ctx.Err() != nil {
			reason = ReasonClosed
		}
		attrs := []any{"err", n.redact(err), "key", p.ev.Key, "kind", p.ev.Kind, "attempt", attempt}
		if code := errorCode(err); code != "" {
			attrs = append(attrs, "code", code)
		}
		n.log.Warn("slack message not delivered", attrs...)
		n.finish(false, reason)
		return
	}
}

// sleep waits for d, and returns false when Close cut the wait short.
func (n *Notifier) sleep(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-n.ctx.Done():
		return false
	}
}

// finish reports the outcome of one queued message and wakes Flush.
// OnResult runs first, so it has seen every message Flush waited for.
func (n *Notifier) finish(ok bool, reason string) {
	if n.onResult != nil {
		n.onResult(ok, reason)
	}
	n.mu.Lock()
	n.finished++
	close(n.progress)
	n.progress = make(chan struct{})
	n.mu.Unlock()
}

// dropCounter counts messages dropped on a full queue and limits how
// often they are logged.
type dropCounter struct {
	total atomic.Uint64

	mu       sync.Mutex
	unlogged uint64
	lastLog  time.Time
}

// dropped counts a message dropped on a full queue, reports it to
// OnResult and logs a warning at most once per dropLogInterval.
func (n *Notifier) dropped(ev Event) {
	n.drops.total.Add(1)
	if n.onResult != nil {
		n.onResult(false, ReasonQueueFull)
	}

	now := n.now()
	d := &n.drops
	d.mu.Lock()
	d.unlogged++
	if !d.lastLog.IsZero() && now.Sub(d.lastLog) < dropLogInterval {
		d.mu.Unlock()
		return
	}
	count := d.unlogged
	d.unlogged, d.lastLog = 0, now
	d.mu.Unlock()

	n.log.Warn("slack queue full, messages dropped", "count", count, "key", ev.Key, "kind", ev.Kind)
}

// classify returns the Reason for an error of a delivery attempt.
func classify(err error) string {
	var limited *slack.RateLimitedError
	var status slack.StatusCodeError
	var api slack.SlackErrorResponse
	var num *strconv.NumError
	var netErr net.Error
	switch {
	case errors.As(err, &limited):
		return ReasonRateLimited
	case errors.As(err, &status):
		if status.Code == http.StatusTooManyRequests {
			return ReasonRateLimited
		}
		return ReasonHTTPStatus
	case errors.As(err, &num):
		// slack-go v0.36.0 returns the strconv error as is when a 429
		// carries a Retry-After that is not a number of seconds.
		return ReasonRateLimited
	case errors.As(err, &api):
		return ReasonAPIError
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return ReasonTimeout
	case errors.Is(err, context.Canceled):
		return ReasonClosed
	}
	return ReasonNetwork
}

// errorCode returns the HTTP status or the Web API error code in err, or
// "".
func errorCode(err error) string {
	var status slack.StatusCodeError
	var api slack.SlackErrorResponse
	switch {
	case errors.As(err, &status):
		return strconv.Itoa(status.Code)
	case errors.As(err, &api):
		return api.Err
	}
	return ""
}
