package mysql8test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
)

// ConfigEnv is the environment variable that carries a JSON [Config] to a
// server process. The environment keeps the passwords out of the command
// line, which other users of the machine can read.
const ConfigEnv = "MYSQL8TEST_SERVER_CONFIG"

// RunProcess runs one server for a whole process and returns the exit
// status. It listens on a free loopback port and writes "listening ADDR"
// and a newline to stdout once it accepts connections. It serves until
// stdin reaches EOF, which happens when the parent closes it or dies.
func RunProcess(configJSON string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cfg Config
	if err := json.Unmarshal([]byte(configJSON), &cfg); err != nil {
		fmt.Fprintf(stderr, "decode %s: %v\n", ConfigEnv, err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(stderr, "listen: %v\n", err)
		return 1
	}
	srv, err := Start(cfg, ln)
	if err != nil {
		fmt.Fprintf(stderr, "start server: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening %s\n", ln.Addr())

	_, _ = io.Copy(io.Discard, stdin)
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "close server: %v\n", err)
		return 1
	}
	return 0
}
