package mariadbtest

import "syscall"

// serverProcAttr sets the parent-death signal, so Linux kills mariadbd when
// the process that started it dies and a test binary that crashes or times
// out leaves no server behind.
//
// NOTE: Linux sends the signal when the OS thread that started the child
// exits, not the whole process. The Go runtime ends a thread only when a
// goroutine locked to it exits while still locked, so this rarely matters.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
