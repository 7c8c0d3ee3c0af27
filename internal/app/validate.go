package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/probe"
	"dts-reconciler/reconcile"
)

// runValidate checks the configuration and, with -connect, reaches every
// node and reads every job from DTS.
func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := newFlagSet("validate", "Check the configuration file. With -connect, also probe every MySQL node and\nread every DTS job (read-only calls), printing what is wrong in words.\nExit status: 0 valid, 2 invalid or, with -connect, something unreachable.", stderr, &o)
	fs.BoolVar(&o.connect, "connect", false, "also connect to every node and to DTS")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	logger, cfg, ok := prepare("validate", o, stderr)
	if !ok {
		return ExitInvalid
	}
	nodes := 0
	for _, c := range cfg.Clusters {
		nodes += len(c.Nodes)
	}
	fmt.Fprintf(stdout, "%s: valid: %d clusters, %d nodes, %d jobs\n", o.configPath, len(cfg.Clusters), nodes, len(cfg.Jobs))
	if !o.connect {
		return ExitOK
	}

	// The engine of a dry-run configuration leaves the state file and its
	// lock alone, so validate can run beside the daemon.
	dry := *cfg
	dry.DryRun = true
	p, err := build(&dry, logger, true)
	if err != nil {
		fmt.Fprintf(stderr, "dts-reconciler validate: %v\n", err)
		return ExitInvalid
	}
	defer p.close(ctx, logger)

	ok = checkStateFolder(cfg.StateFile, stdout)
	if !checkNodes(ctx, cfg, p.prober, stdout) {
		ok = false
	}
	if !checkJobs(ctx, cfg, p.dts, stdout) {
		ok = false
	}
	if !ok {
		fmt.Fprintln(stdout, "some checks failed: see the lines marked FAIL above")
		return ExitInvalid
	}
	fmt.Fprintln(stdout, "every node and job was reached")
	return ExitOK
}

// checkStateFolder checks that the folder of the state file exists and
// that this user can create a file there, by creating and removing one.
func checkStateFolder(stateFile string, out io.Writer) bool {
	if stateFile == "" {
		fmt.Fprintln(out, "ok   state file: none, the state is kept in memory")
		return true
	}
	dir := filepath.Dir(stateFile)
	info, err := os.Stat(dir)
	switch {
	case err != nil:
		fmt.Fprintf(out, "FAIL state file folder %s: %v: create it, or set state_file to a writable folder\n", dir, err)
		return false
	case !info.IsDir():
		fmt.Fprintf(out, "FAIL state file folder %s: not a folder: set state_file to a file in a writable folder\n", dir)
		return false
	}
	f, err := os.CreateTemp(dir, filepath.Base(stateFile)+".validate-*")
	if err != nil {
		fmt.Fprintf(out, "FAIL state file folder %s: cannot create a file there: %v: give the user that runs dts-reconciler write access\n", dir, err)
		return false
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		fmt.Fprintf(out, "FAIL state file folder %s: cannot remove a file there: %v\n", dir, err)
		return false
	}
	fmt.Fprintf(out, "ok   state file folder %s: writable\n", dir)
	return true
}

// checkNodes probes every node once and prints one line per node.
func checkNodes(ctx context.Context, cfg *config.Config, prober *probe.Prober, out io.Writer) bool {
	targets := reconcile.Targets(cfg)
	fmt.Fprintf(out, "probing %d MySQL nodes...\n", len(targets))
	ok := true
	for _, st := range prober.Probe(ctx, targets) {
		t := st.Target
		if !st.Answered() {
			ok = false
			fmt.Fprintf(out, "FAIL node %s/%s (%s): %s: %v\n", t.Cluster, t.Name, t.Address, st.ErrKind, st.Err)
			continue
		}
		role := "read-only"
		if st.Writable() {
			role = "writable"
		}
		fmt.Fprintf(out, "ok   node %s/%s (%s): %s %s, %s, identity %s (%s)\n",
			t.Cluster, t.Name, t.Address, st.Flavor, st.Version, role, st.Identity, st.IdentitySource)
	}
	return ok
}

// checkJobs reads every direction of every job and prints what DTS has.
func checkJobs(ctx context.Context, cfg *config.Config, client *dts.Client, out io.Writer) bool {
	ok := true
	for _, j := range cfg.Jobs {
		for _, dir := range reconcile.Directions(j) {
			fmt.Fprintf(out, "reading DTS job %s %s...\n", j.ID, dir)
			st, err := client.DescribeJob(ctx, j.RegionID, j.ID, dir)
			if err != nil {
				ok = false
				hint := ""
				if dts.IsNotFound(err) {
					hint = " (check the job id and region_id)"
				}
				fmt.Fprintf(out, "FAIL job %s %s: %v%s\n", j.ID, dir, err, hint)
				continue
			}
			fmt.Fprintf(out, "ok   job %s %s: status %s, source %s, destination %s\n",
				j.ID, dir, st.Status, describeEndpoint(st.Source), describeEndpoint(st.Destination))
		}
	}
	return ok
}

// describeEndpoint formats a DTS endpoint for a person.
func describeEndpoint(e dts.Endpoint) string {
	s := e.InstanceType
	if e.InstanceID != "" {
		s += " " + e.InstanceID
	}
	if e.IP != "" {
		s += " " + e.IP
	}
	return s + ":" + e.Port
}
