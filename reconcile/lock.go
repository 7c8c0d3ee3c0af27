package reconcile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// StateInUseError is returned by [New] when another process holds the
// lock of the state file. Two processes writing one state file would
// overwrite each other's records of running switch tasks.
type StateInUseError struct {
	// Path is the state file.
	Path string
	// LockPath is the lock file beside it, <Path>.lock.
	LockPath string
	// PID is the process id the holder wrote into the lock file, or ""
	// when it could not be read.
	PID string
}

func (e *StateInUseError) Error() string {
	holder := "another process"
	if e.PID != "" {
		holder = "another process (pid " + e.PID + ")"
	}
	return fmt.Sprintf("state file %s is in use: %s holds its lock file %s, so stop that process or give this one its own state_file",
		e.Path, holder, e.LockPath)
}

// stateLock is an exclusive flock(2) on the lock file beside the state
// file. The kernel releases it when the process ends, however it ends, so
// a crash never leaves a stale lock. The file itself stays in place: a
// lock file removed on release could let two later processes lock two
// different files of the same name.
type stateLock struct {
	f *os.File
}

// lockState takes the lock of the state file at path without waiting. It
// returns a *StateInUseError when another process holds it, and another
// error when the lock file cannot be opened or locked.
func lockState(path string) (*stateLock, error) {
	lockPath := path + ".lock"
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state lock file: %w", err)
	}
	err = flock(f)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		pid := readPID(f)
		f.Close()
		return nil, &StateInUseError{Path: path, LockPath: lockPath, PID: pid}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock state file %s: %w", lockPath, err)
	}
	// The process id is only for the message another process prints, so
	// failing to write it is not worth failing for.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &stateLock{f: f}, nil
}

// flock takes an exclusive lock on f without waiting, retrying when a
// signal interrupts the call.
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// readPID returns the process id written in a lock file, or "" when it
// holds none.
func readPID(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid := strings.TrimSpace(string(buf[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return pid
}

// release unlocks and closes the lock file. It may be called on a nil
// lock.
func (l *stateLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the only descriptor releases the flock
	l.f = nil
	if err != nil {
		return fmt.Errorf("release state lock file: %w", err)
	}
	return nil
}
