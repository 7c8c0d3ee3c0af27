package reconcile

import (
	"context"
	"sync"

	"dts-reconciler/dts"
)

// fetched is one DTS read made while the nodes were being probed.
type fetched struct {
	status dts.JobStatus
	err    error
}

// prefetch reads DTS, in the background, for every job direction that has
// no read kept within dts_refresh, so that those reads overlap the probes
// instead of following them. The reads are as fresh as any made later in
// the tick, which uses them whatever the probes decide. wait returns them
// keyed by readKey.
func (t *tick) prefetch(ctx context.Context) (wait func() map[string]fetched) {
	type item struct {
		region, jobID string
		dir           dts.Direction
	}
	var todo []item
	for _, j := range t.cfg.Jobs {
		for _, dir := range Directions(j) {
			if _, ok := t.recent(j.ID, dir); ok {
				continue
			}
			todo = append(todo, item{jobRegion(t.cfg, j), j.ID, dir})
		}
	}
	out := make(map[string]fetched, len(todo))
	if len(todo) == 0 {
		return func() map[string]fetched { return out }
	}
	var wg sync.WaitGroup
	var panicked any
	wg.Go(func() {
		// A panic here would end the process; wait raises it again on
		// the tick's goroutine, where Tick recovers it.
		defer func() { panicked = recover() }()
		// One at a time: the DTS client serializes its calls anyway.
		for _, it := range todo {
			if ctx.Err() != nil || t.e.draining.Load() {
				return
			}
			st, err := t.e.dts.DescribeJob(ctx, it.region, it.jobID, it.dir)
			out[readKey(it.jobID, it.dir)] = fetched{status: st, err: err}
		}
	})
	return func() map[string]fetched {
		wg.Wait()
		if panicked != nil {
			panic(panicked)
		}
		return out
	}
}
