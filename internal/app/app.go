// Package app implements the dts-reconciler commands: flag parsing, wiring
// of the probe, DTS, Slack and metrics parts into the reconcile engine, the
// daemon loop and its signals. The command's main function only calls
// [Main], so tests can run every command in-process.
package app

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Exit statuses shared by every command.
const (
	ExitOK      = 0 // all jobs point at their primary; a clean stop
	ExitDrift   = 1 // drift remains, a switch failed or was held back, or the state file was not written
	ExitInvalid = 2 // invalid configuration or usage, or a state file that cannot be used
	ExitUnknown = 3 // the state of some job could not be determined
)

// Version and Commit are set at build time with
// -ldflags "-X dts-reconciler/internal/app.Version=...".
var (
	Version = "dev"
	Commit  = ""
)

const usage = `dts-reconciler keeps Alibaba Cloud DTS synchronization jobs pointed at the
current primary of self-managed MySQL clusters.

Usage:
  dts-reconciler run      -config FILE [flags]   run as a daemon, one tick per schedule
  dts-reconciler once     -config FILE [flags]   run one tick, then exit
  dts-reconciler audit    -config FILE [flags]   one tick in dry-run; print the report
  dts-reconciler validate -config FILE [-connect] check the configuration
  dts-reconciler version                         print the version

Run "dts-reconciler COMMAND -h" for the flags of a command.

Exit status of once and audit: 0 every job points at its primary; 1 drift
remains (dry-run: drift found; live: a switch failed, was refused or was
held back), or the state file could not be written; 2 invalid configuration
or usage, or a state file that cannot be used; 3 the state of some job could
not be determined (no primary, split brain, duplicate identity, an endpoint
matching no configured node, or DTS could not be read). The highest applies.
`

// Main runs the command named by args[0] and returns its exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitInvalid
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runDaemon(ctx, rest, stdout, stderr)
	case "once":
		return runOnce(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "validate":
		return runValidate(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionLine())
		return ExitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "dts-reconciler: unknown command %q\n\n%s", cmd, usage)
		return ExitInvalid
	}
}

// versionLine returns the version, the commit and the Go version.
func versionLine() string {
	commit := Commit
	goVersion := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	return strings.Join([]string{"dts-reconciler", Version, "commit " + commit, goVersion}, " ")
}
