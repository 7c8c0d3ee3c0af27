// Package systemd holds the systemd unit files of dts-reconciler and the
// tests that check them: dts-reconciler.service runs the daemon, and
// dts-reconciler-audit.service with its timer runs a daily dry-run audit.
// The package has no Go API.
package systemd
