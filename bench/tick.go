package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/reconcile"
)

// tickSizes are the configured node counts of the tick figure.
var tickSizes = []int{10, 100, 1000}

// tickLimit bounds one measurement of the tick figure.
const tickLimit = 5 * time.Minute

// tickFigure measures Engine.Tick, and Prober.Probe over the same nodes
// alone, with warm pools, for every size with no node hung and with each
// share of hung nodes in e.hungPercents. Each size runs twice: with the default dts_refresh, where a
// steady tick reuses the DTS reads of an earlier one, and with dts_refresh
// 0s, where every tick reads every job as one tick per dts_refresh does.
func tickFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	var tables []table
	for _, percent := range append([]int{0}, e.hungPercents...) {
		hung := percent > 0
		t := table{Title: "b. tick duration, none hung (Engine.Tick, and Prober.Probe alone), warm pools"}
		limit, met := "< 1000", below(1000)
		if hung {
			t.Title = fmt.Sprintf("b. tick duration, %d%% hung (blackholes: TCP accepted, never answered), warm pools", percent)
			// The targets: read_timeout plus 15% with 10% of the nodes
			// hung, plus 10% with 20% hung.
			factor := 1.15
			if percent > 10 {
				factor = 1.10
			}
			bound := float64(readTimeout.Milliseconds()) * factor
			limit, met = fmt.Sprintf("< %.0f", bound), below(bound)
		}
		for _, size := range tickSizes {
			cached, cfg, err := measureTicks(ctx, e, size, percent, "", runs)
			if err != nil {
				return append(tables, t), err
			}
			fresh, _, err := measureTicks(ctx, e, size, percent, "0s", runs)
			if err != nil {
				return append(tables, t), err
			}
			label := fmt.Sprintf("%d nodes", size)
			rows := []row{
				{Name: fmt.Sprintf("%s: Engine.Tick, dts_refresh %s (reads reused)", label, durationText(cfg.DTSRefresh)), Unit: "ms", Values: msOf(cached.ticks)},
				{Name: indent("probe part of the tick"), Unit: "ms", Values: msOf(cached.probeParts)},
				{Name: indent("DescribeJob calls in the tick"), Unit: "calls", Values: cached.describes},
				{Name: indent("garbage collections per tick"), Unit: "count", Values: cached.gcs},
				{Name: label + ": Engine.Tick, dts_refresh 0s (reads every job)", Unit: "ms", Values: msOf(fresh.ticks)},
				{Name: indent("probe part of the tick"), Unit: "ms", Values: msOf(fresh.probeParts)},
				{Name: indent(fmt.Sprintf("%d DescribeJob calls, in series", size/2)), Unit: "ms", Values: msOf(fresh.describeParts)},
				{Name: label + ": Prober.Probe alone", Unit: "ms", Values: msOf(cached.probes)},
			}
			// The target without hung nodes is for 1000 nodes. Smaller
			// sizes show how the figures grow.
			if size == 1000 || hung {
				rows[0].Target, rows[0].Met = limit, met
				rows[4].Target, rows[4].Met = limit, met
			}
			t.Rows = append(t.Rows, rows...)
			for _, s := range []tickSample{cached, fresh} {
				if s.codes[reconcile.ExitInSync] != runs {
					t.Notes = append(t.Notes, fmt.Sprintf("%d nodes, %d%% hung, dts_refresh %s: tick exit codes %v (0 means every job in sync)", size, percent, s.refresh, s.codes))
				}
			}
			if size == tickSizes[len(tickSizes)-1] && !hung {
				t.Notes = append(t.Notes, fmt.Sprintf("max_concurrent_probes %d, connect_timeout %s, read_timeout %s; %d nodes are %d clusters of 2 and %d one-way jobs over %d mariadbd processes",
					cfg.MySQL.MaxConcurrentProbes, connectTimeout, readTimeout, size, size/2, size/2, realClusters*nodesPerCluster))
			}
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// tickSample holds the measurements of runs ticks of one configuration.
type tickSample struct {
	refresh                                  string
	ticks, probeParts, describeParts, probes []time.Duration
	describes, gcs                           []float64
	codes                                    map[int]int
}

// measureTicks builds an engine for size nodes, runs one tick to dial every
// node and fill the DTS reads, then times runs ticks, each followed by a
// Prober.Probe of every node alone.
func measureTicks(ctx context.Context, e *env, size, hungPercent int, refresh string, runs int) (tickSample, *config.Config, error) {
	ctx, cancel := context.WithTimeout(ctx, tickLimit)
	defer cancel()
	s := tickSample{codes: map[int]int{}}
	name := fmt.Sprintf("tick-%d-%d-%s", size, hungPercent, refresh)
	emu := newEmulator()
	defer emu.Close()
	l := e.fleetLayout(size, hungPercent)
	l.Endpoint, l.StateFile, l.DTSRefresh = emu.URL, e.path(name+".state.json"), refresh
	cfg, err := l.write(e.path(name + ".yaml"))
	if err != nil {
		return s, nil, err
	}
	s.refresh = durationText(cfg.DTSRefresh)
	l.addJobs(emu)
	set, err := newEngineSet(cfg)
	if err != nil {
		return s, nil, err
	}
	defer set.close()
	targets := reconcile.Targets(cfg)

	first, _, code := set.timedTick(ctx)
	e.logf("tick %d nodes, %d%% hung, dts_refresh %s: first tick (dials every node) %s, exit code %d",
		size, hungPercent, s.refresh, first.Round(time.Millisecond), code)
	for r := range runs {
		if ctx.Err() != nil {
			return s, cfg, fmt.Errorf("tick figure %d nodes: %w", size, ctx.Err())
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d, parts, code := set.timedTick(ctx)
		runtime.ReadMemStats(&after)
		s.ticks = append(s.ticks, d)
		s.probeParts = append(s.probeParts, parts.Probe)
		s.describeParts = append(s.describeParts, parts.Describe)
		s.describes = append(s.describes, float64(parts.Describes))
		s.gcs = append(s.gcs, float64(after.NumGC-before.NumGC))
		s.codes[code]++

		start := time.Now()
		set.prober.Probe(ctx, targets)
		s.probes = append(s.probes, time.Since(start))
		e.logf("tick %d nodes, %d%% hung, dts_refresh %s, run %d/%d: tick %s (probe %s, %d describes %s), probe alone %s",
			size, hungPercent, s.refresh, r+1, runs, d.Round(time.Millisecond), parts.Probe.Round(time.Millisecond),
			parts.Describes, parts.Describe.Round(time.Millisecond), s.probes[len(s.probes)-1].Round(time.Millisecond))
	}
	emu.ResetCalls()
	return s, cfg, nil
}
