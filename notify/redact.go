package notify

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// redacted replaces a secret in text that is logged.
const redacted = "[REDACTED]"

// secretForms returns the strings that must not appear in a log line: the
// webhook URL, its path (the secret part) and the token, each as given,
// quoted by strconv (the way *url.Error prints a URL) and URL-escaped.
func secretForms(webhookURL, token string) []string {
	raw := []string{webhookURL, token}
	if u, err := url.Parse(webhookURL); err == nil && len(u.Path) > 1 {
		raw = append(raw, u.Path)
	}

	var forms []string
	for _, s := range raw {
		if s == "" {
			continue
		}
		quoted := strconv.Quote(s)
		forms = append(forms, s, quoted[1:len(quoted)-1], url.QueryEscape(s), url.PathEscape(s))
	}
	// Sort the longest first, so that a URL is replaced whole before its path.
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return forms
}

// redact returns err's text with every secret replaced. slack-go and
// net/http put the request URL, which for a webhook is the secret, in
// their errors.
func (n *Notifier) redact(err error) string {
	msg := err.Error()
	for _, s := range n.secrets {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	return msg
}
