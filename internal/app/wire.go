package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/metrics"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
	"dts-reconciler/reconcile"
)

// parts are the running pieces built from one configuration.
type parts struct {
	cfg      *config.Config
	prober   *probe.Prober
	dts      *dts.Client
	notifier *notify.Notifier
	metrics  *metrics.Metrics
	engine   *reconcile.Engine
}

// loadConfig loads the file and prints every problem to stderr. It returns
// nil when the configuration is invalid.
func loadConfig(path string, stderr io.Writer) *config.Config {
	cfg, err := config.Load(path)
	if err == nil {
		return cfg
	}
	var verr *config.ValidationError
	if errors.As(err, &verr) {
		fmt.Fprintf(stderr, "dts-reconciler: invalid configuration:\n%v\n", err)
	} else {
		fmt.Fprintf(stderr, "dts-reconciler: %v\n", err)
	}
	return nil
}

// tickInterval returns the time between two ticks of the schedule, used
// for readiness.
func tickInterval(spec string) time.Duration {
	sched, err := config.ParseSchedule(spec)
	if err != nil {
		return time.Minute
	}
	first := sched.Next(time.Now())
	return sched.Next(first).Sub(first)
}

// DTSConfig returns the DTS client settings of cfg's alibaba_cloud block,
// without a logger or an observer.
func DTSConfig(cfg *config.Config) dts.Config {
	return dts.Config{
		RegionID:        cfg.AlibabaCloud.RegionID,
		Endpoint:        cfg.AlibabaCloud.Endpoint,
		AccessKeyID:     cfg.AlibabaCloud.AccessKeyID,
		AccessKeySecret: cfg.AlibabaCloud.AccessKeySecret.Value(),
		Timeout:         cfg.AlibabaCloud.Timeout,
	}
}

// build creates the probe, DTS, Slack, metrics and engine parts. When
// silent is true, Slack is turned off for the engine (audit without
// -notify).
func build(cfg *config.Config, logger *slog.Logger, silent bool) (*parts, error) {
	m := metrics.New(tickInterval(cfg.Schedule))

	dtsCfg := DTSConfig(cfg)
	dtsCfg.Logger, dtsCfg.Observe = logger.With("component", "dts"), m.DTSCall
	client, err := dts.New(dtsCfg)
	if err != nil {
		return nil, fmt.Errorf("create dts client: %w", err)
	}

	slackCfg := notify.Config{
		Channel:     cfg.Slack.Channel,
		APIURL:      cfg.Slack.APIURL,
		RemindEvery: cfg.Slack.RemindEvery,
		Timeout:     cfg.Slack.Timeout,
		Logger:      logger.With("component", "slack"),
		OnResult:    m.SlackResult,
	}
	if !silent {
		slackCfg.WebhookURL = cfg.Slack.WebhookURL.Value()
		slackCfg.Token = cfg.Slack.Token.Value()
	}
	notifier := notify.New(slackCfg)

	prober := probe.New(probe.Options{
		MaxConcurrent: cfg.MySQL.MaxConcurrentProbes,
		Logger:        logger,
	})

	engine, err := reconcile.New(cfg, reconcile.Deps{
		Prober:   prober,
		DTS:      client,
		Notifier: notifier,
		Observer: m,
		Logger:   logger.With("component", "reconcile"),
	})
	if err != nil {
		notifier.Close()
		prober.Close()
		return nil, err
	}
	return &parts{cfg: cfg, prober: prober, dts: client, notifier: notifier, metrics: m, engine: engine}, nil
}

// close releases the state file, waits for queued Slack messages within
// the Slack timeout and releases connections.
func (p *parts) close(ctx context.Context, logger *slog.Logger) {
	if err := p.engine.Close(); err != nil {
		logger.Warn("release state file", "err", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.Slack.Timeout)
	defer cancel()
	if err := p.notifier.Flush(ctx); err != nil {
		logger.Warn("deliver slack messages before exit", "err", err)
	}
	p.notifier.Close()
	if err := p.prober.Close(); err != nil {
		logger.Debug("close mysql connections", "err", err)
	}
}
