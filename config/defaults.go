package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Default returns the configuration that a file without any key would
// produce, before validation. Parse decodes the file over it.
func Default() Config {
	return Config{
		Schedule:   "@every 10s",
		DTSRefresh: time.Minute,
		StateFile:  "/var/lib/dts-reconciler/state.json",
		HTTP:       HTTP{Listen: "127.0.0.1:9108"},
		Safety: Safety{
			Confirmations:      2,
			ConfirmInterval:    time.Second,
			Cooldown:           5 * time.Minute,
			MaxSwitchesPerHour: 4,
			SwitchTimeout:      10 * time.Minute,
		},
		AlibabaCloud: AlibabaCloud{
			RegionID: "cn-hangzhou",
			Timeout:  10 * time.Second,
		},
		Slack: Slack{
			RemindEvery: time.Hour,
			Timeout:     5 * time.Second,
		},
		MySQL: MySQL{
			User:                "dts_probe",
			ConnectTimeout:      2 * time.Second,
			ReadTimeout:         2 * time.Second,
			MaxConcurrentProbes: 256,
		},
	}
}

// tlsKeywords are the mysql.tls values that are not a CA file path. They
// are the values go-sql-driver/mysql accepts for its tls parameter.
var tlsKeywords = map[string]bool{"": true, "true": true, "false": true, "skip-verify": true, "preferred": true}

// completer fills in what the file leaves to be derived: secrets read from
// _file paths, node settings inherited from the top-level mysql block, job
// regions, and paths made relative to the config file's folder.
type completer struct {
	cfg     *Config
	ps      *problems
	present map[string]bool
	baseDir string
}

func (c *completer) complete() {
	cfg := c.cfg
	c.secret("mysql", "password", &cfg.MySQL.Password, &cfg.MySQL.PasswordFile)
	c.secret("alibaba_cloud", "access_key_secret", &cfg.AlibabaCloud.AccessKeySecret, &cfg.AlibabaCloud.AccessKeySecretFile)
	c.secret("slack", "token", &cfg.Slack.Token, &cfg.Slack.TokenFile)
	c.secret("slack", "webhook_url", &cfg.Slack.WebhookURL, &cfg.Slack.WebhookURLFile)
	cfg.MySQL.TLS = c.tlsPath(cfg.MySQL.TLS)

	for i := range cfg.Clusters {
		for j := range cfg.Clusters[i].Nodes {
			c.node(indexPath(indexPath("clusters", i)+".nodes", j), &cfg.Clusters[i].Nodes[j])
		}
	}
	for i := range cfg.Jobs {
		if cfg.Jobs[i].RegionID == "" {
			cfg.Jobs[i].RegionID = cfg.AlibabaCloud.RegionID
		}
	}
	if cfg.StateFile != "" {
		cfg.StateFile = c.path(cfg.StateFile)
	}
}

// node applies the top-level mysql settings to every field the node does
// not give itself. A node that gives password or password_file does not
// inherit the top-level password.
func (c *completer) node(path string, n *Node) {
	top := c.cfg.MySQL
	given := func(key string) bool { return c.present[joinPath(path, key)] }

	if given("password") || given("password_file") {
		c.secret(path, "password", &n.Password, &n.PasswordFile)
	} else {
		n.Password, n.PasswordFile = top.Password, top.PasswordFile
	}
	if !given("user") {
		n.User = top.User
	}
	if !given("connect_timeout") {
		n.ConnectTimeout = top.ConnectTimeout
	}
	if !given("read_timeout") {
		n.ReadTimeout = top.ReadTimeout
	}
	if given("tls") {
		n.TLS = c.tlsPath(n.TLS)
	} else {
		n.TLS = top.TLS
	}
}

// secret reads value from the file named by *file when one is given. It
// rejects giving both forms. Messages name the field and the path but
// never the content.
func (c *completer) secret(parent, key string, value *Secret, file *string) {
	fileKey := key + "_file"
	if *file == "" {
		return
	}
	filePath := joinPath(parent, fileKey)
	if *value != "" {
		c.ps.add(filePath, "both %s and %s are set: keep one", key, fileKey)
		return
	}
	*file = c.path(*file)
	data, err := os.ReadFile(*file)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		c.ps.add(filePath, "cannot read %s: %v: check the path and its permissions", *file, err)
		return
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		c.ps.add(filePath, "%s is empty: write the %s into it, or remove %s", *file, strings.ReplaceAll(key, "_", " "), fileKey)
		return
	}
	*value = Secret(s)
}

// tlsPath resolves a tls value that names a CA file. A keyword in the
// wrong case, such as TRUE, is left alone so that validation can point out
// the case instead of a missing file.
func (c *completer) tlsPath(s string) string {
	if tlsKeywords[strings.ToLower(s)] {
		return s
	}
	return c.path(s)
}

// path resolves p against the config file's folder, unless p is absolute
// or there is no folder to resolve against.
func (c *completer) path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.baseDir == "" {
		return p
	}
	return filepath.Join(c.baseDir, p)
}
