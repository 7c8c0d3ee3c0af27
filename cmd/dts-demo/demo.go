package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/app"
	"dts-reconciler/internal/mariadbtest"
	"dts-reconciler/notify/slacktest"
)

// Fixed demo values. The credentials only exist inside the emulator.
const (
	accessKeyID     = "LTAI-demo-key"
	accessKeySecret = "demo-secret-known-to-the-emulator"
	probeUser       = "dts_probe"
	probePassword   = "demo-probe-password"
	oneWayJob       = "dtsdemo1way"
	twoWayJob       = "dtsdemo2way"
)

// demo holds everything the demo started, so cleanup can stop it all.
type demo struct {
	out     io.Writer
	keep    bool
	verbose bool

	mu      sync.Mutex // serializes lines written by the servers' hooks
	dir     string
	orders  *mariadbtest.Cluster
	reports *mariadbtest.Cluster
	dts     *dtstest.Server
	slack   *slacktest.Server
	daemon  chan int
	stopRun context.CancelFunc
}

func (d *demo) printf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.out, format, args...)
}

func (d *demo) run(ctx context.Context) error {
	if _, err := mariadbtest.Find(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "dts-demo-")
	if err != nil {
		return fmt.Errorf("create temporary folder: %w", err)
	}
	d.dir = dir
	step(d.out, "working folder %s", dir)

	step(d.out, "starting MariaDB cluster orders (2 nodes, GTID replication)")
	d.orders, err = mariadbtest.StartCluster(ctx, mariadbtest.Options{Dir: filepath.Join(dir, "orders"), Name: "orders", Nodes: 2, User: probeUser, Password: probePassword})
	if err != nil {
		return err
	}
	step(d.out, "starting MariaDB cluster reports (2 nodes, GTID replication)")
	d.reports, err = mariadbtest.StartCluster(ctx, mariadbtest.Options{Dir: filepath.Join(dir, "reports"), Name: "reports", Nodes: 2, User: probeUser, Password: probePassword})
	if err != nil {
		return err
	}
	for _, c := range []*mariadbtest.Cluster{d.orders, d.reports} {
		for i, n := range c.Nodes {
			role := "replica"
			if i == 0 {
				role = "primary"
			}
			step(d.out, "  %s at %s (%s)", n.Name, n.Address, role)
		}
	}

	d.startEmulators()
	configPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(configPath, []byte(d.config()), 0o600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	step(d.out, "config written to %s", configPath)

	d.startDaemon(ctx, configPath)
	if err := d.waitFirstTick(ctx); err != nil {
		return err
	}

	step(d.out, "switchover of orders: %s becomes primary", d.orders.Nodes[1].Name)
	if err := d.orders.Switchover(ctx, 1); err != nil {
		return fmt.Errorf("switchover of orders: %w", err)
	}
	start := time.Now()
	if err := d.waitInSync(ctx, "the orders switchover", d.orders.Nodes[1], d.reports.Nodes[0]); err != nil {
		return err
	}
	step(d.out, "DTS follows orders: %s after the switchover", time.Since(start).Round(10*time.Millisecond))

	// The two-way job's orders side has just been switched; the cooldown
	// is per endpoint, so its reports side can switch at once.
	step(d.out, "switchover of reports: %s becomes primary", d.reports.Nodes[1].Name)
	if err := d.reports.Switchover(ctx, 1); err != nil {
		return fmt.Errorf("switchover of reports: %w", err)
	}
	start = time.Now()
	if err := d.waitInSync(ctx, "the reports switchover", d.orders.Nodes[1], d.reports.Nodes[1]); err != nil {
		return err
	}
	step(d.out, "DTS follows reports: %s after the switchover", time.Since(start).Round(10*time.Millisecond))

	// Give the daemon a moment to post its last messages.
	if _, err := d.slack.WaitFor(ctx, 1); err != nil {
		return fmt.Errorf("wait for slack messages: %w", err)
	}
	time.Sleep(time.Second)
	step(d.out, "done: %d switch calls reached DTS, %d Slack messages were posted",
		len(d.dts.CallsOf("SwitchSynchronizationEndpoint")), len(d.slack.Messages()))
	return nil
}

// startEmulators starts the DTS emulator with the two jobs pointing at the
// current primaries, and the recording Slack server.
func (d *demo) startEmulators() {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	d.dts = dtstest.NewServer(dtstest.Options{
		AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret,
		InitializingDelay: 300 * time.Millisecond, SwitchingDelay: 300 * time.Millisecond,
		Logger: logger,
	})
	d.dts.OnCall(func(c dtstest.Call) {
		if c.Action != "SwitchSynchronizationEndpoint" {
			return
		}
		d.printf("    DTS   <- %s job=%s %s/%s %s %s %s:%s\n", c.Action, c.Params["SynchronizationJobId"],
			c.Params["SynchronizationDirection"], c.Params["Endpoint.Type"], c.Params["Endpoint.InstanceType"],
			c.Params["Endpoint.InstanceId"], c.Params["Endpoint.IP"], c.Params["Endpoint.Port"])
	})
	ordersA, reportsA := d.orders.Nodes[0], d.reports.Nodes[0]
	d.dts.AddJob(dtstest.Job{ID: oneWayJob, Name: "orders to analytics",
		Source:      ecsEndpoint(ordersA),
		Destination: dts.Endpoint{InstanceType: "RDS", InstanceID: "rm-demo-analytics", Port: "3306"}})
	d.dts.AddJob(dtstest.Job{ID: twoWayJob, Name: "reports and orders, both ways", TwoWay: true,
		Source: expressEndpoint(reportsA), Destination: ecsEndpoint(ordersA)})
	step(d.out, "DTS emulator at %s: one-way job %s (source orders), two-way job %s (reports <-> orders)", d.dts.URL, oneWayJob, twoWayJob)

	d.slack = slacktest.NewServer()
	d.slack.OnMessage(func(m slacktest.Message) {
		d.printf("    SLACK %s\n", indent(m.Text))
	})
	step(d.out, "recording Slack server at %s", d.slack.URL())
}

func ecsEndpoint(n *mariadbtest.Node) dts.Endpoint {
	return dts.Endpoint{InstanceType: "ECS", InstanceID: "i-demo-" + n.Name, IP: "127.0.0.1", Port: strconv.Itoa(n.Port)}
}

func expressEndpoint(n *mariadbtest.Node) dts.Endpoint {
	return dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-demo", IP: "127.0.0.1", Port: strconv.Itoa(n.Port)}
}

// config returns the daemon's configuration for the demo.
func (d *demo) config() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `schedule: "@every 1s"
state_file: %s
http:
  listen: ""
safety:
  confirmations: 2
  confirm_interval: 300ms
  cooldown: 1m
  switch_timeout: 1m
alibaba_cloud:
  region_id: cn-hangzhou
  endpoint: %s
  access_key_id: %s
  access_key_secret: %s
slack:
  webhook_url: %s
mysql:
  user: %s
  password: %s
  connect_timeout: 1s
  read_timeout: 1s
clusters:
`, filepath.Join(d.dir, "state.json"), d.dts.URL, accessKeyID, accessKeySecret, d.slack.WebhookURL(), probeUser, probePassword)
	for _, c := range []*mariadbtest.Cluster{d.orders, d.reports} {
		fmt.Fprintf(&b, "  - name: %s\n    nodes:\n", c.Name)
		for _, n := range c.Nodes {
			e := ecsEndpoint(n)
			if c == d.reports {
				e = expressEndpoint(n)
			}
			fmt.Fprintf(&b, "      - name: %s\n        address: %s\n        dts: {instance_type: %s, instance_id: %s, ip: %s, port: %s}\n",
				n.Name, n.Address, e.InstanceType, e.InstanceID, e.IP, e.Port)
		}
	}
	fmt.Fprintf(&b, `jobs:
  - id: %s
    source: orders
  - id: %s
    source: reports
    destination: orders
    two_way: true
`, oneWayJob, twoWayJob)
	return b.String()
}

// startDaemon runs "dts-reconciler run" in this process until cleanup.
func (d *demo) startDaemon(ctx context.Context, configPath string) {
	ctx, d.stopRun = context.WithCancel(ctx)
	level := "info"
	if d.verbose {
		level = "debug"
	}
	args := []string{"run", "-config", configPath, "-log-level", level, "-grace", "10s"}
	step(d.out, "starting the daemon: dts-reconciler %s", strings.Join(args, " "))
	d.daemon = make(chan int, 1)
	logs := &prefixWriter{demo: d, prefix: "    daemon "}
	go func() { d.daemon <- app.Main(ctx, args, logs, logs) }()
}

// waitInSync waits until both jobs point at the given primaries.
func (d *demo) waitInSync(ctx context.Context, what string, orders, reports *mariadbtest.Node) error {
	type direction struct {
		job         string
		dir         dts.Direction
		source      dts.Endpoint
		destination *dts.Endpoint // nil when DTS manages that side
	}
	ordersEnd, reportsEnd := ecsEndpoint(orders), expressEndpoint(reports)
	want := []direction{
		{oneWayJob, dts.Forward, ordersEnd, nil},
		{twoWayJob, dts.Forward, reportsEnd, &ordersEnd},
		{twoWayJob, dts.Reverse, ordersEnd, &reportsEnd},
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		done := true
		for _, w := range want {
			st, ok := d.dts.Job(w.job, w.dir)
			if !ok || st.Source.Port != w.source.Port ||
				(w.destination != nil && st.Destination.Port != w.destination.Port) {
				done = false
			}
		}
		if done {
			step(d.out, "every DTS job points at its primary after %s", what)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("DTS jobs did not follow %s in time: %w", what, ctx.Err())
		case code := <-d.daemon:
			d.daemon <- code
			return fmt.Errorf("the daemon stopped with exit status %d", code)
		case <-tick.C:
		}
	}
}

// waitFirstTick waits until the daemon has read all three job directions
// from DTS, which its first tick does once it has probed every node.
func (d *demo) waitFirstTick(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for len(d.dts.CallsOf("DescribeSynchronizationJobStatus")) < 3 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("the daemon did not read DTS in time: %w", ctx.Err())
		case code := <-d.daemon:
			d.daemon <- code
			return fmt.Errorf("the daemon stopped with exit status %d", code)
		case <-tick.C:
		}
	}
	step(d.out, "the daemon's first tick found every job in sync")
	return nil
}

// cleanup stops the daemon and every server, and removes the folder.
func (d *demo) cleanup() {
	if d.stopRun != nil {
		d.stopRun()
		select {
		case <-d.daemon:
		case <-time.After(15 * time.Second):
			fmt.Fprintln(d.out, "dts-demo: the daemon did not stop within 15s")
		}
	}
	var errs []error
	for _, c := range []*mariadbtest.Cluster{d.orders, d.reports} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	if d.dts != nil {
		d.dts.Close()
	}
	if d.slack != nil {
		d.slack.Close()
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(os.Stderr, "dts-demo: stop MariaDB: %v\n", err)
	}
	if d.dir == "" {
		return
	}
	if d.keep {
		step(d.out, "kept %s", d.dir)
		return
	}
	if err := os.RemoveAll(d.dir); err != nil {
		fmt.Fprintf(os.Stderr, "dts-demo: remove %s: %v\n", d.dir, err)
		return
	}
	step(d.out, "stopped every process and removed %s", d.dir)
}
