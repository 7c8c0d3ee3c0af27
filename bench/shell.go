package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"dts-reconciler/probe"
	"dts-reconciler/reconcile"
)

// Settings of the shell figure.
var shellSizes = []int{10, 100}

const shellTimeout = 2 * time.Minute // one run of the script

// shellScript is the loop a person would write instead of the daemon: one
// mariadb client per node, one after the other. Its verbs take the list of
// host:port pairs, the client program and the user. The password comes
// from MYSQL_PWD.
const shellScript = `#!/bin/sh
# Read read_only on every node, one mariadb client at a time.
for node in %s; do
  host=${node%%:*}
  port=${node##*:}
  ro=$(%s -h "$host" -P "$port" -u %s -N -e 'SELECT @@global.read_only') || ro=error
  echo "$node $ro"
done
`

// shellFigure times a shell loop of the mariadb client over the nodes of
// fleetLayout, and the daemon's prober over the same nodes. The prober runs
// with warm pools, as in the daemon's steady state, and new, dialing every
// node as the script does.
func shellFigure(ctx context.Context, e *env, runs int) ([]table, error) {
	client, err := findClient()
	if err != nil {
		return nil, err
	}
	t := table{Title: "e. shell loop of the mariadb client (sequential, /bin/sh) against the daemon's probe of the same nodes"}
	for _, size := range shellSizes {
		l := e.fleetLayout(size, 0)
		l.Endpoint, l.StateFile = "http://127.0.0.1:1", e.path("shell.state.json")
		cfg, err := l.write(e.path(fmt.Sprintf("shell-%d.yaml", size)))
		if err != nil {
			return []table{t}, err
		}
		targets := reconcile.Targets(cfg)
		script := e.path(fmt.Sprintf("shell-%d.sh", size))
		if err := writeScript(script, client, targets); err != nil {
			return []table{t}, err
		}

		warm := newProber(cfg.MySQL.MaxConcurrentProbes)
		warm.Probe(ctx, targets)
		var shell, warmProbe, coldProbe, ratioWarm, ratioCold []float64
		for r := range runs {
			d, w, c, err := shellRun(ctx, script, warm, cfg.MySQL.MaxConcurrentProbes, targets)
			if err != nil {
				warm.Close()
				return []table{t}, fmt.Errorf("%d nodes, run %d: %w", size, r+1, err)
			}
			shell, warmProbe, coldProbe = append(shell, ms(d)), append(warmProbe, ms(w)), append(coldProbe, ms(c))
			ratioWarm, ratioCold = append(ratioWarm, ms(d)/ms(w)), append(ratioCold, ms(d)/ms(c))
			e.logf("shell %d nodes run %d/%d: shell %s, probe warm %s, probe cold %s",
				size, r+1, runs, d.Round(time.Millisecond), w.Round(time.Microsecond), c.Round(time.Microsecond))
		}
		warm.Close()
		label := fmt.Sprintf("%d nodes", size)
		t.Rows = append(t.Rows,
			row{Name: label + ": shell loop", Unit: "ms", Values: shell},
			row{Name: indent("Prober.Probe, warm pools"), Unit: "ms", Values: warmProbe},
			row{Name: indent("Prober.Probe, new prober (dials)"), Unit: "ms", Values: coldProbe},
			row{Name: indent("ratio shell / warm probe"), Unit: "x", Values: ratioWarm},
			row{Name: indent("ratio shell / new prober"), Unit: "x", Values: ratioCold},
		)
	}
	t.Notes = append(t.Notes, "client: "+client+"; the script reads only read_only, while each probe also reads the identity, version and replication status")
	return []table{t}, nil
}

// shellRun times the script, a probe on the warm prober and a probe on a
// new prober.
func shellRun(ctx context.Context, script string, warm *probe.Prober, maxConcurrent int, targets []probe.Target) (shell, warmProbe, coldProbe time.Duration, err error) {
	if shell, err = runScript(ctx, script, len(targets)); err != nil {
		return
	}
	if warmProbe, err = timeProbe(ctx, warm, targets); err != nil {
		return
	}
	cold := newProber(maxConcurrent)
	defer cold.Close()
	coldProbe, err = timeProbe(ctx, cold, targets)
	return
}

// findClient returns the path of the mariadb client, or of mysql.
func findClient() (string, error) {
	for _, name := range []string{"mariadb", "mysql"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("find the mariadb client: neither mariadb nor mysql is on PATH: apt-get install mariadb-client")
}

// writeScript writes the shell loop over the targets' addresses.
func writeScript(path, client string, targets []probe.Target) error {
	addrs := make([]string, len(targets))
	for i, t := range targets {
		addrs[i] = t.Address
	}
	text := fmt.Sprintf(shellScript, strings.Join(addrs, " "), client, probeUser)
	if err := os.WriteFile(path, []byte(text), 0o700); err != nil {
		return fmt.Errorf("write shell script: %w", err)
	}
	return nil
}

// runScript runs the script with /bin/sh and checks that it printed one
// read_only value per node.
func runScript(ctx context.Context, path string, nodes int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, shellTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", path)
	cmd.Env = append(os.Environ(), "MYSQL_PWD="+probePassword)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("shell loop: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	answered := 0
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.HasSuffix(line, " 0") || strings.HasSuffix(line, " 1") {
			answered++
		}
	}
	if answered != nodes {
		return 0, fmt.Errorf("shell loop: %d of %d nodes returned read_only: %s", answered, nodes, strings.TrimSpace(stderr.String()))
	}
	return d, nil
}

// timeProbe returns how long one Probe of the targets took. It fails when
// the probe of a node failed.
func timeProbe(ctx context.Context, p *probe.Prober, targets []probe.Target) (time.Duration, error) {
	start := time.Now()
	statuses := p.Probe(ctx, targets)
	d := time.Since(start)
	for _, st := range statuses {
		if st.Err != nil {
			return 0, fmt.Errorf("probe %s: %w", st.Target.Name, st.Err)
		}
	}
	return d, nil
}

// newProber returns a prober with the configured concurrency that logs
// nothing.
func newProber(maxConcurrent int) *probe.Prober {
	return probe.New(probe.Options{MaxConcurrent: maxConcurrent, Logger: slog.New(slog.DiscardHandler)})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
