package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// contextErrors are the yaml.v3 v3.0.1 parser errors that report the start
// of the enclosing block, counted from 0, instead of the line of the
// mistake. Scanner errors report the line of the mistake, counted from 1.
var contextErrors = map[string]bool{
	"did not find expected key":           true,
	"did not find expected node content":  true,
	"did not find expected '-' indicator": true,
	"did not find expected ',' or ']'":    true,
	"did not find expected ',' or '}'":    true,
	"found undefined tag handle":          true,
}

// positionlessErrors are the yaml.v3 v3.0.1 errors of its input reader,
// which checks the encoding and rejects control characters. They never
// carry a line, and neither does an unknown anchor. Every other parser or
// scanner error leaves out its line only when that line is the first one.
var positionlessErrors = map[string]bool{
	"control characters are not allowed": true,
	"invalid leading UTF-8 octet":        true,
	"incomplete UTF-8 octet sequence":    true,
	"invalid trailing UTF-8 octet":       true,
	"invalid length of a UTF-8 sequence": true,
	"invalid Unicode character":          true,
	"incomplete UTF-16 character":        true,
	"unexpected low surrogate area":      true,
	"incomplete UTF-16 surrogate pair":   true,
	"expected low surrogate area":        true,
}

// addSyntaxError records a YAML syntax error of data at its line, with a
// hint for the common mistakes of a tab in the indentation and of a plain
// value that starts with a reserved character such as @.
func addSyntaxError(ps *problems, data []byte, err error) {
	text := err.Error()
	msg := strings.TrimPrefix(text, "yaml: ")
	var line int
	switch m := yamlLine.FindStringSubmatch(text); {
	case m != nil:
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if contextErrors[msg] {
			ps.addAt("", line+1, "invalid YAML: %s in the block that starts here: check the indentation and quoting of the lines below", msg)
			return
		}
	case positionlessErrors[msg] || strings.HasPrefix(msg, "unknown anchor "):
		line = lineOfError(data, text)
	default:
		line = 1
	}

	if strings.Contains(msg, "tab character") {
		// The scanner reports the line where the indented block starts,
		// which may be above the tab.
		if tab := tabIndentedLine(data, line); tab > 0 {
			line = tab
		}
	}
	ps.addAt("", line, "invalid YAML: %s%s", msg, syntaxHint(lineText(data, line)))
}

// lineOfError returns the 1-based line at which parsing data first fails
// with text, or 0 when data itself does not fail that way. It parses
// prefixes of data cut at line ends, in a binary search: the errors it is
// used for come from one place in the input, so a prefix fails with text
// exactly when it contains that place.
func lineOfError(data []byte, text string) int {
	var ends []int
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	k := sort.Search(len(ends), func(k int) bool {
		err := firstYAMLError(data[:ends[k]])
		return err != nil && err.Error() == text
	})
	if k == len(ends) {
		return 0
	}
	return k + 1
}

// firstYAMLError parses data the way parseDocument does, up to the start
// of a second document, and returns the first error.
func firstYAMLError(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for range 2 {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

// lineText returns line n of data, counted from 1, or "" when there is no
// such line.
func lineText(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSuffix(lines[n-1], "\r")
}

// tabIndentedLine returns the first line, counted from 1, from line from
// onwards whose indentation holds a tab, or 0 when there is none.
func tabIndentedLine(data []byte, from int) int {
	lines := strings.Split(string(data), "\n")
	for n := max(from, 1); n <= len(lines); n++ {
		if strings.Contains(indentation(lines[n-1]), "\t") {
			return n
		}
	}
	return 0
}

// indentation returns the spaces and tabs that start text.
func indentation(text string) string {
	return text[:len(text)-len(strings.TrimLeft(text, " \t"))]
}

// secretKeys are the keys whose values an error message must not repeat.
var secretKeys = map[string]bool{
	"password":          true,
	"access_key_secret": true,
	"webhook_url":       true,
	"token":             true,
}

// plainValue matches a "key: value" or "- value" line, with an optional
// comment after the value.
var plainValue = regexp.MustCompile(`^\s*(?:-\s+)?(?:([A-Za-z0-9_.-]+):\s+)?(\S.*?)(?:\s+#.*)?$`)

// syntaxHint returns what to do about the line a syntax error names, with
// a leading ": ", or "" when the line shows no common mistake.
func syntaxHint(text string) string {
	if strings.Contains(indentation(text), "\t") {
		return ": YAML does not allow tabs in indentation, so indent with spaces"
	}
	m := plainValue.FindStringSubmatch(text)
	if m == nil || m[2] == "" || !strings.ContainsRune("@`", rune(m[2][0])) {
		return ""
	}
	key, value := m[1], m[2]
	if secretKeys[key] {
		return fmt.Sprintf(": a value that starts with %c must be quoted, so put the value of %s in double quotes", value[0], key)
	}
	quoted := strconv.Quote(value)
	if key == "" {
		return fmt.Sprintf(": a value that starts with %c must be quoted: - %s", value[0], quoted)
	}
	return fmt.Sprintf(": a value that starts with %c must be quoted: %s: %s", value[0], key, quoted)
}
