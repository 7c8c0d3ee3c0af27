package reconcile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"dts-reconciler/dts"
	"dts-reconciler/notify"
)

// stateVersion is the version of the state file layout. A file with a lower
// version is treated as unreadable. A file with a higher one was written by
// a newer dts-reconciler, so it is left alone.
const stateVersion = 1

// newerStateError is the error of a state file written by a newer
// dts-reconciler, whose records this one cannot interpret.
type newerStateError struct {
	version int
}

func (e *newerStateError) Error() string {
	return fmt.Sprintf("layout version %d is newer than version %d, the one this dts-reconciler reads", e.version, stateVersion)
}

// maxHistory bounds the history kept in the state file; the oldest entries
// are dropped first.
const maxHistory = 1000

// Results of a switch call, as kept in the history and passed to
// [Observer.SwitchEnded].
const (
	resultFinished = "finished"
	resultFailed   = "failed"
	resultRefused  = "refused"
	resultTimeout  = "timeout"
	resultUnknown  = "unknown"
	resultDropped  = "dropped"
)

// stateData is the content of the state file. It never contains a secret:
// only job ids, node names, server identities, task ids and request ids.
type stateData struct {
	Version  int            `json:"version"`
	InFlight []inFlightTask `json:"in_flight"`
	History  []historyEntry `json:"history"`
	// Conditions are the notifier's active conditions: what was last
	// posted to Slack for each key.
	Conditions []notify.ConditionRecord `json:"conditions,omitempty"`
}

// step is one switch call of a plan: point the endpoint of one direction and
// endpoint type at the target node.
type step struct {
	Direction      dts.Direction    `json:"direction"`
	EndpointType   dts.EndpointType `json:"endpoint_type"`
	Cluster        string           `json:"cluster"`
	TargetNode     string           `json:"target_node"`
	TargetIdentity string           `json:"target_identity"`
	FromNode       string           `json:"from_node,omitempty"`
	FromIdentity   string           `json:"from_identity,omitempty"`
}

// inFlightTask is the current switch task of a plan. It is written as soon
// as DTS accepts the call and removed when the plan ends, so a restart can
// follow the task and make the remaining calls without repeating this one.
type inFlightTask struct {
	Plan      string    `json:"plan"`
	JobID     string    `json:"job"`
	RegionID  string    `json:"region"`
	Step      step      `json:"step"`
	TaskID    string    `json:"task_id"`
	StartedAt time.Time `json:"started_at"`
	// Finished is true once the task was seen Finished and recorded in the
	// history; the entry then stays only to carry Remaining.
	Finished  bool   `json:"finished,omitempty"`
	Remaining []step `json:"remaining,omitempty"`
}

// historyEntry records one switch call and how it ended. Plan groups the
// calls of one switch, so a two-way switch counts once against the budget.
type historyEntry struct {
	At           time.Time        `json:"at"`
	Plan         string           `json:"plan"`
	JobID        string           `json:"job"`
	Direction    dts.Direction    `json:"direction"`
	EndpointType dts.EndpointType `json:"endpoint_type"`
	Cluster      string           `json:"cluster"`
	FromNode     string           `json:"from_node,omitempty"`
	ToNode       string           `json:"to_node"`
	FromIdentity string           `json:"from_identity,omitempty"`
	ToIdentity   string           `json:"to_identity"`
	TaskID       string           `json:"task_id,omitempty"`
	Result       string           `json:"result"`
	Reason       string           `json:"reason,omitempty"`
	RequestIDs   []string         `json:"request_ids,omitempty"`
}

// store keeps the state in memory and writes it to path. An empty path
// keeps the state in memory only.
type store struct {
	path string
	data stateData
}

// loadState reads the state file at path. A missing file is an empty state.
// A file that cannot be read or decoded is returned as an error together
// with an empty state, so the caller can move it aside and carry on. A file
// of a later layout version gives a *newerStateError.
func loadState(path string) (stateData, error) {
	empty := stateData{Version: stateVersion}
	if path == "" {
		return empty, nil
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return empty, nil
	}
	if err != nil {
		return empty, fmt.Errorf("read state file: %w", err)
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		return empty, errors.New("decode state file: it contains JSON null instead of a state object")
	}
	var data stateData
	if err := json.Unmarshal(raw, &data); err != nil {
		return empty, fmt.Errorf("decode state file: %w", err)
	}
	switch {
	case data.Version > stateVersion:
		return empty, &newerStateError{version: data.Version}
	case data.Version < stateVersion:
		return empty, fmt.Errorf("decode state file: no version field, or version %d, which no dts-reconciler writes", data.Version)
	}
	return data, nil
}

// moveAside renames an unreadable state file to <name>.corrupt-<UTC time>
// and returns the new path.
func moveAside(path string, now time.Time) (string, error) {
	aside := path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("move state file aside: %w", err)
	}
	return aside, nil
}

// save writes the state atomically: a temporary file in the same folder is
// written, synced and renamed over the old one, then the folder is synced
// so the rename survives a crash.
func (s *store) save() error {
	if s.path == "" {
		return nil
	}
	if n := len(s.data.History); n > maxHistory {
		s.data.History = append([]historyEntry(nil), s.data.History[n-maxHistory:]...)
	}
	raw, err := json.MarshalIndent(s.data, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state file: %w", err)
	}
	return writeFileAtomic(s.path, append(raw, '\n'))
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary state file: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("set state file mode: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close state file: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replace state file: %w", err)
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync state folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync state folder: %w", err)
	}
	return nil
}
