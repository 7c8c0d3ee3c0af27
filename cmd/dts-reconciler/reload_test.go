package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
)

func TestRun_Reload(t *testing.T) {
	r := newRig(t, dtstest.Options{})
	first := jobSpec{id: "dtsreloadfirst", source: "orders"}
	added := jobSpec{id: "dtsreloadadded", source: "reports"}
	r.addJob(first)
	// The added job points at the node of reports that is not the primary,
	// so reconciling it means switching it.
	r.addJob(added, r.reports.Nodes[e2etest.Other(r.reports)])
	spec := r.spec("state.json", first)
	config := r.write("config.yaml", spec)

	d := startDaemon(t, "daemon", nil, runArgs(config)...)
	d.waitTicks(1, 30*time.Second)
	if n := len(r.callsOf(describeAction, added.id)); n != 0 {
		t.Fatalf("calls about %s before the reload = %d, want 0", added.id, n)
	}

	t.Run("new_job", func(t *testing.T) {
		spec.jobs = []jobSpec{first, added}
		r.write("config.yaml", spec)
		d.signal(syscall.SIGHUP)
		d.waitLog(30*time.Second, "configuration reloaded", "jobs=2")
		waitFor(t, "the added job to point at the primary of reports", 30*time.Second, func() bool {
			return r.pointsAt(added.id, dts.Forward, dts.Source, r.reports.PrimaryNode())
		})
		if n := len(r.callsOf(switchAction, added.id)); n != 1 {
			t.Errorf("switch calls of %s = %d, want 1", added.id, n)
		}
	})

	t.Run("invalid_config", func(t *testing.T) {
		valid, err := os.ReadFile(config)
		if err != nil {
			t.Fatal(err)
		}
		// The first node's DTS port goes out of range.
		port := e2etest.EndpointOf(r.orders.Nodes[0]).Port
		bad := strings.Replace(string(valid), "port: "+port+"}", "port: 70000}", 1)
		if bad == string(valid) {
			t.Fatalf("the port of %s is not in the configuration", r.orders.Nodes[0].Name)
		}
		if err := os.WriteFile(config, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		d.signal(syscall.SIGHUP)
		d.waitLog(30*time.Second, "configuration reload rejected", "clusters[0].nodes[0].dts.port")

		before := len(r.emu.CallsOf(switchAction))
		newPrimary := e2etest.Switchover(t, r.orders)
		waitFor(t, "the first job to follow the switchover", 30*time.Second, func() bool {
			return r.pointsAt(first.id, dts.Forward, dts.Source, newPrimary)
		})
		d.waitTicks(1, 30*time.Second)
		if got := len(r.emu.CallsOf(switchAction)); got != before+1 {
			t.Errorf("switch calls = %d, want %d", got, before+1)
		}
		// The added job, which the rejected file also has, is still
		// checked at every tick.
		checked := d.count(`msg="dts points at the primary"`, "job="+added.id)
		d.waitTicks(1, 30*time.Second)
		if got := d.count(`msg="dts points at the primary"`, "job="+added.id); got <= checked {
			t.Errorf("checks of %s = %d after another tick, want more than %d", added.id, got, checked)
		}
	})
	d.stop()
}
