package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"dts-reconciler/internal/mariadbtest"
)

// Credentials of the probe account on the benchmark's servers and of the
// DTS emulator. They exist only on servers this program starts.
const (
	probeUser       = "dts_probe"
	probePassword   = "bench-probe-password"
	accessKeyID     = "LTAI-bench-key"
	accessKeySecret = "bench-secret-known-to-the-emulator"
)

// Sizes of the real parts shared by every figure.
const (
	realClusters      = 2 // MariaDB clusters, each a primary and a replica
	nodesPerCluster   = 2
	blackholeCount    = 4
	maxConnections    = 3000 // per mariadbd, for 1000 configured nodes
	startTimeout      = 3 * time.Minute
	serverStopTimeout = time.Minute
)

// env holds the MariaDB servers and hung servers that the figures share,
// and the folder for their files.
type env struct {
	dir        string
	progress   io.Writer
	clusters   []*mariadbtest.Cluster
	blackholes []*mariadbtest.Blackhole
	version    string // of the MariaDB server
	// maxConcurrentProbes overrides mysql.max_concurrent_probes in every
	// configuration when above 0.
	maxConcurrentProbes int
	// hungPercents are the shares of hung nodes the tick figure measures,
	// besides none.
	hungPercents []int
}

// startEnv starts realClusters MariaDB clusters and blackholeCount hung
// servers on 127.0.0.1, in a new temporary folder.
func startEnv(ctx context.Context, progress io.Writer) (e *env, err error) {
	if _, err := mariadbtest.Find(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dts-bench-")
	if err != nil {
		return nil, fmt.Errorf("create temporary folder: %w", err)
	}
	e = &env{dir: dir, progress: progress}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.close())
			e = nil
		}
	}()

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	begin := time.Now()
	e.clusters = make([]*mariadbtest.Cluster, realClusters)
	errs := make([]error, realClusters)
	var wg sync.WaitGroup
	for i := range realClusters {
		wg.Go(func() {
			e.clusters[i], errs[i] = mariadbtest.StartCluster(ctx, mariadbtest.Options{
				Dir:       dir,
				Name:      fmt.Sprintf("real%d", i),
				Nodes:     nodesPerCluster,
				User:      probeUser,
				Password:  probePassword,
				ExtraArgs: []string{fmt.Sprintf("--max-connections=%d", maxConnections)},
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return e, err
	}
	for range blackholeCount {
		b, err := mariadbtest.NewBlackhole()
		if err != nil {
			return e, err
		}
		e.blackholes = append(e.blackholes, b)
	}
	var maxConns int
	row := e.clusters[0].Nodes[0].DB().QueryRowContext(ctx, "SELECT VERSION(), @@global.max_connections")
	if err := row.Scan(&e.version, &maxConns); err != nil {
		return e, fmt.Errorf("read mariadb version: %w", err)
	}
	if maxConns != maxConnections {
		return e, fmt.Errorf("mariadb max_connections is %d, want %d from the command line", maxConns, maxConnections)
	}
	e.logf("started %d MariaDB servers (%s) and %d hung servers in %s",
		realClusters*nodesPerCluster, e.version, blackholeCount, time.Since(begin).Round(time.Millisecond))
	return e, nil
}

// close stops every server by PID and removes the folder.
func (e *env) close() error {
	var errs []error
	for _, c := range e.clusters {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	for _, b := range e.blackholes {
		errs = append(errs, b.Close())
	}
	if err := os.RemoveAll(e.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", e.dir, err))
	}
	return errors.Join(errs...)
}

// path returns a path inside the benchmark's folder.
func (e *env) path(name string) string { return filepath.Join(e.dir, name) }

// logf writes one progress line.
func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.progress, "bench: "+format+"\n", args...)
}
