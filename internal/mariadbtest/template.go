package mariadbtest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Replication account, created in the template so that every copy has it
// and no replica has to wait for it to replicate. The servers listen on
// 127.0.0.1 only, so this fixed password protects nothing outside the host.
const (
	replUser     = "repl"
	replPassword = "repl-loopback"
)

// Sizes shared by mariadb-install-db and mariadbd. The redo log size must
// match, or the server resizes the log at its first start.
const (
	innodbLogFileSize    = "--innodb-log-file-size=4M"
	innodbBufferPoolSize = "--innodb-buffer-pool-size=8M"
	innodbAutoextendStep = "--innodb-autoextend-increment=2" // MiB per growth of ibdata1, instead of 64
)

// dataTemplate is an initialized data directory kept in memory, so that
// mariadb-install-db runs once per process and leaves nothing on disk. Of
// its 22 MiB (with the sizes above, MariaDB 10.11) about 70% are blocks of
// zeros, mostly in ibdata1 and ib_logfile0, which are neither kept nor
// written: the copies are sparse files.
type dataTemplate struct {
	entries []templateEntry
}

type templateEntry struct {
	path   string // relative to the data directory, with forward slashes
	mode   fs.FileMode
	dir    bool
	size   int64
	chunks []chunk // the non-zero parts of a file
}

type chunk struct {
	offset int64
	data   []byte
}

// blockSize is the granularity at which runs of zeros are skipped.
const blockSize = 4096

var (
	templateMu sync.Mutex
	templates  = map[string]*dataTemplate{} // keyed by the mariadb-install-db path
)

// loadTemplate returns the data directory template for bins, running
// mariadb-install-db the first time. A failure is not cached, so a later call
// tries again.
func loadTemplate(ctx context.Context, bins Binaries) (*dataTemplate, error) {
	templateMu.Lock()
	defer templateMu.Unlock()
	if t, ok := templates[bins.Install]; ok {
		return t, nil
	}
	t, err := buildTemplate(ctx, bins)
	if err != nil {
		return nil, err
	}
	templates[bins.Install] = t
	return t, nil
}

func buildTemplate(ctx context.Context, bins Binaries) (*dataTemplate, error) {
	tmp, err := os.MkdirTemp("", "mariadbtest-template-")
	if err != nil {
		return nil, fmt.Errorf("create template folder: %w", err)
	}
	defer os.RemoveAll(tmp)

	usersFile := filepath.Join(tmp, "users.sql")
	// The bootstrap server runs with --skip-grant-tables, which rejects
	// CREATE USER until FLUSH PRIVILEGES loads the grant tables.
	users := fmt.Sprintf("FLUSH PRIVILEGES;\nCREATE USER %s@'127.0.0.1' IDENTIFIED BY %s;\nGRANT REPLICATION SLAVE ON *.* TO %s@'127.0.0.1';\n",
		quoteString(replUser), quoteString(replPassword), quoteString(replUser))
	if err := os.WriteFile(usersFile, []byte(users), 0o600); err != nil {
		return nil, fmt.Errorf("write template users: %w", err)
	}

	dataDir := filepath.Join(tmp, "data")
	args := []string{"--no-defaults"}
	args = append(args, userArgs()...)
	args = append(args,
		"--datadir="+dataDir,
		// The bootstrap server's temporary tables stay in this folder, away
		// from other servers bootstrapping into the shared /tmp at once.
		"--tmpdir="+tmp,
		"--auth-root-authentication-method=normal",
		"--skip-test-db",
		"--skip-name-resolve",
		"--extra-file="+usersFile,
		innodbLogFileSize,
		innodbBufferPoolSize,
		innodbAutoextendStep,
	)
	cmd := exec.CommandContext(ctx, bins.Install, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("run %s: %s: %w", bins.Install, errorLines(out), err)
	}
	return readTemplate(dataDir)
}

func readTemplate(dataDir string) (*dataTemplate, error) {
	t := &dataTemplate{}
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dataDir, path)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		entry := templateEntry{path: filepath.ToSlash(rel), mode: info.Mode().Perm(), dir: d.IsDir()}
		switch {
		case d.IsDir():
		case info.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			entry.size = int64(len(data))
			entry.chunks = nonZeroChunks(data)
		default:
			return fmt.Errorf("unexpected file type %s", info.Mode().Type())
		}
		t.entries = append(t.entries, entry)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", dataDir, err)
	}
	return t, nil
}

// writeTo creates dataDir, which must not exist yet, and its missing parent
// folders, and fills it with the template's files.
func (t *dataTemplate) writeTo(dataDir string) error {
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o700); err != nil {
		return fmt.Errorf("create parent of data directory: %w", err)
	}
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	for _, e := range t.entries {
		path := filepath.Join(dataDir, filepath.FromSlash(e.path))
		var err error
		if e.dir {
			err = os.Mkdir(path, e.mode)
		} else {
			err = e.writeFile(path)
		}
		if err != nil {
			return fmt.Errorf("copy template into %s: %w", dataDir, err)
		}
	}
	return nil
}

// writeFile writes the entry's chunks at their offsets and extends the file
// to its full size, which leaves holes where the zeros were.
func (e templateEntry) writeFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, e.mode)
	if err != nil {
		return err
	}
	for _, c := range e.chunks {
		if _, err := f.WriteAt(c.data, c.offset); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Truncate(e.size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// nonZeroChunks returns copies of the runs of blocks of data that hold a
// non-zero byte.
func nonZeroChunks(data []byte) []chunk {
	var chunks []chunk
	start := -1 // offset of the current run, or -1 outside a run
	for off := 0; off < len(data); off += blockSize {
		block := data[off:min(off+blockSize, len(data))]
		zero := bytes.Count(block, []byte{0}) == len(block)
		switch {
		case !zero && start < 0:
			start = off
		case zero && start >= 0:
			chunks = append(chunks, chunk{offset: int64(start), data: bytes.Clone(data[start:off])})
			start = -1
		}
	}
	if start >= 0 {
		chunks = append(chunks, chunk{offset: int64(start), data: bytes.Clone(data[start:])})
	}
	return chunks
}

// errorLines returns the lines of out that contain "ERROR", or its last
// lines when none does, on one line.
func errorLines(out []byte) string {
	var found []byte
	for _, line := range bytes.Split(out, []byte("\n")) {
		if bytes.Contains(line, []byte("ERROR")) {
			found = append(append(found, line...), '\n')
		}
	}
	if found == nil {
		found = out
	}
	return lastLines(found, 10)
}

// lastLines returns at most n trailing non-empty lines of out on one line,
// joined by " | ", for an error message.
func lastLines(out []byte, n int) string {
	var lines [][]byte
	for _, line := range bytes.Split(out, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			lines = append(lines, line)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte(" | ")))
}
