package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestValidationError_Error(t *testing.T) {
	tests := []struct {
		name string
		err  *ValidationError
		want string
	}{
		{
			name: "path_and_line",
			err:  &ValidationError{File: "config.yaml", Problems: []Problem{{Path: "clusters[0].nodes[1].dts.port", Line: 14, Message: "70000 is out of range: use 1-65535"}}},
			want: "config.yaml:14: clusters[0].nodes[1].dts.port: 70000 is out of range: use 1-65535",
		},
		{
			name: "no_line",
			err:  &ValidationError{File: "config.yaml", Problems: []Problem{{Path: "jobs", Message: "m"}}},
			want: "config.yaml: jobs: m",
		},
		{
			name: "no_path",
			err:  &ValidationError{File: "config.yaml", Problems: []Problem{{Line: 3, Message: "invalid YAML"}}},
			want: "config.yaml:3: invalid YAML",
		},
		{
			name: "no_file",
			err:  &ValidationError{Problems: []Problem{{Path: "schedule", Line: 2, Message: "m"}}},
			want: "2: schedule: m",
		},
		{
			name: "several",
			err:  &ValidationError{File: "c.yaml", Problems: []Problem{{Path: "a", Line: 1, Message: "x"}, {Path: "b", Line: 2, Message: "y"}}},
			want: "c.yaml:1: a: x\nc.yaml:2: b: y",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParentPath(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"clusters[0].nodes[1].dts.port", "clusters[0].nodes[1].dts"},
		{"clusters[0].nodes[1]", "clusters[0].nodes"},
		{"clusters[0]", "clusters"},
		{"clusters", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := parentPath(tc.path); got != tc.want {
			t.Errorf("parentPath(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// FuzzParse checks that no input makes Parse panic. The fixtures are the
// seed corpus.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	env := envFrom(map[string]string{"DTS_TEST_SECRET": testSecret, "DTS_TEST_PORT": "3306"})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml", env, "testdata")
		if (cfg == nil) == (err == nil) {
			t.Errorf("Parse = %v, %v; want exactly one of config and error", cfg, err)
		}
	})
}
