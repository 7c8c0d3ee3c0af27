package metrics

import (
	"sync"
	"time"
)

// Limits on the distinct values of the free-form labels. Values past a
// limit are recorded as "other", so an unexpected flood of error codes or
// reasons cannot grow the number of series without bound.
const (
	maxActions  = 16
	maxCodes    = 64
	maxReasons  = 32
	maxTokenLen = 64
)

// DTSCall records one HTTP request to the DTS API. code is "" on success,
// and otherwise the error code, such as "Throttling.User" or a short token
// the client chose for a transport error. Its signature matches the
// Observe field of the DTS client's configuration.
func (m *Metrics) DTSCall(action, code string, d time.Duration) {
	action = m.actions.normalize(action)
	m.apiCalls.WithLabelValues(action).Inc()
	m.apiDuration.WithLabelValues(action).Observe(d.Seconds())
	if code != "" {
		m.apiErrors.WithLabelValues(action, m.codes.normalize(code)).Inc()
	}
}

// SlackResult records the outcome of one Slack message. reason is a short
// token, such as "rate_limited" or "timeout", and is ignored when ok is
// true. Its signature matches the OnResult field of the notifier's
// configuration.
func (m *Metrics) SlackResult(ok bool, reason string) {
	m.slackPosts.Inc()
	if !ok {
		m.slackFailures.WithLabelValues(m.reasons.normalize(reason)).Inc()
	}
}

// tokenSet turns free-form strings into label values: short tokens of
// letters, digits, '.', '_' and '-', at most max distinct ones.
type tokenSet struct {
	mu   sync.Mutex
	max  int
	seen map[string]bool
}

func newTokenSet(max int) *tokenSet {
	return &tokenSet{max: max, seen: make(map[string]bool)}
}

// normalize returns the label value for v: "unknown" when v holds no
// usable character, "other" when the set is full and v is new to it.
func (s *tokenSet) normalize(v string) string {
	token := sanitize(v)
	if token == "" {
		return "unknown"
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[token] {
		return token
	}
	if len(s.seen) >= s.max {
		return otherLabel
	}
	s.seen[token] = true
	return token
}

// sanitize keeps ASCII letters, digits, '.', '_' and '-', turns every run
// of other characters into one '_', trims '_' from both ends and cuts the
// result to maxTokenLen bytes. Case is kept because DTS error codes, such
// as "InvalidParameter.JobId", are searched for as written.
func sanitize(v string) string {
	out := make([]byte, 0, min(len(v), maxTokenLen))
	pendingSep := false
	for i := 0; i < len(v) && len(out) < maxTokenLen; i++ {
		c := v[i]
		if isTokenByte(c) {
			if pendingSep && len(out) > 0 {
				out = append(out, '_')
				if len(out) == maxTokenLen {
					break
				}
			}
			pendingSep = false
			out = append(out, c)
			continue
		}
		pendingSep = true
	}
	for len(out) > 0 && out[len(out)-1] == '_' {
		out = out[:len(out)-1]
	}
	for len(out) > 0 && out[0] == '_' {
		out = out[1:]
	}
	return string(out)
}

func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}
