package dts

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxMessageLen bounds the length, in bytes, of a message taken from a
// response body, so that an HTML error page does not fill a log line.
const maxMessageLen = 256

var (
	// urlQuery matches the query string of a URL. A signed request URL
	// carries AccessKeyId, Signature and possibly SecurityToken there.
	urlQuery = regexp.MustCompile(`(https?://[^\s?"'<>]*)\?[^\s"'<>]*`)
	// credentialParam matches a credential parameter outside a URL, also
	// in its percent-encoded forms (a string to sign encodes "=" as %3D).
	credentialParam = regexp.MustCompile(`(?i)(AccessKeyId|Signature|SecurityToken|BearerToken)(=|%3D|%253D)[^&\s"'<>]*`)
	// stringToSign matches the start of the server's string to sign in some
	// SignatureDoesNotMatch messages. That string contains every request
	// parameter, so the message is cut there.
	stringToSign = regexp.MustCompile(`(?i)string\s*to\s*sign`)
	// htmlTag matches a tag of an HTML error page.
	htmlTag = regexp.MustCompile(`<[^>]*>`)
)

// redact removes URL query strings and credential parameters from s.
func redact(s string) string {
	s = urlQuery.ReplaceAllString(s, "$1?[query removed]")
	return credentialParam.ReplaceAllString(s, "[credential removed]")
}

// cleanMessage turns text from a response body into a short message on one
// line: the server's string to sign and anything that looks like a
// credential are removed, whitespace runs become one space, and the result
// is cut to maxMessageLen bytes.
func cleanMessage(s string) string {
	if loc := stringToSign.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	s = strings.Join(strings.Fields(redact(s)), " ")
	if len(s) <= maxMessageLen {
		return s
	}
	cut := maxMessageLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
