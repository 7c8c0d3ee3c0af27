package reconcile

import (
	"net/netip"
	"strconv"
	"strings"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

// matchNodes returns the indexes of the nodes whose dts block describes
// the endpoint DTS reported.
func matchNodes(ep dts.Endpoint, nodes []config.Node) []int {
	var out []int
	for i, n := range nodes {
		if endpointMatches(ep, n.DTS) {
			out = append(out, i)
		}
	}
	return out
}

// endpointMatches reports whether a DTS endpoint is the node described by
// its dts block: an ECS node by instance id and port, an Express node by
// VPC id, IP and port, a LocalInstance node by IP and port. Instance types
// compare case-insensitively and ports as numbers.
func endpointMatches(ep dts.Endpoint, n config.DTSEndpoint) bool {
	if !strings.EqualFold(strings.TrimSpace(ep.InstanceType), n.InstanceType) || !samePort(ep.Port, n.Port) {
		return false
	}
	switch strings.ToLower(n.InstanceType) {
	case "ecs":
		return strings.TrimSpace(ep.InstanceID) == n.InstanceID
	case "express":
		return strings.TrimSpace(ep.InstanceID) == n.InstanceID && sameIP(ep.IP, n.IP)
	case "localinstance":
		return sameIP(ep.IP, n.IP)
	}
	// A type the configuration does not know: everything given must agree.
	return strings.TrimSpace(ep.InstanceID) == n.InstanceID && (n.IP == "" || sameIP(ep.IP, n.IP))
}

func samePort(s string, port int) bool {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil && port > 0 && p == port
}

// sameIP compares two addresses as IPs when both parse, so that
// "::ffff:10.0.0.1" equals "10.0.0.1", and as case-insensitive text
// otherwise. An empty address matches nothing.
func sameIP(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || b == "" {
		return false
	}
	x, errA := netip.ParseAddr(a)
	y, errB := netip.ParseAddr(b)
	if errA == nil && errB == nil {
		return x.Unmap() == y.Unmap()
	}
	return strings.EqualFold(a, b)
}

// endpointRef converts a DTS endpoint for the report.
func endpointRef(ep dts.Endpoint) EndpointRef {
	return EndpointRef{InstanceType: ep.InstanceType, InstanceID: ep.InstanceID, IP: ep.IP, Port: ep.Port}
}

// switchEndpoint is the endpoint a switch call sends for a node: its dts
// block, with the port as a decimal string.
func switchEndpoint(n config.Node) dts.Endpoint {
	return dts.Endpoint{
		InstanceType: n.DTS.InstanceType,
		InstanceID:   n.DTS.InstanceID,
		IP:           n.DTS.IP,
		Port:         strconv.Itoa(n.DTS.Port),
	}
}
