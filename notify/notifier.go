package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// Defaults applied by [New] to zero Config fields.
const (
	DefaultQueueSize = 256
	DefaultTimeout   = 10 * time.Second
)

// Config configures a [Notifier]. With neither WebhookURL nor Token set,
// the notifier is disabled and every method does nothing.
type Config struct {
	// WebhookURL is a Slack incoming-webhook URL, a secret. When it is
	// set, Token and Channel are not used.
	WebhookURL string
	// Token is a bot token with the chat:write scope, a secret. It posts
	// to Channel through chat.postMessage.
	Token   string
	Channel string
	// APIURL is the Slack Web API base URL used with Token; empty means
	// slack.APIURL. A missing final "/" is added.
	APIURL string
	// RemindEvery is how often an unchanged condition is posted again;
	// zero turns reminders off.
	RemindEvery time.Duration
	// Timeout bounds each HTTP attempt, and how long Close waits for
	// queued messages. Zero means DefaultTimeout.
	Timeout time.Duration
	// QueueSize is how many messages may wait for delivery before new
	// ones are dropped. Zero means DefaultQueueSize.
	QueueSize int
	// Logger receives warnings about messages not delivered. It is used
	// as given, so it should carry its own "component" attribute; nil
	// means slog.Default() with component "notify".
	Logger *slog.Logger
	// Now is the clock for de-duplication and reminders; nil means
	// time.Now.
	Now func() time.Time
	// OnResult, when set, is called once per message: with (true, "")
	// when it was delivered, or with false and one of the Reason
	// constants when it was not. It runs on the delivery goroutine, or
	// on the caller's goroutine for ReasonQueueFull, and must return
	// quickly.
	OnResult func(ok bool, reason string)
}

// Notifier posts events to Slack from one background goroutine, so that
// none of its methods waits on the network. The zero value and a nil
// *Notifier are disabled notifiers. Its methods are safe for concurrent
// use.
type Notifier struct {
	enabled     bool
	send        sender
	secrets     []string
	log         *slog.Logger
	now         func() time.Time
	onResult    func(ok bool, reason string)
	remindEvery time.Duration
	timeout     time.Duration

	queue chan post
	// ctx is cancelled when Close stops waiting for the queue to drain;
	// it aborts the request in flight and any retry delay.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker has returned

	mu         sync.Mutex
	closed     bool
	conditions map[string]*condition
	// queued counts messages accepted onto the queue, and finished counts
	// those delivered or given up. The queue is FIFO, so Flush waits for
	// finished to reach the value queued had when Flush was called.
	queued   uint64
	finished uint64
	progress chan struct{} // closed and replaced whenever finished grows

	drops     dropCounter
	closeOnce sync.Once
}

// New returns a Notifier for cfg and starts its delivery goroutine when
// it is enabled. Call Close to stop it.
func New(cfg Config) *Notifier {
	log := cfg.Logger
	if log == nil {
		log = slog.Default().With("component", "notify")
	}
	if cfg.WebhookURL == "" && cfg.Token == "" {
		log.Debug("slack notifications off: no webhook url or token")
		return &Notifier{}
	}

	n := &Notifier{
		enabled:     true,
		log:         log,
		now:         cfg.Now,
		onResult:    cfg.OnResult,
		remindEvery: cfg.RemindEvery,
		timeout:     cfg.Timeout,
		conditions:  make(map[string]*condition),
		progress:    make(chan struct{}),
		done:        make(chan struct{}),
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.timeout <= 0 {
		n.timeout = DefaultTimeout
	}
	size := cfg.QueueSize
	if size <= 0 {
		size = DefaultQueueSize
	}
	n.queue = make(chan post, size)
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.secrets = secretForms(cfg.WebhookURL, cfg.Token)

	client := &http.Client{Timeout: n.timeout}
	if cfg.WebhookURL != "" {
		n.send = webhookSender(cfg.WebhookURL, client)
	} else {
		apiURL := cfg.APIURL
		if apiURL == "" {
			apiURL = slack.APIURL
		}
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
		if cfg.Channel == "" {
			log.Warn("slack channel is empty, so posts with the bot token will be rejected")
		}
		n.send = botSender(slack.New(cfg.Token, slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(client)), cfg.Channel)
	}

	go n.run()
	return n
}

// Enabled reports whether n posts anything.
func (n *Notifier) Enabled() bool { return n != nil && n.enabled }

// Dropped returns how many messages were dropped because the queue was
// full.
func (n *Notifier) Dropped() uint64 {
	if !n.Enabled() {
		return 0
	}
	return n.drops.total.Load()
}

// Post queues ev to be sent once. It does not wait on Slack: a full
// queue drops the message.
func (n *Notifier) Post(ev Event) {
	if !n.Enabled() {
		return
	}
	if ev.At.IsZero() {
		ev.At = n.now()
	}
	n.mu.Lock()
	_, full := n.enqueueLocked(post{ev: ev})
	n.mu.Unlock()
	if full {
		n.dropped(ev)
	}
}

// Flush waits until every message queued before the call was delivered
// or given up, or until ctx is done. It returns ctx's error in the latter
// case.
func (n *Notifier) Flush(ctx context.Context) error {
	if !n.Enabled() {
		return nil
	}
	n.mu.Lock()
	target := n.queued
	n.mu.Unlock()

	for {
		n.mu.Lock()
		finished, progress := n.finished, n.progress
		n.mu.Unlock()
		if finished >= target {
			return nil
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return fmt.Errorf("flush slack messages: %d not delivered yet: %w", target-finished, ctx.Err())
		}
	}
}

// Close stops accepting messages, waits up to the timeout for the queued
// ones to be delivered, then abandons the rest and stops the delivery
// goroutine. Calls after the first return at once; messages sent after
// Close are ignored.
func (n *Notifier) Close() {
	if !n.Enabled() {
		return
	}
	n.closeOnce.Do(func() {
		n.mu.Lock()
		n.closed = true
		close(n.queue)
		n.mu.Unlock()

		timer := time.NewTimer(n.timeout)
		defer timer.Stop()
		select {
		case <-n.done:
		case <-timer.C:
			n.cancel()
			<-n.done
		}
		n.cancel()
	})
}

// enqueueLocked puts p on the queue without waiting. It reports whether p
// was queued, and whether it was not because the queue was full; after
// Close both are false. n.mu must be held, which keeps sends off a closed
// queue and keeps queued in step with the queue's order.
func (n *Notifier) enqueueLocked(p post) (queued, full bool) {
	if n.closed {
		return false, false
	}
	select {
	case n.queue <- p:
		n.queued++
		return true, false
	default:
		return false, true
	}
}
