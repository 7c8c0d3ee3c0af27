package mariadbtest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestQuoteString(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "plain", in: "dts_probe", want: `'dts_probe'`},
		{name: "empty", in: "", want: `''`},
		{name: "quote", in: "it's", want: `'it\'s'`},
		{name: "backslash", in: `a\b`, want: `'a\\b'`},
		{name: "nul", in: "a\x00b", want: `'a\0b'`},
		{name: "percent", in: "10.0.%", want: `'10.0.%'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := quoteString(tc.in); got != tc.want {
				t.Errorf("quoteString(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestProbeGrants(t *testing.T) {
	got := ProbeGrants("dts_probe", "10.0.%")
	want := []string{
		"CREATE USER 'dts_probe'@'10.0.%' IDENTIFIED BY '<password>'",
		"GRANT SLAVE MONITOR ON *.* TO 'dts_probe'@'10.0.%'",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ProbeGrants = %q, want %q", got, want)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string // empty when valid
	}{
		{name: "valid", opts: Options{Dir: "/x", Name: "orders_1-b", Nodes: 1}},
		{name: "empty name", opts: Options{Dir: "/x", Nodes: 2}},
		{name: "no dir", opts: Options{Name: "a", Nodes: 1}, wantErr: "Options.Dir"},
		{name: "no nodes", opts: Options{Dir: "/x", Name: "a"}, wantErr: "Options.Nodes is 0"},
		{name: "negative nodes", opts: Options{Dir: "/x", Name: "a", Nodes: -1}, wantErr: "Options.Nodes is -1"},
		{name: "slash in name", opts: Options{Dir: "/x", Name: "a/b", Nodes: 1}, wantErr: "Options.Name"},
		{name: "dot name", opts: Options{Dir: "/x", Name: "..", Nodes: 1}, wantErr: "Options.Name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("validate() = %v, want nil", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("validate() = nil, want an error containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("validate() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestNodeName(t *testing.T) {
	tests := []struct {
		name  string
		index int
		want  string
	}{
		{name: "first", index: 0, want: "orders-a"},
		{name: "last letter", index: 25, want: "orders-z"},
		{name: "past letters", index: 26, want: "orders-26"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nodeName("orders", tc.index); got != tc.want {
				t.Errorf("nodeName(orders, %d) = %q, want %q", tc.index, got, tc.want)
			}
		})
	}
}

func TestTemplateRoundTripKeepsBytes(t *testing.T) {
	block := func(b byte) []byte { return bytes.Repeat([]byte{b}, blockSize) }
	files := map[string][]byte{
		"empty":          {},
		"short":          []byte("abc"),
		"zeros":          make([]byte, 3*blockSize),
		"hole in middle": slices.Concat(block(1), block(0), block(0), block(2)),
		"trailing zeros": slices.Concat(block(3), block(0), []byte{0, 0}),
		"partial tail":   slices.Concat(block(0), []byte{0, 9}),
		"sub/nested":     block(4),
	}
	src := filepath.Join(t.TempDir(), "src")
	for name, data := range files {
		path := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	tmpl, err := readTemplate(src)
	if err != nil {
		t.Fatalf("readTemplate: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	if err := tmpl.writeTo(dst); err != nil {
		t.Fatalf("writeTo: %v", err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("read copy of %q: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("copy of %q: %d bytes differ from the %d-byte original", name, len(got), len(want))
		}
	}
	if err := tmpl.writeTo(dst); err == nil {
		t.Errorf("writeTo an existing folder: err = nil, want an error")
	}
}

// hideMariaDB makes [Find] search only an empty folder.
func hideMariaDB(t *testing.T) {
	t.Helper()
	saved := searchDirs
	searchDirs = []string{t.TempDir()}
	t.Cleanup(func() { searchDirs = saved })
	t.Setenv("PATH", t.TempDir())
}

func TestFindMissingNamesPackage(t *testing.T) {
	hideMariaDB(t)
	_, err := Find()
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find() error = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "apt-get install -y mariadb-server") {
		t.Errorf("Find() error = %q, want the install command", err)
	}
}

// recordingTB records how Require ends a test instead of ending it.
type recordingTB struct {
	testing.TB
	failed, skipped bool
}

func (r *recordingTB) Helper()               {}
func (r *recordingTB) Fatalf(string, ...any) { r.failed = true }
func (r *recordingTB) Skipf(string, ...any)  { r.skipped = true }

func TestRequireMissingMariaDB(t *testing.T) {
	tests := []struct {
		name        string
		ci          string
		wantFailed  bool
		wantSkipped bool
	}{
		{name: "ci fails", ci: "true", wantFailed: true},
		{name: "local skips", ci: "", wantSkipped: true},
		{name: "other ci value skips", ci: "1", wantSkipped: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hideMariaDB(t)
			t.Setenv("CI", tc.ci)
			tb := &recordingTB{TB: t}
			Require(tb)
			if tb.failed != tc.wantFailed {
				t.Errorf("failed = %v, want %v", tb.failed, tc.wantFailed)
			}
			if tb.skipped != tc.wantSkipped {
				t.Errorf("skipped = %v, want %v", tb.skipped, tc.wantSkipped)
			}
		})
	}
}
