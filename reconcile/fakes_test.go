package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
	"dts-reconciler/probe"
)

// fakeNode is the state of one MySQL node in the fake prober's world.
type fakeNode struct {
	writable bool
	identity string
	down     bool
}

// fakeProber returns statuses from a map of node states. beforeProbe, when
// set, runs before each Probe call with the 1-based call number, so a test
// can change the world between probes.
type fakeProber struct {
	mu          sync.Mutex
	nodes       map[string]*fakeNode
	probes      [][]string // node names of each Probe call
	beforeProbe func(n int)
	tryLock     func(target probe.Target, name string) (func(), bool, error)
	locks       []string // "<node>:<lock name>" of every TryLock call
	released    int
}

func (p *fakeProber) Probe(ctx context.Context, targets []probe.Target) []probe.Status {
	p.mu.Lock()
	n := len(p.probes) + 1
	hook := p.beforeProbe
	p.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	out := make([]probe.Status, 0, len(targets))
	for _, t := range targets {
		names = append(names, t.Name)
		st := probe.Status{Target: t, ProbedAt: time.Unix(0, 0)}
		node, ok := p.nodes[t.Name]
		switch {
		case !ok || node.down:
			st.Err, st.ErrKind = errors.New("dial tcp: connection refused"), probe.ErrRefused
		default:
			st.ReadOnly = !node.writable
			st.Identity = node.identity
			st.IdentitySource = probe.IdentityServerUID
			st.Flavor = "mariadb"
		}
		out = append(out, st)
	}
	p.probes = append(p.probes, names)
	return out
}

func (p *fakeProber) TryLock(ctx context.Context, target probe.Target, name string) (func(), bool, error) {
	p.mu.Lock()
	p.locks = append(p.locks, target.Name+":"+name)
	hook := p.tryLock
	p.mu.Unlock()
	if hook != nil {
		return hook(target, name)
	}
	return func() {
		p.mu.Lock()
		p.released++
		p.mu.Unlock()
	}, true, nil
}

// set changes a node's state.
func (p *fakeProber) set(name string, writable bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nodes[name].writable = writable
}

func (p *fakeProber) probeCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.probes)
}

// fakeDecide is a small stand-in for probe.Decide: the primary is the one
// writable node among those whose probe succeeded.
func fakeDecide(cluster string, statuses []probe.Status, _ map[string]string) probe.Verdict {
	v := probe.Verdict{Cluster: cluster}
	var writable []probe.Status
	for _, st := range statuses {
		if !st.Answered() {
			v.Unanswered = append(v.Unanswered, st)
			continue
		}
		if st.Writable() {
			writable = append(writable, st)
		}
	}
	switch len(writable) {
	case 0:
		v.Kind, v.Reason = probe.VerdictNoPrimary, "no node is writable"
	case 1:
		v.Kind, v.Primary, v.Reason = probe.VerdictPrimary, &writable[0], "one writable node"
	default:
		v.Kind, v.Reason = probe.VerdictSplitBrain, "several writable nodes"
	}
	return v
}

// fakeTask is a switch task of the fake DTS.
type fakeTask struct {
	req dts.SwitchRequest
	// statuses are returned by successive polls; the last one repeats.
	statuses []string
	polls    int
	applied  bool
}

// fakeDTS keeps jobs per direction and runs switch tasks that end after a
// given sequence of statuses, applying the new endpoint when they finish.
// Every call is appended to log.
type fakeDTS struct {
	mu    sync.Mutex
	jobs  map[string]map[dts.Direction]*dts.JobStatus
	tasks map[string]*fakeTask
	order []string // task ids in creation order
	log   []string
	// taskStatuses gives the status sequence of the n-th task (1-based);
	// nil means Switching then Finished.
	taskStatuses func(n int) []string
	taskError    string
	switchErr    func(n int, req dts.SwitchRequest) error
	describeErr  func(n int, jobID string, dir dts.Direction) error
	onDescribe   func(n int, jobID string, dir dts.Direction)
	onStatus     func(taskID string)
	describes    int
	switches     []dts.SwitchRequest
	// finishedBeforeSwitch records, for each Switch call, whether every
	// earlier task had been seen terminal by a poll.
	finishedBeforeSwitch []bool
}

func newFakeDTS() *fakeDTS {
	return &fakeDTS{jobs: map[string]map[dts.Direction]*dts.JobStatus{}, tasks: map[string]*fakeTask{}}
}

// setJob stores a job whose forward direction goes from src to dst; a
// two-way job gets the reverse direction with the endpoints swapped.
func (f *fakeDTS) setJob(id string, twoWay bool, src, dst dts.Endpoint) {
	f.mu.Lock()
	defer f.mu.Unlock()
	dirs := map[dts.Direction]*dts.JobStatus{
		dts.Forward: {JobID: id, Direction: dts.Forward, Status: "Synchronizing", Source: src, Destination: dst},
	}
	if twoWay {
		dirs[dts.Reverse] = &dts.JobStatus{JobID: id, Direction: dts.Reverse, Status: "Synchronizing", Source: dst, Destination: src}
	}
	f.jobs[id] = dirs
}

func (f *fakeDTS) setStatus(id string, dir dts.Direction, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[id][dir].Status = status
}

func (f *fakeDTS) endpoint(id string, dir dts.Direction, typ dts.EndpointType) dts.Endpoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jobs[id][dir].Endpoint(typ)
}

func (f *fakeDTS) setEndpoint(id string, dir dts.Direction, typ dts.EndpointType, ep dts.Endpoint) {
	f.mu.Lock()
	defer f.mu.Unlock()
	js := f.jobs[id][dir]
	if typ == dts.Source {
		js.Source = ep
	} else {
		js.Destination = ep
	}
}

func (f *fakeDTS) DescribeJob(ctx context.Context, regionID, jobID string, dir dts.Direction) (dts.JobStatus, error) {
	f.mu.Lock()
	f.describes++
	n := f.describes
	f.log = append(f.log, fmt.Sprintf("describe %s %s", jobID, dir))
	hook, errHook := f.onDescribe, f.describeErr
	f.mu.Unlock()
	if hook != nil {
		hook(n, jobID, dir)
	}
	if errHook != nil {
		if err := errHook(n, jobID, dir); err != nil {
			return dts.JobStatus{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	js, ok := f.jobs[jobID][dir]
	if !ok {
		return dts.JobStatus{}, &dts.APIError{Action: "DescribeSynchronizationJobStatus", HTTPStatus: 404, Code: "InvalidJobId.NotFound", Message: "no such job", RequestID: "req-missing"}
	}
	out := *js
	out.RequestID = fmt.Sprintf("req-describe-%d", n)
	return out, nil
}

func (f *fakeDTS) Switch(ctx context.Context, req dts.SwitchRequest) (dts.SwitchResult, error) {
	f.mu.Lock()
	f.switches = append(f.switches, req)
	n := len(f.switches)
	f.log = append(f.log, fmt.Sprintf("switch %s %s/%s %s", req.JobID, req.Direction, req.EndpointType, req.Endpoint.InstanceID+req.Endpoint.IP))
	allDone := true
	for _, t := range f.tasks {
		allDone = allDone && t.applied
	}
	f.finishedBeforeSwitch = append(f.finishedBeforeSwitch, allDone)
	hook := f.switchErr
	f.mu.Unlock()
	if hook != nil {
		if err := hook(n, req); err != nil {
			return dts.SwitchResult{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprintf("task-%d", len(f.order)+1)
	statuses := []string{dts.TaskSwitching, dts.TaskFinished}
	if f.taskStatuses != nil {
		statuses = f.taskStatuses(len(f.order) + 1)
	}
	f.tasks[id] = &fakeTask{req: req, statuses: statuses}
	f.order = append(f.order, id)
	return dts.SwitchResult{TaskID: id, RequestID: "req-switch-" + id}, nil
}

func (f *fakeDTS) SwitchStatus(ctx context.Context, regionID, taskID string) (dts.TaskStatus, error) {
	f.mu.Lock()
	hook := f.onStatus
	f.mu.Unlock()
	if hook != nil {
		hook(taskID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tasks[taskID]
	if !ok {
		f.log = append(f.log, "status "+taskID+" NotFound")
		return dts.TaskStatus{}, &dts.APIError{Action: "DescribeEndpointSwitchStatus", HTTPStatus: 404, Code: "InvalidTaskId.NotFound", RequestID: "req-status"}
	}
	status := t.statuses[min(t.polls, len(t.statuses)-1)]
	t.polls++
	f.log = append(f.log, "status "+taskID+" "+status)

	ts := dts.TaskStatus{TaskID: taskID, Status: status, RequestID: "req-status-" + taskID}
	switch status {
	case dts.TaskFinished:
		if !t.applied {
			t.applied = true
			js := f.jobs[t.req.JobID][t.req.Direction]
			ep := t.req.Endpoint
			if t.req.EndpointType == dts.Source {
				js.Source = ep
			} else {
				js.Destination = ep
			}
		}
	case dts.TaskFailed:
		t.applied = true
		ts.ErrorMessage = f.taskError
	}
	return ts, nil
}

func (f *fakeDTS) switchCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.switches)
}

func (f *fakeDTS) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// fakeNotifier records every call.
type fakeNotifier struct {
	mu         sync.Mutex
	posts      []notify.Event
	conditions []condition
	clears     []notify.Event
}

type condition struct {
	state string
	ev    notify.Event
}

func (n *fakeNotifier) Post(ev notify.Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.posts = append(n.posts, ev)
}

func (n *fakeNotifier) Condition(state string, ev notify.Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.conditions = append(n.conditions, condition{state, ev})
}

func (n *fakeNotifier) Clear(ev notify.Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.clears = append(n.clears, ev)
}

// postKinds returns the kinds of the posted events in order.
func (n *fakeNotifier) postKinds() []notify.Kind {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []notify.Kind
	for _, ev := range n.posts {
		out = append(out, ev.Kind)
	}
	return out
}

// conditionsOf returns the conditions raised with the given kind.
func (n *fakeNotifier) conditionsOf(kind notify.Kind) []condition {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []condition
	for _, c := range n.conditions {
		if c.ev.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// clearedKey reports whether Clear was called for key.
func (n *fakeNotifier) clearedKey(key string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ev := range n.clears {
		if ev.Key == key {
			return true
		}
	}
	return false
}

// fakeClock advances by the duration of every Sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeObserver records every measurement as a line.
type fakeObserver struct {
	mu    sync.Mutex
	lines []string
}

func (o *fakeObserver) add(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lines = append(o.lines, fmt.Sprintf(format, args...))
}

func (o *fakeObserver) NodeProbed(st probe.Status) { o.add("node %s", st.Target.Name) }
func (o *fakeObserver) ClusterDecided(v probe.Verdict) {
	o.add("cluster %s %s", v.Cluster, v.Kind)
}
func (o *fakeObserver) JobChecked(jobID string, dir dts.Direction, drift bool) {
	o.add("job %s %s drift=%v", jobID, dir, drift)
}
func (o *fakeObserver) SwitchEnded(jobID string, dir dts.Direction, result string, _ time.Time) {
	o.add("switch %s %s %s", jobID, dir, result)
}
func (o *fakeObserver) TickEnded(_ time.Duration, ok bool, _ time.Time) { o.add("tick ok=%v", ok) }

func (o *fakeObserver) has(line string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.lines {
		if l == line {
			return true
		}
	}
	return false
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
