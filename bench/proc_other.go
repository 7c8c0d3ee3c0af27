//go:build !linux

package main

import "syscall"

// childProcAttr sets nothing: outside Linux there is no parent-death
// signal, and the memory figure, which reads /proc, cannot run anyway.
func childProcAttr() *syscall.SysProcAttr { return nil }
