package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Defaults applied when a [Target] or [Options] leaves a value at zero.
const (
	DefaultConnectTimeout = 2 * time.Second
	DefaultReadTimeout    = 2 * time.Second
	DefaultMaxConcurrent  = 256
)

// errProberClosed is the error of every probe made after [Prober.Close].
var errProberClosed = errors.New("prober is closed")

// Options configures a [Prober].
type Options struct {
	// MaxConcurrent is the maximum number of nodes probed at once. Zero
	// means DefaultMaxConcurrent.
	MaxConcurrent int
	// Logger receives debug lines per probe and warnings about pools
	// dropped after errors. Nil means slog.Default().
	Logger *slog.Logger
}

// Prober probes MySQL and MariaDB servers over a small connection pool per
// target. It is safe for concurrent use.
type Prober struct {
	slots chan struct{}
	log   *slog.Logger
	// readStatus runs the queries of one probe. Tests replace it to stand
	// for a driver that ignores its deadline.
	readStatus func(ctx context.Context, pl *pool, t Target, start time.Time, readTimeout time.Duration) Status

	mu     sync.Mutex
	pools  map[poolKey]*pool
	closed bool
	// timedOut holds the targets whose last probe timed out. Probe starts
	// them first, so that a hung node's time runs from the start of the
	// call and not from after every healthy node has been started.
	timedOut map[poolKey]bool
}

// New returns a Prober with no open connection.
func New(opts Options) *Prober {
	n := opts.MaxConcurrent
	if n <= 0 {
		n = DefaultMaxConcurrent
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Prober{
		slots:      make(chan struct{}, n),
		log:        log.With("component", "probe"),
		readStatus: readNode,
		pools:      make(map[poolKey]*pool),
		timedOut:   make(map[poolKey]bool),
	}
}

// Probe probes every target concurrently, at most MaxConcurrent at a time,
// and returns one status per target in the same order. A node that does not
// answer gives a status with Err set.
//
// Each node gets its ConnectTimeout plus its ReadTimeout from the moment its
// probe starts (a zero value means DefaultConnectTimeout or
// DefaultReadTimeout). When that time is up, its status is ErrTimeout even
// if the driver is still blocked. The abandoned query goes on in the
// background, where the driver's read and write timeouts bound each network
// operation, and its slot is freed at once. A probe still waiting for a free
// slot when ctx ends gets ctx's error.
func (p *Prober) Probe(ctx context.Context, targets []Target) []Status {
	out := make([]Status, len(targets))
	var wg sync.WaitGroup
	for _, i := range p.startOrder(targets) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case p.slots <- struct{}{}:
			case <-ctx.Done():
				err := fmt.Errorf("probe %s: wait for a free slot: %w", targets[i].Address, ctx.Err())
				out[i] = failed(targets[i], time.Now(), err, classify(ctx.Err(), false))
				return
			}
			out[i] = p.probeOne(ctx, targets[i])
			<-p.slots
			p.noteTimeout(targets[i], out[i].ErrKind == ErrTimeout)
		}()
	}
	wg.Wait()
	return out
}

// startOrder returns the indexes of targets with the ones that timed out
// at their last probe first, each group in its given order.
func (p *Prober) startOrder(targets []Target) []int {
	order := make([]int, 0, len(targets))
	p.mu.Lock()
	for i, t := range targets {
		if p.timedOut[keyOf(t)] {
			order = append(order, i)
		}
	}
	slow := len(order)
	for i, t := range targets {
		if !p.timedOut[keyOf(t)] {
			order = append(order, i)
		}
	}
	p.mu.Unlock()
	if slow > 0 {
		p.log.Debug("probing first the nodes that timed out last time", "count", slow)
	}
	return order
}

// noteTimeout records whether the last probe of t timed out.
func (p *Prober) noteTimeout(t Target, timedOut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if timedOut {
		p.timedOut[keyOf(t)] = true
	} else {
		delete(p.timedOut, keyOf(t))
	}
}

// probeOne probes one target and returns within the target's time limit,
// whatever the driver does.
func (p *Prober) probeOne(ctx context.Context, t Target) Status {
	start := time.Now()
	connectTimeout, readTimeout := timeouts(t)
	limit := connectTimeout + readTimeout
	nctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	pl, err := p.acquire(t)
	if err != nil {
		return failed(t, start, fmt.Errorf("probe %s: %w", t.Address, err), ErrOther)
	}

	// The worker owns the pool reference and gives it back when the driver
	// returns, which may be after probeOne has returned a timeout.
	done := make(chan Status, 1)
	go func() {
		st := p.readStatus(nctx, pl, t, start, readTimeout)
		if st.ErrKind != ErrNone && droppable(st.ErrKind) {
			p.drop(pl)
		}
		p.release(pl)
		done <- st
	}()

	var st Status
	select {
	case st = <-done:
	case <-nctx.Done():
		// Prefer a result that arrived at the same instant as the deadline.
		select {
		case st = <-done:
		default:
			st = p.abandon(ctx, pl, t, start, limit)
		}
	}
	p.logProbed(ctx, st)
	return st
}

// logProbed writes the debug line of one probe. The code and err keys
// appear only when the probe failed, and identity only when it did not.
func (p *Prober) logProbed(ctx context.Context, st Status) {
	if !p.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	t := st.Target
	attrs := []any{"cluster", t.Cluster, "node", t.Name, "address", t.Address}
	if st.Answered() {
		attrs = append(attrs, "identity", st.Identity)
	} else {
		attrs = append(attrs, "code", string(st.ErrKind), "err", st.Err)
	}
	attrs = append(attrs, "duration", st.Duration)
	p.log.DebugContext(ctx, "node probed", attrs...)
}

// abandon builds the status of a probe whose worker is still blocked when
// the node's time is up, and drops its pool so the next probe dials anew.
func (p *Prober) abandon(ctx context.Context, pl *pool, t Target, start time.Time, limit time.Duration) Status {
	p.drop(pl)
	if errors.Is(ctx.Err(), context.Canceled) {
		return failed(t, start, fmt.Errorf("probe %s: %w", t.Address, ctx.Err()), ErrOther)
	}
	p.log.Warn("probe still blocked after its deadline", "cluster", t.Cluster, "node", t.Name,
		"address", t.Address, "duration", limit)
	err := fmt.Errorf("probe %s: timed out after %s: %w", t.Address, limit, context.DeadlineExceeded)
	return failed(t, start, err, ErrTimeout)
}

// droppable reports whether an error kind means the connection may be
// broken, so the pool should be closed and the next probe should dial anew.
func droppable(kind ErrorKind) bool {
	switch kind {
	case ErrTimeout, ErrRefused, ErrDNS, ErrOther:
		return true
	}
	return false
}

// failed returns the status of a probe that ended with err.
func failed(t Target, start time.Time, err error, kind ErrorKind) Status {
	return Status{Target: t, Err: err, ErrKind: kind, ProbedAt: start, Duration: time.Since(start)}
}

// timeouts returns the target's connect and read timeouts with defaults
// applied.
func timeouts(t Target) (connect, read time.Duration) {
	connect, read = t.ConnectTimeout, t.ReadTimeout
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	if read <= 0 {
		read = DefaultReadTimeout
	}
	return connect, read
}

// Retain closes the pools of every target not in targets, as after a
// configuration reload. Pools still in use close when their probe ends.
func (p *Prober) Retain(targets []Target) {
	keep := make(map[poolKey]bool, len(targets))
	for _, t := range targets {
		keep[keyOf(t)] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, pl := range p.pools {
		if !keep[k] {
			p.dropLocked(pl)
		}
	}
	for k := range p.timedOut {
		if !keep[k] {
			delete(p.timedOut, k)
		}
	}
}

// Close closes every pool. Probes still running finish with the
// connection they hold; later probes fail. Locks taken with
// [Prober.TryLock] are not affected and are freed by their release
// function.
func (p *Prober) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var errs []error
	for _, pl := range p.pools {
		if err := p.dropLocked(pl); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
