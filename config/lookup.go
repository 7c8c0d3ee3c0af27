package config

// ClusterByName returns the cluster with the given name, or nil.
func (c *Config) ClusterByName(name string) *Cluster {
	for i := range c.Clusters {
		if c.Clusters[i].Name == name {
			return &c.Clusters[i]
		}
	}
	return nil
}

// NodeByName returns the node with the given name and its cluster, or two
// nils. Node names are unique across all clusters.
func (c *Config) NodeByName(name string) (*Cluster, *Node) {
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		for j := range cl.Nodes {
			if cl.Nodes[j].Name == name {
				return cl, &cl.Nodes[j]
			}
		}
	}
	return nil, nil
}
