package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"dts-reconciler/notify"
	"dts-reconciler/reconcile"
)

// tickExitStatus is the part of the help of once and audit that lists
// their exit statuses.
const tickExitStatus = `Exit status (the highest that applies):
  0  every job points at its primary
  1  drift remains, a switch failed or was held back, or the state file
     could not be written
  2  invalid configuration or usage, or a state file that cannot be used
     (held by another process, or written by a newer version)
  3  the state of some job could not be determined`

// runOnce runs one tick (after finishing any switch left in the state
// file) and returns the report's exit status.
func runOnce(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := newFlagSet("once", "Run one reconciliation tick, then exit (for a systemd timer or cron).\n\n"+tickExitStatus, stderr, &o)
	fs.BoolVar(&o.dryRun, "dry-run", false, "plan and report, but never call anything that changes DTS (same as dry_run: true)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	logger, cfg, ok := prepare("once", o, stderr)
	if !ok {
		return ExitInvalid
	}

	p, err := build(cfg, logger, false)
	if err != nil {
		logger.Error("dts-reconciler cannot start", "err", err)
		return ExitInvalid
	}
	defer p.close(ctx, logger)

	if !cfg.DryRun {
		if err := p.engine.Resume(ctx); err != nil {
			logger.Error("resume switches left in the state file", "err", err)
		}
	}
	return p.engine.Tick(ctx).ExitCode()
}

// runAudit runs one tick in dry-run and prints the report.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := newFlagSet("audit", "Run one tick in dry-run and print, per job and direction, the configured\nendpoint, the primary, the verdict and the planned calls.\n\n"+tickExitStatus, stderr, &o)
	fs.StringVar(&o.format, "format", "text", "report `format`: text (a table) or json")
	fs.BoolVar(&o.notify, "notify", false, "also post the summary to Slack")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if o.format != "text" && o.format != "json" {
		fmt.Fprintf(stderr, "dts-reconciler audit: invalid -format %q: use text or json\n", o.format)
		return ExitInvalid
	}
	o.dryRun = true
	logger, cfg, ok := prepare("audit", o, stderr)
	if !ok {
		return ExitInvalid
	}

	// Per-condition messages are off in an audit: only the summary goes
	// to Slack, and only with -notify.
	p, err := build(cfg, logger, true)
	if err != nil {
		logger.Error("dts-reconciler cannot start", "err", err)
		return ExitInvalid
	}
	defer p.close(ctx, logger)

	report := p.engine.Tick(ctx)
	if o.format == "json" {
		err = report.WriteJSON(stdout)
	} else {
		err = report.WriteText(stdout)
	}
	if err != nil {
		logger.Error("write report", "err", err)
	}
	code := report.ExitCode()
	if o.notify {
		postAuditSummary(ctx, p, report, code, logger)
	}
	return code
}

// postAuditSummary posts the text report to Slack and waits for delivery
// within the Slack timeout.
func postAuditSummary(ctx context.Context, p *parts, report *reconcile.Report, code int, logger *slog.Logger) {
	cfg := p.cfg
	n := notify.New(notify.Config{
		WebhookURL: cfg.Slack.WebhookURL.Value(),
		Token:      cfg.Slack.Token.Value(),
		Channel:    cfg.Slack.Channel,
		APIURL:     cfg.Slack.APIURL,
		Timeout:    cfg.Slack.Timeout,
		Logger:     logger.With("component", "slack"),
	})
	defer n.Close()
	var text strings.Builder
	if err := report.WriteText(&text); err != nil {
		logger.Error("write report", "err", err)
	}
	n.Post(notify.Event{Kind: notify.KindAudit, Result: auditResult(code), Text: text.String(), DryRun: true, At: report.Ended})
	ctx, cancel := context.WithTimeout(ctx, cfg.Slack.Timeout)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		logger.Warn("post audit summary to slack", "err", err)
	}
}

// auditResult describes an exit status in words for the audit summary.
func auditResult(code int) string {
	switch code {
	case ExitOK:
		return "every job points at its primary"
	case ExitDrift:
		return "drift found: some jobs do not point at their primary"
	default:
		return "the state of some jobs could not be determined"
	}
}
