package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// ParseSchedule parses a schedule the way the daemon runs it: a standard
// 5-field cron spec or a descriptor such as @hourly or @every 10s,
// optionally after a CRON_TZ=Zone prefix. An @every interval must be at
// least 1s and a whole number of seconds, because cron would otherwise
// round it without saying so.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty spec: write a cron spec such as @every 10s or */5 * * * *")
	}
	rest := spec
	if strings.HasPrefix(rest, "TZ=") || strings.HasPrefix(rest, "CRON_TZ=") {
		prefix, after, ok := strings.Cut(rest, " ")
		if !ok {
			return nil, fmt.Errorf("%q has a time zone but no schedule after it: write CRON_TZ=Zone followed by a space and the schedule", spec)
		}
		_, zone, _ := strings.Cut(prefix, "=")
		if _, err := time.LoadLocation(zone); err != nil {
			// Go finds zone names other than UTC and Local in the host's
			// time zone database, because the binary embeds none.
			return nil, fmt.Errorf("time zone %q is unknown: use an IANA name such as Asia/Shanghai or UTC, and install the host's tzdata package for names other than UTC and Local", zone)
		}
		rest = strings.TrimSpace(after)
	}
	if every, ok := strings.CutPrefix(rest, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(every))
		if err != nil {
			return nil, fmt.Errorf("%q has an invalid @every interval: write a Go duration such as @every 10s", spec)
		}
		if d < time.Second {
			return nil, fmt.Errorf("@every %s is shorter than 1s: use at least @every 1s", d)
		}
		if d%time.Second != 0 {
			return nil, fmt.Errorf("@every %s is not a whole number of seconds, which cron would round down: use @every %s", d, d.Truncate(time.Second))
		}
	}

	// robfig/cron v3.0.1 panics on some malformed specs, such as a zone
	// prefix without a space, and a config check must report them instead.
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("%q is not a valid cron spec: write 5 fields or a descriptor such as @every 10s", spec)
		}
	}()
	sched, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid cron spec (%v): write 5 fields, such as */5 * * * *, or a descriptor such as @every 10s or @hourly", spec, err)
	}
	return sched, nil
}
