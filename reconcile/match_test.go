package reconcile

import (
	"testing"

	"dts-reconciler/config"
	"dts-reconciler/dts"
)

func TestEndpointMatches(t *testing.T) {
	ecs := config.DTSEndpoint{InstanceType: "ECS", InstanceID: "i-a", Port: 3306}
	express := config.DTSEndpoint{InstanceType: "Express", InstanceID: "vpc-r", IP: "172.16.5.21", Port: 3306}
	local := config.DTSEndpoint{InstanceType: "LocalInstance", IP: "203.0.113.12", Port: 3306}
	tests := []struct {
		name string
		ep   dts.Endpoint
		node config.DTSEndpoint
		want bool
	}{
		{name: "ecs", ep: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-a", Port: "3306"}, node: ecs, want: true},
		{name: "ecs_ignores_ip", ep: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-a", IP: "10.9.9.9", Port: "3306"}, node: ecs, want: true},
		{name: "ecs_type_case", ep: dts.Endpoint{InstanceType: "ecs", InstanceID: "i-a", Port: "3306"}, node: ecs, want: true},
		{name: "ecs_port_as_number", ep: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-a", Port: " 03306"}, node: ecs, want: true},
		{name: "ecs_other_instance", ep: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-b", Port: "3306"}, node: ecs, want: false},
		{name: "ecs_other_port", ep: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-a", Port: "3307"}, node: ecs, want: false},
		{name: "ecs_bad_port", ep: dts.Endpoint{InstanceType: "ECS", InstanceID: "i-a", Port: "x"}, node: ecs, want: false},
		{name: "ecs_other_type", ep: dts.Endpoint{InstanceType: "RDS", InstanceID: "i-a", Port: "3306"}, node: ecs, want: false},
		{name: "express", ep: dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-r", IP: "172.16.5.21", Port: "3306"}, node: express, want: true},
		{name: "express_other_ip", ep: dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-r", IP: "172.16.5.22", Port: "3306"}, node: express, want: false},
		{name: "express_other_vpc", ep: dts.Endpoint{InstanceType: "Express", InstanceID: "vpc-x", IP: "172.16.5.21", Port: "3306"}, node: express, want: false},
		{name: "local", ep: dts.Endpoint{InstanceType: "LocalInstance", IP: "203.0.113.12", Port: "3306"}, node: local, want: true},
		{name: "local_mapped_ipv6", ep: dts.Endpoint{InstanceType: "localinstance", IP: "::ffff:203.0.113.12", Port: "3306"}, node: local, want: true},
		{name: "local_no_ip", ep: dts.Endpoint{InstanceType: "LocalInstance", Port: "3306"}, node: local, want: false},
		{name: "local_other_port", ep: dts.Endpoint{InstanceType: "LocalInstance", IP: "203.0.113.12", Port: "3307"}, node: local, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := endpointMatches(tt.ep, tt.node); got != tt.want {
				t.Errorf("endpointMatches(%+v, %+v) = %v, want %v", tt.ep, tt.node, got, tt.want)
			}
		})
	}
}

func TestMatchNodes_Ambiguous(t *testing.T) {
	h := newHarness(t, nil)
	// Two nodes with the same dts block: DTS's endpoint cannot be placed.
	h.cfg.Clusters[0].Nodes[2].DTS = h.cfg.Clusters[0].Nodes[0].DTS
	rep := h.tick()
	wantExit(t, rep, ExitUnknown)
	if got := h.notifier.conditionsOf("unsafe"); len(got) != 1 || got[0].state[:10] != "ambiguous:" {
		t.Errorf("unsafe conditions = %+v, want one ambiguous", got)
	}
}
