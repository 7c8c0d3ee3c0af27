package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"dts-reconciler/config"
)

// defaultConfigPath is where the packaged systemd unit keeps the config.
const defaultConfigPath = "/etc/dts-reconciler/config.yaml"

// options holds every flag; each command registers the ones it uses.
type options struct {
	configPath string
	dryRun     bool
	logLevel   string
	logFormat  string
	grace      time.Duration
	format     string
	notify     bool
	connect    bool
}

// newFlagSet returns a flag set for cmd that writes its help to stderr and
// registers the flags every command shares.
func newFlagSet(cmd, summary string, stderr io.Writer, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: dts-reconciler %s [flags]\n\n%s\n\nFlags:\n", cmd, summary)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.configPath, "config", defaultConfigPath, "path of the YAML configuration `file`")
	fs.StringVar(&o.logLevel, "log-level", "info", "minimum log `level`: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `format`: text for a terminal, json for journald and log collectors")
	return fs
}

// parseFlags parses args and returns ExitOK to go on, or the exit status to
// return at once (0 after -h, 2 after a usage error).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK, false
	}
	if err != nil {
		return ExitInvalid, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "dts-reconciler %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return ExitInvalid, false
	}
	return ExitOK, true
}

// newLogger returns a logger writing to w in the requested format and level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid -log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: durationText}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("invalid -log-format %q: use text or json", format)
	}
}

// prepare builds the logger and loads the configuration of the command
// cmd, with -dry-run applied. It prints what is wrong to stderr and
// returns ok false when the command must exit with ExitInvalid.
func prepare(cmd string, o options, stderr io.Writer) (logger *slog.Logger, cfg *config.Config, ok bool) {
	logger, err := newLogger(stderr, o.logFormat, o.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "dts-reconciler %s: %v\n", cmd, err)
		return nil, nil, false
	}
	cfg = loadConfig(o.configPath, stderr)
	if cfg == nil {
		return nil, nil, false
	}
	if o.dryRun {
		cfg.DryRun = true
	}
	return logger, cfg, true
}

// durationText writes a time.Duration as its String form, such as "1.5s",
// because the JSON handler would write integer nanoseconds.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}
