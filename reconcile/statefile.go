package reconcile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"dts-reconciler/config"
	"dts-reconciler/notify"
)

// Notification and log keys of state file problems: reading and writing
// the file, and its lock.
const (
	stateKey = "state"
	lockKey  = "state/lock"
)

// openState takes the state file's lock when the engine may write the
// file, then loads it, moving an unreadable one aside. It returns an error
// when another process holds the lock or a newer dts-reconciler wrote the
// file. Any other problem is logged and reported, and the engine goes on.
func (e *Engine) openState(cfg *config.Config) error {
	e.store = &store{path: cfg.StateFile, data: stateData{Version: stateVersion}}
	if err := e.takeLock(cfg); err != nil {
		return err
	}

	data, err := loadState(cfg.StateFile)
	var newer *newerStateError
	if errors.As(err, &newer) {
		_ = e.stateLock.release()
		e.stateLock = nil
		return fmt.Errorf("state file %s was written by a newer dts-reconciler, so upgrade this one, or move the file aside by hand to start with an empty state: %w",
			cfg.StateFile, err)
	}
	e.store.data = data
	if err == nil {
		e.log.Debug("state file loaded", "path", cfg.StateFile, "in_flight", len(data.InFlight), "history", len(data.History))
		return nil
	}

	reason := e.red.err(err)
	if !cfg.DryRun {
		aside, mvErr := moveAside(cfg.StateFile, e.clock.Now())
		if mvErr != nil {
			reason += "; " + e.red.err(mvErr)
		} else {
			reason += "; moved aside to " + aside
		}
	}
	e.log.Error("state file unreadable; starting with an empty state and trusting what DTS reports", "path", cfg.StateFile, "err", reason)
	e.notifier.Post(notify.Event{
		Kind:   notify.KindStateFile,
		Key:    stateKey,
		Reason: "The state file " + cfg.StateFile + " could not be read (" + reason + "). The daemon goes on with an empty state and trusts what DTS reports; check the disk and the file's owner, and whether a switch was running when it was written.",
		Result: "state file unreadable",
		DryRun: cfg.DryRun,
		At:     e.clock.Now(),
	})
	return nil
}

// takeLock takes the state file's lock unless cfg is in dry-run, there is
// no state file, or the engine holds it already. It returns only a
// *StateInUseError. Another failure, such as a read-only folder, is logged
// and reported, and the engine goes on without the lock, because it could
// not write the state file there either.
func (e *Engine) takeLock(cfg *config.Config) error {
	if cfg.DryRun || e.store.path == "" || e.stateLock != nil {
		return nil
	}
	lock, err := lockState(e.store.path)
	var inUse *StateInUseError
	switch {
	case err == nil:
		e.stateLock = lock
		if _, ok := e.logged[lockKey]; ok {
			delete(e.logged, lockKey)
			e.log.Info("state file locked", "path", e.store.path)
			e.notifier.Clear(notify.Event{Kind: notify.KindRecovered, Key: lockKey, Result: "state file locked", At: e.clock.Now()})
		}
		return nil
	case errors.As(err, &inUse):
		return err
	}
	text := e.red.err(err)
	e.logDecision(lockKey, text, slog.LevelError, "state file not locked, so a second process on it would go unnoticed", "path", e.store.path, "err", text)
	e.notifier.Condition("lock_failed", notify.Event{
		Kind:   notify.KindStateFile,
		Key:    lockKey,
		Reason: "The lock file beside the state file " + e.store.path + " could not be taken (" + text + "), so a second process on the same state file would go unnoticed. Switches go on; check the folder's permissions.",
		Result: "state file lock not taken",
		At:     e.clock.Now(),
	})
	return nil
}

// lockForLive returns cfg, or a dry-run copy of it while another process
// holds the state file's lock. It matters when a reload turns dry_run off
// in an engine that started in dry-run and so took no lock: that engine
// goes on in dry-run, trying again at each tick, until the lock is free.
func (e *Engine) lockForLive(cfg *config.Config) *config.Config {
	err := e.takeLock(cfg)
	if err == nil {
		return cfg
	}
	text := e.red.err(err)
	e.logDecision(lockKey, text, slog.LevelError, "state file in use by another process, so this tick runs in dry-run", "path", e.store.path, "err", text)
	e.notifier.Condition("in_use", notify.Event{
		Kind:   notify.KindStateFile,
		Key:    lockKey,
		Reason: text + ". Until then this daemon only reports what it would switch.",
		Result: "state file in use by another process",
		At:     e.clock.Now(),
	})
	dry := *cfg
	dry.DryRun = true
	return &dry
}

// saveState writes the state file. A failed write is logged and reported
// but never stops reconciliation.
func (e *Engine) saveState() {
	err := e.store.save()
	if err == nil {
		if e.stateProblem != "" {
			e.stateProblem = ""
			e.log.Info("state file written again", "path", e.store.path)
			e.notifier.Clear(notify.Event{Kind: notify.KindRecovered, Key: stateKey, Result: "state file written", At: e.clock.Now()})
		}
		return
	}
	e.stateProblem = e.red.err(err)
	e.log.Error("write state file", "path", e.store.path, "err", e.stateProblem)
	e.notifier.Condition("write_failed", notify.Event{
		Kind:   notify.KindStateFile,
		Key:    stateKey,
		Reason: "The state file " + e.store.path + " could not be written (" + e.stateProblem + "). Switches go on, but a restart would not know about a running switch task; check the disk space and the folder's permissions.",
		Result: "state file not written",
		At:     e.clock.Now(),
	})
}

// keepConditions stores the notifier's active conditions in the state file
// when they changed since the last write.
func (e *Engine) keepConditions() {
	keeper, ok := e.notifier.(ConditionKeeper)
	if !ok {
		return
	}
	now := keeper.Conditions()
	before, err1 := json.Marshal(e.store.data.Conditions)
	after, err2 := json.Marshal(now)
	if err1 == nil && err2 == nil && bytes.Equal(before, after) {
		return
	}
	e.store.data.Conditions = now
	e.saveState()
}
