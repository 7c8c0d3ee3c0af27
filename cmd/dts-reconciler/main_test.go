package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"dts-reconciler/internal/mariadbtest"
)

// binary is the dts-reconciler program that TestMain builds for the tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dts-reconciler-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "create build folder: %v\n", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "dts-reconciler")
	if err := build(binary); err != nil {
		fmt.Fprintf(os.Stderr, "build dts-reconciler: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	stopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles this package into out. When the tests run under the race
// detector, so does the program.
func build(out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, append(args, ".")...)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w\n%s", err, output)
	}
	return nil
}

// probePassword is the password of the probe account on the shared
// clusters.
const probePassword = "Pw-cmd-test-6Rk1"

// shared holds the MariaDB clusters that the tests of this package share.
// They start at the first test that needs them and stop in TestMain. The
// tests run one at a time and each one leaves either node of a cluster as
// its primary.
var shared struct {
	mu      sync.Mutex
	started bool
	err     error
	dir     string
	orders  *mariadbtest.Cluster
	reports *mariadbtest.Cluster
}

// sharedClusters returns the clusters "orders" and "reports" of two nodes
// each, starting them on the first call.
func sharedClusters(t *testing.T) (orders, reports *mariadbtest.Cluster) {
	t.Helper()
	mariadbtest.Require(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.started {
		shared.started = true
		shared.err = startShared()
	}
	if shared.err != nil {
		t.Fatalf("start shared clusters: %v", shared.err)
	}
	return shared.orders, shared.reports
}

func startShared() error {
	dir, err := os.MkdirTemp("", "dts-reconciler-test-")
	if err != nil {
		return err
	}
	shared.dir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, c := range []struct {
		name string
		dst  **mariadbtest.Cluster
	}{{"orders", &shared.orders}, {"reports", &shared.reports}} {
		cl, err := mariadbtest.StartCluster(ctx, mariadbtest.Options{
			Dir: dir, Name: c.name, Nodes: 2, User: "dts_probe", Password: probePassword,
		})
		if err != nil {
			return err
		}
		*c.dst = cl
	}
	return nil
}

func stopShared() {
	for _, c := range []*mariadbtest.Cluster{shared.orders, shared.reports} {
		if c == nil {
			continue
		}
		if err := c.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "close cluster %s: %v\n", c.Name, err)
		}
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
}
