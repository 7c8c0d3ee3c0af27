package reconcile

import (
	"strings"

	"dts-reconciler/config"
	"dts-reconciler/probe"
)

// Targets returns the probe target of every node of every configured
// cluster, in configuration order. A tick probes only the clusters that some
// job names; Targets lists them all so that callers can check or keep
// connections to every configured node.
func Targets(cfg *config.Config) []probe.Target {
	var out []probe.Target
	for _, c := range cfg.Clusters {
		for _, n := range c.Nodes {
			out = append(out, nodeTarget(c.Name, n))
		}
	}
	return out
}

// nodeTarget builds the probe target of a node. The configuration loader
// has already copied the top-level mysql settings into every node.
func nodeTarget(cluster string, n config.Node) probe.Target {
	return probe.Target{
		Cluster:        cluster,
		Name:           n.Name,
		Address:        n.Address,
		User:           n.User,
		Password:       n.Password.Value(),
		TLS:            n.TLS,
		ConnectTimeout: n.ConnectTimeout,
		ReadTimeout:    n.ReadTimeout,
	}
}

// findCluster returns the configured cluster with that name, or nil.
func findCluster(cfg *config.Config, name string) *config.Cluster {
	for i := range cfg.Clusters {
		if cfg.Clusters[i].Name == name {
			return &cfg.Clusters[i]
		}
	}
	return nil
}

// findNode returns the node of the cluster with that name, or nil.
func findNode(c *config.Cluster, name string) *config.Node {
	if c == nil {
		return nil
	}
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i]
		}
	}
	return nil
}

// findJob returns the configured job with that id, or nil.
func findJob(cfg *config.Config, id string) *config.Job {
	for i := range cfg.Jobs {
		if cfg.Jobs[i].ID == id {
			return &cfg.Jobs[i]
		}
	}
	return nil
}

// jobRegion returns the region of a job, which defaults to the API region.
func jobRegion(cfg *config.Config, j config.Job) string {
	if j.RegionID != "" {
		return j.RegionID
	}
	return cfg.AlibabaCloud.RegionID
}

// usedClusters returns the names of the clusters that some job names, in
// configuration order.
func usedClusters(cfg *config.Config) []string {
	used := map[string]bool{}
	for _, j := range cfg.Jobs {
		used[j.Source] = true
		used[j.Destination] = true
	}
	delete(used, "")
	var out []string
	for _, c := range cfg.Clusters {
		if used[c.Name] {
			out = append(out, c.Name)
		}
	}
	return out
}

// redactor removes configured secret values from text that goes into logs,
// reports and messages, in case an error from a lower layer quotes one.
type redactor struct {
	secrets []string
}

func newRedactor(cfg *config.Config) redactor {
	var r redactor
	add := func(s config.Secret) {
		if v := s.Value(); v != "" {
			r.secrets = append(r.secrets, v)
		}
	}
	add(cfg.MySQL.Password)
	add(cfg.AlibabaCloud.AccessKeySecret)
	add(cfg.Slack.Token)
	add(cfg.Slack.WebhookURL)
	for _, c := range cfg.Clusters {
		for _, n := range c.Nodes {
			add(n.Password)
		}
	}
	return r
}

// text returns s with every secret replaced by a placeholder.
func (r redactor) text(s string) string {
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

// err returns the text of err with every secret replaced, or "" for nil.
func (r redactor) err(err error) string {
	if err == nil {
		return ""
	}
	return r.text(err.Error())
}
