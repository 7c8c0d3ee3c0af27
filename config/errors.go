package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	// Path is the field in YAML keys with [i] indexes, such as
	// clusters[0].nodes[1].dts.port. It is empty for a problem with the
	// file as a whole, such as a YAML syntax error.
	Path string
	// Line is the 1-based line in the file, or 0 when it is not known.
	Line int
	// Message describes what is wrong and how to fix it.
	Message string
}

// String formats the problem as "line: path: message" without the file
// name.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError lists every problem found in a configuration file. No
// message contains the value of a secret.
type ValidationError struct {
	// File is the file name as given to [Load] or [Parse].
	File     string
	Problems []Problem
}

// Error prints one line per problem, such as
// "config.yaml:14: clusters[0].nodes[1].dts.port: 70000 is out of range: use 1-65535".
func (e *ValidationError) Error() string {
	lines := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		if e.File == "" {
			lines = append(lines, p.String())
			continue
		}
		sep := ":"
		if p.Line == 0 {
			sep = ": "
		}
		lines = append(lines, e.File+sep+p.String())
	}
	return strings.Join(lines, "\n")
}

// problems collects problems and finds their lines.
type problems struct {
	list  []Problem
	lines map[string]int
}

func newProblems() *problems {
	return &problems{lines: map[string]int{}}
}

// add records a problem at path. Its line is the line of path, or of the
// nearest enclosing field that appears in the file when path itself does
// not.
func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{
		Path:    path,
		Line:    ps.lineOf(path),
		Message: fmt.Sprintf(format, args...),
	})
}

// addAt records a problem with a known line.
func (ps *problems) addAt(path string, line int, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) lineOf(path string) int {
	for {
		if line, ok := ps.lines[path]; ok {
			return line
		}
		if path == "" {
			return 0
		}
		path = parentPath(path)
	}
}

// err returns nil when nothing was recorded, or a *ValidationError with the
// problems in line order.
func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return &ValidationError{File: file, Problems: list}
}

// parentPath strips the last key or index from a field path:
// "a.b[2]" becomes "a.b", and "a.b" becomes "a".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// joinPath appends a mapping key to a field path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath appends a sequence index to a field path.
func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
