package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// machineLines describes the machine the figures were taken on.
func machineLines(mariadbVersion string) []string {
	return []string{
		fmt.Sprintf("nproc %d, CPU %s", runtime.NumCPU(), cpuModel()),
		fmt.Sprintf("%s %s/%s, MariaDB %s", runtime.Version(), runtime.GOOS, runtime.GOARCH, mariadbVersion),
		"load average (1, 5, 15 min) " + loadAverage(),
	}
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

// loadAverage returns the three load averages of /proc/loadavg, which show
// whether other work shared the machine.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

// printHeader writes the machine lines.
func printHeader(w io.Writer, mariadbVersion string) {
	fmt.Fprintln(w, "dts-reconciler benchmarks")
	for _, line := range machineLines(mariadbVersion) {
		fmt.Fprintln(w, "machine: "+line)
	}
}
