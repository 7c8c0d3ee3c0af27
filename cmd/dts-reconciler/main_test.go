package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"dts-reconciler/internal/e2etest"
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
	shared.Stop()
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
var shared = &e2etest.Clusters{Password: probePassword}
