package main

import (
	"context"
	"fmt"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/mariadbtest"
	"dts-reconciler/reconcile"
)

// Bounds of the calls figure.
const (
	steadyTicks = 10
	callsLimit  = 3 * time.Minute
)

var callActions = []string{actionDescribe, actionSwitch, actionStatus}

// callsFigure counts the DTS API calls the engine makes per tick when
// nothing changes, with the default dts_refresh and with 0s, and per switch
// of the one-way job ("orders") and of the two-way job ("reports"), at the
// emulator.
func callsFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	ctx, cancel := context.WithTimeout(ctx, callsLimit)
	defer cancel()
	t := table{Title: "c. DTS API calls at the emulator (Engine.Tick in this process, confirmations 1)"}
	var set *engineSet
	var emu *dtstest.Server
	for _, refresh := range []string{"", "0s"} {
		s, m, jobs, err := steadyCalls(ctx, e, refresh, runs)
		if err != nil {
			return []table{t}, err
		}
		name := fmt.Sprintf("per tick, steady state, dts_refresh %s (%d jobs, 1 two-way)", durationText(s.cfg.DTSRefresh), jobs)
		t.Rows = append(t.Rows, row{Name: name, Unit: "calls", Values: m.counts["total"],
			Target: fmt.Sprintf("<= %d", jobs), Met: atMost(float64(jobs))})
		for _, a := range callActions {
			t.Rows = append(t.Rows, row{Name: indent(a), Unit: "calls", Values: m.counts[a]})
		}
		if refresh == "" {
			set, emu = s, m.emu
			defer set.close()
			defer emu.Close()
		} else {
			s.close()
			m.emu.Close()
		}
	}

	for _, sw := range []struct {
		label   string
		cluster *mariadbtest.Cluster
		job     string
	}{
		{"per switch, one-way job", e.clusters[0], "dtsbench-oneway"},
		{"per switch, two-way job", e.clusters[1], "dtsbench-twoway"},
	} {
		per := map[string][]float64{}
		for r := range runs {
			counts, err := switchCalls(ctx, set, emu, sw.cluster, sw.job)
			if err != nil {
				return []table{t}, fmt.Errorf("%s, run %d: %w", sw.label, r+1, err)
			}
			total := 0
			for _, a := range callActions {
				per[a] = append(per[a], float64(counts[a]))
				total += counts[a]
			}
			per["total"] = append(per["total"], float64(total))
		}
		t.Rows = append(t.Rows, row{Name: sw.label, Unit: "calls", Values: per["total"]})
		for _, a := range callActions {
			t.Rows = append(t.Rows, row{Name: indent(a), Unit: "calls", Values: per[a]})
		}
	}
	t.Notes = append(t.Notes,
		fmt.Sprintf("steady state counts %d ticks after one that read every job; with dts_refresh 1m each job direction is read again once a minute, so the 0s row's calls come once a minute instead of on every tick", steadyTicks),
		"per switch counts the calls about the switched job in the tick that switched it: the tick's own read, the re-read before each call, the calls, the task polls and the final re-read",
		fmt.Sprintf("task polls depend on the emulator's task phases (%s + %s) and the engine's poll delays", dtstest.DefaultInitializingDelay, dtstest.DefaultSwitchingDelay))
	return []table{t}, nil
}

// steadyResult holds per-tick call counts by action ("total" for all),
// and the emulator they were counted at.
type steadyResult struct {
	counts map[string][]float64
	emu    *dtstest.Server
}

// steadyCalls builds an engine on pairLayout with the given dts_refresh
// and counts the calls per tick over steadyTicks ticks, runs times. It
// returns the engine and the emulator, for the caller to close.
func steadyCalls(ctx context.Context, e *env, refresh string, runs int) (*engineSet, steadyResult, int, error) {
	emu := newEmulator()
	l := e.pairLayout()
	name := "calls-" + refresh
	l.Endpoint, l.StateFile, l.DTSRefresh = emu.URL, e.path(name+".state.json"), refresh
	cfg, err := l.write(e.path(name + ".yaml"))
	if err != nil {
		emu.Close()
		return nil, steadyResult{}, 0, err
	}
	l.addJobs(emu)
	set, err := newEngineSet(cfg)
	if err != nil {
		emu.Close()
		return nil, steadyResult{}, 0, err
	}
	res := steadyResult{counts: map[string][]float64{}, emu: emu}
	for r := range runs {
		if _, _, code := set.timedTick(ctx); code != reconcile.ExitInSync {
			set.close()
			emu.Close()
			return nil, res, 0, fmt.Errorf("steady state: warm-up tick exit code %d, want %d", code, reconcile.ExitInSync)
		}
		emu.ResetCalls()
		for range steadyTicks {
			set.timedTick(ctx)
		}
		counts := countCalls(emu.Calls(), "")
		total := 0.0
		for _, a := range callActions {
			res.counts[a] = append(res.counts[a], float64(counts[a])/steadyTicks)
			total += float64(counts[a]) / steadyTicks
		}
		res.counts["total"] = append(res.counts["total"], total)
		e.logf("calls dts_refresh %s run %d/%d: steady state %.1f calls per tick", durationText(cfg.DTSRefresh), r+1, runs, total)
	}
	return set, res, len(l.Jobs), nil
}

// switchCalls performs a switchover of cluster, runs the tick that
// switches the job, and counts that tick's calls about the job.
func switchCalls(ctx context.Context, set *engineSet, emu *dtstest.Server, cluster *mariadbtest.Cluster, jobID string) (map[string]int, error) {
	next := cluster.Nodes[(cluster.Primary()+1)%len(cluster.Nodes)]
	if err := cluster.Switchover(ctx, next.Index); err != nil {
		return nil, err
	}
	emu.ResetCalls()
	if _, _, code := set.timedTick(ctx); code != reconcile.ExitInSync {
		return nil, fmt.Errorf("switch tick exit code %d, want %d", code, reconcile.ExitInSync)
	}
	if js, ok := emu.Job(jobID, dts.Forward); !ok || js.Source.Port != fmt.Sprint(next.Port) {
		return nil, fmt.Errorf("job %s does not point at %s after the tick", jobID, next.Name)
	}
	return countCalls(emu.Calls(), jobID), nil
}

// countCalls counts calls by action. When jobID is set, it counts only the
// calls about that job: those naming it and the status reads of the tasks
// its switch calls created.
func countCalls(calls []dtstest.Call, jobID string) map[string]int {
	tasks := map[string]bool{}
	for _, c := range calls {
		if c.Action == actionSwitch && c.Params["SynchronizationJobId"] == jobID && c.TaskID != "" {
			tasks[c.TaskID] = true
		}
	}
	out := map[string]int{}
	for _, c := range calls {
		ofJob := c.Params["SynchronizationJobId"] == jobID || (c.Action == actionStatus && tasks[c.TaskID])
		if jobID == "" || ofJob {
			out[c.Action]++
		}
	}
	return out
}
