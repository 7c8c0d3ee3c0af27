// Command mysql8server runs one MySQL 8-compatible test server on a free
// loopback port, configured by the JSON in MYSQL8TEST_SERVER_CONFIG. It
// prints "listening ADDR" once it accepts connections and stops when its
// standard input closes.
//
// The tests of package mysql8test build it without the race detector,
// because under the race detector the server's dependencies take about two
// seconds of CPU to initialise at each start.
package main

import (
	"fmt"
	"os"

	"dts-reconciler/mysql8test"
)

func main() {
	config := os.Getenv(mysql8test.ConfigEnv)
	if config == "" {
		fmt.Fprintf(os.Stderr, "mysql8server: set %s to a JSON server configuration\n", mysql8test.ConfigEnv)
		os.Exit(2)
	}
	os.Exit(mysql8test.RunProcess(config, os.Stdin, os.Stdout, os.Stderr))
}
