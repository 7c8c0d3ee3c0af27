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

// stop sends SIGTERM to the child's PID and waits; after childStopWait it
// sends SIGKILL.
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
			return 0, fmt.Errorf("daemon exited early (%v); see %s", c.err, c.logPath)
		}
		ticks, err := scrapeTicks(ctx, metricsURL)
		if err == nil && ticks >= n {
			return ticks, nil
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return 0, fmt.Errorf("wait for %d ticks (last scrape: %d, %v): %w; see %s", n, ticks, err, ctx.Err(), c.logPath)
		}
	}
}

// scrapeTicks returns the sum of dts_reconciler_ticks_total over its
// labels.
func scrapeTicks(ctx context.Context, url string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("scrape metrics: status %s", resp.Status)
	}
	total := 0.0
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 64<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "dts_reconciler_ticks_total") {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("scrape metrics: parse %q: %w", line, err)
		}
		total += v
	}
	return int(total), sc.Err()
}

// cpuTime returns utime+stime of a process in clock ticks, from
// /proc/PID/stat.
func cpuTime(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	// The command name in field 2 may contain spaces; the fields after its
	// closing parenthesis start at field 3 (state).
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
