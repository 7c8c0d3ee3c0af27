package systemd_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// installedBinary is the ExecStart path the units name.
const installedBinary = "/usr/local/bin/dts-reconciler"

// maxExposure is the highest "systemd-analyze security" exposure level the
// services may have, on its scale from 0 (locked down) to 10 (unprotected).
const maxExposure = 1.5

var units = []string{"dts-reconciler.service", "dts-reconciler-audit.service", "dts-reconciler-audit.timer"}

var services = []string{"dts-reconciler.service", "dts-reconciler-audit.service"}

// unitFile maps a section and a key to the values it is given, in order.
type unitFile map[string]map[string][]string

// get returns the last value of key, as systemd uses for single-value
// settings, and whether the key is set at all.
func (u unitFile) get(section, key string) (string, bool) {
	values := u[section][key]
	if len(values) == 0 {
		return "", false
	}
	return values[len(values)-1], true
}

func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open unit: %v", err)
	}
	defer f.Close()

	u := make(unitFile)
	section := ""
	scanner := bufio.NewScanner(f)
	for n := 1; scanner.Scan(); n++ {
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			continue
		case strings.HasSuffix(line, `\`):
			t.Fatalf("%s:%d: line continuation is not supported by this test", path, n)
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = make(map[string][]string)
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("%s:%d: %q is neither a section nor key=value", path, n, line)
		}
		key = strings.TrimSpace(key)
		u[section][key] = append(u[section][key], strings.TrimSpace(value))
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read unit: %v", err)
	}
	return u
}

func TestUnits_Settings(t *testing.T) {
	tests := []struct {
		name    string
		unit    string
		section string
		key     string
		want    string
	}{
		{"daemon_type", "dts-reconciler.service", "Service", "Type", "notify"},
		{"daemon_exec", "dts-reconciler.service", "Service", "ExecStart", installedBinary + " run -config /etc/dts-reconciler/config.yaml -log-format json"},
		{"daemon_reload", "dts-reconciler.service", "Service", "ExecReload", "/bin/kill -HUP $MAINPID"},
		{"daemon_watchdog", "dts-reconciler.service", "Service", "WatchdogSec", "2min"},
		{"daemon_stop_timeout", "dts-reconciler.service", "Service", "TimeoutStopSec", "90s"},
		{"daemon_restart", "dts-reconciler.service", "Service", "Restart", "on-failure"},
		{"daemon_restart_delay", "dts-reconciler.service", "Service", "RestartSec", "5s"},
		{"daemon_no_restart_on_bad_config", "dts-reconciler.service", "Service", "RestartPreventExitStatus", "2"},
		{"daemon_start_limit_interval", "dts-reconciler.service", "Unit", "StartLimitIntervalSec", "10min"},
		{"daemon_start_limit_burst", "dts-reconciler.service", "Unit", "StartLimitBurst", "5"},
		{"daemon_after_network", "dts-reconciler.service", "Unit", "After", "network-online.target"},
		{"daemon_wants_network", "dts-reconciler.service", "Unit", "Wants", "network-online.target"},
		{"daemon_state_dir", "dts-reconciler.service", "Service", "StateDirectory", "dts-reconciler"},
		{"daemon_config_dir", "dts-reconciler.service", "Service", "ConfigurationDirectory", "dts-reconciler"},
		{"daemon_env_file", "dts-reconciler.service", "Service", "EnvironmentFile", "-/etc/dts-reconciler/env"},
		{"daemon_install", "dts-reconciler.service", "Install", "WantedBy", "multi-user.target"},
		{"audit_type", "dts-reconciler-audit.service", "Service", "Type", "oneshot"},
		{"audit_exec", "dts-reconciler-audit.service", "Service", "ExecStart", installedBinary + " audit -config /etc/dts-reconciler/config.yaml -notify"},
		{"audit_findings_succeed", "dts-reconciler-audit.service", "Service", "SuccessExitStatus", "1 3"},
		{"audit_env_file", "dts-reconciler-audit.service", "Service", "EnvironmentFile", "-/etc/dts-reconciler/env"},
		{"timer_calendar", "dts-reconciler-audit.timer", "Timer", "OnCalendar", "daily"},
		{"timer_persistent", "dts-reconciler-audit.timer", "Timer", "Persistent", "true"},
		{"timer_delay", "dts-reconciler-audit.timer", "Timer", "RandomizedDelaySec", "1h"},
		{"timer_install", "dts-reconciler-audit.timer", "Install", "WantedBy", "timers.target"},
	}
	parsed := make(map[string]unitFile)
	for _, name := range units {
		parsed[name] = parseUnit(t, name)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parsed[tt.unit].get(tt.section, tt.key)
			if !ok {
				t.Fatalf("%s [%s] %s unset, want %q", tt.unit, tt.section, tt.key, tt.want)
			}
			if got != tt.want {
				t.Errorf("%s [%s] %s = %q, want %q", tt.unit, tt.section, tt.key, got, tt.want)
			}
		})
	}
}

// hardening lists the [Service] settings both services must set, with the
// value each must have.
var hardening = map[string]string{
	"DynamicUser":             "yes",
	"User":                    "dts-reconciler",
	"NoNewPrivileges":         "yes",
	"CapabilityBoundingSet":   "",
	"AmbientCapabilities":     "",
	"ProtectSystem":           "strict",
	"ProtectHome":             "yes",
	"PrivateTmp":              "yes",
	"PrivateDevices":          "yes",
	"ProtectKernelTunables":   "yes",
	"ProtectKernelModules":    "yes",
	"ProtectKernelLogs":       "yes",
	"ProtectControlGroups":    "yes",
	"ProtectClock":            "yes",
	"ProtectHostname":         "yes",
	"ProtectProc":             "invisible",
	"ProcSubset":              "pid",
	"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
	"RestrictNamespaces":      "yes",
	"RestrictRealtime":        "yes",
	"RestrictSUIDSGID":        "yes",
	"LockPersonality":         "yes",
	"MemoryDenyWriteExecute":  "yes",
	"SystemCallArchitectures": "native",
	"UMask":                   "0077",
}

func TestServices_Hardening(t *testing.T) {
	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			u := parseUnit(t, name)
			for key, want := range hardening {
				got, ok := u.get("Service", key)
				if !ok {
					t.Errorf("%s unset, want %q", key, want)
					continue
				}
				if got != want {
					t.Errorf("%s = %q, want %q", key, got, want)
				}
			}

			filters := strings.Join(u["Service"]["SystemCallFilter"], " | ")
			if want := "@system-service | ~@privileged @resources"; filters != want {
				t.Errorf("SystemCallFilter lines = %q, want %q", filters, want)
			}
			if _, ok := u.get("Service", "IPAddressDeny"); ok {
				t.Errorf("IPAddressDeny is set, want unset: the daemon must reach MySQL and DTS at any address")
			}
		})
	}
}

// installCopies writes the units into a temporary directory with ExecStart
// and ExecReload pointing at a stub executable there, because
// systemd-analyze verify rejects a unit whose binary does not exist.
func installCopies(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	stub := filepath.Join(dir, "dts-reconciler")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatalf("write stub: %v", err)
	}
	for _, name := range units {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("read unit: %v", err)
		}
		text := strings.ReplaceAll(string(data), installedBinary, stub)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatalf("write unit copy: %v", err)
		}
	}
	return dir
}

func lookSystemdAnalyze(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not found")
	}
	return path
}

func TestUnits_Verify(t *testing.T) {
	analyze := lookSystemdAnalyze(t)
	dir := installCopies(t)

	args := []string{"verify", "--man=no"}
	for _, name := range units {
		args = append(args, filepath.Join(dir, name))
	}
	out, err := exec.Command(analyze, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}

	// Warnings about the host's own units fail nothing, but a warning that
	// names one of these units does.
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		if strings.Contains(line, dir) || strings.Contains(line, "dts-reconciler") {
			t.Errorf("systemd-analyze verify: %s", line)
		} else {
			t.Logf("systemd-analyze verify (host): %s", line)
		}
	}
}

var exposureLine = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

func TestServices_SecurityExposure(t *testing.T) {
	analyze := lookSystemdAnalyze(t)
	dir := installCopies(t)

	for _, name := range services {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(analyze, "security", "--offline=yes", "--no-pager", filepath.Join(dir, name))
			out, err := cmd.CombinedOutput()
			// The command fails only when the level passes --threshold,
			// so the level is parsed whatever the exit status.
			match := exposureLine.FindSubmatch(out)
			if match == nil {
				t.Fatalf("systemd-analyze security: no exposure level in output (err %v):\n%s", err, out)
			}
			exposure, err := strconv.ParseFloat(string(match[1]), 64)
			if err != nil {
				t.Fatalf("exposure level %q: %v", match[1], err)
			}
			t.Logf("%s exposure level %.1f", name, exposure)
			if exposure > maxExposure {
				t.Errorf("exposure level = %.1f, want at most %.1f\n%s", exposure, maxExposure, out)
			}
		})
	}
}
