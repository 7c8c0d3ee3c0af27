package mariadbtest

import (
	"context"
	"os"
	"testing"
	"time"
)

// Require returns the MariaDB programs for a test. When they are missing it
// skips the test, unless the environment has CI=true, where a missing
// MariaDB fails the test so that CI cannot pass without these tests.
func Require(t testing.TB) Binaries {
	t.Helper()
	bins, err := Find()
	if err == nil {
		return bins
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("mariadb is required when CI=true: %v", err)
		return Binaries{}
	}
	t.Skipf("skipping: %v", err)
	return Binaries{}
}

// startTestTimeout bounds [StartTest]. A start takes about a second on an
// idle machine, but much longer when many tests share few cores.
const startTestTimeout = 2 * time.Minute

// StartTest starts a cluster for a test: it calls [Require], puts the data
// directories under t.TempDir() when opts.Dir is empty, fails the test on
// error, and closes the cluster when the test ends.
func StartTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	Require(t)
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Name == "" {
		opts.Name = "test"
	}
	ctx, cancel := context.WithTimeout(t.Context(), startTestTimeout)
	defer cancel()
	c, err := StartCluster(ctx, opts)
	if err != nil {
		t.Fatalf("start mariadb cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close mariadb cluster %s: %v", c.Name, err)
		}
	})
	return c
}
