package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/probe"
)

// Deps are the parts the engine works through. Prober and DTS are
// required. A nil Notifier, Observer or Logger turns that output off, and a
// nil Clock is the real one.
type Deps struct {
	Prober   Prober
	DTS      DTS
	Notifier Notifier
	Clock    Clock
	Observer Observer
	Logger   *slog.Logger
}

// Engine reconciles DTS jobs with the primaries of their clusters, one tick
// at a time. Tick and Resume may be called from any goroutine but never run
// at the same time: a call waits for the running one to end. Close releases
// the state file, and the engine must not be used after it.
type Engine struct {
	prober   Prober
	dts      DTS
	notifier Notifier
	clock    Clock
	observer Observer
	log      *slog.Logger
	// decide is probe.Decide, which tests replace.
	decide func(cluster string, statuses []probe.Status, previous map[string]string) probe.Verdict

	cfgMu sync.Mutex
	next  *config.Config // set by SetConfig, taken at the start of a run

	// draining is set by Drain and never cleared.
	draining atomic.Bool

	// runMu serializes Tick and Resume. The fields below belong to its holder.
	runMu sync.Mutex
	cfg   *config.Config
	red   redactor
	store *store
	// stateLock is the state file's lock, held while the engine may write
	// the file. It is nil in dry-run, without a state file, or when it
	// could not be taken for a reason other than another process holding
	// it.
	stateLock *stateLock
	// identities maps a cluster to the identity each of its nodes reported
	// in its last successful probe.
	identities map[string]map[string]string
	// logged is the state last logged at info level per decision key.
	logged map[string]string
	// reads holds DTS reads that found a job direction in sync, per
	// readKey, reused for up to dts_refresh.
	reads map[string]cachedRead
	// stateProblem is the error of the last failed state file write, and
	// empty once a write succeeds again.
	stateProblem string
}

// New returns an engine for cfg and loads the state file named by
// cfg.StateFile (an empty name keeps the state in memory only). A state file
// that cannot be read or decoded is moved aside to
// <name>.corrupt-<UTC time>, logged and reported, and the engine starts with
// an empty state, trusting what DTS reports; in dry-run it is left in place.
// New does not follow the switch tasks the file lists: Resume does.
//
// Outside dry-run, New takes an exclusive lock on <state file>.lock, which
// Close releases. It returns a *StateInUseError when another process holds
// that lock, and an error when a newer dts-reconciler wrote the state file.
func New(cfg *config.Config, deps Deps) (*Engine, error) {
	switch {
	case cfg == nil:
		return nil, errors.New("create engine: no configuration")
	case deps.Prober == nil:
		return nil, errors.New("create engine: no prober")
	case deps.DTS == nil:
		return nil, errors.New("create engine: no dts client")
	}
	e := &Engine{
		prober:     deps.Prober,
		dts:        deps.DTS,
		notifier:   deps.Notifier,
		clock:      deps.Clock,
		observer:   deps.Observer,
		log:        deps.Logger,
		decide:     probe.Decide,
		next:       cfg,
		cfg:        cfg,
		red:        newRedactor(cfg),
		identities: map[string]map[string]string{},
		logged:     map[string]string{},
		reads:      map[string]cachedRead{},
	}
	if e.notifier == nil {
		e.notifier = nopNotifier{}
	}
	if e.clock == nil {
		e.clock = NewClock()
	}
	if e.observer == nil {
		e.observer = nopObserver{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if err := e.openState(cfg); err != nil {
		return nil, err
	}
	if keeper, ok := e.notifier.(ConditionKeeper); ok && !cfg.DryRun {
		keeper.RestoreConditions(e.store.data.Conditions)
	}
	return e, nil
}

// SetConfig replaces the configuration from the next tick on. In-memory
// state of jobs and clusters that the new configuration no longer has is
// forgotten then. The state file stays where New opened it: a new
// state_file takes effect at the next start.
func (e *Engine) SetConfig(cfg *config.Config) {
	if cfg == nil {
		return
	}
	e.cfgMu.Lock()
	e.next = cfg
	e.cfgMu.Unlock()
}

// takeConfig makes the newest configuration the one in force. The caller
// holds runMu.
func (e *Engine) takeConfig() *config.Config {
	e.cfgMu.Lock()
	next := e.next
	e.cfgMu.Unlock()
	if next == e.cfg {
		return next
	}
	if next.StateFile != e.store.path {
		e.log.Warn("state_file change takes effect at the next start", "path", e.store.path)
	}
	next = e.lockForLive(next)
	e.cfg, e.red = next, newRedactor(next)
	e.forgetRemoved(next)
	// A job's clusters or region may have changed: read DTS afresh.
	clear(e.reads)
	return next
}

// forgetRemoved drops the in-memory state of jobs and clusters that cfg no
// longer has.
func (e *Engine) forgetRemoved(cfg *config.Config) {
	for name := range e.identities {
		if findCluster(cfg, name) == nil {
			delete(e.identities, name)
		}
	}
	for key := range e.logged {
		kind, rest, _ := strings.Cut(key, "/")
		name, _, _ := strings.Cut(rest, "/")
		switch {
		case kind == "job" && findJob(cfg, name) == nil,
			kind == "cluster" && findCluster(cfg, name) == nil,
			kind == "node" && findCluster(cfg, name) == nil:
			delete(e.logged, key)
		}
	}
}

// Tick runs one full pass: probe, decide, read DTS, plan, guard, act, tell
// and record. It never panics: a panic inside is recovered, logged with its
// stack, and gives a report whose exit code is 3. When ctx is cancelled the
// tick stops at the next safe point; a switch task already accepted by DTS
// stays in the state file for the next start. After Drain, the tick stops
// before it checks another job or starts another switch.
func (e *Engine) Tick(ctx context.Context) *Report {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	cfg := e.takeConfig()
	rep := &Report{Started: e.clock.Now(), DryRun: cfg.DryRun, Clusters: []ClusterReport{}, Jobs: []JobReport{}}
	if err := e.recovered("tick", func() { newTick(e, cfg, rep).run(ctx) }); err != nil {
		rep.Error = err.Error()
	}
	if rep.Error == "" && ctx.Err() != nil {
		rep.Error = "cancelled: " + ctx.Err().Error()
	}
	if !cfg.DryRun {
		e.keepConditions()
	}
	if e.stateProblem != "" {
		rep.Problems = append(rep.Problems, "state file not written: "+e.stateProblem)
		rep.StateFileError = e.stateProblem
	}
	rep.Ended = e.clock.Now()
	code := rep.ExitCode()
	e.logDecision("tick", fmt.Sprint(code), slog.LevelInfo, "tick ended", "exit_code", code, "jobs", len(rep.Jobs), "duration", rep.Ended.Sub(rep.Started))
	// A tick that found an unsafe cluster still did its work: only one
	// that stopped early counts against readiness.
	_ = e.recovered("observer", func() {
		e.observer.TickEnded(rep.Ended.Sub(rep.Started), rep.Error == "", rep.Ended)
	})
	return rep
}

// Drain makes the engine start no new work, for a process that is
// stopping. From then on a tick checks no further job and starts no new
// switch. A switch already started makes its remaining calls, or stops at a
// safe point when its context ends. Drain may be called from any goroutine,
// also while a tick runs, and cannot be undone.
func (e *Engine) Drain() { e.draining.Store(true) }

// Close releases the state file's lock, after waiting for a running Tick or
// Resume to end. Calls after the first do nothing.
func (e *Engine) Close() error {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	err := e.stateLock.release()
	e.stateLock = nil
	return err
}

// recovered runs fn and turns a panic inside it into an error, logged at
// error level with the stack.
func (e *Engine) recovered(what string, fn func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		msg := e.red.text(fmt.Sprint(r))
		e.log.Error(what+" panicked", "panic", msg, "stack", e.red.text(string(debug.Stack())))
		err = fmt.Errorf("%s panicked: %s", what, msg)
	}()
	fn()
	return nil
}

// logDecision logs msg at level when the state under key differs from the
// one logged last, and at debug level otherwise, so that a steady state
// does not log the same line every tick.
func (e *Engine) logDecision(key, state string, level slog.Level, msg string, attrs ...any) {
	if last, ok := e.logged[key]; ok && last == state {
		level = slog.LevelDebug
	}
	e.logged[key] = state
	e.log.Log(context.Background(), level, msg, attrs...)
}

// now returns the clock's time; a helper so call sites stay short.
func (e *Engine) now() time.Time { return e.clock.Now() }
