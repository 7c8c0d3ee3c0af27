package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
)

// TestRun_TwoDaemons runs two daemons without local_node against the same
// clusters and emulator. Both tick at the same second boundaries, so both
// see the switchover at once; GET_LOCK on the new primary lets only one of
// them switch each job.
func TestRun_TwoDaemons(t *testing.T) {
	r := newRig(t, dtstest.Options{InitializingDelay: 200 * time.Millisecond, SwitchingDelay: 200 * time.Millisecond})
	oneWay := jobSpec{id: "dtspairone", source: "orders"}
	twoWay := jobSpec{id: "dtspairtwo", source: "reports", destination: "orders", twoWay: true}
	r.addJob(oneWay)
	r.addJob(twoWay)
	configA := r.write("a.yaml", r.spec("a.json", oneWay, twoWay))
	configB := r.write("b.yaml", r.spec("b.json", oneWay, twoWay))

	a := startDaemon(t, "daemon a", nil, runArgs(configA)...)
	b := startDaemon(t, "daemon b", nil, runArgs(configB)...)
	a.waitTicks(1, 30*time.Second)
	b.waitTicks(1, 30*time.Second)

	newPrimary := e2etest.Switchover(t, r.orders)
	waitFor(t, "every job to point at the new primary", 60*time.Second, func() bool {
		return r.pointsAt(oneWay.id, dts.Forward, dts.Source, newPrimary) &&
			r.pointsAt(twoWay.id, dts.Forward, dts.Destination, newPrimary) &&
			r.pointsAt(twoWay.id, dts.Reverse, dts.Source, newPrimary)
	})
	a.waitTicks(2, 30*time.Second)
	b.waitTicks(2, 30*time.Second)
	a.stop()
	b.stop()
	// Which daemon switches which job, and which guard holds the other
	// back, depends on timing; the counts help read a failure.
	for _, d := range []*daemon{a, b} {
		t.Logf("%s: %d calls accepted; held back by lock_busy %d, modifying %d times", d.name,
			d.count("switch call accepted"), d.count("guard=lock_busy"), d.count("guard=modifying"))
	}

	want := []string{
		switchCall(oneWay.id, dts.Forward, dts.Source, newPrimary),
		switchCall(twoWay.id, dts.Forward, dts.Destination, newPrimary),
		switchCall(twoWay.id, dts.Reverse, dts.Source, newPrimary),
	}
	got := r.switchCalls()
	sorted := slices.Sorted(slices.Values(got))
	if !slices.Equal(sorted, want) {
		t.Errorf("switch calls:\n%s\nwant each of these once:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The two calls of the two-way job keep their order whichever daemon
	// made them.
	var twoWayCalls []string
	for _, c := range got {
		if strings.Contains(c, "job="+twoWay.id+" ") {
			twoWayCalls = append(twoWayCalls, c)
		}
	}
	if !slices.Equal(twoWayCalls, want[1:]) {
		t.Errorf("calls of %s:\n%s\nwant:\n%s", twoWay.id, strings.Join(twoWayCalls, "\n"), strings.Join(want[1:], "\n"))
	}
}

// TestRun_Sidecars runs one daemon beside each node of orders: only the one
// beside the new primary switches.
func TestRun_Sidecars(t *testing.T) {
	r := newRig(t, dtstest.Options{})
	job := jobSpec{id: "dtssidecar", source: "orders"}
	r.addJob(job)
	daemons := make([]*daemon, len(r.orders.Nodes))
	states := make([]string, len(r.orders.Nodes))
	for i, n := range r.orders.Nodes {
		spec := r.spec(n.Name+".json", job)
		spec.localNode = n.Name
		states[i] = spec.stateFile
		daemons[i] = startDaemon(t, "sidecar of "+n.Name, nil, runArgs(r.write(n.Name+".yaml", spec))...)
	}
	for _, d := range daemons {
		d.waitTicks(1, 30*time.Second)
	}

	newPrimary := e2etest.Switchover(t, r.orders)
	waitFor(t, "the job to point at the new primary", 60*time.Second, func() bool {
		return r.pointsAt(job.id, dts.Forward, dts.Source, newPrimary)
	})
	for _, d := range daemons {
		d.waitTicks(2, 30*time.Second)
	}
	for _, d := range daemons {
		d.stop()
	}

	want := []string{switchCall(job.id, dts.Forward, dts.Source, newPrimary)}
	if got := r.switchCalls(); !slices.Equal(got, want) {
		t.Errorf("switch calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, n := range r.orders.Nodes {
		history := readState(t, states[i]).History
		switch {
		case n == newPrimary && len(history) != 1:
			t.Errorf("history of the sidecar of the new primary %s = %+v, want its switch", n.Name, history)
		case n != newPrimary && len(history) != 0:
			t.Errorf("history of the sidecar of %s = %+v, want none", n.Name, history)
		}
	}
}
