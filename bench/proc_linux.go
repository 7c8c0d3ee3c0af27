package main

import "syscall"

// childProcAttr makes Linux send SIGTERM to the daemon binary when the
// thread that started it exits, so a benchmark killed without its cleanup
// leaves no daemon behind.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
