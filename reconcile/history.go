package reconcile

import (
	"time"

	"dts-reconciler/dts"
)

// putInFlight records t as the current task of its plan, replacing the
// previous task of that plan.
func (s *store) putInFlight(t inFlightTask) {
	for i := range s.data.InFlight {
		if s.data.InFlight[i].Plan == t.Plan {
			s.data.InFlight[i] = t
			return
		}
	}
	s.data.InFlight = append(s.data.InFlight, t)
}

// removeInFlight removes the task of a plan and reports whether there was one.
func (s *store) removeInFlight(plan string) bool {
	for i := range s.data.InFlight {
		if s.data.InFlight[i].Plan == plan {
			s.data.InFlight = append(s.data.InFlight[:i], s.data.InFlight[i+1:]...)
			return true
		}
	}
	return false
}

// inFlight returns the task of a plan.
func (s *store) inFlight(plan string) (inFlightTask, bool) {
	for _, t := range s.data.InFlight {
		if t.Plan == plan {
			return t, true
		}
	}
	return inFlightTask{}, false
}

// inFlightTasks returns a copy of every in-flight task.
func (s *store) inFlightTasks() []inFlightTask {
	return append([]inFlightTask(nil), s.data.InFlight...)
}

// jobInFlight returns an in-flight task of the job.
func (s *store) jobInFlight(jobID string) (inFlightTask, bool) {
	for _, t := range s.data.InFlight {
		if t.JobID == jobID {
			return t, true
		}
	}
	return inFlightTask{}, false
}

func (s *store) addHistory(h historyEntry) {
	s.data.History = append(s.data.History, h)
	if n := len(s.data.History); n > maxHistory {
		s.data.History = append([]historyEntry(nil), s.data.History[n-maxHistory:]...)
	}
}

// lastAttempt returns when the newest switch call of one endpoint of the
// job (direction and endpoint type) was recorded, whatever its result,
// leaving out the plans in skip. Each endpoint has its own cooldown, so a
// switch of one cluster of a two-way job does not hold back the other
// cluster. A refused call starts the cooldown too, so a call DTS keeps
// refusing is not repeated every tick.
func (s *store) lastAttempt(jobID string, dir dts.Direction, typ dts.EndpointType, skip map[string]bool) (time.Time, bool) {
	var last time.Time
	found := false
	for _, h := range s.data.History {
		if h.JobID != jobID || h.Direction != dir || h.EndpointType != typ || h.Result == resultDropped || skip[h.Plan] {
			continue
		}
		if !found || h.At.After(last) {
			last, found = h.At, true
		}
	}
	return last, found
}

// switchesSince counts the switches of the job recorded after since. The
// calls of one plan count once, and a call DTS refused does not count
// because it changed nothing.
func (s *store) switchesSince(jobID string, since time.Time) int {
	plans := map[string]bool{}
	for _, h := range s.data.History {
		if h.JobID != jobID || !h.At.After(since) {
			continue
		}
		switch h.Result {
		case resultFinished, resultFailed, resultTimeout, resultUnknown:
			plans[h.Plan] = true
		}
	}
	return len(plans)
}
