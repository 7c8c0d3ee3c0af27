//go:build !linux

package mariadbtest

import "syscall"

// serverProcAttr returns nil: only Linux can kill a child when its parent
// dies, so elsewhere a crashed test may leave mariadbd running.
func serverProcAttr() *syscall.SysProcAttr { return nil }
