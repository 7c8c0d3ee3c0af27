package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"dts-reconciler/config"
	"dts-reconciler/internal/sdnotify"
	"dts-reconciler/metrics"
	"dts-reconciler/reconcile"
)

// runSummary is the help text of the run command.
const runSummary = `Run as a daemon: one tick at start, then one per schedule. Serves /metrics,
/healthz and /readyz on http.listen. SIGHUP reloads the configuration.
SIGTERM stops scheduling and starting new switches, and lets a running
switch reach a safe point.

Exit status: 0 after a clean stop, 2 on an invalid configuration or usage,
or on a state file that cannot be used (held by another process, or
written by a newer version).`

// runDaemon is the run command: it ticks on the schedule until SIGINT or
// SIGTERM, and reloads the configuration on SIGHUP.
func runDaemon(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := newFlagSet("run", runSummary, stderr, &o)
	fs.BoolVar(&o.dryRun, "dry-run", false, "plan and report, but never call anything that changes DTS (same as dry_run: true)")
	fs.DurationVar(&o.grace, "grace", 60*time.Second, "how long a running tick may go on after SIGTERM before it is cancelled; an unfinished switch is kept in the state file")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if o.grace < 0 {
		fmt.Fprintf(stderr, "dts-reconciler run: invalid -grace %s: use 0 or more\n", o.grace)
		return ExitInvalid
	}
	logger, cfg, ok := prepare("run", o, stderr)
	if !ok {
		return ExitInvalid
	}
	sched, err := config.ParseSchedule(cfg.Schedule)
	if err != nil {
		// Validation already parsed it; this only guards a mismatch.
		fmt.Fprintf(stderr, "dts-reconciler run: schedule: %v\n", err)
		return ExitInvalid
	}

	p, err := build(cfg, logger, false)
	if err != nil {
		logger.Error("dts-reconciler cannot start", "err", err)
		return ExitInvalid
	}
	defer p.close(ctx, logger)

	d := &daemon{
		o: o, logger: logger, parts: p, sched: sched,
		stop: make(chan os.Signal, 2), hup: make(chan os.Signal, 1),
	}
	signal.Notify(d.stop, syscall.SIGINT, syscall.SIGTERM)
	signal.Notify(d.hup, syscall.SIGHUP)
	defer signal.Stop(d.stop)
	defer signal.Stop(d.hup)

	if cfg.HTTP.Listen != "" {
		serveCtx, cancelServe := context.WithCancel(context.WithoutCancel(ctx))
		defer cancelServe()
		go func() {
			if err := metrics.Serve(serveCtx, cfg.HTTP.Listen, p.metrics.Handler(), logger.With("component", "http")); err != nil {
				logger.Error("metrics server stopped; reconciliation goes on", "address", cfg.HTTP.Listen, "err", err)
			}
		}()
	}

	logger.Info("dts-reconciler started", "version", Version, "config", o.configPath,
		"schedule", cfg.Schedule, "dry_run", cfg.DryRun, "clusters", len(cfg.Clusters), "jobs", len(cfg.Jobs))
	code := d.loop(ctx)
	logger.Info("dts-reconciler stopped", "exit_status", code)
	return code
}

// daemon is the state of the run command's scheduler loop.
type daemon struct {
	o      options
	logger *slog.Logger
	parts  *parts
	sched  cron.Schedule
	stop   chan os.Signal
	hup    chan os.Signal
}

// loop runs ticks one at a time: a tick that is still running when the
// next one is due makes the daemon skip that one, never overlap it.
func (d *daemon) loop(ctx context.Context) int {
	tickCtx, cancelTicks := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTicks()

	done := make(chan *reconcile.Report, 1)
	running := true
	resume := !d.parts.cfg.DryRun
	go d.tick(tickCtx, done, resume)

	timer := time.NewTimer(time.Until(d.sched.Next(time.Now())))
	defer timer.Stop()
	var watchdog <-chan time.Time
	if interval, ok := sdnotify.WatchdogInterval(); ok {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		watchdog = t.C
	}
	ready := false

	for {
		select {
		case <-timer.C:
			if running {
				// Ticks never overlap; a long switch makes the next ones wait.
				d.logger.Debug("tick skipped: the previous tick is still running")
			} else {
				running = true
				go d.tick(tickCtx, done, false)
			}
			timer.Reset(time.Until(d.sched.Next(time.Now())))

		case report := <-done:
			running = false
			if report != nil {
				_ = sdnotify.Status(fmt.Sprintf("last tick %s: exit status %d", report.Ended.Format(time.RFC3339), report.ExitCode()))
			}
			if !ready {
				ready = true
				if err := sdnotify.Ready(); err != nil {
					d.logger.Warn("notify systemd", "err", err)
				}
			}

		case <-watchdog:
			_ = sdnotify.Watchdog()

		case <-d.hup:
			d.reload()

		case <-ctx.Done():
			return d.shutdown(running, done, cancelTicks)

		case sig := <-d.stop:
			d.logger.Info("signal received, stopping", "signal", sig.String())
			return d.shutdown(running, done, cancelTicks)
		}
	}
}

// tick runs one tick and sends its report, or nil after a panic that
// escaped the engine.
func (d *daemon) tick(ctx context.Context, done chan<- *reconcile.Report, resume bool) {
	var report *reconcile.Report
	defer func() {
		if r := recover(); r != nil {
			d.logger.Error("tick panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
		done <- report
	}()
	if resume {
		if err := d.parts.engine.Resume(ctx); err != nil {
			d.logger.Error("resume switches left in the state file", "err", err)
		}
	}
	report = d.parts.engine.Tick(ctx)
}

// reload loads the configuration again. An invalid one is rejected and the
// old one keeps running.
func (d *daemon) reload() {
	_ = sdnotify.Reloading()
	defer func() { _ = sdnotify.Ready() }()
	cfg, err := config.Load(d.o.configPath)
	if err != nil {
		// A *config.ValidationError prints one line per problem, each
		// with the file and line.
		d.logger.Error("configuration reload rejected; the previous configuration stays in force", "config", d.o.configPath, "err", err)
		return
	}
	if d.o.dryRun {
		cfg.DryRun = true
	}
	sched, err := config.ParseSchedule(cfg.Schedule)
	if err != nil {
		d.logger.Error("configuration reload rejected; the previous configuration stays in force", "config", d.o.configPath, "err", err)
		return
	}
	if sections := restartSections(d.parts.cfg, cfg); len(sections) > 0 {
		d.logger.Warn("configuration changes that take effect only at the next restart", "sections", strings.Join(sections, ", "))
	}
	d.sched = sched
	d.parts.cfg = cfg
	d.parts.engine.SetConfig(cfg)
	d.parts.prober.Retain(reconcile.Targets(cfg))
	d.parts.metrics.SetInterval(tickInterval(cfg.Schedule))
	d.parts.metrics.Prune(cfg)
	d.logger.Info("configuration reloaded", "config", d.o.configPath, "clusters", len(cfg.Clusters), "jobs", len(cfg.Jobs), "dry_run", cfg.DryRun)
}

// shutdown makes the engine start no new work, waits for a running tick up
// to the grace period, then cancels it and waits for it to return.
func (d *daemon) shutdown(running bool, done <-chan *reconcile.Report, cancelTicks context.CancelFunc) int {
	_ = sdnotify.Stopping()
	d.parts.engine.Drain()
	if !running {
		return ExitOK
	}
	d.logger.Info("waiting for the running tick, which starts no new switch", "grace", d.o.grace)
	grace := time.NewTimer(d.o.grace)
	defer grace.Stop()
	select {
	case <-done:
		return ExitOK
	case <-grace.C:
	case sig := <-d.stop:
		d.logger.Warn("second signal: cancelling the running tick now", "signal", sig.String())
	}
	cancelTicks()
	<-done
	d.logger.Info("running tick cancelled; an unfinished switch stays in the state file for the next start")
	return ExitOK
}

// restartSections returns the names of the settings that differ between
// old and cfg and that a reload does not apply, because the parts built
// from them live until the process ends.
func restartSections(old, cfg *config.Config) []string {
	var out []string
	add := func(changed bool, name string) {
		if changed {
			out = append(out, name)
		}
	}
	add(old.AlibabaCloud != cfg.AlibabaCloud, "alibaba_cloud")
	add(old.Slack != cfg.Slack, "slack")
	add(old.HTTP != cfg.HTTP, "http")
	add(old.StateFile != cfg.StateFile, "state_file")
	add(old.MySQL.MaxConcurrentProbes != cfg.MySQL.MaxConcurrentProbes, "mysql.max_concurrent_probes")
	return out
}
