package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		spec     string
		wantNext time.Time
		wantErr  string
	}{
		{name: "every", spec: "@every 10s", wantNext: start.Add(10 * time.Second)},
		{name: "every_minimum", spec: "@every 1s", wantNext: start.Add(time.Second)},
		{name: "every_spaces", spec: "  @every 2m  ", wantNext: start.Add(2 * time.Minute)},
		{name: "five_fields", spec: "*/5 * * * *", wantNext: start.Add(5 * time.Minute)},
		{name: "descriptor", spec: "@hourly", wantNext: start.Add(time.Hour)},
		{name: "cron_tz", spec: "CRON_TZ=UTC 30 2 * * *", wantNext: start.Add(2*time.Hour + 30*time.Minute)},
		{name: "tz", spec: "TZ=UTC @every 5s", wantNext: start.Add(5 * time.Second)},
		{name: "empty", spec: "", wantErr: "empty spec"},
		{name: "every_too_short", spec: "@every 500ms", wantErr: "shorter than 1s"},
		{name: "every_zero", spec: "@every 0s", wantErr: "shorter than 1s"},
		{name: "every_fraction", spec: "@every 2500ms", wantErr: "use @every 2s"},
		{name: "every_bad_duration", spec: "@every ten", wantErr: "invalid @every interval"},
		{name: "every_bare_number", spec: "@every 10", wantErr: "invalid @every interval"},
		{name: "six_fields", spec: "0 */5 * * * *", wantErr: "not a valid cron spec"},
		{name: "bad_field", spec: "61 * * * *", wantErr: "not a valid cron spec"},
		{name: "unknown_descriptor", spec: "@sometimes", wantErr: "not a valid cron spec"},
		{name: "unknown_zone", spec: "CRON_TZ=Nowhere/City @hourly", wantErr: `time zone "Nowhere/City" is unknown`},
		{name: "unknown_zone_tz", spec: "TZ=Mars/Base */5 * * * *", wantErr: "install the host's tzdata package"},
		{name: "zone_local", spec: "CRON_TZ=Local @every 3s", wantNext: start.Add(3 * time.Second)},
		// cron v3.0.1 panics on a zone prefix without a space after it.
		{name: "zone_only", spec: "CRON_TZ=UTC", wantErr: "no schedule after it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sched, err := ParseSchedule(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseSchedule(%q) error = %v, want one containing %q", tc.spec, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSchedule(%q) error = %v", tc.spec, err)
			}
			if got := sched.Next(start).UTC(); !got.Equal(tc.wantNext) {
				t.Errorf("Next(%v) = %v, want %v", start, got, tc.wantNext)
			}
		})
	}
}
