package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/mariadbtest"
)

// Bounds of one latency run.
const (
	runTimeout    = 90 * time.Second
	steadyTimeout = 30 * time.Second
	// settleTime lets the tick that made the previous switch end and one
	// more tick pass, so the run starts from a steady state.
	settleTime = 2200 * time.Millisecond
	// pollPause is the pause between two reads of the new primary's
	// read_only, which bounds the error of the flip time.
	pollPause = time.Millisecond
)

const (
	actionDescribe = "DescribeSynchronizationJobStatus"
	actionSwitch   = "SwitchSynchronizationEndpoint"
	actionStatus   = "DescribeEndpointSwitchStatus"
	latencyJob     = "dtsbench-oneway"
	latencyCluster = "orders"
)

// latencyFigure runs the daemon on "@every 1s" against the "orders"
// cluster and measures, per switchover, the time from the new primary
// turning writable to the switch call reaching the emulator.
func latencyFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	t := table{Title: "a. detection latency: new primary writable -> SwitchSynchronizationEndpoint at the emulator (daemon in this process, schedule @every 1s)"}
	cases := []struct {
		confirmations int
		interval      time.Duration
		target        float64
	}{
		{1, time.Second, 1200},
		{2, time.Second, 2200},
	}
	for _, c := range cases {
		rows, notes, err := latencyCase(ctx, e, c.confirmations, c.interval, runs)
		if len(rows) > 0 {
			rows[0].Target, rows[0].Met = fmt.Sprintf("< %.0f", c.target), below(c.target)
		}
		t.Rows = append(t.Rows, rows...)
		t.Notes = append(t.Notes, notes...)
		if err != nil {
			return []table{t}, err
		}
	}
	t.Notes = append(t.Notes,
		fmt.Sprintf("emulator task phases %s + %s (they delay the end of a switch, not the call); the flip time is the first read of read_only = 0, polled every ~%s", dtstest.DefaultInitializingDelay, dtstest.DefaultSwitchingDelay, pollPause),
		"parts: tick wait = flip -> start of the detecting tick's probe of the new primary; probe = -> the describe call leaves; describe = its round trip; confirm = guards, confirmation re-probes after confirm_interval, GET_LOCK; re-read = the describe before the call; switch call = until it reaches the emulator")
	return []table{t}, nil
}

// latencyParts is one run split at the events the daemon and the emulator
// record. The parts add up to the whole latency.
type latencyParts struct {
	wait, probe, describe, confirm, reread, call time.Duration
}

// latencyCase runs the daemon with one confirmations setting and measures
// runs switchovers, alternating the primary between the two nodes.
func latencyCase(ctx context.Context, e *env, confirmations int, interval time.Duration, runs int) ([]row, []string, error) {
	cluster := e.clusters[0]
	emu := newEmulator()
	defer emu.Close()
	switches := make(chan dtstest.Call, 64)
	emu.OnCall(func(c dtstest.Call) {
		if c.Action == actionSwitch && c.Params["SynchronizationJobId"] == latencyJob {
			select {
			case switches <- c:
			default:
			}
		}
	})

	name := fmt.Sprintf("latency-%d", confirmations)
	l := e.pairLayout()
	l.Endpoint, l.StateFile = emu.URL, e.path(name+".state.json")
	l.Confirmations, l.ConfirmInterval = confirmations, interval
	path := e.path(name + ".yaml")
	if _, err := l.write(path); err != nil {
		return nil, nil, err
	}
	l.addJobs(emu)
	d := startDaemon(ctx, path)

	var total, afterReturn []time.Duration
	var parts []latencyParts
	var notes []string
	var runErr error
	for r := range runs {
		res, err := latencyRun(ctx, e, cluster, emu, d, switches)
		if err != nil {
			runErr = fmt.Errorf("confirmations %d, run %d: %w", confirmations, r+1, err)
			break
		}
		total = append(total, res.latency)
		afterReturn = append(afterReturn, res.afterReturn)
		if res.partsOK {
			parts = append(parts, res.parts)
		}
		e.logf("latency confirmations=%d run %d/%d: %s (after Switchover returned: %s, %d polls of read_only)",
			confirmations, r+1, runs, res.latency.Round(time.Millisecond), res.afterReturn.Round(time.Millisecond), res.polls)
	}
	if err := d.stop(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	if len(parts) < len(total) {
		notes = append(notes, fmt.Sprintf("confirmations %d: %d of %d runs could not be split into parts from the daemon's debug log",
			confirmations, len(total)-len(parts), len(total)))
	}

	label := fmt.Sprintf("confirmations %d (confirm_interval %s)", confirmations, interval)
	if confirmations == 1 {
		label = "confirmations 1"
	}
	pick := func(f func(latencyParts) time.Duration) []float64 {
		var out []time.Duration
		for _, p := range parts {
			out = append(out, f(p))
		}
		return msOf(out)
	}
	rows := []row{
		{Name: label, Unit: "ms", Values: msOf(total)},
		{Name: indent("tick wait"), Unit: "ms", Values: pick(func(p latencyParts) time.Duration { return p.wait })},
		{Name: indent("probe and decide"), Unit: "ms", Values: pick(func(p latencyParts) time.Duration { return p.probe })},
		{Name: indent("describe"), Unit: "ms", Values: pick(func(p latencyParts) time.Duration { return p.describe })},
		{Name: indent("confirm, guards, lock"), Unit: "ms", Values: pick(func(p latencyParts) time.Duration { return p.confirm })},
		{Name: indent("re-read describe"), Unit: "ms", Values: pick(func(p latencyParts) time.Duration { return p.reread })},
		{Name: indent("switch call"), Unit: "ms", Values: pick(func(p latencyParts) time.Duration { return p.call })},
		{Name: indent("from Switchover's return"), Unit: "ms", Values: msOf(afterReturn)},
	}
	return rows, notes, runErr
}

// latencyResult is the outcome of one switchover.
type latencyResult struct {
	latency     time.Duration // switch call arrival - flip
	afterReturn time.Duration // switch call arrival - Switchover's return
	polls       int
	parts       latencyParts
	partsOK     bool
}

// latencyRun waits for a steady state, then performs one switchover and
// waits for the switch call.
func latencyRun(ctx context.Context, e *env, cluster *mariadbtest.Cluster, emu *dtstest.Server, d *daemonRun, switches chan dtstest.Call) (latencyResult, error) {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	current := cluster.PrimaryNode()
	next := cluster.Nodes[(cluster.Primary()+1)%len(cluster.Nodes)]
	if err := waitSteady(ctx, emu, d, current); err != nil {
		return latencyResult{}, err
	}
	// A random phase against the schedule, so the tick wait is sampled
	// over the whole interval.
	if err := sleep(ctx, settleTime+rand.N(time.Second)); err != nil {
		return latencyResult{}, err
	}
	for len(switches) > 0 {
		<-switches
	}

	type flipResult struct {
		at    time.Time
		polls int
		err   error
	}
	flips := make(chan flipResult, 1)
	watching := make(chan struct{})
	go func() {
		at, polls, err := watchWritable(ctx, next, watching)
		flips <- flipResult{at, polls, err}
	}()
	select {
	case <-watching:
	case flip := <-flips:
		return latencyResult{}, fmt.Errorf("watch %s before the switchover: %w", next.Name, flip.err)
	}
	if err := cluster.Switchover(ctx, next.Index); err != nil {
		cancel()
		<-flips
		return latencyResult{}, err
	}
	returned := time.Now()
	flip := <-flips
	if flip.err != nil {
		return latencyResult{}, flip.err
	}

	var call dtstest.Call
	for call.At.Before(flip.at) {
		select {
		case call = <-switches:
		case <-ctx.Done():
			return latencyResult{}, fmt.Errorf("no switch call reached the emulator after the switchover to %s (daemon log below): %w\n%s", next.Name, ctx.Err(), d.logs.tail())
		}
	}
	res := latencyResult{latency: call.At.Sub(flip.at), afterReturn: call.At.Sub(returned), polls: flip.polls}
	res.parts, res.partsOK = splitLatency(emu, d.logs, pairNode(latencyCluster, next), flip.at, call.At)
	return res, nil
}

// splitLatency splits the time from flip to the switch call at the
// emulator's arrivals of the two describe calls before it and at the
// daemon's log records of the probe and of those calls.
func splitLatency(emu *dtstest.Server, logs *logRecorder, node string, flip, call time.Time) (latencyParts, bool) {
	var arrivals []time.Time
	for _, c := range emu.CallsOf(actionDescribe) {
		if c.Params["SynchronizationJobId"] == latencyJob && c.At.Before(call) {
			arrivals = append(arrivals, c.At)
		}
	}
	if len(arrivals) < 2 {
		return latencyParts{}, false
	}
	checkAt, rereadAt := arrivals[len(arrivals)-2], arrivals[len(arrivals)-1]
	probe, ok1 := logs.lastBefore("node probed", node, checkAt)
	check, ok2 := logs.firstAfter("dts call", actionDescribe, checkAt)
	reread, ok3 := logs.firstAfter("dts call", actionDescribe, rereadAt)
	if !ok1 || !ok2 || !ok3 || probe.start().Before(flip.Add(-time.Second)) {
		return latencyParts{}, false
	}
	return latencyParts{
		wait:     probe.start().Sub(flip),
		probe:    check.start().Sub(probe.start()),
		describe: check.Time.Sub(check.start()),
		confirm:  reread.start().Sub(check.Time),
		reread:   reread.Time.Sub(reread.start()),
		call:     call.Sub(reread.Time),
	}, true
}

// waitSteady waits until the one-way job points at the node.
func waitSteady(ctx context.Context, emu *dtstest.Server, d *daemonRun, n *mariadbtest.Node) error {
	ctx, cancel := context.WithTimeout(ctx, steadyTimeout)
	defer cancel()
	want := fmt.Sprint(n.Port)
	for {
		if js, ok := emu.Job(latencyJob, dts.Forward); ok && js.Source.Port == want {
			return nil
		}
		if code, done := d.exited(); done {
			return fmt.Errorf("daemon exited with status %d: %s", code, d.logs.tail())
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return fmt.Errorf("job %s does not point at %s (daemon log below): %w\n%s", latencyJob, n.Name, err, d.logs.tail())
		}
	}
}

// watchWritable reads n's read_only until it is off and returns the time
// that read returned and the number of reads. It closes watching after
// the first read that found read_only on, and fails when the first read
// finds it off, because the flip time would then be unknown.
func watchWritable(ctx context.Context, n *mariadbtest.Node, watching chan<- struct{}) (time.Time, int, error) {
	for polls := 1; ; polls++ {
		readOnly, err := n.ReadOnly(ctx)
		now := time.Now()
		switch {
		case err != nil:
		case !readOnly && polls == 1:
			return time.Time{}, polls, fmt.Errorf("%s is already writable", n.Name)
		case !readOnly:
			return now, polls, nil
		case polls == 1:
			close(watching)
		}
		if err := sleep(ctx, pollPause); err != nil {
			return time.Time{}, polls, fmt.Errorf("watch read_only of %s: %w", n.Name, err)
		}
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
