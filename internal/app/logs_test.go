package app

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/e2etest"
)

// snakeCase matches a log key in lower snake_case.
var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkJSONLine returns what is wrong with one JSON log line: it must be
// an object with unique snake_case keys and a lowercase message.
func checkJSONLine(line string) []string {
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return []string{"not a JSON object"}
	}
	var problems []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return append(problems, fmt.Sprintf("invalid JSON: %v", err))
		}
		key := tok.(string)
		if seen[key] {
			problems = append(problems, fmt.Sprintf("key %q appears twice", key))
		}
		seen[key] = true
		if !snakeCase.MatchString(key) {
			problems = append(problems, fmt.Sprintf("key %q is not snake_case", key))
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return append(problems, fmt.Sprintf("invalid JSON: %v", err))
		}
		if key != "msg" {
			continue
		}
		var msg string
		if err := json.Unmarshal(value, &msg); err != nil || msg == "" {
			problems = append(problems, "msg is not a non-empty string")
		} else if r := []rune(msg)[0]; unicode.IsUpper(r) {
			problems = append(problems, fmt.Sprintf("msg %q starts with a capital", msg))
		}
	}
	return problems
}

func TestLogs_JSONLines(t *testing.T) {
	r := newRig(t, dtstest.Options{}, jobOneWay, jobTwoWay)
	// Both jobs point at the node that is not the primary, so the run
	// logs a switch of every kind of side.
	r.addJob(jobOneWay, r.orders.Nodes[e2etest.Other(r.orders)])
	r.addJob(jobTwoWay, r.orders.Nodes[e2etest.Other(r.orders)], r.reports.Nodes[e2etest.Other(r.reports)])
	config := r.writeConfig()

	res := run(t, "once", "-config", config, "-log-format", "json", "-log-level", "debug")
	wantCode(t, res, ExitOK)
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	if len(lines) < 10 {
		t.Fatalf("log lines = %d, want a switch's worth:\n%s", len(lines), res.stderr)
	}
	for i, line := range lines {
		for _, p := range checkJSONLine(line) {
			t.Errorf("line %d: %s: %s", i+1, p, line)
		}
	}
}

func TestCheckJSONLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // a substring of the first problem, "" for none
	}{
		{name: "good", line: `{"time":"t","level":"INFO","msg":"tick ended","job_id":"x"}`},
		{name: "duplicate", line: `{"msg":"m","component":"a","component":"a"}`, want: `"component" appears twice`},
		{name: "camel", line: `{"msg":"m","taskId":"1"}`, want: "not snake_case"},
		{name: "capital", line: `{"msg":"Tick ended"}`, want: "starts with a capital"},
		{name: "text", line: `time=x msg=y`, want: "not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkJSONLine(tc.line)
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("checkJSONLine = %q, want no problem", got)
				}
				return
			}
			if len(got) == 0 || !strings.Contains(got[0], tc.want) {
				t.Errorf("checkJSONLine = %q, want %q", got, tc.want)
			}
		})
	}
}
