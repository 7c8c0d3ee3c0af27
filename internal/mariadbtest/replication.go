package mariadbtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// opTimeout bounds one operation on the cluster when the caller's context
// has no earlier deadline.
const opTimeout = 30 * time.Second

// Switchover makes node newPrimary the primary in a planned way: the old
// primary gets read_only=ON, the new one waits until it has applied the old
// one's GTID position (MASTER_GTID_WAIT), runs STOP SLAVE and RESET SLAVE ALL
// and gets read_only=OFF. Then every other running node, the old primary
// included, replicates from the new one with MASTER_USE_GTID=slave_pos, and
// Switchover waits until their IO threads run. Both the old and the new
// primary must be running. Switching to the current primary does nothing.
func (c *Cluster) Switchover(ctx context.Context, newPrimary int) error {
	if err := c.checkIndex(newPrimary); err != nil {
		return err
	}
	oldPrimary := c.primary
	if newPrimary == oldPrimary {
		return nil
	}
	begin := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	oldNode, newNode := c.Nodes[oldPrimary], c.Nodes[newPrimary]
	if !oldNode.Running() {
		return fmt.Errorf("switchover to %s: old primary %s is not running: use Failover", newNode.Name, oldNode.Name)
	}
	if !newNode.Running() {
		return fmt.Errorf("switchover to %s: node is not running", newNode.Name)
	}

	if err := oldNode.Exec(ctx, "SET GLOBAL read_only = ON"); err != nil {
		return fmt.Errorf("switchover to %s: %w", newNode.Name, err)
	}
	pos, err := oldNode.queryString(ctx, "SELECT @@global.gtid_binlog_pos")
	if err != nil {
		return fmt.Errorf("switchover to %s: %w", newNode.Name, err)
	}
	if err := waitGTID(ctx, newNode, pos); err != nil {
		return fmt.Errorf("switchover to %s: %w", newNode.Name, err)
	}
	if err := c.promote(ctx, newPrimary); err != nil {
		return fmt.Errorf("switchover to %s: %w", newNode.Name, err)
	}
	if err := c.attachAll(ctx, newPrimary); err != nil {
		return fmt.Errorf("switchover to %s: %w", newNode.Name, err)
	}
	c.logf("cluster %s: switchover from %s to %s at %s in %s",
		c.Name, oldNode.Name, newNode.Name, pos, time.Since(begin).Round(time.Millisecond))
	return nil
}

// Failover kills the current primary with SIGKILL, unless it has already
// stopped. Then it makes node newPrimary the primary once that node has
// applied everything it had received, and points every other running node
// at it. A surviving replica that
// received more than the new primary cannot attach under gtid_strict_mode,
// and Failover then returns its replication error.
func (c *Cluster) Failover(ctx context.Context, newPrimary int) error {
	if err := c.checkIndex(newPrimary); err != nil {
		return err
	}
	oldPrimary := c.primary
	if newPrimary == oldPrimary {
		return fmt.Errorf("failover to %s: it is the current primary: choose another node", c.Nodes[newPrimary].Name)
	}
	begin := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	oldNode, newNode := c.Nodes[oldPrimary], c.Nodes[newPrimary]
	if !newNode.Running() {
		return fmt.Errorf("failover to %s: node is not running", newNode.Name)
	}

	if err := c.Kill(oldPrimary); err != nil {
		return fmt.Errorf("failover to %s: %w", newNode.Name, err)
	}
	status, err := newNode.ReplicaStatus(ctx)
	if err != nil {
		return fmt.Errorf("failover to %s: %w", newNode.Name, err)
	}
	if status != nil {
		if err := waitGTID(ctx, newNode, status["Gtid_IO_Pos"]); err != nil {
			return fmt.Errorf("failover to %s: apply relay log: %w", newNode.Name, err)
		}
	}
	if err := c.promote(ctx, newPrimary); err != nil {
		return fmt.Errorf("failover to %s: %w", newNode.Name, err)
	}
	if err := c.attachAll(ctx, newPrimary); err != nil {
		return fmt.Errorf("failover to %s: %w", newNode.Name, err)
	}
	c.logf("cluster %s: failover from %s to %s in %s",
		c.Name, oldNode.Name, newNode.Name, time.Since(begin).Round(time.Millisecond))
	return nil
}

// promote runs STOP SLAVE and RESET SLAVE ALL on node i, turns read_only off
// and records i as the primary.
func (c *Cluster) promote(ctx context.Context, i int) error {
	n := c.Nodes[i]
	for _, stmt := range []string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF"} {
		if err := n.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("promote: %w", err)
		}
	}
	c.primary = i
	return nil
}

// attachAll points every running node except the primary at it,
// concurrently.
func (c *Cluster) attachAll(ctx context.Context, primary int) error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		if i == primary || !n.Running() {
			continue
		}
		wg.Go(func() {
			errs[i] = c.attach(ctx, n, c.Nodes[primary])
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// attach makes n a read-only replica of primary and, when primary is
// running, waits until n's IO thread runs.
//
// gtid_slave_pos is first set to the node's own gtid_binlog_pos. Every node
// runs with log_slave_updates, so its binary log contains everything it
// applied or wrote. A demoted primary has a stale gtid_slave_pos, and
// without this step it would request from the new primary the transactions
// it wrote itself.
func (c *Cluster) attach(ctx context.Context, n, primary *Node) error {
	stmts := []struct {
		query string
		args  []any
	}{
		{query: "STOP SLAVE"},
		{query: "SET GLOBAL read_only = ON"},
		{query: "SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos"},
		{
			query: "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ?, MASTER_USER = ?, " +
				"MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1",
			args: []any{primary.Port, replUser, replPassword},
		},
		{query: "START SLAVE"},
	}
	for _, s := range stmts {
		if err := n.Exec(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("attach to %s: %w", primary.Name, err)
		}
	}
	if primary.Running() {
		if err := waitIORunning(ctx, n); err != nil {
			return fmt.Errorf("attach to %s: %w", primary.Name, err)
		}
	}
	c.logf("node %s: replicates from %s", n.Name, primary.Name)
	return nil
}

// waitIORunning waits until n's replication IO thread runs. It returns early
// when a thread stopped on an error, which retrying does not fix.
func waitIORunning(ctx context.Context, n *Node) error {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		status, err := n.ReplicaStatus(ctx)
		if err != nil {
			return err
		}
		if status == nil {
			return fmt.Errorf("node %s: replication is not configured", n.Name)
		}
		io := status["Slave_IO_Running"]
		if io == "Yes" {
			return nil
		}
		stopped := (io == "No" && status["Last_IO_Errno"] != "0") ||
			(status["Slave_SQL_Running"] == "No" && status["Last_SQL_Errno"] != "0")
		if stopped {
			return fmt.Errorf("node %s: replication stopped: io %s: %q, sql %s: %q", n.Name,
				io, status["Last_IO_Error"], status["Slave_SQL_Running"], status["Last_SQL_Error"])
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s: wait for io thread (%s, last error %q): %w",
				n.Name, io, status["Last_IO_Error"], ctx.Err())
		case <-ticker.C:
		}
	}
}

// waitGTID waits until n has applied the GTID position pos, with
// MASTER_GTID_WAIT bounded by ctx's deadline. An empty pos returns at once.
func waitGTID(ctx context.Context, n *Node, pos string) error {
	if pos == "" {
		return nil
	}
	seconds := opTimeout.Seconds()
	if deadline, ok := ctx.Deadline(); ok {
		seconds = math.Max(time.Until(deadline).Seconds(), 0.001)
	}
	result, err := n.queryString(ctx, "SELECT MASTER_GTID_WAIT(?, ?)", pos, seconds)
	if err != nil {
		return fmt.Errorf("wait for gtid %s: %w", pos, err)
	}
	if result != "0" {
		return fmt.Errorf("node %s: wait for gtid %s: timed out after %.1fs (MASTER_GTID_WAIT returned %s)",
			n.Name, pos, seconds, result)
	}
	return nil
}

// WaitReplicated waits until every running replica has applied everything
// the primary has written so far.
func (c *Cluster) WaitReplicated(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	primary := c.Nodes[c.primary]
	pos, err := primary.queryString(ctx, "SELECT @@global.gtid_binlog_pos")
	if err != nil {
		return fmt.Errorf("wait for replicas: %w", err)
	}
	for i, n := range c.Nodes {
		if i == c.primary || !n.Running() {
			continue
		}
		if err := waitGTID(ctx, n, pos); err != nil {
			return fmt.Errorf("wait for replicas: %w", err)
		}
	}
	return nil
}

func (c *Cluster) checkIndex(i int) error {
	if i < 0 || i >= len(c.Nodes) {
		return fmt.Errorf("cluster %s: node index %d out of range [0, %d)", c.Name, i, len(c.Nodes))
	}
	return nil
}
