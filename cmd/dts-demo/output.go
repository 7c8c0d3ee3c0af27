package main

import (
	"bytes"
	"strings"
)

// prefixWriter writes each complete line with a prefix, so the daemon's
// logs stand apart from the demo's own lines.
type prefixWriter struct {
	demo   *demo
	prefix string
	buf    bytes.Buffer
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.demo.mu.Lock()
	defer w.demo.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			// An incomplete line waits for the rest.
			w.buf.Reset()
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.demo.out.Write([]byte(w.prefix + line))
	}
}

// indent aligns the continuation lines of a multi-line message.
func indent(text string) string {
	return strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n          ")
}
