package config

import (
	"fmt"
	"strings"
)

// expand replaces ${NAME} in s with the value of the environment variable
// NAME and $$ with a single $. Every other $ is a mistake, because a value
// such as "pa$word" would otherwise silently keep or lose its $ depending
// on what follows. Values inserted from the environment are not expanded
// again. It returns the expanded string and one message per mistake; the
// messages never quote s, which may be a secret.
func expand(s string, lookupEnv func(string) (string, bool)) (string, []string) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var msgs []string
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			msgs = append(msgs, "a lone $ is not allowed: write ${NAME} for an environment variable, or $$ for a literal $")
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			msgs = append(msgs, "${ has no closing }: write ${NAME}, or $$ for a literal $")
			break
		}
		name := s[i+2 : i+2+end]
		i += 2 + end
		if !validEnvName(name) {
			msgs = append(msgs, "a ${...} reference has an invalid name: use letters, digits and _, not starting with a digit, or write $$ for a literal $")
			continue
		}
		value, ok := lookupEnv(name)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("environment variable %s is not set: set it, or write $$ for a literal $", name))
			continue
		}
		b.WriteString(value)
	}
	return b.String(), msgs
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
