package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Settings of the memory figure.
const (
	warmTicks     = 3                // ticks before the CPU window opens
	cpuWindow     = 10 * time.Second // ten ticks of "@every 1s"
	childTimeout  = 90 * time.Second // one run of the child, start to stop
	childStopWait = 15 * time.Second // from SIGTERM to SIGKILL
	buildTimeout  = 5 * time.Minute
	// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat,
	// which is 100 on every Linux architecture Go supports.
	clockTicks = 100
)

// memoryCases are the configurations of the memory figure. The last one
// reads DTS on every tick, as one tick per dts_refresh does.
var memoryCases = []struct {
	nodes   int
	refresh string
	limitMB float64 // the target for VmRSS, or 0 for none
}{
	{nodes: 10, limitMB: 30},
	{nodes: 1000, limitMB: 80},
	{nodes: 1000, refresh: "0s"},
}

// memoryFigure builds the daemon binary and runs it as a child process on
// "@every 1s" with 10 and 1000 configured nodes, reading its memory and CPU
// time from /proc.
func memoryFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	t := table{Title: "d. daemon binary as a child process (run, @every 1s, metrics server on, info logs to a file)"}
	bin, err := buildDaemon(ctx, e.path("dts-reconciler"))
	if err != nil {
		return nil, err
	}
	for _, c := range memoryCases {
		var rss, hwm, cpu, heap, stack, goroutines []float64
		for r := range runs {
			m, err := measureChild(ctx, e, bin, c.nodes, c.refresh, r)
			if err != nil {
				return []table{t}, fmt.Errorf("%d nodes, run %d: %w", c.nodes, r+1, err)
			}
			rss, hwm, cpu = append(rss, m.rssMB), append(hwm, m.hwmMB), append(cpu, m.cpuPerTickMS)
			heap, stack, goroutines = append(heap, m.heapMB), append(stack, m.stackMB), append(goroutines, m.goroutines)
			e.logf("memory %d nodes, dts_refresh %s, run %d/%d: VmRSS %.1f MB, VmHWM %.1f MB, CPU %.2f ms per tick over %d ticks",
				c.nodes, m.refresh, r+1, runs, m.rssMB, m.hwmMB, m.cpuPerTickMS, m.ticks)
		}
		label := fmt.Sprintf("%d nodes: VmRSS", c.nodes)
		if c.refresh != "" {
			label = fmt.Sprintf("%d nodes, dts_refresh %s: VmRSS", c.nodes, c.refresh)
		}
		first := row{Name: label, Unit: "MB", Values: rss}
		if c.limitMB > 0 {
			first.Target, first.Met = fmt.Sprintf("< %.0f", c.limitMB), below(c.limitMB)
		}
		t.Rows = append(t.Rows,
			first,
			row{Name: indent("VmHWM (peak)"), Unit: "MB", Values: hwm},
			row{Name: indent("Go heap in use"), Unit: "MB", Values: heap},
			row{Name: indent("goroutine stacks"), Unit: "MB", Values: stack},
			row{Name: indent("goroutines"), Unit: "count", Values: goroutines},
			row{Name: indent("CPU time per tick (utime+stime)"), Unit: "ms", Values: cpu},
		)
	}
	t.Notes = append(t.Notes,
		fmt.Sprintf("memory read after %d warm-up ticks and a %s window; CPU counted in %d ms units of /proc/PID/stat over that window, divided by the ticks_total increase", warmTicks, cpuWindow, 1000/clockTicks),
		"with the default dts_refresh (1m) the window holds no DTS read, because the first tick read every job; the 0s row reads every job on every tick, as one tick per dts_refresh does",
		"1 MB = 2^20 bytes")
	return []table{t}, nil
}

// buildDaemon builds cmd/dts-reconciler into path with the go command,
// from the module root.
func buildDaemon(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root with go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("find the module root: run the benchmark inside the dts-reconciler module")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "./cmd/dts-reconciler")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/dts-reconciler: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return path, nil
}

// childMeasure is the measurement of one run of the child.
type childMeasure struct {
	rssMB, hwmMB, cpuPerTickMS  float64
	heapMB, stackMB, goroutines float64
	ticks                       int
	refresh                     string
}

// measureChild runs the binary on a fleet of size nodes and measures it.
func measureChild(ctx context.Context, e *env, bin string, size int, refresh string, run int) (m childMeasure, err error) {
	ctx, cancel := context.WithTimeout(ctx, childTimeout)
	defer cancel()
	name := fmt.Sprintf("memory-%d-%s-%d", size, refresh, run)
	emu := newEmulator()
	defer emu.Close()
	listen, err := freeAddress()
	if err != nil {
		return m, err
	}
	l := e.fleetLayout(size, 0)
	l.Endpoint, l.StateFile, l.Listen, l.DTSRefresh = emu.URL, e.path(name+".state.json"), listen, refresh
	configPath := e.path(name + ".yaml")
	cfg, err := l.write(configPath)
	if err != nil {
		return m, err
	}
	m.refresh = durationText(cfg.DTSRefresh)
	l.addJobs(emu)

	child, err := startChild(bin, configPath, e.path(name+".log"))
	if err != nil {
		return m, err
	}
	defer func() {
		if stopErr := child.stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
	}()

	metricsURL := "http://" + listen + "/metrics"
	if _, err := waitTicks(ctx, child, metricsURL, warmTicks); err != nil {
		return m, err
	}
	ticks0, err := scrapeTicks(ctx, metricsURL)
	if err != nil {
		return m, err
	}
	cpu0, err := cpuTime(child.pid())
	if err != nil {
		return m, err
	}
	if err := sleep(ctx, cpuWindow); err != nil {
		return m, err
	}
	cpu1, err := cpuTime(child.pid())
	if err != nil {
		return m, fmt.Errorf("%w (daemon log %s)", err, child.logPath)
	}
	after, err := scrapeMetrics(ctx, metricsURL)
	if err != nil {
		return m, err
	}
	ticks1 := int(after[metricTicks])
	m.heapMB, m.stackMB = after[metricHeapInuse]/(1<<20), after[metricStackInuse]/(1<<20)
	m.goroutines = after[metricGoroutines]
	m.rssMB, m.hwmMB, err = memoryOf(child.pid())
	if err != nil {
		return m, err
	}
	m.ticks = ticks1 - ticks0
	if m.ticks <= 0 {
		return m, fmt.Errorf("no tick ended within %s: see the daemon log %s", cpuWindow, child.logPath)
	}
	m.cpuPerTickMS = float64(cpu1-cpu0) * 1000 / clockTicks / float64(m.ticks)
	return m, nil
}

// freeAddress returns a 127.0.0.1 address with a port that was free.
func freeAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
