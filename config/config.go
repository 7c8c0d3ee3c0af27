// Package config loads, expands, defaults and validates the dts-reconciler
// configuration file.
//
// The file is YAML decoded strictly: an unknown key is an error that names
// its line. ${NAME} in any value is replaced by the environment variable
// NAME, and an unset variable is an error. Durations are Go durations such as
// "10s"; a bare number is rejected. Every secret has a _file form that reads
// the value from a file instead.
package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Config is the whole configuration file after defaults and expansion.
type Config struct {
	Schedule  string `yaml:"schedule"`
	DryRun    bool   `yaml:"dry_run"`
	StateFile string `yaml:"state_file"`
	// DTSRefresh is how long a DTS read that found a job in sync is reused
	// while the primaries of its clusters stay the same. A change of
	// primary, and every switch, reads DTS again at once. Zero reads DTS on
	// every tick.
	DTSRefresh time.Duration `yaml:"dts_refresh"`
	// LocalNode names the node this daemon runs beside (sidecar mode). Empty
	// means the daemon is not a sidecar and coordinates with GET_LOCK instead.
	LocalNode string `yaml:"local_node"`

	HTTP         HTTP         `yaml:"http"`
	Safety       Safety       `yaml:"safety"`
	AlibabaCloud AlibabaCloud `yaml:"alibaba_cloud"`
	Slack        Slack        `yaml:"slack"`
	MySQL        MySQL        `yaml:"mysql"`
	Clusters     []Cluster    `yaml:"clusters"`
	Jobs         []Job        `yaml:"jobs"`
}

// HTTP configures the metrics and health server.
type HTTP struct {
	// Listen is the address of /metrics, /healthz and /readyz. Empty turns
	// the server off.
	Listen string `yaml:"listen"`
}

// Safety holds the guards checked before any switch.
type Safety struct {
	Confirmations      int           `yaml:"confirmations"`
	ConfirmInterval    time.Duration `yaml:"confirm_interval"`
	Cooldown           time.Duration `yaml:"cooldown"`
	MaxSwitchesPerHour int           `yaml:"max_switches_per_hour"`
	SwitchTimeout      time.Duration `yaml:"switch_timeout"`
}

// AlibabaCloud configures the DTS API client.
type AlibabaCloud struct {
	RegionID string `yaml:"region_id"`
	// Endpoint overrides the API host: a bare host (HTTPS), or a URL with a
	// scheme such as http://127.0.0.1:8080 for a local emulator.
	Endpoint            string        `yaml:"endpoint"`
	AccessKeyID         string        `yaml:"access_key_id"`
	AccessKeySecret     Secret        `yaml:"access_key_secret"`
	AccessKeySecretFile string        `yaml:"access_key_secret_file"`
	Timeout             time.Duration `yaml:"timeout"`
}

// Slack configures notifications. Either WebhookURL, or Token with Channel,
// or nothing (notifications off).
type Slack struct {
	WebhookURL     Secret        `yaml:"webhook_url"`
	WebhookURLFile string        `yaml:"webhook_url_file"`
	Token          Secret        `yaml:"token"`
	TokenFile      string        `yaml:"token_file"`
	Channel        string        `yaml:"channel"`
	APIURL         string        `yaml:"api_url"`
	RemindEvery    time.Duration `yaml:"remind_every"`
	Timeout        time.Duration `yaml:"timeout"`
}

// MySQL holds the connection settings shared by every node. A node may
// override any of them. ConnectTimeout bounds the TCP connect. ReadTimeout
// bounds each network read and write, the MySQL handshake included, so a
// probe gives up after ConnectTimeout + ReadTimeout at most.
type MySQL struct {
	User           string        `yaml:"user"`
	Password       Secret        `yaml:"password"`
	PasswordFile   string        `yaml:"password_file"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	ReadTimeout    time.Duration `yaml:"read_timeout"`
	TLS            string        `yaml:"tls"`
	// MaxConcurrentProbes is the number of probes in flight at once across
	// all nodes.
	MaxConcurrentProbes int `yaml:"max_concurrent_probes"`
}

// Cluster is a set of MySQL nodes of which at most one is the primary.
type Cluster struct {
	Name  string `yaml:"name"`
	Nodes []Node `yaml:"nodes"`
}

// Node is one MySQL server. Its connection settings are the cluster-wide
// MySQL settings with the node's own overrides applied after loading.
type Node struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	// DTS is the connection DTS uses to reach this node. A switch call
	// sends it as the new endpoint.
	DTS DTSEndpoint `yaml:"dts"`

	// The fields below default to the top-level mysql block.
	User           string        `yaml:"user"`
	Password       Secret        `yaml:"password"`
	PasswordFile   string        `yaml:"password_file"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	ReadTimeout    time.Duration `yaml:"read_timeout"`
	TLS            string        `yaml:"tls"`
}

// DTSEndpoint is the connection that DTS uses to reach a node.
type DTSEndpoint struct {
	// InstanceType is LocalInstance, ECS or Express.
	InstanceType string `yaml:"instance_type"`
	// InstanceID is the ECS instance id (ECS) or the VPC id (Express).
	InstanceID string `yaml:"instance_id"`
	// IP is required for Express and LocalInstance.
	IP   string `yaml:"ip"`
	Port int    `yaml:"port"`
}

// Job is one DTS synchronization job.
type Job struct {
	ID       string `yaml:"id"`
	RegionID string `yaml:"region_id"`
	// Source is the cluster behind the forward source; empty when DTS
	// manages that side.
	Source string `yaml:"source"`
	// Destination is the cluster behind the forward destination.
	Destination   string `yaml:"destination"`
	TwoWay        bool   `yaml:"two_way"`
	SourceOwnerID string `yaml:"source_owner_id"`
	SourceRole    string `yaml:"source_role"`
}

// Secret is a string that prints as "[redacted]" in logs and formatted
// output, so it cannot leak through fmt, log/slog, encoding/json or a YAML
// dump of the configuration. An empty Secret prints as "", which shows
// that none is set.
type Secret string

const redacted = "[redacted]"

// String returns a placeholder, never the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns a placeholder, never the value.
func (s Secret) GoString() string { return s.String() }

// Format writes the placeholder for every verb, including %x and %q, which
// would otherwise bypass String.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	io.WriteString(f, s.String())
}

// LogValue returns the placeholder as the value log/slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes the placeholder as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML encodes the placeholder as a YAML string.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Value returns the secret itself, for the code that must send it.
func (s Secret) Value() string { return string(s) }
