package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"dts-reconciler/internal/app"
)

// daemonStopTimeout bounds the wait for the in-process daemon to return
// after its context is cancelled.
const daemonStopTimeout = 30 * time.Second

// daemonRun is "dts-reconciler run" running in this process.
type daemonRun struct {
	cancel context.CancelFunc
	done   chan int
	logs   *logRecorder
}

// startDaemon runs the daemon with configPath, logging JSON at debug level
// into a recorder, until stop.
func startDaemon(ctx context.Context, configPath string) *daemonRun {
	ctx, cancel := context.WithCancel(ctx)
	d := &daemonRun{cancel: cancel, done: make(chan int, 1), logs: &logRecorder{}}
	args := []string{"run", "-config", configPath, "-log-format", "json", "-log-level", "debug", "-grace", "10s"}
	go func() { d.done <- app.Main(ctx, args, d.logs, d.logs) }()
	return d
}

// stop cancels the daemon and waits for it to return.
func (d *daemonRun) stop() error {
	d.cancel()
	select {
	case code := <-d.done:
		if code != 0 {
			return fmt.Errorf("daemon exited with status %d: %s", code, d.logs.tail())
		}
		return nil
	case <-time.After(daemonStopTimeout):
		return fmt.Errorf("daemon did not return within %s of being cancelled", daemonStopTimeout)
	}
}

// exited returns the daemon's exit status when it has returned.
func (d *daemonRun) exited() (int, bool) {
	select {
	case code := <-d.done:
		d.done <- code
		return code, true
	default:
		return 0, false
	}
}

// logRecord is the part of a daemon log line the benchmark reads.
type logRecord struct {
	Time     time.Time   `json:"time"`
	Msg      string      `json:"msg"`
	Node     string      `json:"node"`
	Action   string      `json:"action"`
	Duration logDuration `json:"duration"`
}

// logDuration is a duration in a JSON log line: a string such as "1.5ms",
// as the daemon writes it, or a number of nanoseconds, as slog's default
// JSON handler does.
type logDuration time.Duration

func (d *logDuration) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err == nil {
		parsed, err := time.ParseDuration(text)
		if err != nil {
			return err
		}
		*d = logDuration(parsed)
		return nil
	}
	var nanos int64
	if err := json.Unmarshal(data, &nanos); err != nil {
		return err
	}
	*d = logDuration(nanos)
	return nil
}

// start returns the time the logged operation began: the record's time
// minus its duration.
func (r logRecord) start() time.Time { return r.Time.Add(-time.Duration(r.Duration)) }

// Limits of what logRecorder keeps.
const (
	maxRecords  = 20000
	maxTailLine = 20
)

// logRecorder keeps the daemon's "node probed" and "dts call" records and
// its last lines. It is an io.Writer for the daemon's stdout and stderr.
type logRecorder struct {
	mu      sync.Mutex
	partial []byte
	records []logRecord
	last    []string
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

// line stores one complete line. The caller holds l.mu.
func (l *logRecorder) line(line []byte) {
	l.last = append(l.last, string(line))
	if len(l.last) > maxTailLine {
		l.last = l.last[1:]
	}
	var r logRecord
	if json.Unmarshal(line, &r) != nil {
		return
	}
	if r.Msg != "node probed" && r.Msg != "dts call" {
		return
	}
	if len(l.records) >= maxRecords {
		l.records = l.records[maxRecords/2:]
	}
	l.records = append(l.records, r)
}

// lastBefore returns the latest record with msg (and node, when not empty)
// logged before t.
func (l *logRecorder) lastBefore(msg, node string, t time.Time) (logRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.records) - 1; i >= 0; i-- {
		r := l.records[i]
		if r.Msg == msg && (node == "" || r.Node == node) && r.Time.Before(t) {
			return r, true
		}
	}
	return logRecord{}, false
}

// firstAfter returns the earliest record with msg and action logged at or
// after t.
func (l *logRecorder) firstAfter(msg, action string, t time.Time) (logRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.records {
		if r.Msg == msg && r.Action == action && !r.Time.Before(t) {
			return r, true
		}
	}
	return logRecord{}, false
}

// tail returns the last lines the daemon wrote, for an error message.
func (l *logRecorder) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.last, "\n")
}
