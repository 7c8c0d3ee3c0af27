package config

import "strings"

// closestName returns the name in names that key was most likely meant to
// be, or "" when none is close. A name is close when it differs only in
// case or in - for _, or when at most a third of its letters (and no more
// than 3) would have to change.
func closestName(key string, names []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	for _, name := range names {
		if norm(name) == norm(key) {
			return name
		}
	}
	best, bestDist := "", 0
	for _, name := range names {
		d := editDistance(norm(key), name)
		limit := min(3, max(1, len(name)/3))
		if d <= limit && (best == "" || d < bestDist) {
			best, bestDist = name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in
// bytes, which is enough for ASCII key names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
