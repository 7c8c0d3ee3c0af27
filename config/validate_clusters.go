package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
)

// instanceTypes are the DTS endpoint types of a self-managed MySQL server.
var instanceTypes = []string{"LocalInstance", "ECS", "Express"}

func (v *validator) clusters() {
	cfg := v.cfg
	if len(cfg.Clusters) == 0 {
		v.ps.add("clusters", "no cluster is configured: add at least one cluster with its nodes")
	}
	clusterAt := map[string]string{}
	nodeAt := map[string]string{}
	endpointAt := map[string]string{}
	for i, c := range cfg.Clusters {
		path := indexPath("clusters", i)
		v.unique(clusterAt, path, "name", c.Name,
			"give the cluster a name that jobs can refer to", "give each cluster its own name")
		if len(c.Nodes) == 0 {
			v.ps.add(path+".nodes", "cluster %q has no nodes: list at least one node", c.Name)
		}
		// Two nodes of one cluster at one address would always report a
		// duplicate identity. Clusters may share servers, as a test fleet
		// that reuses a few servers for many clusters does.
		addressAt := map[string]string{}
		for j, n := range c.Nodes {
			nodePath := indexPath(path+".nodes", j)
			v.unique(nodeAt, nodePath, "name", n.Name,
				"give the node a name, unique across all clusters", "node names must be unique across all clusters")
			v.node(nodePath, n)
			if key := addressKey(n.Address); key != "" {
				if prev, dup := addressAt[key]; dup {
					v.ps.add(nodePath+".address", "%q is already the address of %s, so both nodes would probe one server and report a duplicate identity: give each node of a cluster the address of its own server", n.Address, prev)
				} else {
					addressAt[key] = fmt.Sprintf("%s (%s)", nodePath, n.Name)
				}
			}
			if key := endpointKey(n.DTS); key != "" {
				if prev, dup := endpointAt[key]; dup {
					v.ps.add(nodePath+".dts", "same DTS endpoint as %s, so an endpoint read from DTS could not be mapped back to one node: give each node its own instance_id, ip or port", prev)
				} else {
					endpointAt[key] = nodePath
				}
			}
		}
	}
}

func (v *validator) node(path string, n Node) {
	if n.Address == "" {
		v.ps.add(path+".address", "is missing: give the host:port the probes connect to, such as 10.0.1.11:3306")
	} else if msg := checkHostPort(n.Address, 1, true); msg != "" {
		v.ps.add(path+".address", "%s: write host:port such as 10.0.1.11:3306", msg)
	}
	// Inherited values are checked once, under mysql.
	if v.present[path+".user"] && n.User == "" {
		v.ps.add(path+".user", "is empty: give the MySQL user, or leave the key out to use mysql.user")
	}
	if v.present[path+".connect_timeout"] {
		v.timeout(path+".connect_timeout", n.ConnectTimeout, "2s")
	}
	if v.present[path+".read_timeout"] {
		v.timeout(path+".read_timeout", n.ReadTimeout, "2s")
	}
	if v.present[path+".tls"] {
		if msg := checkTLS(n.TLS); msg != "" {
			v.ps.add(path+".tls", "%s", msg)
		}
	}
	if !v.present[path+".dts"] {
		v.ps.add(path+".dts", "is missing: say how DTS reaches this node, such as dts: {instance_type: ECS, instance_id: i-bp1example, port: 3306}")
		return
	}
	v.dts(path+".dts", n.DTS)
}

func (v *validator) dts(path string, d DTSEndpoint) {
	switch d.InstanceType {
	case "ECS":
		if d.InstanceID == "" {
			v.ps.add(path+".instance_id", "is missing: ECS needs the ECS instance id, such as i-bp1example")
		}
	case "Express":
		if d.InstanceID == "" {
			v.ps.add(path+".instance_id", "is missing: Express needs the id of the VPC, such as vpc-bp1example")
		}
		if d.IP == "" {
			v.ps.add(path+".ip", "is missing: Express needs the IP address of the node in the VPC")
		}
	case "LocalInstance":
		if d.IP == "" {
			v.ps.add(path+".ip", "is missing: LocalInstance needs the IP address DTS connects to")
		}
	case "":
		v.ps.add(path+".instance_type", "is missing: use one of %s", strings.Join(instanceTypes, ", "))
	default:
		if fixed := matchFold(d.InstanceType, instanceTypes); fixed != "" {
			v.ps.add(path+".instance_type", "%q has the wrong case: write %s", d.InstanceType, fixed)
		} else {
			v.ps.add(path+".instance_type", "%q is not a supported type: use one of %s", d.InstanceType, strings.Join(instanceTypes, ", "))
		}
	}
	if d.IP != "" {
		if addr, err := netip.ParseAddr(d.IP); err != nil || addr.Zone() != "" {
			v.ps.add(path+".ip", "%q is not an IP address: write one such as 172.16.5.21", d.IP)
		}
	}
	switch {
	case !v.present[path+".port"]:
		v.ps.add(path+".port", "is missing: give the MySQL port DTS connects to, such as 3306")
	case d.Port < 1 || d.Port > 65535:
		v.ps.add(path+".port", "%d is out of range: use 1-65535", d.Port)
	}
}

// addressKey returns a node address in a form where two spellings of one
// host and port compare equal: host names in lower case without a final
// dot, IP addresses and ports in canonical form. It returns "" for an
// address that is not host:port, which is reported on its own.
func addressKey(address string) string {
	host, port, err := net.SplitHostPort(address)
	if err != nil || host == "" {
		return ""
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return ""
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if addr, err := netip.ParseAddr(host); err == nil {
		host = addr.Unmap().String()
	}
	return net.JoinHostPort(host, strconv.Itoa(n))
}

// endpointKey returns the fields by which an endpoint read from DTS is
// mapped to a node: instance id and port for ECS, VPC id, IP and port for
// Express, IP and port for LocalInstance. It returns "" for an endpoint
// with an unknown type or a missing field, which is reported on its own.
func endpointKey(d DTSEndpoint) string {
	if d.Port < 1 || d.Port > 65535 {
		return ""
	}
	switch {
	case d.InstanceType == "ECS" && d.InstanceID != "":
		return fmt.Sprintf("ECS|%s|%d", d.InstanceID, d.Port)
	case d.InstanceType == "Express" && d.InstanceID != "" && d.IP != "":
		return fmt.Sprintf("Express|%s|%s|%d", d.InstanceID, normalizeIP(d.IP), d.Port)
	case d.InstanceType == "LocalInstance" && d.IP != "":
		return fmt.Sprintf("LocalInstance|%s|%d", normalizeIP(d.IP), d.Port)
	}
	return ""
}

func normalizeIP(s string) string {
	if addr, err := netip.ParseAddr(s); err == nil {
		return addr.String()
	}
	return s
}

func matchFold(s string, names []string) string {
	for _, name := range names {
		if strings.EqualFold(s, name) {
			return name
		}
	}
	return ""
}

// checkTLS returns "" when s is a tls keyword or a readable file holding at
// least one PEM certificate, or what is wrong with it.
func checkTLS(s string) string {
	if tlsKeywords[s] {
		return ""
	}
	const fix = `: use "", true, false, skip-verify, preferred, or the path of a PEM CA file`
	if fixed := matchFold(s, []string{"true", "false", "skip-verify", "preferred"}); fixed != "" {
		return fmt.Sprintf("%q has the wrong case: write %s", s, fixed)
	}
	data, err := os.ReadFile(s)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return fmt.Sprintf("CA file %s cannot be read (%v)%s", s, err, fix)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return fmt.Sprintf("CA file %s holds no PEM certificate%s", s, fix)
	}
	return ""
}

// unique reports an empty value of the key at path, or one that an earlier
// entry already has, and records a new value with its path in seen.
func (v *validator) unique(seen map[string]string, path, key, value, emptyFix, dupFix string) {
	prev, dup := seen[value]
	switch {
	case strings.TrimSpace(value) == "":
		v.ps.add(path+"."+key, "is empty: %s", emptyFix)
	case dup:
		v.ps.add(path+"."+key, "%q is already the %s of %s: %s", value, key, prev, dupFix)
	default:
		seen[value] = path
	}
}

func (v *validator) jobs() {
	cfg := v.cfg
	if len(cfg.Jobs) == 0 {
		v.ps.add("jobs", "no job is configured: add at least one DTS synchronization job")
	}
	jobAt := map[string]string{}
	for i, j := range cfg.Jobs {
		path := indexPath("jobs", i)
		v.unique(jobAt, path, "id", j.ID,
			"give the SynchronizationJobId, such as dtsexjk1alb116xxxx", "list each job once")
		if j.Source == "" && j.Destination == "" {
			v.ps.add(path, "neither source nor destination is set: name the cluster behind at least one side of the job")
		}
		v.jobCluster(path+".source", j.Source)
		v.jobCluster(path+".destination", j.Destination)
		if j.TwoWay && j.Source != "" && j.Source == j.Destination {
			v.ps.add(path+".destination", "%q is also the source: a two-way job syncs two different clusters, so name the cluster behind each side", j.Destination)
		}
		// An empty job region comes from an empty alibaba_cloud.region_id,
		// which is reported there.
		if strings.TrimSpace(j.RegionID) == "" && strings.TrimSpace(cfg.AlibabaCloud.RegionID) != "" {
			v.ps.add(path+".region_id", "is empty: give the region of the job, or leave the key out to use alibaba_cloud.region_id")
		}
		switch {
		case j.SourceOwnerID != "" && j.SourceRole == "":
			v.ps.add(path+".source_role", "is missing while source_owner_id is set: cross-account jobs need both, the RAM role name and the account ID")
		case j.SourceOwnerID == "" && j.SourceRole != "":
			v.ps.add(path+".source_owner_id", "is missing while source_role is set: cross-account jobs need both, the account ID and the RAM role name")
		case j.SourceOwnerID != "" && strings.Trim(j.SourceOwnerID, "0123456789") != "":
			v.ps.add(path+".source_owner_id", "%q is not an account ID: give the numeric Alibaba Cloud account ID that owns the source", j.SourceOwnerID)
		}
	}
}

func (v *validator) jobCluster(path, name string) {
	if name == "" || v.cfg.ClusterByName(name) != nil {
		return
	}
	var known []string
	for _, c := range v.cfg.Clusters {
		if c.Name != "" && !slices.Contains(known, c.Name) {
			known = append(known, c.Name)
		}
	}
	list := "none"
	if len(known) > 0 {
		list = strings.Join(known, ", ")
	}
	v.ps.add(path, "no cluster named %q: use one of the configured clusters (%s), or \"\" when DTS manages that side", name, list)
}
