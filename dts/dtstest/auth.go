package dtstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// apiVersion is the only API version the emulator serves.
const apiVersion = "2020-01-01"

// Limits of the replay protection: a request's Timestamp may differ from
// the server's clock by at most maxClockSkew, and nonces are remembered for
// twice that, so a replay is caught as long as its timestamp is accepted.
const (
	maxClockSkew = 15 * time.Minute
	nonceTTL     = 2 * maxClockSkew
)

// authenticate checks the common parameters and the signature. It returns
// a response with status 0 when the request is genuine.
func (s *Server) authenticate(method string, p map[string]string, now time.Time) response {
	for _, name := range []string{"Action", "Version", "Format", "Timestamp", "SignatureNonce",
		"AccessKeyId", "SignatureMethod", "SignatureVersion", "Signature"} {
		if p[name] == "" {
			return missing(name)
		}
	}
	if p["Version"] != apiVersion {
		return gatewayError(http.StatusBadRequest, "NoSuchVersion",
			fmt.Sprintf("Specified api version %q is not valid, use %s.", p["Version"], apiVersion))
	}
	if strings.ToUpper(p["Format"]) != "JSON" {
		return invalid("Format", p["Format"], "the emulator supports JSON only")
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", p["Timestamp"])
	if err != nil {
		return gatewayError(http.StatusBadRequest, "InvalidTimeStamp.Format",
			fmt.Sprintf("Specified time stamp %q does not match the format YYYY-MM-DDThh:mm:ssZ.", p["Timestamp"]))
	}
	if d := now.Sub(ts); d > maxClockSkew || d < -maxClockSkew {
		return gatewayError(http.StatusBadRequest, "IllegalTimestamp",
			fmt.Sprintf("Specified time stamp %q differs from the server time by more than %s.", p["Timestamp"], maxClockSkew))
	}
	if p["SignatureMethod"] != "HMAC-SHA1" || p["SignatureVersion"] != "1.0" {
		return gatewayError(http.StatusBadRequest, "IncompleteSignature",
			"The emulator verifies SignatureMethod HMAC-SHA1 with SignatureVersion 1.0 only.")
	}
	if p["AccessKeyId"] != s.opts.AccessKeyID {
		return gatewayError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}

	want := sign(s.opts.AccessKeySecret, stringToSign(method, p))
	if !hmac.Equal([]byte(want), []byte(p["Signature"])) {
		return gatewayError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature does not match our calculation.")
	}

	// The nonce is checked only once the signature proves that the sender
	// has the secret, so a forged request cannot use up a nonce.
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, used := s.nonces[p["SignatureNonce"]]; used {
		return gatewayError(http.StatusBadRequest, "SignatureNonceUsed",
			"Specified signature nonce was used already.")
	}
	if len(s.nonces) >= 10000 {
		for n, at := range s.nonces {
			if now.Sub(at) > nonceTTL {
				delete(s.nonces, n)
			}
		}
	}
	s.nonces[p["SignatureNonce"]] = now
	return response{}
}

// stringToSign builds the RPC string to sign: the method, the encoded path
// "/", and the encoded canonical query. The canonical query is every
// parameter except Signature, empty values included, sorted by name, each
// name and value percent-encoded and joined with "=" and "&".
func stringToSign(method string, p map[string]string) string {
	names := make([]string, 0, len(p))
	for name := range p {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, name := range names {
		pairs[i] = percentEncode(name) + "=" + percentEncode(p[name])
	}
	return method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(pairs, "&"))
}

// sign returns Base64(HMAC-SHA1(secret + "&", msg)).
func sign(secret, msg string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percentEncode encodes the UTF-8 bytes of s as RFC 3986 does: letters,
// digits and "-_.~" stay, every other byte becomes %XY in upper-case hex.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
