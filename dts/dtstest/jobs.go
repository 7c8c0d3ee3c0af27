package dtstest

import (
	"strconv"
	"time"

	"dts-reconciler/dts"
)

// Job statuses that the emulator sets by itself.
const (
	StatusSynchronizing = "Synchronizing"
	StatusModifying     = "Modifying"
)

// Job is a synchronization job to serve.
type Job struct {
	ID, Name string
	// TwoWay adds a Reverse direction.
	TwoWay bool
	// Source and Destination are the endpoints of the Forward direction.
	Source, Destination dts.Endpoint
	// Status is the status of every direction; "" means Synchronizing.
	Status string
}

type job struct {
	id, name string
	twoWay   bool
	dirs     map[dts.Direction]*direction
	// running is the switch task that has not ended yet, or nil.
	running *task
}

// direction is one direction of a job, with its own pair of endpoints.
type direction struct {
	source, destination dts.Endpoint
	status              string
}

// task is one switch. Its state follows from its start time: Initializing
// for InitializingDelay, then Switching for SwitchingDelay, then Finished
// (or Failed). NotStarted is never reported because a task starts at once.
type task struct {
	id        string
	jobID     string
	dir       dts.Direction
	side      dts.EndpointType
	endpoint  dts.Endpoint
	started   time.Time
	switching time.Time // end of Initializing
	ends      time.Time // end of Switching
	fail      bool
}

func (t *task) state(now time.Time) string {
	switch {
	case now.Before(t.switching):
		return dts.TaskInitializing
	case now.Before(t.ends):
		return dts.TaskSwitching
	case t.fail:
		return dts.TaskFailed
	}
	return dts.TaskFinished
}

// AddJob adds j, replacing a job with the same ID. A two-way job also gets
// a Reverse direction whose Source is the forward Destination and whose
// Destination is the forward Source.
func (s *Server) AddJob(j Job) {
	status := j.Status
	if status == "" {
		status = StatusSynchronizing
	}
	jb := &job{id: j.ID, name: j.Name, twoWay: j.TwoWay, dirs: map[dts.Direction]*direction{
		dts.Forward: {source: j.Source, destination: j.Destination, status: status},
	}}
	if j.TwoWay {
		jb.dirs[dts.Reverse] = &direction{source: j.Destination, destination: j.Source, status: status}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.ID] = jb
}

// Job returns one direction of a job as DescribeSynchronizationJobStatus
// would report it now. ok is false for an unknown job or direction.
func (s *Server) Job(id string, dir dts.Direction) (dts.JobStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(time.Now())
	jb, d := s.lookupLocked(id, dir)
	if d == nil {
		return dts.JobStatus{}, false
	}
	return jobStatusLocked(jb, dir, d), true
}

// SetStatus sets the status of one direction of a job, e.g. "Failed". It
// does nothing for an unknown job or direction.
func (s *Server) SetStatus(id string, dir dts.Direction, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, d := s.lookupLocked(id, dir); d != nil {
		d.status = status
	}
}

// FailNextTask makes the next switch task of the job end Failed without
// changing any endpoint.
func (s *Server) FailNextTask(jobID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[jobID]++
}

func (s *Server) lookupLocked(id string, dir dts.Direction) (*job, *direction) {
	jb := s.jobs[id]
	if jb == nil {
		return nil, nil
	}
	return jb, jb.dirs[dir]
}

// jobStatusLocked reports a direction. While a switch task of the job
// runs, every direction reports Modifying.
func jobStatusLocked(jb *job, dir dts.Direction, d *direction) dts.JobStatus {
	status := d.status
	if jb.running != nil {
		status = StatusModifying
	}
	return dts.JobStatus{
		JobID:       jb.id,
		Name:        jb.name,
		Direction:   dir,
		Status:      status,
		Source:      d.source,
		Destination: d.destination,
	}
}

// advanceLocked applies the outcome of every task that has ended by now. A
// Finished task sets the endpoint of its direction and side, and sets that
// direction Synchronizing. A Failed task changes nothing.
func (s *Server) advanceLocked(now time.Time) {
	for _, jb := range s.jobs {
		t := jb.running
		if t == nil || now.Before(t.ends) {
			continue
		}
		jb.running = nil
		if t.fail {
			continue
		}
		d := jb.dirs[t.dir]
		if d == nil {
			continue
		}
		ep := endpointOf(d, t.side)
		// DTS keeps the engine and the account of the endpoint.
		t.endpoint.EngineName, t.endpoint.UserName = ep.EngineName, ep.UserName
		*ep = t.endpoint
		d.status = StatusSynchronizing
	}
}

// startTaskLocked creates a switch task for a direction of jb.
func (s *Server) startTaskLocked(jb *job, dir dts.Direction, side dts.EndpointType, ep dts.Endpoint, now time.Time) *task {
	s.taskSeq++
	t := &task{
		id:        strconv.Itoa(s.taskSeq),
		jobID:     jb.id,
		dir:       dir,
		side:      side,
		endpoint:  ep,
		started:   now,
		switching: now.Add(s.opts.InitializingDelay),
		ends:      now.Add(s.opts.InitializingDelay + s.opts.SwitchingDelay),
	}
	if s.failNext[jb.id] > 0 {
		s.failNext[jb.id]--
		t.fail = true
	}
	s.tasks[t.id] = t
	jb.running = t
	return t
}
