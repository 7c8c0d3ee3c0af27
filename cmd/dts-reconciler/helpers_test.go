package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
	"dts-reconciler/internal/mariadbtest"
	"dts-reconciler/notify/slacktest"
)

// DTS actions the tests count.
const (
	describeAction = "DescribeSynchronizationJobStatus"
	switchAction   = "SwitchSynchronizationEndpoint"
)

// jobSpec is one job of a test configuration.
type jobSpec struct {
	id          string
	source      string // cluster name, "" when DTS manages the side
	destination string
	twoWay      bool
}

// configSpec describes a configuration file for the shared clusters.
type configSpec struct {
	orders, reports *mariadbtest.Cluster
	emulatorURL     string
	webhookURL      string
	stateFile       string
	listen          string
	localNode       string
	jobs            []jobSpec
}

// yaml returns the configuration file.
func (s configSpec) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, `schedule: "@every 1s"
state_file: %s
local_node: %q
http: {listen: %q}
safety:
  confirmations: 2
  confirm_interval: 100ms
  cooldown: 0s
  max_switches_per_hour: 20
  switch_timeout: 1m
alibaba_cloud:
  region_id: cn-hangzhou
  endpoint: %s
  access_key_id: %s
  access_key_secret: %s
  timeout: 5s
slack:
  webhook_url: %q
  timeout: 5s
mysql:
  user: dts_probe
  password: %s
  connect_timeout: 2s
  read_timeout: 2s
clusters:
`, s.stateFile, s.localNode, s.listen, s.emulatorURL, dtstest.DefaultAccessKeyID, dtstest.DefaultAccessKeySecret,
		s.webhookURL, probePassword)
	for _, c := range []*mariadbtest.Cluster{s.orders, s.reports} {
		fmt.Fprintf(&b, "  - name: %s\n    nodes:\n", c.Name)
		for _, n := range c.Nodes {
			ep := e2etest.EndpointOf(n)
			fmt.Fprintf(&b, "      - name: %s\n        address: %s\n        dts: {instance_type: %s, instance_id: %s, ip: %q, port: %s}\n",
				n.Name, n.Address, ep.InstanceType, ep.InstanceID, ep.IP, ep.Port)
		}
	}
	b.WriteString("jobs:\n")
	for _, j := range s.jobs {
		fmt.Fprintf(&b, "  - {id: %s, source: %q, destination: %q, two_way: %t}\n", j.id, j.source, j.destination, j.twoWay)
	}
	return b.String()
}

// rig is one test's emulator and Slack server around the shared
// clusters.
type rig struct {
	t               *testing.T
	dir             string
	orders, reports *mariadbtest.Cluster
	emu             *dtstest.Server
	slack           *slacktest.Server
}

func newRig(t *testing.T, emuOpts dtstest.Options) *rig {
	t.Helper()
	orders, reports := shared.Get(t)
	emu := dtstest.NewServer(emuOpts)
	t.Cleanup(emu.Close)
	slack := slacktest.NewServer()
	t.Cleanup(slack.Close)
	return &rig{t: t, dir: t.TempDir(), orders: orders, reports: reports, emu: emu, slack: slack}
}

// spec returns a configuration for the rig with the given jobs and a state
// file of the given name.
func (r *rig) spec(state string, jobs ...jobSpec) configSpec {
	return configSpec{
		orders: r.orders, reports: r.reports,
		emulatorURL: r.emu.URL, webhookURL: r.slack.WebhookURL(),
		stateFile: filepath.Join(r.dir, state),
		jobs:      jobs,
	}
}

// write writes a configuration file atomically, so that a daemon reloading
// it never reads half of it, and returns its path.
func (r *rig) write(name string, s configSpec) string {
	r.t.Helper()
	path := filepath.Join(r.dir, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(s.yaml()), 0o600); err != nil {
		r.t.Fatalf("write %s: %v", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		r.t.Fatalf("write %s: %v", name, err)
	}
	return path
}

// cluster returns the shared cluster with the given name.
func (r *rig) cluster(name string) *mariadbtest.Cluster {
	if name == "orders" {
		return r.orders
	}
	return r.reports
}

// addJob adds j to the emulator with its sides pointing at the current
// primaries of its clusters, or at the given nodes when at names one.
func (r *rig) addJob(j jobSpec, at ...*mariadbtest.Node) {
	side := func(cluster string) dts.Endpoint {
		if cluster == "" {
			return e2etest.Managed
		}
		for _, n := range at {
			if strings.HasPrefix(n.Name, cluster+"-") {
				return e2etest.EndpointOf(n)
			}
		}
		return e2etest.EndpointOf(r.cluster(cluster).PrimaryNode())
	}
	r.emu.AddJob(dtstest.Job{ID: j.id, TwoWay: j.twoWay, Source: side(j.source), Destination: side(j.destination)})
}

// pointsAt reports whether one side of a job direction is the node's
// endpoint at the emulator.
func (r *rig) pointsAt(job string, dir dts.Direction, typ dts.EndpointType, n *mariadbtest.Node) bool {
	js, ok := r.emu.Job(job, dir)
	if !ok {
		return false
	}
	return js.Endpoint(typ) == e2etest.EndpointOf(n)
}

// callsOf returns the calls of an action for one job.
func (r *rig) callsOf(action, job string) []dtstest.Call {
	var out []dtstest.Call
	for _, c := range r.emu.CallsOf(action) {
		if c.Params["SynchronizationJobId"] == job {
			out = append(out, c)
		}
	}
	return out
}

// switchCall describes a switch call by the parameters that matter.
func switchCall(job string, dir dts.Direction, typ dts.EndpointType, n *mariadbtest.Node) string {
	ep := e2etest.EndpointOf(n)
	return fmt.Sprintf("job=%s direction=%s type=%s instance_type=%s instance_id=%s ip=%s port=%s",
		job, dir, typ, ep.InstanceType, ep.InstanceID, ep.IP, ep.Port)
}

// callText describes a recorded call the way switchCall does.
func callText(c dtstest.Call) string {
	p := c.Params
	return fmt.Sprintf("job=%s direction=%s type=%s instance_type=%s instance_id=%s ip=%s port=%s",
		p["SynchronizationJobId"], p["SynchronizationDirection"], p["Endpoint.Type"],
		p["Endpoint.InstanceType"], p["Endpoint.InstanceId"], p["Endpoint.IP"], p["Endpoint.Port"])
}

// switchCalls returns every switch call the emulator received, accepted
// or not.
func (r *rig) switchCalls() []string {
	var out []string
	for _, c := range r.emu.CallsOf(switchAction) {
		out = append(out, callText(c))
	}
	return out
}

// stateFile is the part of the state file that the tests read.
type stateFile struct {
	InFlight []struct {
		Job      string `json:"job"`
		TaskID   string `json:"task_id"`
		Finished bool   `json:"finished"`
	} `json:"in_flight"`
	History []struct {
		Job    string `json:"job"`
		TaskID string `json:"task_id"`
		Result string `json:"result"`
	} `json:"history"`
}

// readState reads a state file. A missing file is an empty state.
func readState(t *testing.T, path string) stateFile {
	t.Helper()
	var s stateFile
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s
	}
	if err != nil {
		t.Fatalf("read state file: %v", err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("decode state file: %v\n%s", err, raw)
	}
	return s
}

// inFlight reports whether the state file lists the task as in flight.
func (s stateFile) inFlight(taskID string) bool {
	for _, f := range s.InFlight {
		if f.TaskID == taskID {
			return true
		}
	}
	return false
}

// recorded reports whether the history has an entry for the task.
func (s stateFile) recorded(taskID string) bool {
	for _, h := range s.History {
		if h.TaskID == taskID {
			return true
		}
	}
	return false
}

// pollInterval is how often waitFor checks its condition.
const pollInterval = 20 * time.Millisecond

// waitFor polls cond until it is true, and fails the test when it is still
// false after timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(pollInterval)
	}
}
