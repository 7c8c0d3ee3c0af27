package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestYAMLv3_durationDecoding pins what yaml.v3 does on its own with a
// time.Duration, which the schema check relies on and improves: it takes
// a Go duration string and rejects an integer, with a message that names
// no field.
func TestYAMLv3_durationDecoding(t *testing.T) {
	var v struct {
		D time.Duration `yaml:"d"`
	}
	if err := yaml.Unmarshal([]byte("d: 10s"), &v); err != nil || v.D != 10*time.Second {
		t.Errorf("decode 10s = %v, %v; want 10s, nil", v.D, err)
	}
	err := yaml.Unmarshal([]byte("d: 10"), &v)
	if err == nil {
		t.Fatalf("decode 10 = %v, nil; want an error", v.D)
	}
	if !strings.Contains(err.Error(), "cannot unmarshal !!int `10` into time.Duration") {
		t.Errorf("decode 10 error = %v, want yaml.v3's type error", err)
	}
}

func TestExpand(t *testing.T) {
	env := envFrom(map[string]string{"A": "alpha", "B_2": "$B", "EMPTY": ""})
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "plain", in: "no dollar", want: "no dollar"},
		{name: "variable", in: "${A}", want: "alpha"},
		{name: "inside_text", in: "x-${A}-y", want: "x-alpha-y"},
		{name: "two_variables", in: "${A}${B_2}", want: "alpha$B"},
		{name: "value_not_expanded_again", in: "${B_2}", want: "$B"},
		{name: "empty_value", in: "${EMPTY}", want: ""},
		{name: "escaped_dollar", in: "pa$$word", want: "pa$word"},
		{name: "escaped_reference", in: "$${A}", want: "${A}"},
		{name: "unset", in: "${NOPE}", wantErr: "environment variable NOPE is not set"},
		{name: "lone_dollar", in: "pa$word", wantErr: "a lone $ is not allowed"},
		{name: "trailing_dollar", in: "cost$", wantErr: "a lone $ is not allowed"},
		{name: "unclosed", in: "${A", wantErr: "${ has no closing }"},
		{name: "empty_name", in: "${}", wantErr: "invalid name"},
		{name: "bad_name", in: "${1A}", wantErr: "invalid name"},
		{name: "dash_in_name", in: "${A-B}", wantErr: "invalid name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, msgs := expand(tc.in, env)
			if tc.wantErr != "" {
				if len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "\n"), tc.wantErr) {
					t.Errorf("expand(%q) messages = %q, want one containing %q", tc.in, msgs, tc.wantErr)
				}
				return
			}
			if len(msgs) > 0 {
				t.Fatalf("expand(%q) messages = %q, want none", tc.in, msgs)
			}
			if got != tc.want {
				t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestClosestName(t *testing.T) {
	names := fieldNames(reflect.TypeFor[Node]())
	tests := []struct {
		name string
		key  string
		want string
	}{
		{"one_letter_missing", "adress", "address"},
		{"swapped_letters", "adderss", "address"},
		{"wrong_case", "Address", "address"},
		{"dash_for_underscore", "read-timeout", "read_timeout"},
		{"camel_case", "readTimeout", "read_timeout"},
		{"far", "hostname", ""},
		{"short_key_far", "x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := closestName(tc.key, names); got != tc.want {
				t.Errorf("closestName(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

func TestParse_unknownKeyHoldingAnchor(t *testing.T) {
	data := []byte(`x_defaults: &node_defaults
  read_timeout: 3s
clusters:
  - name: c
    nodes:
      - <<: *node_defaults
        name: a
        address: 127.0.0.1:3306
        dts: {instance_type: ECS, instance_id: i-a, port: 3306}
jobs:
  - {id: j, source: c}
`)
	_, err := Parse(data, "c.yaml", nil, "")
	if err == nil || !strings.Contains(err.Error(), "c.yaml:1: x_defaults: unknown key") {
		t.Errorf("error = %v, want an unknown key x_defaults on line 1", err)
	}
}

func TestParse_mergeKey(t *testing.T) {
	data := []byte(`clusters:
  - name: c
    nodes:
      - &first
        name: a
        address: 127.0.0.1:3306
        read_timeout: 3s
        dts: {instance_type: ECS, instance_id: "${ID}", port: 3306}
      - <<: *first
        name: b
        address: 127.0.0.2:3306
        dts: {instance_type: ECS, instance_id: "${ID}-b", port: 3306}
jobs:
  - {id: j, source: c}
`)
	cfg, err := Parse(data, "c.yaml", envFrom(map[string]string{"ID": "i-a"}), "")
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Clusters[0].Nodes[1]
	if got, want := b.ReadTimeout, 3*time.Second; got != want {
		t.Errorf("merged read_timeout = %v, want %v", got, want)
	}
	if got, want := b.Name, "b"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if got, want := b.DTS.InstanceID, "i-a-b"; got != want {
		t.Errorf("instance_id = %q, want %q", got, want)
	}
}

func TestParse_aliasExpandedOnce(t *testing.T) {
	data := []byte(`mysql:
  user: &user "u$${X}"
clusters:
  - name: c
    nodes:
      - name: a
        address: 127.0.0.1:3306
        user: *user
        dts: {instance_type: ECS, instance_id: i-a, port: 3306}
jobs:
  - {id: j, source: c}
`)
	cfg, err := Parse(data, "c.yaml", envFrom(map[string]string{"X": "expanded"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Clusters[0].Nodes[0].User, "u${X}"; got != want {
		t.Errorf("aliased user = %q, want %q", got, want)
	}
	if got, want := cfg.MySQL.User, "u${X}"; got != want {
		t.Errorf("anchored user = %q, want %q", got, want)
	}
}

func TestParse_aliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("safety:\n  x0: &m0 {confirmations: 1}\n")
	// Each level merges the previous one ten times, so the last stands for
	// 10^8 keys while the file has a few hundred bytes.
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "  x%d: &m%d {<<: [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*m%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("mysql: {<<: *m8}\n")
	_, err := Parse([]byte(b.String()), "bomb.yaml", nil, "")
	if err == nil {
		t.Fatal("Parse = nil error, want one")
	}
	if !strings.Contains(err.Error(), "too many values through aliases") {
		t.Errorf("error = %v, want the alias budget problem", err)
	}
}
