package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"dts-reconciler/reconcile"
)

// tickSizes are the configured node counts of the tick figure.
var tickSizes = []int{10, 100, 1000}

// tickLimit bounds one size and hung fraction of the tick figure.
const tickLimit = 5 * time.Minute

// tickFigure measures Engine.Tick, and Prober.Probe over the same nodes
// alone, with warm pools, for every size with no node and with 10% of the
// nodes hung.
func tickFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	var tables []table
	for _, hung := range []bool{false, true} {
		t := table{Title: "b. tick duration, none hung (Engine.Tick, and Prober.Probe alone), warm pools"}
		limit := "< 1000"
		met := below(1000)
		if hung {
			t.Title = "b. tick duration, 10% hung (blackholes: TCP accepted, never answered), warm pools"
			bound := float64(readTimeout.Milliseconds()) * 1.15
			limit, met = fmt.Sprintf("< %.0f", bound), below(bound)
		}
		for _, size := range tickSizes {
			rows, notes, err := tickCase(ctx, e, size, hung, runs)
			if err != nil {
				return tables, err
			}
			for i := range rows {
				// The targets are for 1000 nodes; smaller sizes show how the
				// figure grows.
				if i == 0 && (size == 1000 || hung) {
					rows[i].Target, rows[i].Met = limit, met
				}
			}
			t.Rows = append(t.Rows, rows...)
			t.Notes = append(t.Notes, notes...)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// tickCase measures one size with or without hung nodes.
func tickCase(ctx context.Context, e *env, size int, hung bool, runs int) ([]row, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, tickLimit)
	defer cancel()
	name := fmt.Sprintf("tick-%d-%v", size, hung)
	emu := newEmulator()
	defer emu.Close()
	l := e.fleetLayout(size, hung)
	l.Endpoint, l.StateFile = emu.URL, e.path(name+".state.json")
	cfg, err := l.write(e.path(name + ".yaml"))
	if err != nil {
		return nil, nil, err
	}
	l.addJobs(emu)
	set, err := newEngineSet(cfg)
	if err != nil {
		return nil, nil, err
	}
	defer set.close()
	targets := reconcile.Targets(cfg)

	// The first tick dials every node and learns each server's variables;
	// the measured ones run on the pools it left.
	cold, _, coldCode := set.timedTick(ctx)
	e.logf("tick %d nodes, hung %v: first tick (dials every node) %s, exit code %d", size, hung, cold.Round(time.Millisecond), coldCode)

	var ticks, probes, probeParts, describeParts []time.Duration
	var gcs []float64
	codes := map[int]int{}
	for r := range runs {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("tick figure %d nodes: %w", size, ctx.Err())
		}
		emu.ResetCalls()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d, parts, code := set.timedTick(ctx)
		runtime.ReadMemStats(&after)
		ticks = append(ticks, d)
		probeParts = append(probeParts, parts.Probe)
		describeParts = append(describeParts, parts.Describe)
		gcs = append(gcs, float64(after.NumGC-before.NumGC))
		codes[code]++

		start := time.Now()
		set.prober.Probe(ctx, targets)
		probes = append(probes, time.Since(start))
		e.logf("tick %d nodes, hung %v, run %d/%d: tick %s (probe %s, %d describes %s), probe alone %s",
			size, hung, r+1, runs, d.Round(time.Millisecond), parts.Probe.Round(time.Millisecond),
			parts.Describes, parts.Describe.Round(time.Millisecond), probes[len(probes)-1].Round(time.Millisecond))
	}

	label := fmt.Sprintf("%d nodes", size)
	rows := []row{
		{Name: label + ": Engine.Tick", Unit: "ms", Values: msOf(ticks)},
		{Name: indent("probe part of the tick"), Unit: "ms", Values: msOf(probeParts)},
		{Name: indent(fmt.Sprintf("%d DescribeJob calls, in series", len(l.Jobs))), Unit: "ms", Values: msOf(describeParts)},
		{Name: indent("garbage collections per tick"), Unit: "count", Values: gcs},
		{Name: label + ": Prober.Probe alone", Unit: "ms", Values: msOf(probes)},
	}
	var notes []string
	if codes[reconcile.ExitInSync] != runs {
		notes = append(notes, fmt.Sprintf("%d nodes, hung %v: tick exit codes %v (0 means every job in sync)", size, hung, codes))
	}
	if size == tickSizes[len(tickSizes)-1] && !hung {
		notes = append(notes, fmt.Sprintf("max_concurrent_probes %d, connect_timeout %s, read_timeout %s; %d clusters of 2 nodes and %d one-way jobs over %d mariadbd processes",
			cfg.MySQL.MaxConcurrentProbes, connectTimeout, readTimeout, len(l.Clusters), len(l.Jobs), realClusters*nodesPerCluster))
	}
	return rows, notes, nil
}
