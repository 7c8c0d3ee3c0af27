package main

import (
	"bytes"
	"cmp"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"dts-reconciler/config"
	"dts-reconciler/dts"
	"dts-reconciler/dts/dtstest"
	"dts-reconciler/internal/mariadbtest"
)

// layout is a daemon configuration made for one figure: configured
// clusters whose nodes point at the shared real servers, and one job per
// cluster.
type layout struct {
	Schedule        string
	StateFile       string
	Listen          string // http.listen, where "" turns the server off
	Endpoint        string // the emulator's URL
	Confirmations   int
	ConfirmInterval time.Duration
	// DTSRefresh is the dts_refresh value. Empty leaves the default.
	DTSRefresh string
	// MaxConcurrentProbes is mysql.max_concurrent_probes. Zero leaves the
	// default.
	MaxConcurrentProbes int
	Clusters            []layoutCluster
	Jobs                []layoutJob
}

type layoutCluster struct {
	Name  string
	Nodes []layoutNode
	// Primary is the index of the node whose address reaches a writable
	// server.
	Primary int
}

type layoutNode struct {
	Name    string
	Address string
	Hung    bool // Address is a blackhole
}

type layoutJob struct {
	ID      string
	Cluster string // the forward source
	TwoWay  bool
}

// Probe timeouts of every benchmark configuration.
const (
	connectTimeout = time.Second
	readTimeout    = time.Second
)

// fleetLayout configures count nodes (an even number) as count/2 clusters
// of a primary and a replica, spread over the real clusters, with one
// one-way job per cluster. The replicas of hungPercent*2 clusters in every
// 100 are blackholes, so hungPercent% of the nodes never reply; hungPercent
// is a multiple of 5 from 0 to 50.
func (e *env) fleetLayout(count int, hungPercent int) layout {
	l := layout{MaxConcurrentProbes: e.maxConcurrentProbes}
	for i := range count / 2 {
		rc := e.clusters[i%len(e.clusters)]
		primary := rc.PrimaryNode()
		replica := rc.Nodes[(rc.Primary()+1)%len(rc.Nodes)]
		name := fmt.Sprintf("c%04d", i)
		second := layoutNode{Name: name + "-b", Address: replica.Address}
		if i%10 < hungPercent/5 {
			second = layoutNode{Name: name + "-b", Address: e.blackholes[i%len(e.blackholes)].Address, Hung: true}
		}
		l.Clusters = append(l.Clusters, layoutCluster{
			Name:  name,
			Nodes: []layoutNode{{Name: name + "-a", Address: primary.Address}, second},
		})
		l.Jobs = append(l.Jobs, layoutJob{ID: "dtsbench-" + name, Cluster: name})
	}
	return l
}

// pairLayout configures the two real clusters as "orders", with a one-way
// job, and "reports", with a two-way job whose other side DTS manages.
func (e *env) pairLayout() layout {
	l := layout{MaxConcurrentProbes: e.maxConcurrentProbes}
	for i, name := range []string{"orders", "reports"} {
		rc := e.clusters[i]
		c := layoutCluster{Name: name, Primary: rc.Primary()}
		for _, n := range rc.Nodes {
			c.Nodes = append(c.Nodes, layoutNode{Name: pairNode(name, n), Address: n.Address})
		}
		l.Clusters = append(l.Clusters, c)
	}
	l.Jobs = []layoutJob{
		{ID: "dtsbench-oneway", Cluster: "orders"},
		{ID: "dtsbench-twoway", Cluster: "reports", TwoWay: true},
	}
	return l
}

// pairNode returns the configured name of a real node in pairLayout.
func pairNode(cluster string, n *mariadbtest.Node) string {
	return cluster + "-" + string(rune('a'+n.Index))
}

// nodeCount returns the number of configured nodes.
func (l layout) nodeCount() int {
	n := 0
	for _, c := range l.Clusters {
		n += len(c.Nodes)
	}
	return n
}

// endpoint returns the DTS endpoint of a configured node: an ECS instance
// named after the node, on the node's port.
func (n layoutNode) endpoint() dts.Endpoint {
	_, port, _ := net.SplitHostPort(n.Address)
	return dts.Endpoint{InstanceType: "ECS", InstanceID: "i-" + n.Name, IP: "127.0.0.1", Port: port}
}

// yaml returns the configuration file.
func (l layout) yaml() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "schedule: %q\nstate_file: %s\nhttp:\n  listen: %q\n", cmp.Or(l.Schedule, "@every 1s"), l.StateFile, l.Listen)
	if l.DTSRefresh != "" {
		fmt.Fprintf(&b, "dts_refresh: %s\n", l.DTSRefresh)
	}
	fmt.Fprintf(&b, "safety:\n  confirmations: %d\n  confirm_interval: %s\n  cooldown: 0s\n  max_switches_per_hour: 100000\n  switch_timeout: 1m\n",
		max(l.Confirmations, 1), cmp.Or(l.ConfirmInterval, time.Second))
	fmt.Fprintf(&b, "alibaba_cloud:\n  region_id: cn-hangzhou\n  endpoint: %s\n  access_key_id: %s\n  access_key_secret: %s\n",
		l.Endpoint, accessKeyID, accessKeySecret)
	fmt.Fprintf(&b, "mysql:\n  user: %s\n  password: %s\n  connect_timeout: %s\n  read_timeout: %s\n",
		probeUser, probePassword, connectTimeout, readTimeout)
	if l.MaxConcurrentProbes > 0 {
		fmt.Fprintf(&b, "  max_concurrent_probes: %d\n", l.MaxConcurrentProbes)
	}
	b.WriteString("clusters:\n")
	for _, c := range l.Clusters {
		fmt.Fprintf(&b, "  - name: %s\n    nodes:\n", c.Name)
		for _, n := range c.Nodes {
			ep := n.endpoint()
			fmt.Fprintf(&b, "      - name: %s\n        address: %s\n        dts: {instance_type: %s, instance_id: %s, ip: %s, port: %s}\n",
				n.Name, n.Address, ep.InstanceType, ep.InstanceID, ep.IP, ep.Port)
		}
	}
	b.WriteString("jobs:\n")
	for _, j := range l.Jobs {
		fmt.Fprintf(&b, "  - id: %s\n    source: %s\n    two_way: %s\n", j.ID, j.Cluster, strconv.FormatBool(j.TwoWay))
	}
	return b.Bytes()
}

// write writes the configuration file to path and loads it the way the
// daemon does, so an invalid layout fails here.
func (l layout) write(path string) (*config.Config, error) {
	if err := os.WriteFile(path, l.yaml(), 0o600); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	return cfg, nil
}

// addJobs adds every job to the emulator, pointing at its cluster's
// primary. The other side of each job is an RDS instance that DTS manages.
func (l layout) addJobs(s *dtstest.Server) {
	clusters := map[string]layoutCluster{}
	for _, c := range l.Clusters {
		clusters[c.Name] = c
	}
	for _, j := range l.Jobs {
		c := clusters[j.Cluster]
		s.AddJob(dtstest.Job{
			ID:          j.ID,
			Name:        "benchmark job " + j.ID,
			TwoWay:      j.TwoWay,
			Source:      c.Nodes[c.Primary].endpoint(),
			Destination: dts.Endpoint{InstanceType: "RDS", InstanceID: "rm-bench-" + j.Cluster, Port: "3306"},
		})
	}
}

// newEmulator starts a DTS emulator with the benchmark's credentials and the
// default task phase durations.
func newEmulator() *dtstest.Server {
	return dtstest.NewServer(dtstest.Options{AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret})
}
