package config

import (
	"errors"
	"strings"
	"testing"
)

// TestParse_syntaxErrorNamesLine checks that every kind of YAML syntax
// error gets a line, including those yaml.v3 reports without one: any
// error on the first line, errors of its input reader, and unknown
// anchors.
func TestParse_syntaxErrorNamesLine(t *testing.T) {
	tests := []struct {
		name string
		data string
		line int
	}{
		{name: "tab_first_line", data: "\tschedule: x\n", line: 1},
		{name: "tab_after_comment", data: "# c\n\tschedule: x\n", line: 2},
		{name: "tab_nested", data: "a:\n  b: 1\n\tc: 2\n", line: 3},
		{name: "at_first_line", data: "schedule: @every 2s\n", line: 1},
		{name: "backtick_value", data: "a: 1\nb: `x`\n", line: 2},
		{name: "at_in_list", data: "a: 1\nb:\n  - @x\n", line: 3},
		{name: "unclosed_quote", data: "a: 1\nb: \"abc\n", line: 2},
		{name: "control_character", data: "a: 1\nb: 2\nc: \x01\n", line: 3},
		{name: "control_character_no_newline", data: "a: 1\nb: \x02", line: 2},
		{name: "invalid_utf8", data: "a: 1\nb: c\nd: \xff\n", line: 3},
		{name: "unknown_anchor", data: "a: &x 1\nb: *x\nc: *y\n", line: 3},
		{name: "mapping_in_scalar", data: "a: 1\nb: x: y\n", line: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "c.yaml", nil, "")
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error is %T, want *ValidationError: %v", err, err)
			}
			p := verr.Problems[0]
			if !strings.HasPrefix(p.Message, "invalid YAML: ") {
				t.Fatalf("first problem = %q, want a YAML syntax error", p)
			}
			if p.Line != tt.line {
				t.Errorf("Line = %d, want %d (%s)", p.Line, tt.line, p.Message)
			}
		})
	}
}

func TestSyntaxHint(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
	}{
		{name: "at_value", line: "schedule: @every 2s", want: `: a value that starts with @ must be quoted: schedule: "@every 2s"`},
		{name: "at_value_with_comment", line: "  schedule: @hourly  # once an hour", want: `: a value that starts with @ must be quoted: schedule: "@hourly"`},
		{name: "backtick_value", line: "  user: `probe`", want: ": a value that starts with ` must be quoted: user: \"`probe`\""},
		{name: "list_item", line: "  - @x", want: `: a value that starts with @ must be quoted: - "@x"`},
		{name: "quote_inside", line: `channel: @a"b`, want: `: a value that starts with @ must be quoted: channel: "@a\"b"`},
		{name: "secret", line: "  token: @xoxb-1", want: ": a value that starts with @ must be quoted, so put the value of token in double quotes"},
		{name: "tab_indent", line: "\tschedule: x", want: ": YAML does not allow tabs in indentation, so indent with spaces"},
		{name: "spaces_then_tab", line: "  \tx: 1", want: ": YAML does not allow tabs in indentation, so indent with spaces"},
		{name: "tab_after_value", line: "a: b\tc", want: ""},
		{name: "plain", line: "schedule: x", want: ""},
		{name: "flow_mapping", line: "dts: {instance_type: @x}", want: ""},
		{name: "empty", line: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := syntaxHint(tt.line); got != tt.want {
				t.Errorf("syntaxHint(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}
