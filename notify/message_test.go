package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

var (
	nodeA = Node{Name: "orders-a", Address: "10.0.1.11:3306", Identity: "3e11fa47-71ca-11e1-9e33-c80aa9429562"}
	nodeB = Node{Name: "orders-b", Address: "10.0.1.12:3306", Identity: "4f22ab58-71ca-11e1-9e33-c80aa9429563"}
)

// jobEvent returns an event about the forward source of a one-way job
// that moves from orders-a to orders-b.
func jobEvent(kind Kind) Event {
	return Event{
		Kind:         kind,
		Key:          "job/dtsexjk1alb116xxxx/Forward",
		JobID:        "dtsexjk1alb116xxxx",
		Direction:    "Forward",
		EndpointType: "Source",
		Cluster:      "orders",
		Old:          nodeA,
		New:          nodeB,
	}
}

const jobLines = "Job: dtsexjk1alb116xxxx\n" +
	"Direction: Forward\n" +
	"Endpoint type: Source\n" +
	"Cluster: orders\n"

const nodeLines = "Old node: orders-a (10.0.1.11:3306, identity 3e11fa47-71ca-11e1-9e33-c80aa9429562)\n" +
	"New node: orders-b (10.0.1.12:3306, identity 4f22ab58-71ca-11e1-9e33-c80aa9429563)"

func TestRender_Text(t *testing.T) {
	drift := jobEvent(KindDrift)
	drift.Reason = "DTS reads from orders-a, which is read-only; orders-b is the primary"

	dryDrift := drift
	dryDrift.DryRun = true

	started := jobEvent(KindSwitchStarted)
	started.TaskID = "1234"
	started.RequestIDs = []string{"A1B2-C3", "D4E5-F6"}

	finished := jobEvent(KindSwitchFinished)
	finished.Result = "task 1234 Finished"
	finished.Duration = 42*time.Second + 300*time.Millisecond
	finished.TaskID = "1234"
	finished.RequestIDs = []string{"A1B2-C3"}

	failed := jobEvent(KindSwitchFailed)
	failed.Result = "task 1234 Failed"
	failed.Duration = 10 * time.Minute
	failed.TaskID = "1234"
	failed.Reason = "the task ended Failed; check the task in the DTS console before the cooldown ends"

	held := jobEvent(KindHeld)
	held.Old, held.New = Node{}, Node{}
	held.Reason = "cooldown: the last switch was 2m ago, the cooldown is 5m"

	unsafeCluster := Event{
		Kind:    KindUnsafe,
		Key:     "cluster/orders",
		Cluster: "orders",
		Verdict: "split_brain",
		Reason:  "orders-a and orders-b are both writable; set read_only on the one that is not the primary",
	}

	unsafeJob := jobEvent(KindUnsafe)
	unsafeJob.Old = Node{Address: "10.0.9.9:3306"}
	unsafeJob.New = Node{}
	unsafeJob.Verdict = "unknown_endpoint"
	unsafeJob.Reason = "DTS points at 10.0.9.9:3306, which matches no configured node"

	recovered := Event{Kind: KindRecovered, Key: "cluster/orders", Cluster: "orders", New: nodeB, Verdict: "ok"}

	unknown := jobEvent(KindSwitchUnknown)
	unknown.Result = "the outcome of the switch call is unknown"
	unknown.Reason = "read timeout. DTS is read again before any new call"

	stateFile := Event{
		Kind:   KindStateFile,
		Key:    "state",
		Result: "state file not written",
		Reason: "The state file /var/lib/dts-reconciler/state.json could not be written",
	}

	audit := Event{Kind: KindAudit, Key: "audit", DryRun: true, Text: "job  direction  state\ndtsexjk1alb116xxxx  Forward  drift"}

	tests := []struct {
		name string
		post post
		want string
	}{
		{
			name: "drift",
			post: post{ev: drift},
			want: "Drift found: dtsexjk1alb116xxxx Forward Source\n" + jobLines + nodeLines +
				"\nReason: DTS reads from orders-a, which is read-only; orders-b is the primary",
		},
		{
			name: "drift_dry_run",
			post: post{ev: dryDrift},
			want: "[DRY RUN] Would switch: dtsexjk1alb116xxxx Forward Source\n" + jobLines + nodeLines +
				"\nReason: DTS reads from orders-a, which is read-only; orders-b is the primary",
		},
		{
			name: "switch_started",
			post: post{ev: started},
			want: "Switch started: dtsexjk1alb116xxxx Forward Source\n" + jobLines + nodeLines +
				"\nTask id: 1234\nRequest ids: A1B2-C3, D4E5-F6",
		},
		{
			name: "switch_finished",
			post: post{ev: finished},
			want: "Switch finished: dtsexjk1alb116xxxx Forward Source\n" + jobLines + nodeLines +
				"\nResult: task 1234 Finished\nDuration: 42s\nTask id: 1234\nRequest ids: A1B2-C3",
		},
		{
			name: "switch_failed",
			post: post{ev: failed},
			want: "Switch failed: dtsexjk1alb116xxxx Forward Source\n" + jobLines + nodeLines +
				"\nResult: task 1234 Failed\nDuration: 10m\nTask id: 1234" +
				"\nReason: the task ended Failed; check the task in the DTS console before the cooldown ends",
		},
		{
			name: "switch_unknown",
			post: post{ev: unknown},
			want: "Switch outcome unknown: dtsexjk1alb116xxxx Forward Source\n" + jobLines + nodeLines +
				"\nResult: the outcome of the switch call is unknown" +
				"\nReason: read timeout. DTS is read again before any new call",
		},
		{
			name: "state_file",
			post: post{ev: stateFile},
			want: "State file problem\nResult: state file not written\n" +
				"Reason: The state file /var/lib/dts-reconciler/state.json could not be written",
		},
		{
			name: "held",
			post: post{ev: held},
			want: "Switch held back: dtsexjk1alb116xxxx Forward Source\n" + jobLines +
				"Reason: cooldown: the last switch was 2m ago, the cooldown is 5m",
		},
		{
			name: "cluster_unsafe",
			post: post{ev: unsafeCluster},
			want: "Cluster unsafe: orders\nCluster: orders\nVerdict: split_brain\n" +
				"Reason: orders-a and orders-b are both writable; set read_only on the one that is not the primary",
		},
		{
			name: "job_unsafe",
			post: post{ev: unsafeJob},
			want: "Job unsafe: dtsexjk1alb116xxxx Forward Source\n" + jobLines +
				"Old node: 10.0.9.9:3306\nVerdict: unknown_endpoint\n" +
				"Reason: DTS points at 10.0.9.9:3306, which matches no configured node",
		},
		{
			name: "recovered",
			post: post{ev: recovered, lasted: 72 * time.Minute, cleared: "Cluster unsafe (split_brain)"},
			want: "Recovered after 1h12m: orders\nCluster: orders\nCleared: Cluster unsafe (split_brain)\n" +
				"New node: orders-b (10.0.1.12:3306, identity 4f22ab58-71ca-11e1-9e33-c80aa9429563)\nVerdict: ok",
		},
		{
			name: "reminder",
			post: post{ev: unsafeCluster, reminder: true, lasted: time.Hour},
			want: "Reminder: Cluster unsafe for 1h: orders\nCluster: orders\nVerdict: split_brain\n" +
				"Reason: orders-a and orders-b are both writable; set read_only on the one that is not the primary",
		},
		{
			name: "reminder_dry_run",
			post: post{ev: dryDrift, reminder: true, lasted: 2*time.Hour + 5*time.Minute},
			want: "[DRY RUN] Reminder: Would switch for 2h5m: dtsexjk1alb116xxxx Forward Source\n" + jobLines + nodeLines +
				"\nReason: DTS reads from orders-a, which is read-only; orders-b is the primary",
		},
		{
			name: "audit",
			post: post{ev: audit},
			want: "[DRY RUN] Audit summary\njob  direction  state\ndtsexjk1alb116xxxx  Forward  drift",
		},
		{
			name: "escaped",
			post: post{ev: Event{Kind: KindHeld, Cluster: "a<b>", Reason: "lock held by <other> & co"}},
			want: "Switch held back: a&lt;b&gt;\nCluster: a&lt;b&gt;\nReason: lock held by &lt;other&gt; &amp; co",
		},
		{
			name: "empty",
			post: post{ev: Event{}},
			want: "Notice",
		},
		{
			name: "unknown_kind",
			post: post{ev: Event{Kind: "custom", Cluster: "orders"}},
			want: "custom: orders\nCluster: orders",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(tt.post).text
			if got != tt.want {
				t.Errorf("text:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestRender_Blocks(t *testing.T) {
	ev := jobEvent(KindSwitchFinished)
	ev.Result = "task 1234 Finished"
	ev.Duration = 42 * time.Second
	ev.TaskID = "1234"
	ev.DryRun = false
	ev.At = time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CST", 8*3600))
	ev.Reason = "a & b"

	data, err := json.Marshal(render(post{ev: ev}).blocks)
	if err != nil {
		t.Fatalf("marshal blocks: %v", err)
	}
	want := `[` +
		`{"type":"header","text":{"type":"plain_text","text":"Switch finished: dtsexjk1alb116xxxx Forward Source","emoji":false}},` +
		`{"type":"section","fields":[` +
		`{"type":"mrkdwn","text":"*Job*\ndtsexjk1alb116xxxx"},` +
		`{"type":"mrkdwn","text":"*Direction*\nForward"},` +
		`{"type":"mrkdwn","text":"*Endpoint type*\nSource"},` +
		`{"type":"mrkdwn","text":"*Cluster*\norders"},` +
		`{"type":"mrkdwn","text":"*Old node*\norders-a (10.0.1.11:3306, identity 3e11fa47-71ca-11e1-9e33-c80aa9429562)"},` +
		`{"type":"mrkdwn","text":"*New node*\norders-b (10.0.1.12:3306, identity 4f22ab58-71ca-11e1-9e33-c80aa9429563)"},` +
		`{"type":"mrkdwn","text":"*Result*\ntask 1234 Finished"},` +
		`{"type":"mrkdwn","text":"*Duration*\n42s"},` +
		`{"type":"mrkdwn","text":"*Task id*\n1234"}]},` +
		`{"type":"section","text":{"type":"mrkdwn","text":"*Reason*\na \u0026amp; b"}},` +
		`{"type":"context","elements":[` +
		`{"type":"mrkdwn","text":"dts-reconciler"},` +
		`{"type":"mrkdwn","text":"2025-03-03 21:06:07 UTC"}]}]`
	if got := string(data); got != want {
		t.Errorf("blocks:\n%s\nwant:\n%s", got, want)
	}
}

func TestRender_Limits(t *testing.T) {
	ev := jobEvent(KindSwitchFailed)
	ev.JobID = strings.Repeat("j", 200)
	ev.Verdict = "ok"
	ev.Result = "task 1 Failed"
	ev.Duration = time.Second
	ev.TaskID = "1"
	ev.RequestIDs = []string{"r1"}
	ev.DryRun = true
	ev.Text = strings.Repeat("x", 4000)

	blocks := render(post{ev: ev, cleared: "Drift found"}).blocks
	var header *slack.HeaderBlock
	var sections []*slack.SectionBlock
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			header = b
		case *slack.SectionBlock:
			sections = append(sections, b)
		}
	}
	if header == nil {
		t.Fatal("no header block")
	}
	if got := utf8.RuneCountInString(header.Text.Text); got != maxHeaderLen {
		t.Errorf("header length: got %d, want %d", got, maxHeaderLen)
	}
	if got, want := len(sections), 3; got != want {
		t.Fatalf("sections: got %d, want %d", got, want)
	}
	if got, want := len(sections[0].Fields)+len(sections[1].Fields), 12; got != want {
		t.Errorf("fields: got %d, want %d", got, want)
	}
	if got := len(sections[0].Fields); got > maxFieldsPerSection {
		t.Errorf("fields in first section: got %d, want at most %d", got, maxFieldsPerSection)
	}
	if got := utf8.RuneCountInString(sections[2].Text.Text); got != maxSectionLen {
		t.Errorf("text section length: got %d, want %d", got, maxSectionLen)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{name: "zero", in: 0, want: ""},
		{name: "negative", in: -time.Second, want: ""},
		{name: "milliseconds", in: 250400 * time.Microsecond, want: "250ms"},
		{name: "seconds", in: 10 * time.Second, want: "10s"},
		{name: "minutes", in: 5 * time.Minute, want: "5m"},
		{name: "minutes_seconds", in: 70 * time.Second, want: "1m10s"},
		{name: "hours", in: time.Hour, want: "1h"},
		{name: "hours_minutes", in: 65 * time.Minute, want: "1h5m"},
		{name: "rounded", in: 59*time.Minute + 59600*time.Millisecond, want: "1h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatDuration(tt.in); got != tt.want {
				t.Errorf("formatDuration(%v): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatNode(t *testing.T) {
	tests := []struct {
		name string
		in   Node
		want string
	}{
		{name: "all", in: nodeA, want: "orders-a (10.0.1.11:3306, identity 3e11fa47-71ca-11e1-9e33-c80aa9429562)"},
		{name: "name_only", in: Node{Name: "orders-a"}, want: "orders-a"},
		{name: "address_only", in: Node{Address: "10.0.1.11:3306"}, want: "10.0.1.11:3306"},
		{name: "no_name", in: Node{Address: "10.0.1.11:3306", Identity: "1@h:3306"}, want: "10.0.1.11:3306, identity 1@h:3306"},
		{name: "empty", in: Node{}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatNode(tt.in); got != tt.want {
				t.Errorf("formatNode: got %q, want %q", got, tt.want)
			}
		})
	}
}
