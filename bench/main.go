// Command bench measures dts-reconciler against real local parts: MariaDB
// servers that it starts on 127.0.0.1, the in-process DTS emulator, and
// the daemon itself. For each figure it prints the median and the spread
// (min, p25, p75, max, n) over repeated runs, then the machine it ran on.
// Results go to stdout, progress lines to stderr.
//
// Run it from the module root. It needs mariadbd and the mariadb client
// (Debian: apt-get install mariadb-server) and the go command, which
// builds the daemon binary for the memory figure:
//
//	go run ./bench                          # every figure, about 4 minutes on 2 cores
//	go run ./bench -only latency -runs 20   # one figure, more runs
//	go run ./bench -only tick -max-concurrent-probes 1000
//	go run ./bench -only tick -cpuprofile tick.prof
//
// The figures, named as -only takes them:
//
//	latency  time from a MariaDB switchover (new primary writable) to the
//	         switch call reaching the DTS emulator, with the daemon running
//	         in this process on "@every 1s", at confirmations 1 and 2
//	tick     Engine.Tick and Prober.Probe over 10, 100 and 1000 configured
//	         nodes, with none and with 10% hung
//	calls    DTS API calls per tick at steady state, and per switch of a
//	         one-way and a two-way job, by action
//	memory   VmRSS, VmHWM and CPU time per tick of the built daemon binary
//	         running with 10 and 1000 configured nodes
//	shell    a sequential /bin/sh loop of the mariadb client over 10 and
//	         100 nodes, against the daemon's probe of the same nodes
//
// Every process it starts is stopped by PID, and every server listens on
// 127.0.0.1 only. BENCHMARKS.md in the module root records a run and
// explains what limits each figure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// figure is one selectable measurement.
type figure struct {
	name string
	runs int // default repetitions
	run  func(ctx context.Context, e *env, runs int) ([]table, error)
}

var figures = []figure{
	{name: "latency", runs: 7, run: latencyFigure},
	{name: "tick", runs: 5, run: tickFigure},
	{name: "calls", runs: 3, run: callsFigure},
	{name: "memory", runs: 3, run: memoryFigure},
	{name: "shell", runs: 5, run: shellFigure},
}

func main() { os.Exit(benchMain()) }

// benchMain parses the flags, runs the selected figures and returns the
// exit status: 0 when every figure finished, 1 when one failed, 2 for a
// usage error.
func benchMain() int {
	only := flag.String("only", "", "comma-separated `figures` to run: latency, tick, calls, memory, shell (default all)")
	runs := flag.Int("runs", 0, "repetitions of each figure; 0 means each figure's default (latency 7, tick 5, calls 3, memory 3, shell 5)")
	timeout := flag.Duration("timeout", 30*time.Minute, "stop and clean up when the benchmark has not finished after this `duration`")
	maxProbes := flag.Int("max-concurrent-probes", 0, "mysql.max_concurrent_probes of every configuration the benchmark writes; 0 keeps the daemon's default")
	hungFlag := flag.String("hung", "10,20", "comma-separated `percents` of hung nodes for the tick figure, each a multiple of 5 up to 50")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (the emulator and the in-process daemon and engine included) to `file`")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./bench [flags]\n\n"+
			"Starts MariaDB servers and the DTS emulator on 127.0.0.1 and measures\n"+
			"dts-reconciler against them. Needs mariadbd and the mariadb client\n"+
			"(Debian: apt-get install mariadb-server).\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	selected, err := selectFigures(*only)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 2
	}
	if *maxProbes < 0 {
		fmt.Fprintf(os.Stderr, "bench: -max-concurrent-probes %d is negative: use 1 or more, or 0 for the default\n", *maxProbes)
		return 2
	}
	hungPercents, err := parseHung(*hungFlag)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 2
	}
	if *runs < 0 {
		fmt.Fprintf(os.Stderr, "bench: -runs %d is negative: use 1 or more, or 0 for the defaults\n", *runs)
		return 2
	}
	// Every DTS client here uses static credentials. This variable also
	// keeps the SDK from ever calling the ECS metadata address, in the
	// daemon binary too, because it inherits the environment.
	os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if *cpuProfile != "" {
		stopProfile, err := startProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			return 1
		}
		defer stopProfile()
	}
	if err := run(ctx, os.Stdout, os.Stderr, selected, *runs, *maxProbes, hungPercents); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

// startProfile starts a CPU profile into path and returns the function
// that ends it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// selectFigures returns the figures named in a comma-separated list, or
// all of them for an empty list.
func selectFigures(list string) ([]figure, error) {
	if strings.TrimSpace(list) == "" {
		return figures, nil
	}
	var out []figure
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(figures, func(f figure) bool { return f.name == name })
		if i < 0 {
			return nil, fmt.Errorf("-only: unknown figure %q: use latency, tick, calls, memory or shell", name)
		}
		out = append(out, figures[i])
	}
	return out, nil
}

// parseHung returns the percents of a -hung list.
func parseHung(list string) ([]int, error) {
	var out []int
	for _, field := range strings.Split(list, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n <= 0 || n > 50 || n%5 != 0 {
			return nil, fmt.Errorf("-hung: %q is not a percent of hung nodes: use multiples of 5 from 5 to 50, such as 10,20", field)
		}
		out = append(out, n)
	}
	return out, nil
}

// run starts the shared servers, measures each figure and prints the
// tables as soon as each figure ends, then the machine once more.
func run(ctx context.Context, out, progress io.Writer, selected []figure, runs, maxProbes int, hungPercents []int) (err error) {
	begin := time.Now()
	e, err := startEnv(ctx, progress)
	if err != nil {
		return err
	}
	e.maxConcurrentProbes = maxProbes
	e.hungPercents = hungPercents
	defer func() {
		if closeErr := e.close(); closeErr != nil {
			err = errors.Join(err, fmt.Errorf("clean up: %w", closeErr))
		}
		e.logf("stopped every server and removed %s", e.dir)
	}()

	printHeader(out, e.version)
	var failed []error
	for _, f := range selected {
		n := f.runs
		if runs > 0 {
			n = runs
		}
		start := time.Now()
		e.logf("figure %s: %d runs", f.name, n)
		tables, err := f.run(ctx, e, n)
		for _, t := range tables {
			t.print(out)
		}
		if err != nil {
			fmt.Fprintf(out, "\n%s: not finished: %v\n", f.name, err)
			failed = append(failed, fmt.Errorf("figure %s: %w", f.name, err))
			if ctx.Err() != nil {
				break
			}
		}
		e.logf("figure %s took %s", f.name, time.Since(start).Round(time.Second))
	}
	fmt.Fprintf(out, "\nmachine at the end: load average %s; whole run %s\n", loadAverage(), time.Since(begin).Round(time.Second))
	return errors.Join(failed...)
}
