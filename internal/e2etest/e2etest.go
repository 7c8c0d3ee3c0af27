// Package e2etest contains the fixtures that the end-to-end tests of the
// commands share: two MariaDB clusters started once per test binary,
// switchovers between their two nodes, and the DTS endpoint of each node.
package e2etest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/internal/mariadbtest"
)

// Clusters are the clusters "orders" and "reports" of two nodes each. They
// start at the first call of Get and stop at Stop, which TestMain calls.
// The tests that use them run one at a time and may leave either node of a
// cluster as its primary.
type Clusters struct {
	// Password is the password of the probe account "dts_probe".
	Password string

	mu      sync.Mutex
	started bool
	err     error
	dir     string
	orders  *mariadbtest.Cluster
	reports *mariadbtest.Cluster
}

// Get returns the two clusters, starting them on the first call. It skips
// the test when MariaDB is missing, unless CI=true.
func (s *Clusters) Get(t testing.TB) (orders, reports *mariadbtest.Cluster) {
	t.Helper()
	mariadbtest.Require(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.err = s.start()
	}
	if s.err != nil {
		t.Fatalf("start shared clusters: %v", s.err)
	}
	return s.orders, s.reports
}

func (s *Clusters) start() error {
	dir, err := os.MkdirTemp("", "dts-reconciler-test-")
	if err != nil {
		return err
	}
	s.dir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, c := range []struct {
		name string
		dst  **mariadbtest.Cluster
	}{{"orders", &s.orders}, {"reports", &s.reports}} {
		cl, err := mariadbtest.StartCluster(ctx, mariadbtest.Options{
			Dir: dir, Name: c.name, Nodes: 2, User: "dts_probe", Password: s.Password,
		})
		if err != nil {
			return err
		}
		*c.dst = cl
	}
	return nil
}

// Stop stops the clusters, if they started, and removes their folder.
func (s *Clusters) Stop() {
	for _, c := range []*mariadbtest.Cluster{s.orders, s.reports} {
		if c == nil {
			continue
		}
		if err := c.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "close cluster %s: %v\n", c.Name, err)
		}
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// Other returns the index of the node of a two-node cluster that is not
// its primary.
func Other(c *mariadbtest.Cluster) int { return 1 - c.Primary() }

// Switchover makes the other node of c its primary and returns it.
func Switchover(t testing.TB, c *mariadbtest.Cluster) *mariadbtest.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	next := Other(c)
	if err := c.Switchover(ctx, next); err != nil {
		t.Fatalf("switchover of %s: %v", c.Name, err)
	}
	return c.Nodes[next]
}

// EndpointOf returns the DTS endpoint of a node in these tests: an ECS
// instance for the orders nodes, Express Connect for the reports nodes.
func EndpointOf(n *mariadbtest.Node) dts.Endpoint {
	port := strconv.Itoa(n.Port)
	if strings.HasPrefix(n.Name, "reports") {
		return dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-reports", IP: "127.0.0.1", Port: port}
	}
	return dts.Endpoint{InstanceType: "ECS", InstanceID: "i-" + n.Name, Port: port}
}

// Managed is the far side of a one-way job that DTS manages itself.
var Managed = dts.Endpoint{InstanceType: "RDS", InstanceID: "rm-analytics", Port: "3306"}
