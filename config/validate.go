package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// validate records every problem of a decoded and completed
// configuration. present holds the paths of the keys the file gives.
func validate(cfg *Config, ps *problems, present map[string]bool) {
	v := validator{cfg: cfg, ps: ps, present: present}
	v.top()
	v.safety()
	v.alibaba()
	v.slack()
	v.mysql()
	v.clusters()
	v.jobs()
}

type validator struct {
	cfg     *Config
	ps      *problems
	present map[string]bool
}

func (v *validator) top() {
	cfg := v.cfg
	if _, err := ParseSchedule(cfg.Schedule); err != nil {
		v.ps.add("schedule", "%v", err)
	}
	if cfg.DTSRefresh < 0 {
		v.ps.add("dts_refresh", "%s is negative: use 0s to read DTS on every tick, or a duration such as 1m", cfg.DTSRefresh)
	}
	if strings.TrimSpace(cfg.StateFile) == "" {
		v.ps.add("state_file", "is empty: give the path of the state file, such as /var/lib/dts-reconciler/state.json")
	}
	if cfg.HTTP.Listen != "" {
		if msg := checkHostPort(cfg.HTTP.Listen, 0, false); msg != "" {
			v.ps.add("http.listen", "%s: write host:port such as 127.0.0.1:9108, or \"\" to turn the server off", msg)
		}
	}
	if cfg.LocalNode != "" {
		if _, n := cfg.NodeByName(cfg.LocalNode); n == nil {
			v.ps.add("local_node", "no node named %q: use the name of one of the nodes under clusters (known nodes: %s)", cfg.LocalNode, v.nodeNames())
		}
	}
}

func (v *validator) safety() {
	s := v.cfg.Safety
	if s.Confirmations < 1 {
		v.ps.add("safety.confirmations", "%d is too small: use 1 or more", s.Confirmations)
	}
	v.positive("safety.confirm_interval", s.ConfirmInterval, "1s")
	if s.Cooldown < 0 {
		v.ps.add("safety.cooldown", "%s is negative: use 0s for no cooldown, or a duration such as 5m", s.Cooldown)
	}
	if s.MaxSwitchesPerHour < 1 {
		v.ps.add("safety.max_switches_per_hour", "%d is too small: use 1 or more", s.MaxSwitchesPerHour)
	}
	v.positive("safety.switch_timeout", s.SwitchTimeout, "10m")
}

func (v *validator) alibaba() {
	a := v.cfg.AlibabaCloud
	if strings.TrimSpace(a.RegionID) == "" {
		v.ps.add("alibaba_cloud.region_id", "is empty: give the region of the DTS jobs, such as cn-hangzhou")
	}
	if a.Endpoint != "" {
		if msg := checkEndpoint(a.Endpoint); msg != "" {
			v.ps.add("alibaba_cloud.endpoint", "%s", msg)
		}
	}
	hasSecret := a.AccessKeySecret != "" || a.AccessKeySecretFile != ""
	switch {
	case a.AccessKeyID != "" && !hasSecret:
		v.ps.add("alibaba_cloud.access_key_secret", "is missing while access_key_id is set: set access_key_secret or access_key_secret_file, or remove access_key_id to use the default credential chain")
	case a.AccessKeyID == "" && hasSecret:
		v.ps.add("alibaba_cloud.access_key_id", "is missing while the access key secret is set: set access_key_id, or remove the secret to use the default credential chain")
	}
	v.timeout("alibaba_cloud.timeout", a.Timeout, "10s")
}

func (v *validator) slack() {
	s := v.cfg.Slack
	// A secret whose file could not be read counts as given, because the
	// read error is reported on its own.
	hasWebhook := s.WebhookURL != "" || s.WebhookURLFile != ""
	hasToken := s.Token != "" || s.TokenFile != ""
	switch {
	case hasWebhook && hasToken:
		v.ps.add("slack", "both webhook_url and token are set: keep one, a webhook URL or a bot token with a channel")
	case hasToken && s.Channel == "":
		v.ps.add("slack.channel", "is missing while token is set: give the channel to post to, such as #dts-alerts or its ID")
	case !hasToken && s.Channel != "":
		v.ps.add("slack.channel", "is set but no token is: set token (or token_file) to post with a bot, or remove channel; a webhook posts to its own channel")
	}
	if s.WebhookURL != "" && !isHTTPURL(s.WebhookURL.Value()) {
		path := "slack.webhook_url"
		if s.WebhookURLFile != "" {
			path = "slack.webhook_url_file"
		}
		// The URL is a secret, so the message does not quote it.
		v.ps.add(path, "is not an http:// or https:// URL: give the incoming webhook URL from Slack")
	}
	if s.APIURL != "" && !isHTTPURL(s.APIURL) {
		v.ps.add("slack.api_url", "%q is not an http:// or https:// URL: give the base URL of the Slack API, such as https://slack.com/api/", s.APIURL)
	}
	v.positive("slack.remind_every", s.RemindEvery, "1h")
	v.timeout("slack.timeout", s.Timeout, "5s")
}

func (v *validator) mysql() {
	m := v.cfg.MySQL
	if m.User == "" {
		v.ps.add("mysql.user", "is empty: give the MySQL user the probes log in as, such as dts_probe")
	}
	v.timeout("mysql.connect_timeout", m.ConnectTimeout, "2s")
	v.timeout("mysql.read_timeout", m.ReadTimeout, "2s")
	if msg := checkTLS(m.TLS); msg != "" {
		v.ps.add("mysql.tls", "%s", msg)
	}
	if m.MaxConcurrentProbes < 1 {
		v.ps.add("mysql.max_concurrent_probes", "%d is too small: use 1 or more", m.MaxConcurrentProbes)
	}
}

// positive reports a duration that is zero or negative.
func (v *validator) positive(path string, d time.Duration, example string) {
	if d <= 0 {
		v.ps.add(path, "%s is not positive: use a duration such as %s", d, example)
	}
}

// minTimeout is the smallest network timeout accepted. A smaller one, such
// as 500us or 2ns, is most likely a mistyped unit, and it would make
// nearly every connect or request time out.
const minTimeout = time.Millisecond

// timeout reports a network timeout that is not positive or is below
// minTimeout.
func (v *validator) timeout(path string, d time.Duration, example string) {
	switch {
	case d <= 0:
		v.positive(path, d, example)
	case d < minTimeout:
		v.ps.add(path, "%s is too small: use at least %s, and usually a duration such as %s", d, minTimeout, example)
	}
}

// checkHostPort returns "" when s is host:port with a numeric port from
// minPort to 65535, or what is wrong with it. An empty host is allowed
// only when needHost is false.
func checkHostPort(s string, minPort int, needHost bool) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return strconv.Quote(s) + " is not host:port"
	}
	if needHost && host == "" {
		return strconv.Quote(s) + " has no host"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < minPort || n > 65535 {
		return fmt.Sprintf("%q has port %q, outside %d-65535", s, port, minPort)
	}
	return ""
}

// checkEndpoint accepts a bare host[:port] such as
// dts.cn-hangzhou.aliyuncs.com, or an http:// or https:// URL without a
// path, such as http://127.0.0.1:8080.
func checkEndpoint(s string) string {
	const fix = ": write a host such as dts.cn-hangzhou.aliyuncs.com, or a URL without a path such as http://127.0.0.1:8080"
	raw := s
	if !strings.Contains(s, "://") {
		raw = "https://" + s
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return strconv.Quote(s) + " is not a host or URL" + fix
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return strconv.Quote(s) + " has scheme " + u.Scheme + ", not http or https" + fix
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return strconv.Quote(s) + " has a path, query or user part" + fix
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return strconv.Quote(s) + " has an invalid port: use 1-65535"
		}
	}
	return ""
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (v *validator) nodeNames() string {
	var names []string
	for _, c := range v.cfg.Clusters {
		for _, n := range c.Nodes {
			if n.Name != "" {
				names = append(names, n.Name)
			}
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
