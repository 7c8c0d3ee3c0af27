package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// summary is the median and spread of repeated measurements.
type summary struct {
	Median, Min, P25, P75, Max float64
	N                          int
}

// summarize returns the summary of xs. Quantiles are interpolated linearly
// between the two nearest ranks (the method R calls type 7), so the median
// of an even count is the mean of the two middle values.
func summarize(xs []float64) summary {
	if len(xs) == 0 {
		return summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return summary{
		Median: quantile(s, 0.5),
		Min:    s[0],
		P25:    quantile(s, 0.25),
		P75:    quantile(s, 0.75),
		Max:    s[len(s)-1],
		N:      len(s),
	}
}

// quantile returns the q-quantile of the sorted values s.
func quantile(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	frac := pos - float64(lo)
	return s[lo] + frac*(s[hi]-s[lo])
}

// msOf returns durations in milliseconds.
func msOf(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

// row is one printed figure.
type row struct {
	Name   string
	Unit   string
	Values []float64
	// Target is the goal in words, such as "< 1200", or empty when the
	// figure has none.
	Target string
	// Met is checked against the median when Target is set.
	Met func(median float64) bool
}

// table is a titled group of rows, printed with aligned columns.
type table struct {
	Title string
	Notes []string
	Rows  []row
}

// print writes t to w. Values print with three significant digits at most
// past the decimal point, enough for milliseconds and megabytes.
func (t table) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s\n", t.Title)
	nameWidth := len("figure")
	for _, r := range t.Rows {
		nameWidth = max(nameWidth, len(r.Name))
	}
	fmt.Fprintf(w, "  %-*s %-5s %9s %9s %9s %9s %9s %4s  %s\n",
		nameWidth, "figure", "unit", "median", "min", "p25", "p75", "max", "n", "target")
	for _, r := range t.Rows {
		s := summarize(r.Values)
		target := ""
		if r.Target != "" && s.N > 0 {
			verdict := "missed"
			if r.Met(s.Median) {
				verdict = "met"
			}
			target = r.Target + " " + verdict
		}
		fmt.Fprintf(w, "  %-*s %-5s %9s %9s %9s %9s %9s %4d  %s\n",
			nameWidth, r.Name, r.Unit, num(s.Median, s.N), num(s.Min, s.N), num(s.P25, s.N),
			num(s.P75, s.N), num(s.Max, s.N), s.N, target)
	}
	for _, n := range t.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// num formats a value for the table, or "-" when there are no values.
func num(v float64, n int) string {
	if n == 0 {
		return "-"
	}
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// below returns a check that a median is under limit.
func below(limit float64) func(float64) bool {
	return func(m float64) bool { return m < limit }
}

// atMost returns a check that a median is at most limit.
func atMost(limit float64) func(float64) bool {
	return func(m float64) bool { return m <= limit }
}

// indent prefixes the name of a sub-figure so it reads as a part of the
// row above it.
func indent(name string) string { return "  " + strings.TrimSpace(name) }

// durationText formats d the way a config file would write it: "1m"
// rather than time.Duration's "1m0s".
func durationText(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
