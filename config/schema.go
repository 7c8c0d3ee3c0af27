package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var durationType = reflect.TypeFor[time.Duration]()

// schemaWalker checks a YAML node tree against the Go types it will be
// decoded into, before decoding. It reports unknown keys, duplicate keys
// and values of the wrong kind with their field paths and lines, which
// yaml.v3's own errors lack. It also expands ${NAME} in every value it
// visits and records which keys the file gives.
type schemaWalker struct {
	ps        *problems
	lookupEnv func(string) (string, bool)
	// present holds the path of every key given in the file.
	present map[string]bool
	// expanded marks scalars already expanded, so a value reached twice
	// through a YAML alias is not expanded twice.
	expanded map[*yaml.Node]bool
	// budget is the number of values left to visit. Aliases let a small
	// file stand for an exponentially large tree, so the walk stops when
	// the budget runs out instead of hanging.
	budget int
}

// walkBudget returns the visit budget for a tree: far more than aliases
// in a real configuration use, far less than an alias bomb needs.
func walkBudget(root *yaml.Node) int {
	count := 0
	var countNodes func(*yaml.Node)
	countNodes = func(n *yaml.Node) {
		count++
		for _, c := range n.Content {
			countNodes(c)
		}
	}
	countNodes(root)
	return 100*count + 10000
}

// spend takes one visit from the budget and reports whether any was left.
func (w *schemaWalker) spend(path string, n *yaml.Node) bool {
	if w.budget <= 0 {
		if w.budget == 0 {
			w.ps.addAt(path, n.Line, "the file expands to too many values through aliases: write the values out, or use fewer aliases")
			w.budget--
		}
		return false
	}
	w.budget--
	return true
}

func (w *schemaWalker) walk(n *yaml.Node, t reflect.Type, path string) {
	if !w.spend(path, n) {
		return
	}
	if _, ok := w.ps.lines[path]; !ok {
		w.ps.lines[path] = n.Line
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		n = n.Alias
	}
	switch {
	case t.Kind() == reflect.Struct:
		w.mapping(n, t, path)
	case t.Kind() == reflect.Slice:
		w.sequence(n, t, path)
	default:
		w.scalar(n, t, path)
	}
}

func (w *schemaWalker) mapping(n *yaml.Node, t reflect.Type, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		w.ps.addAt(path, n.Line, "expected a mapping of keys such as %s, not %s", strings.Join(fieldNames(t), ", "), kindName(n))
		return
	}
	w.pairs(n, t, path, map[string]int{}, false)
}

// pairs checks the keys of mapping n. Keys brought in by a YAML merge key
// (<<) may be given again in the mapping itself, so only explicit keys
// count as duplicates.
func (w *schemaWalker) pairs(n *yaml.Node, t reflect.Type, path string, seen map[string]int, merged bool) {
	names := fieldNames(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			w.merge(v, t, path, seen)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			w.ps.addAt(path, k.Line, "a key must be a plain name such as %s, not %s", names[0], kindName(k))
			continue
		}
		key := k.Value
		keyPath := joinPath(path, key)
		field, ok := fieldByName(t, key)
		if !ok {
			w.ps.addAt(keyPath, k.Line, "unknown key: %s", unknownKeyHint(key, names))
			continue
		}
		if line, dup := seen[key]; dup && !merged {
			w.ps.addAt(keyPath, k.Line, "given twice (also on line %d): keep one", line)
			continue
		}
		if !merged {
			seen[key] = k.Line
		}
		// A key with an empty value, such as "tls:" or "tls: ~", counts as
		// absent, so a node inherits the top-level value and a default stays.
		if !isNull(v) {
			w.present[keyPath] = true
		}
		if !merged {
			// The line given in the mapping itself wins over a line in
			// the mapping it merges.
			w.ps.lines[keyPath] = v.Line
		}
		w.walk(v, field.Type, keyPath)
	}
}

func (w *schemaWalker) merge(v *yaml.Node, t reflect.Type, path string, seen map[string]int) {
	if !w.spend(path, v) {
		return
	}
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		w.pairs(v, t, path, seen, true)
	case yaml.SequenceNode:
		for _, item := range v.Content {
			w.merge(item, t, path, seen)
		}
	default:
		w.ps.addAt(path, v.Line, "a merge key (<<) must refer to a mapping, not %s", kindName(v))
	}
}

func (w *schemaWalker) sequence(n *yaml.Node, t reflect.Type, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		w.ps.addAt(path, n.Line, "expected a list (lines starting with -), not %s", kindName(n))
		return
	}
	for i, item := range n.Content {
		w.walk(item, t.Elem(), indexPath(path, i))
	}
}

// scalar expands and checks one value. A value that contains ${NAME} is
// typed after expansion, as YAML would type the result written without
// quotes, except for string fields, where it stays a string so that a
// password such as "null" or "123" is kept as written.
func (w *schemaWalker) scalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.ps.addAt(path, n.Line, "expected a single value, not %s", kindName(n))
		return
	}
	if !w.expanded[n] && strings.Contains(n.Value, "$") {
		w.expanded[n] = true
		value, msgs := expand(n.Value, w.lookupEnv)
		for _, msg := range msgs {
			w.ps.addAt(path, n.Line, "%s", msg)
		}
		if len(msgs) > 0 {
			return
		}
		n.Value = value
		switch {
		case t.Kind() == reflect.String:
			n.Tag = "!!str"
		case n.Style&yaml.TaggedStyle == 0:
			// Quotes around ${NAME} are often needed for YAML syntax, as
			// in a flow mapping, so they do not make the result a string.
			n.Style = 0
			n.Tag = ""
			n.Tag = n.ShortTag()
		}
	} else if isNull(n) {
		return
	}

	switch {
	case t == durationType:
		checkDuration(w.ps, n, path)
	case t.Kind() == reflect.Bool:
		w.checkTag(n, path, "!!bool", "is not a boolean: write true or false")
	case t.Kind() == reflect.Int:
		w.checkTag(n, path, "!!int", "is not a whole number: write digits only, such as 3")
	}
}

// checkTag reports a value that YAML does not type as want, pointing out
// quotes when the unquoted text would have been right.
func (w *schemaWalker) checkTag(n *yaml.Node, path, want, msg string) {
	if n.ShortTag() == want {
		return
	}
	plain := &yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 && plain.ShortTag() == want {
		w.ps.addAt(path, n.Line, "%q is quoted, which makes it a string: write %s without quotes", n.Value, n.Value)
		return
	}
	w.ps.addAt(path, n.Line, "%q %s", n.Value, msg)
}

// checkDuration accepts only Go durations such as 10s. yaml.v3 rejects an
// integer for a time.Duration with an error that names no field, so a
// bare number is caught here with a fix instead.
func checkDuration(ps *problems, n *yaml.Node, path string) {
	tag := n.ShortTag()
	f, err := strconv.ParseFloat(n.Value, 64)
	isNumber := err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	if isNumber || tag == "!!int" || tag == "!!float" {
		ps.addAt(path, n.Line, "%s is a bare number, not a duration: write %ss (or another unit: ms, s, m, h)", n.Value, n.Value)
		return
	}
	if tag == "!!str" {
		if _, err := time.ParseDuration(n.Value); err == nil {
			if n.Style&yaml.TaggedStyle == 0 {
				n.Tag = "!!str"
			}
			return
		}
	}
	ps.addAt(path, n.Line, "%q is not a duration: write a Go duration such as 10s, 5m or 1h30m", n.Value)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	case yaml.AliasNode:
		return "an alias"
	}
	return "an empty document"
}

// fieldNames returns the YAML keys of struct type t in declaration order.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func fieldByName(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// unknownKeyHint names the key that was probably meant, or lists the keys
// allowed at that place when none is close.
func unknownKeyHint(key string, names []string) string {
	if best := closestName(key, names); best != "" {
		return fmt.Sprintf("did you mean %s?", best)
	}
	return "the keys allowed here are " + strings.Join(names, ", ")
}
