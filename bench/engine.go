package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/internal/app"
	"dts-reconciler/metrics"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
	"dts-reconciler/reconcile"
)

// engineSet is a reconcile engine wired the way the daemon wires it: the
// same prober, DTS client, notifier, metrics observer and an info-level
// JSON logger that writes nowhere. Timers around the prober and the DTS
// client split each tick into its parts.
type engineSet struct {
	cfg      *config.Config
	prober   *probe.Prober
	notifier *notify.Notifier
	engine   *reconcile.Engine
	timer    *partTimer
}

// newEngineSet builds the parts for cfg. Slack stays off: cfg sets no
// webhook or token.
func newEngineSet(cfg *config.Config) (*engineSet, error) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	m := metrics.New(time.Second)
	dtsCfg := app.DTSConfig(cfg)
	dtsCfg.Logger, dtsCfg.Observe = logger.With("component", "dts"), m.DTSCall
	client, err := dts.New(dtsCfg)
	if err != nil {
		return nil, fmt.Errorf("create dts client: %w", err)
	}
	notifier := notify.New(notify.Config{Logger: logger.With("component", "slack"), OnResult: m.SlackResult})
	prober := probe.New(probe.Options{
		MaxConcurrent: cfg.MySQL.MaxConcurrentProbes,
		Logger:        logger,
	})
	timer := &partTimer{prober: prober, dts: client}
	engine, err := reconcile.New(cfg, reconcile.Deps{
		Prober:   timer,
		DTS:      timer,
		Notifier: notifier,
		Observer: m,
		Logger:   logger.With("component", "reconcile"),
	})
	if err != nil {
		notifier.Close()
		prober.Close()
		return nil, fmt.Errorf("create engine: %w", err)
	}
	return &engineSet{cfg: cfg, prober: prober, notifier: notifier, engine: engine, timer: timer}, nil
}

// close releases the connections and the notifier.
func (s *engineSet) close() {
	_ = s.engine.Close()
	s.notifier.Close()
	_ = s.prober.Close()
}

// timedTick runs one tick and returns its duration, its parts and its
// exit code.
func (s *engineSet) timedTick(ctx context.Context) (time.Duration, tickParts, int) {
	s.timer.reset()
	start := time.Now()
	rep := s.engine.Tick(ctx)
	d := time.Since(start)
	return d, s.timer.parts(), rep.ExitCode()
}

// tickParts is the time a tick spent in each dependency.
type tickParts struct {
	Probe     time.Duration // in Prober.Probe calls
	Describe  time.Duration // in DescribeSynchronizationJobStatus calls
	Describes int
}

// partTimer passes calls on to the real prober and DTS client and adds up
// the time spent in each kind of call.
type partTimer struct {
	prober *probe.Prober
	dts    *dts.Client

	mu sync.Mutex
	p  tickParts
}

func (t *partTimer) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p = tickParts{}
}

func (t *partTimer) parts() tickParts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.p
}

func (t *partTimer) Probe(ctx context.Context, targets []probe.Target) []probe.Status {
	start := time.Now()
	out := t.prober.Probe(ctx, targets)
	d := time.Since(start)
	t.mu.Lock()
	t.p.Probe += d
	t.mu.Unlock()
	return out
}

func (t *partTimer) TryLock(ctx context.Context, target probe.Target, name string) (func(), bool, error) {
	return t.prober.TryLock(ctx, target, name)
}

func (t *partTimer) DescribeJob(ctx context.Context, regionID, jobID string, dir dts.Direction) (dts.JobStatus, error) {
	start := time.Now()
	js, err := t.dts.DescribeJob(ctx, regionID, jobID, dir)
	d := time.Since(start)
	t.mu.Lock()
	t.p.Describe += d
	t.p.Describes++
	t.mu.Unlock()
	return js, err
}

func (t *partTimer) Switch(ctx context.Context, req dts.SwitchRequest) (dts.SwitchResult, error) {
	return t.dts.Switch(ctx, req)
}

func (t *partTimer) SwitchStatus(ctx context.Context, regionID, taskID string) (dts.TaskStatus, error) {
	return t.dts.SwitchStatus(ctx, regionID, taskID)
}
