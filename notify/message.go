package notify

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit limits on text length, in characters.
const (
	maxHeaderLen  = 150
	maxFieldLen   = 2000
	maxSectionLen = 3000
	// maxFieldsPerSection is how many fields one section block may carry.
	maxFieldsPerSection = 10
)

// post is one queued message: the event and how it came to be sent.
type post struct {
	ev Event
	// reminder marks a repeat of a condition that has not changed.
	reminder bool
	// lasted is how long the condition has lasted, for a reminder or a
	// recovery.
	lasted time.Duration
	// cleared describes the condition that ended, for a recovery.
	cleared string
}

// content is a rendered message: the plain-text fallback that Slack shows
// in notifications, and the Block Kit layout.
type content struct {
	text   string
	blocks []slack.Block
}

// field is one labelled value of a message.
type field struct {
	label string
	value string
}

// render lays out p as a message. Empty values get no field.
func render(p post) content {
	title := messageTitle(p)
	fields := messageFields(p)

	var text strings.Builder
	text.WriteString(escape(title))
	for _, f := range fields {
		text.WriteString("\n" + f.label + ": " + escape(f.value))
	}
	if p.ev.Reason != "" {
		text.WriteString("\nReason: " + escape(p.ev.Reason))
	}
	if p.ev.Text != "" {
		text.WriteString("\n" + escape(p.ev.Text))
	}

	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, truncate(title, maxHeaderLen), false, false)),
	}
	for start := 0; start < len(fields); start += maxFieldsPerSection {
		end := min(start+maxFieldsPerSection, len(fields))
		var objs []*slack.TextBlockObject
		for _, f := range fields[start:end] {
			objs = append(objs, markdown(truncate("*"+f.label+"*\n"+escape(f.value), maxFieldLen)))
		}
		blocks = append(blocks, slack.NewSectionBlock(nil, objs, nil))
	}
	if p.ev.Reason != "" {
		reason := "*Reason*\n" + escape(p.ev.Reason)
		blocks = append(blocks, slack.NewSectionBlock(markdown(truncate(reason, maxSectionLen)), nil, nil))
	}
	if p.ev.Text != "" {
		// The fence keeps the columns of a report aligned. Truncation
		// may cut the closing fence, which Slack tolerates.
		body := "```\n" + escape(p.ev.Text) + "\n```"
		blocks = append(blocks, slack.NewSectionBlock(markdown(truncate(body, maxSectionLen)), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("", contextElements(p.ev)...))

	return content{text: text.String(), blocks: blocks}
}

// messageTitle returns the one-line summary: what happened and to what.
func messageTitle(p post) string {
	title := headline(p.ev)
	if p.reminder {
		title = "Reminder: " + title
		if p.lasted > 0 {
			title += " for " + formatDuration(p.lasted)
		}
	}
	if p.ev.Kind == KindRecovered && p.lasted > 0 {
		title += " after " + formatDuration(p.lasted)
	}
	if subject := messageSubject(p.ev); subject != "" {
		title += ": " + subject
	}
	if p.ev.DryRun {
		title = "[DRY RUN] " + title
	}
	return title
}

// headline returns what happened, in a few words.
func headline(ev Event) string {
	switch ev.Kind {
	case KindDrift:
		if ev.DryRun {
			return "Would switch"
		}
		return "Drift found"
	case KindSwitchStarted:
		return "Switch started"
	case KindSwitchFinished:
		return "Switch finished"
	case KindSwitchFailed:
		return "Switch failed"
	case KindSwitchUnknown:
		return "Switch outcome unknown"
	case KindHeld:
		return "Switch held back"
	case KindUnsafe:
		if ev.JobID != "" {
			return "Job unsafe"
		}
		return "Cluster unsafe"
	case KindRecovered:
		return "Recovered"
	case KindAudit:
		return "Audit summary"
	case KindStateFile:
		return "State file problem"
	case "":
		return "Notice"
	}
	return string(ev.Kind)
}

// messageSubject names the job and direction, or else the cluster.
func messageSubject(ev Event) string {
	if ev.JobID != "" {
		return joinNonEmpty(" ", ev.JobID, ev.Direction, ev.EndpointType)
	}
	return ev.Cluster
}

func messageFields(p post) []field {
	ev := p.ev
	all := []field{
		{"Job", ev.JobID},
		{"Direction", ev.Direction},
		{"Endpoint type", ev.EndpointType},
		{"Cluster", ev.Cluster},
		{"Cleared", p.cleared},
		{"Old node", formatNode(ev.Old)},
		{"New node", formatNode(ev.New)},
		{"Verdict", ev.Verdict},
		{"Result", ev.Result},
		{"Duration", formatDuration(ev.Duration)},
		{"Task id", ev.TaskID},
		{"Request ids", strings.Join(ev.RequestIDs, ", ")},
	}
	fields := all[:0]
	for _, f := range all {
		if f.value != "" {
			fields = append(fields, f)
		}
	}
	return fields
}

func contextElements(ev Event) []slack.MixedElement {
	elems := []slack.MixedElement{markdown("dts-reconciler")}
	if ev.DryRun {
		elems = append(elems, markdown("*DRY RUN*: nothing was changed in DTS"))
	}
	if !ev.At.IsZero() {
		elems = append(elems, markdown(ev.At.UTC().Format("2006-01-02 15:04:05 UTC")))
	}
	return elems
}

// formatNode returns "name (address, identity ID)", leaving out what is
// empty.
func formatNode(n Node) string {
	var details []string
	if n.Address != "" {
		details = append(details, n.Address)
	}
	if n.Identity != "" {
		details = append(details, "identity "+n.Identity)
	}
	switch {
	case n.Name == "":
		return strings.Join(details, ", ")
	case len(details) == 0:
		return n.Name
	}
	return n.Name + " (" + strings.Join(details, ", ") + ")"
}

// formatDuration returns d in a short form such as "42s", "5m" or
// "1h5m", or "" when d is not positive. Durations under a second keep
// millisecond precision.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func markdown(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

// escape replaces the three characters that Slack reserves for its
// control sequences, as its message formatting rules require.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// truncate cuts s to at most n characters, ending it with an ellipsis when
// it was cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}
