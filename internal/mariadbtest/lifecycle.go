package mariadbtest

import (
	"context"
	"fmt"
)

// Kill sends SIGKILL to node i's mariadbd and waits until it has exited. A
// node that is not running is left as it is.
func (c *Cluster) Kill(i int) error {
	if err := c.checkIndex(i); err != nil {
		return err
	}
	n := c.Nodes[i]
	if !n.Running() {
		return nil
	}
	n.kill()
	c.logf("node %s: killed (pid %d)", n.Name, n.PID)
	return nil
}

// Stop shuts node i down with SIGTERM, and SIGKILL if it is still running
// after a bound. A node that is not running is left as it is.
func (c *Cluster) Stop(i int) error {
	if err := c.checkIndex(i); err != nil {
		return err
	}
	n := c.Nodes[i]
	if !n.Running() {
		return nil
	}
	if err := n.stop(stopTimeout); err != nil {
		return err
	}
	c.logf("node %s: stopped (pid %d)", n.Name, n.PID)
	return nil
}

// Restart stops node i if it runs, then starts it again on the same port
// and data directory. The primary comes back writable. Any other node comes
// back with read_only=ON and replicating from the primary; Restart waits for
// its IO thread only when the primary is running.
func (c *Cluster) Restart(ctx context.Context, i int) error {
	if err := c.checkIndex(i); err != nil {
		return err
	}
	if c.closed {
		return fmt.Errorf("restart node %d: cluster %s is closed", i, c.Name)
	}
	if err := c.Stop(i); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout+readyTimeout)
	defer cancel()
	n := c.Nodes[i]
	isPrimary := i == c.primary
	if err := c.startNode(ctx, n, !isPrimary, false); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	if isPrimary {
		return nil
	}
	if err := c.attach(ctx, n, c.Nodes[c.primary]); err != nil {
		return fmt.Errorf("restart node %s: %w", n.Name, err)
	}
	return nil
}

// SetReadOnly sets @@global.read_only on node i. It does not change which
// node [Cluster.Primary] returns, so tests can build topologies with no
// writable node or with two.
func (c *Cluster) SetReadOnly(ctx context.Context, i int, on bool) error {
	if err := c.checkIndex(i); err != nil {
		return err
	}
	if err := c.Nodes[i].Exec(ctx, "SET GLOBAL read_only = "+onOff(on)); err != nil {
		return fmt.Errorf("set read_only: %w", err)
	}
	return nil
}
