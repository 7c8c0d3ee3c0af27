// Package mariadbtest starts real MariaDB servers on loopback, joined by GTID
// replication, for tests, the demo and benchmarks.
//
// Every server is a mariadbd process started by this package, listening on a
// free 127.0.0.1 port, with its own data directory under a folder the caller
// gives. The package stops each process it started by its PID and never
// touches any other server.
package mariadbtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// InstallHint is the install step for a missing MariaDB.
const InstallHint = "install Debian's mariadb-server package (apt-get install -y mariadb-server)"

// ErrNotFound is returned by [Find] when a MariaDB program is missing.
var ErrNotFound = errors.New("mariadb not found")

// Binaries holds the paths of the MariaDB programs this package runs.
type Binaries struct {
	Server  string // mariadbd
	Install string // mariadb-install-db
}

// searchDirs are the folders searched after PATH. Debian installs mariadbd
// in /usr/sbin, which is often missing from the PATH of a non-login shell.
var searchDirs = []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}

// Find returns the paths of mariadbd and mariadb-install-db, looked up on PATH
// and then in the usual system folders. Its error wraps [ErrNotFound] and
// names the package to install.
func Find() (Binaries, error) {
	server, err := lookProgram("mariadbd")
	if err != nil {
		return Binaries{}, err
	}
	install, err := lookProgram("mariadb-install-db")
	if err != nil {
		return Binaries{}, err
	}
	return Binaries{Server: server, Install: install}, nil
}

func lookProgram(name string) (string, error) {
	if path, err := exec.LookPath(name); err == nil {
		return path, nil
	}
	for _, dir := range searchDirs {
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		if err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
			return path, nil
		}
	}
	return "", fmt.Errorf("find %s: not on PATH nor in %v, so %s: %w", name, searchDirs, InstallHint, ErrNotFound)
}
