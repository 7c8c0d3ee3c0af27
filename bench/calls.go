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
// nothing changes, and per switch of the one-way job ("orders") and of the
// two-way job ("reports"), at the emulator.
func callsFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	ctx, cancel := context.WithTimeout(ctx, callsLimit)
	defer cancel()
	t := table{Title: "c. DTS API calls at the emulator (Engine.Tick in this process, confirmations 1)"}
	emu := newEmulator()
	defer emu.Close()
	l := e.pairLayout()
	l.Endpoint, l.StateFile = emu.URL, e.path("calls.state.json")
	cfg, err := l.write(e.path("calls.yaml"))
	if err != nil {
		return nil, err
	}
	l.addJobs(emu)
	set, err := newEngineSet(cfg)
	if err != nil {
		return nil, err
	}
	defer set.close()

	// Steady state: every job already points at its primary.
	steady := map[string][]float64{}
	for r := range runs {
		if _, _, code := set.timedTick(ctx); code != reconcile.ExitInSync {
			return []table{t}, fmt.Errorf("steady state: warm-up tick exit code %d, want %d", code, reconcile.ExitInSync)
		}
		emu.ResetCalls()
		for range steadyTicks {
			set.timedTick(ctx)
		}
		counts := countCalls(emu.Calls(), "")
		total := 0.0
		for _, a := range callActions {
			steady[a] = append(steady[a], float64(counts[a])/steadyTicks)
			total += float64(counts[a]) / steadyTicks
		}
		steady["total"] = append(steady["total"], total)
		e.logf("calls run %d/%d: steady state %.1f calls per tick", r+1, runs, total)
	}
	jobs := float64(len(l.Jobs))
	t.Rows = append(t.Rows, row{Name: fmt.Sprintf("per tick, steady state (%d jobs, 1 two-way)", len(l.Jobs)), Unit: "calls",
		Values: steady["total"], Target: fmt.Sprintf("<= %.0f", jobs), Met: atMost(jobs)})
	for _, a := range callActions {
		t.Rows = append(t.Rows, row{Name: indent(a), Unit: "calls", Values: steady[a]})
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
		"per switch counts the calls about the switched job in the tick that switched it: the tick's own read, the re-read before each call, the calls, the task polls and the final re-read",
		fmt.Sprintf("task polls depend on the emulator's task phases (%s + %s) and the engine's poll delays", dtstest.DefaultInitializingDelay, dtstest.DefaultSwitchingDelay))
	return []table{t}, nil
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
