package reconcile

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as a table with one row per job, direction
// and endpoint type, followed by the clusters whose verdict blocks a switch
// and any tick-level problem.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tDIRECTION\tENDPOINT\tCONFIGURED\tPRIMARY\tVERDICT\tPLANNED\tRESULT")
	for _, j := range r.Jobs {
		if len(j.Endpoints) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t%s\n", j.ID, orDash(j.Reason))
		}
		for _, ep := range j.Endpoints {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				j.ID, ep.Direction, ep.EndpointType, configuredText(ep),
				orDash(ep.Primary), orDash(ep.Verdict), plannedText(j, ep), orDash(ep.Action))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var notes strings.Builder
	for _, c := range r.Clusters {
		if c.Verdict != "primary" {
			fmt.Fprintf(&notes, "cluster %s: %s: %s\n", c.Name, c.Verdict, c.Reason)
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&notes, "problem: %s\n", p)
	}
	if r.Error != "" {
		fmt.Fprintf(&notes, "tick stopped early: %s\n", r.Error)
	}
	if r.DryRun {
		notes.WriteString("dry-run: nothing that changes DTS was called\n")
	}
	if notes.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(w, "\n"+notes.String())
	return err
}

// configuredText names the node DTS points at, or the raw endpoint when it
// matches no configured node.
func configuredText(ep EndpointReport) string {
	switch {
	case ep.Node != "":
		return ep.Node
	case ep.DTS == nil:
		return "?"
	}
	return "none (" + endpointText(*ep.DTS) + ")"
}

// endpointText writes an endpoint as type/instance/ip:port, leaving out the
// empty parts.
func endpointText(e EndpointRef) string {
	parts := []string{e.InstanceType}
	if e.InstanceID != "" {
		parts = append(parts, e.InstanceID)
	}
	addr := ":" + e.Port
	if e.IP != "" {
		addr = e.IP + addr
	}
	return strings.Join(append(parts, addr), " ")
}

// plannedText lists the switch calls of the job for this endpoint.
func plannedText(j JobReport, ep EndpointReport) string {
	var out []string
	for _, c := range j.Calls {
		if c.Direction == ep.Direction && c.EndpointType == ep.EndpointType {
			out = append(out, "switch to "+c.To)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
