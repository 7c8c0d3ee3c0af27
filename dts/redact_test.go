package dts

import (
	"strings"
	"testing"
)

func TestCleanMessage(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		absent []string
	}{
		{name: "plain", in: "The job is locked.", want: "The job is locked."},
		{name: "whitespace", in: "line one\n\tline two  ", want: "line one line two"},
		{
			name:   "signed_url",
			in:     `Post "https://dts.aliyuncs.com/?AccessKeyId=LTAIx&Action=A&Signature=abc%3D": EOF`,
			want:   `Post "https://dts.aliyuncs.com/?[query removed]": EOF`,
			absent: []string{"AccessKeyId=", "Signature="},
		},
		{
			name:   "bare_parameters",
			in:     "bad request AccessKeyId=LTAIx&SecurityToken=tok&Signature=s1",
			absent: []string{"LTAIx", "tok", "s1"},
		},
		{
			name:   "string_to_sign",
			in:     "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAIx",
			want:   "Specified signature is not matched with our calculation. server",
			absent: []string{"LTAIx"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanMessage(tt.in)
			if tt.want != "" && got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, a := range tt.absent {
				if strings.Contains(got, a) {
					t.Errorf("got %q, contains %q", got, a)
				}
			}
		})
	}
}

func TestCleanMessage_Truncates(t *testing.T) {
	got := cleanMessage(strings.Repeat("é", 400))
	if len(got) > maxMessageLen+3 {
		t.Errorf("length = %d, want at most %d", len(got), maxMessageLen+3)
	}
	if !strings.HasSuffix(got, "...") {
		t.Errorf("got %q, want a trailing ...", got)
	}
	if !strings.HasPrefix(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("got %q, want whole runes", got)
	}
}
