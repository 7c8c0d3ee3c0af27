// Command dts-demo runs dts-reconciler against real local parts, with no
// cloud account: two MariaDB clusters with GTID replication on loopback,
// the DTS emulator holding a one-way and a two-way job, and a recording
// Slack server. It performs a switchover on each cluster, shows the daemon
// detect it and switch DTS, prints the Slack messages, then removes every
// process and folder it made.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	keep := flag.Bool("keep", false, "keep the temporary folder (data directories, config, state file) after the demo")
	verbose := flag.Bool("v", false, "show the daemon's debug logs")
	timeout := flag.Duration("timeout", 3*time.Minute, "give up when the demo has not finished after this `duration`")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: dts-demo [flags]\n\n"+
			"Starts two MariaDB clusters, the DTS emulator and a recording Slack server on\n"+
			"127.0.0.1, runs the dts-reconciler daemon against them, performs a switchover\n"+
			"on each cluster and shows the daemon switch the DTS jobs. Needs mariadbd\n"+
			"(Debian: apt-get install mariadb-server).\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	d := &demo{out: os.Stdout, keep: *keep, verbose: *verbose}
	err := d.run(ctx)
	d.cleanup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "dts-demo: %v\n", err)
		os.Exit(1)
	}
}

// step prints one progress line.
func step(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "==> "+format+"\n", args...)
}
