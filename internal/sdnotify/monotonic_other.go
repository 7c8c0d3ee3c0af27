//go:build !linux

package sdnotify

// monotonicUsec reports false outside Linux, where systemd does not run,
// so Reloading sends RELOADING=1 alone.
func monotonicUsec() (uint64, bool) { return 0, false }
