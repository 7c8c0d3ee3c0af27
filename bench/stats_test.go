package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dts-reconciler/dts/dtstest"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want summary
	}{
		{name: "empty", in: nil, want: summary{}},
		{name: "one value", in: []float64{7}, want: summary{Median: 7, Min: 7, P25: 7, P75: 7, Max: 7, N: 1}},
		{name: "odd count unsorted", in: []float64{5, 1, 3, 2, 4}, want: summary{Median: 3, Min: 1, P25: 2, P75: 4, Max: 5, N: 5}},
		{name: "even count interpolates", in: []float64{4, 1, 3, 2}, want: summary{Median: 2.5, Min: 1, P25: 1.75, P75: 3.25, Max: 4, N: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(tt.in)
			if got != tt.want {
				t.Errorf("summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSummarizeKeepsInput(t *testing.T) {
	in := []float64{3, 1, 2}
	summarize(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("input after summarize = %v, want [3 1 2]", in)
	}
}

func TestTablePrintTarget(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   string
	}{
		{name: "met", values: []float64{900, 1100, 950}, want: "< 1000 met"},
		{name: "missed", values: []float64{1200, 1100, 950}, want: "< 1000 missed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			table{Title: "t", Rows: []row{{Name: "x", Unit: "ms", Values: tt.values, Target: "< 1000", Met: below(1000)}}}.print(&out)
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("printed table:\n%s\nwant it to contain %q", out.String(), tt.want)
			}
		})
	}
}

func TestCountCalls(t *testing.T) {
	calls := callsFixture()
	tests := []struct {
		name string
		job  string
		want map[string]int
	}{
		{name: "all jobs", job: "", want: map[string]int{actionDescribe: 3, actionSwitch: 1, actionStatus: 2}},
		{name: "one job with its task", job: "j1", want: map[string]int{actionDescribe: 2, actionSwitch: 1, actionStatus: 1}},
		{name: "other job", job: "j2", want: map[string]int{actionDescribe: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := countCalls(calls, tt.job)
			if len(got) != len(tt.want) {
				t.Fatalf("countCalls(%q) = %v, want %v", tt.job, got, tt.want)
			}
			for action, n := range tt.want {
				if got[action] != n {
					t.Errorf("countCalls(%q)[%s] = %d, want %d", tt.job, action, got[action], n)
				}
			}
		})
	}
}

// callsFixture returns the calls of two jobs. Job j1 is read twice and
// switched once, creating task t1, which is read once. Job j2 is read once.
// The read of task t9 belongs to another daemon.
func callsFixture() []dtstest.Call {
	job := func(id string) map[string]string { return map[string]string{"SynchronizationJobId": id} }
	return []dtstest.Call{
		{Action: actionDescribe, Params: job("j1")},
		{Action: actionDescribe, Params: job("j2")},
		{Action: actionSwitch, Params: job("j1"), TaskID: "t1"},
		{Action: actionStatus, Params: map[string]string{"TaskId": "t1"}, TaskID: "t1"},
		{Action: actionStatus, Params: map[string]string{"TaskId": "t9"}, TaskID: "t9"},
		{Action: actionDescribe, Params: job("j1")},
	}
}

func TestLogRecordDuration(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
	}{
		{"string", `{"msg":"node probed","duration":"1.5ms"}`, 1500 * time.Microsecond},
		{"nanoseconds", `{"msg":"node probed","duration":2000000}`, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r logRecord
			if err := json.Unmarshal([]byte(tt.line), &r); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if got := time.Duration(r.Duration); got != tt.want {
				t.Errorf("duration = %s, want %s", got, tt.want)
			}
		})
	}
}
