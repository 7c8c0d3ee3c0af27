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

var memorySizes = []int{10, 1000}

// memoryFigure builds the daemon binary and runs it as a child process on
// "@every 1s" with 10 and 1000 configured nodes, reading its memory and CPU
// time from /proc.
func memoryFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	t := table{Title: "d. daemon binary as a child process (run, @every 1s, metrics server on, info logs to a file)"}
	bin, err := buildDaemon(ctx, e.path("dts-reconciler"))
	if err != nil {
		return nil, err
	}
	targets := map[int]float64{10: 30, 1000: 80}
	for _, size := range memorySizes {
		var rss, hwm, cpu []float64
		for r := range runs {
			m, err := measureChild(ctx, e, bin, size, r)
			if err != nil {
				return []table{t}, fmt.Errorf("%d nodes, run %d: %w", size, r+1, err)
			}
			rss, hwm, cpu = append(rss, m.rssMB), append(hwm, m.hwmMB), append(cpu, m.cpuPerTickMS)
			e.logf("memory %d nodes run %d/%d: VmRSS %.1f MB, VmHWM %.1f MB, CPU %.2f ms per tick over %d ticks",
				size, r+1, runs, m.rssMB, m.hwmMB, m.cpuPerTickMS, m.ticks)
		}
		limit := targets[size]
		t.Rows = append(t.Rows,
			row{Name: fmt.Sprintf("%d nodes: VmRSS", size), Unit: "MB", Values: rss, Target: fmt.Sprintf("< %.0f", limit), Met: below(limit)},
			row{Name: indent("VmHWM (peak)"), Unit: "MB", Values: hwm},
			row{Name: indent("CPU time per tick (utime+stime)"), Unit: "ms", Values: cpu},
		)
	}
	t.Notes = append(t.Notes,
		fmt.Sprintf("memory read after %d warm-up ticks and a %s window; CPU counted in %d ms units of /proc/PID/stat over that window, divided by the ticks_total increase", warmTicks, cpuWindow, 1000/clockTicks),
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

// childMeasure is what one run of the child showed.
type childMeasure struct {
	rssMB, hwmMB, cpuPerTickMS float64
	ticks                      int
}

// measureChild runs the binary on a fleet of size nodes and measures it.
func measureChild(ctx context.Context, e *env, bin string, size, run int) (m childMeasure, err error) {
	ctx, cancel := context.WithTimeout(ctx, childTimeout)
	defer cancel()
	name := fmt.Sprintf("memory-%d-%d", size, run)
	emu := newEmulator()
	defer emu.Close()
	listen, err := freeAddress()
	if err != nil {
		return m, err
	}
	l := e.fleetLayout(size, false)
	l.Endpoint, l.StateFile, l.Listen = emu.URL, e.path(name+".state.json"), listen
	configPath := e.path(name + ".yaml")
	if _, err := l.write(configPath); err != nil {
		return m, err
	}
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
		return m, fmt.Errorf("%w; daemon log %s", err, child.logPath)
	}
	ticks1, err := scrapeTicks(ctx, metricsURL)
	if err != nil {
		return m, err
	}
	m.rssMB, m.hwmMB, err = memoryOf(child.pid())
	if err != nil {
		return m, err
	}
	m.ticks = ticks1 - ticks0
	if m.ticks <= 0 {
		return m, fmt.Errorf("no tick ended within %s; daemon log %s", cpuWindow, child.logPath)
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
