package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the configuration file at path, takes ${NAME} values from the
// process environment, and resolves relative _file, tls and state_file
// paths against the folder of path. A file that cannot be read is an
// ordinary error, and anything wrong with its content is a
// *ValidationError.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, os.LookupEnv, filepath.Dir(path))
}

// Parse decodes, expands, completes and validates a configuration file.
// filename is used only in error messages. lookupEnv returns the value of
// an environment variable, and a nil lookupEnv means that no variable is
// set. Relative paths in the file are resolved against baseDir, or left
// relative to the working directory when baseDir is "".
//
// Problems come back in one *ValidationError, in two rounds: when the file
// has unknown keys, values of the wrong kind or unset variables, only
// those are reported, because checking values decoded from such a file
// would add misleading follow-up problems. Otherwise every validation
// problem is reported at once.
func Parse(data []byte, filename string, lookupEnv func(string) (string, bool), baseDir string) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	ps := newProblems()
	root := parseDocument(data, ps)
	if err := ps.err(filename); err != nil {
		return nil, err
	}

	w := &schemaWalker{
		ps:        ps,
		lookupEnv: lookupEnv,
		present:   map[string]bool{},
		expanded:  map[*yaml.Node]bool{},
	}
	if root != nil {
		w.budget = walkBudget(root)
		w.walk(root, reflect.TypeFor[Config](), "")
	} else {
		ps.lines[""] = 1
	}
	if err := ps.err(filename); err != nil {
		return nil, err
	}

	cfg := Default()
	if root != nil {
		decodeStrict(root, &cfg, ps)
		if err := ps.err(filename); err != nil {
			return nil, err
		}
	}

	c := completer{cfg: &cfg, ps: ps, present: w.present, baseDir: baseDir}
	c.complete()
	validate(&cfg, ps, w.present)
	if err := ps.err(filename); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// parseDocument parses data into a node tree and returns its root mapping,
// or nil for a file without content.
func parseDocument(data []byte, ps *problems) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		addSyntaxError(ps, data, err)
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		ps.addAt("", next.Line, "a second YAML document starts here: keep the whole configuration in one document")
		return nil
	} else if !errors.Is(err, io.EOF) {
		addSyntaxError(ps, data, err)
		return nil
	}

	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		ps.addAt("", root.Line, "the file must be a mapping of keys such as schedule, clusters and jobs, not %s", kindName(root))
		return nil
	}
	return root
}

// decodeStrict decodes root over cfg, so a key the file leaves out keeps
// its default while a key given as "" becomes "". The node tree has
// already been checked, so an error here means the check missed a case,
// and it is still reported rather than ignored. yaml.v3 cannot decode a node
// tree with KnownFields, so the tree is encoded back to text first.
func decodeStrict(root *yaml.Node, cfg *Config, ps *problems) {
	text, err := yaml.Marshal(root)
	if err != nil {
		ps.addAt("", 0, "cannot re-encode the expanded file: %v", err)
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	err = dec.Decode(cfg)
	var typeErr *yaml.TypeError
	switch {
	case err == nil:
	case errors.As(err, &typeErr):
		for _, msg := range typeErr.Errors {
			ps.addAt("", 0, "%s", stripLine(msg))
		}
	default:
		ps.addAt("", 0, "%s", stripLine(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
}

// stripLine removes the "line N: " prefix of a yaml.v3 message, whose
// number refers to the re-encoded text rather than the file.
func stripLine(msg string) string {
	if strings.HasPrefix(msg, "line ") {
		if _, after, ok := strings.Cut(msg, ": "); ok {
			return after
		}
	}
	return msg
}
