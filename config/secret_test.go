package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSecret_fmt(t *testing.T) {
	s := Secret(testSecret)
	tests := []struct {
		name string
		verb string
	}{
		{"v", "%v"}, {"s", "%s"}, {"plus_v", "%+v"}, {"sharp_v", "%#v"}, {"q", "%q"},
		{"x", "%x"}, {"upper_x", "%X"}, {"width_s", "%10s"}, {"d", "%d"},
	}
	for _, tc := range tests {
		verb := tc.verb
		t.Run(tc.name, func(t *testing.T) {
			got := fmt.Sprintf(verb, s)
			if strings.Contains(got, testSecret) || strings.Contains(got, fmt.Sprintf("%x", testSecret)) || strings.Contains(got, fmt.Sprintf("%X", testSecret)) {
				t.Errorf("Sprintf(%s) = %q, leaks the secret", verb, got)
			}
			if !strings.Contains(got, "[redacted]") {
				t.Errorf("Sprintf(%s) = %q, want the placeholder", verb, got)
			}
		})
	}
}

func TestSecret_emptyPrintsEmpty(t *testing.T) {
	if got := fmt.Sprintf("%v", Secret("")); got != "" {
		t.Errorf("empty secret prints %q, want \"\"", got)
	}
}

func TestSecret_value(t *testing.T) {
	if got := Secret(testSecret).Value(); got != testSecret {
		t.Errorf("Value() = %q, want %q", got, testSecret)
	}
}

// secretConfig returns a configuration with every secret set.
func secretConfig() Config {
	cfg := Default()
	cfg.MySQL.Password = testSecret
	cfg.AlibabaCloud.AccessKeySecret = testSecret
	cfg.Slack.Token = testSecret
	cfg.Slack.WebhookURL = testSecret
	cfg.Clusters = []Cluster{{Name: "c", Nodes: []Node{{Name: "n", Password: testSecret}}}}
	return cfg
}

func TestSecret_inConfigOutput(t *testing.T) {
	cfg := secretConfig()
	jsonText, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	yamlText, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []struct {
		name string
		text string
	}{
		{"fmt_v", fmt.Sprintf("%v", cfg)},
		{"fmt_plus_v", fmt.Sprintf("%+v", cfg)},
		{"fmt_sharp_v", fmt.Sprintf("%#v", cfg)},
		{"fmt_plus_v_pointer", fmt.Sprintf("%+v", &cfg)},
		{"json", string(jsonText)},
		{"yaml", string(yamlText)},
	}
	for _, o := range outputs {
		t.Run(o.name, func(t *testing.T) {
			if strings.Contains(o.text, testSecret) {
				t.Errorf("output leaks the secret:\n%s", o.text)
			}
			if !strings.Contains(o.text, "[redacted]") {
				t.Errorf("output lacks the placeholder:\n%s", o.text)
			}
		})
	}
}

func TestSecret_slog(t *testing.T) {
	cfg := secretConfig()
	handlers := []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	}
	for _, h := range handlers {
		t.Run(h.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(h.new(&buf))
			log.Info("loaded", "password", cfg.MySQL.Password, "config", cfg, "node", cfg.Clusters[0].Nodes[0])
			out := buf.String()
			if strings.Contains(out, testSecret) {
				t.Errorf("log output leaks the secret:\n%s", out)
			}
			if !strings.Contains(out, "password=[redacted]") && !strings.Contains(out, `"password":"[redacted]"`) {
				t.Errorf("log output lacks the redacted password attribute:\n%s", out)
			}
		})
	}
}
