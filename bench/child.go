package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is the daemon binary running as a child process.
type child struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process was reaped
	err     error         // exit status, set before done is closed
	logPath string
}

// startChild starts "bin run -config configPath" with its output in
// logPath.
func startChild(bin, configPath, logPath string) (*child, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create daemon log: %w", err)
	}
	cmd := exec.Command(bin, "run", "-config", configPath, "-log-level", "info", "-grace", "5s")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	err = cmd.Start()
	logFile.Close() // the child has its own descriptor
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	c := &child{cmd: cmd, done: make(chan struct{}), logPath: logPath}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's PID and waits for it to exit. After
// childStopWait it sends SIGKILL.
func (c *child) stop() error {
	if c.exited() {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return nil
	case <-time.After(childStopWait):
	}
	_ = c.cmd.Process.Kill()
	<-c.done
	return fmt.Errorf("daemon pid %d still running %s after SIGTERM, killed", c.pid(), childStopWait)
}

// waitTicks waits until the daemon's ticks_total reaches n.
func waitTicks(ctx context.Context, c *child, metricsURL string, n int) (int, error) {
	for {
		if c.exited() {
			return 0, fmt.Errorf("daemon exited early (%v): see its log %s", c.err, c.logPath)
		}
		ticks, err := scrapeTicks(ctx, metricsURL)
		if err == nil && ticks >= n {
			return ticks, nil
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return 0, fmt.Errorf("wait for %d ticks (last scrape: %d, %v), see the daemon log %s: %w", n, ticks, err, c.logPath, ctx.Err())
		}
	}
}

// Metrics the memory figure reads from the daemon's /metrics.
const (
	metricTicks      = "dts_reconciler_ticks_total"
	metricGoroutines = "go_goroutines"
	metricHeapInuse  = "go_memstats_heap_inuse_bytes"
	metricStackInuse = "go_memstats_stack_inuse_bytes"
)

// scrapeTicks returns the sum of dts_reconciler_ticks_total over its
// labels.
func scrapeTicks(ctx context.Context, url string) (int, error) {
	m, err := scrapeMetrics(ctx, url)
	return int(m[metricTicks]), err
}

// scrapeMetrics returns the value of each metric the memory figure reads,
// summed over its labels.
func scrapeMetrics(ctx context.Context, url string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape metrics: status %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 64<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		switch name {
		case metricTicks, metricGoroutines, metricHeapInuse, metricStackInuse:
		default:
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return nil, fmt.Errorf("scrape metrics: parse %q: %w", line, err)
		}
		out[name] += v
	}
	return out, sc.Err()
}

// cpuTime returns utime+stime of a process in clock ticks, from
// /proc/PID/stat.
func cpuTime(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	// The command name in field 2 may contain spaces, so the fields are
	// counted from its closing parenthesis, after which field 3 (state)
	// starts.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, fmt.Errorf("read cpu time: unexpected /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("read cpu time: unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read cpu time: unexpected /proc/%d/stat", pid)
	}
	return utime + stime, nil
}

// memoryOf returns VmRSS and VmHWM of a process in MB, from
// /proc/PID/status.
func memoryOf(pid int) (rss, hwm float64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read memory: %w", err)
	}
	values := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		key, rest, ok := strings.Cut(line, ":")
		fields := strings.Fields(rest)
		if !ok || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err == nil {
			values[key] = kb / 1024
		}
	}
	rss, okRSS := values["VmRSS"]
	hwm, okHWM := values["VmHWM"]
	if !okRSS || !okHWM {
		return 0, 0, fmt.Errorf("read memory: no VmRSS or VmHWM in /proc/%d/status", pid)
	}
	return rss, hwm, nil
}
