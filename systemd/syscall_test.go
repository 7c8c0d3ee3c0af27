package systemd_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestServices_SyscallFilter runs a Go program that does the daemon's kinds
// of work under strace and checks that every system call it makes passes
// the services' SystemCallFilter= lines. It cannot start the units without
// a running systemd, so this is how the Go runtime is checked against the
// filter.
func TestServices_SyscallFilter(t *testing.T) {
	analyze := lookSystemdAnalyze(t)
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not found")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found")
	}

	dir := t.TempDir()
	probe := filepath.Join(dir, "syscallprobe")
	build := exec.Command(goTool, "build", "-o", probe, "./testdata/syscallprobe")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build syscallprobe: %v\n%s", err, out)
	}

	trace := filepath.Join(dir, "trace")
	out, err := exec.Command(strace, "-f", "-qq", "-o", trace, probe).CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("ptrace")) {
			t.Skipf("strace cannot trace here: %s", out)
		}
		t.Fatalf("strace syscallprobe: %v\n%s", err, out)
	}
	used := tracedSyscalls(t, trace)
	if len(used) == 0 {
		t.Fatalf("no system calls found in the trace")
	}

	groups := syscallGroups(t, analyze)
	allowed := expand(groups, "@system-service")
	for name := range expand(groups, "@privileged") {
		delete(allowed, name)
	}
	for name := range expand(groups, "@resources") {
		delete(allowed, name)
	}

	var denied []string
	for name := range used {
		if !allowed[name] {
			denied = append(denied, name)
		}
	}
	sort.Strings(denied)
	if len(denied) > 0 {
		t.Errorf("system calls outside SystemCallFilter=@system-service ~@privileged @resources: %s", strings.Join(denied, " "))
	}
	t.Logf("%d distinct system calls, all allowed by the filter", len(used))
}

var straceCall = regexp.MustCompile(`^(?:\d+\s+)?([a-z_][a-z0-9_]*)\(`)

// tracedSyscalls returns the names of the system calls in an strace -f
// output file.
func tracedSyscalls(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open trace: %v", err)
	}
	defer f.Close()

	used := make(map[string]bool)
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for scanner.Scan() {
		if m := straceCall.FindStringSubmatch(scanner.Text()); m != nil {
			used[m[1]] = true
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read trace: %v", err)
	}
	return used
}

// syscallGroups returns the members of every system call group that
// "systemd-analyze syscall-filter" lists. A member is a call or a group.
func syscallGroups(t *testing.T, analyze string) map[string][]string {
	t.Helper()
	out, err := exec.Command(analyze, "syscall-filter", "--no-pager").Output()
	if err != nil {
		t.Fatalf("systemd-analyze syscall-filter: %v", err)
	}

	groups := make(map[string][]string)
	current := ""
	for _, line := range strings.Split(string(out), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case strings.HasPrefix(line, "@"):
			current = trimmed
		case current != "" && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")):
			groups[current] = append(groups[current], trimmed)
		}
	}
	for _, name := range []string{"@system-service", "@privileged", "@resources"} {
		if len(groups[name]) == 0 {
			t.Fatalf("systemd-analyze syscall-filter lists no group %s", name)
		}
	}
	return groups
}

// expand returns the system calls of group, following nested groups.
func expand(groups map[string][]string, group string) map[string]bool {
	calls := make(map[string]bool)
	seen := map[string]bool{group: true}
	pending := []string{group}
	for len(pending) > 0 {
		g := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		for _, member := range groups[g] {
			switch {
			case !strings.HasPrefix(member, "@"):
				calls[member] = true
			case !seen[member]:
				seen[member] = true
				pending = append(pending, member)
			}
		}
	}
	return calls
}
