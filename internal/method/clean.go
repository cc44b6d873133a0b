package method

import (
	"regexp"
	"strings"
)

// firstStep matches the first line of a numbered list: "1.", "1)", "Step 1",
// "**Step 1:**", "### 1." and the like.
var firstStep = regexp.MustCompile(`(?im)^[ \t]*(?:[#>*_ \t]*)(?:step[ \t]*1\b|1[.)](?:[ \t*]|$))`)

// A preamble longer than this is reasoning, not a preamble, and is kept.
const (
	maxPreamble      = 400 // bytes
	maxPreambleLines = 3
)

// Clean prepares a kept path as a training target: it strips only a
// preamble before a numbered list ("Sure! Let's solve this."), provided
// the preamble is short (under 400 bytes and 3 lines) and holds no \boxed
// answer, and trims surrounding blank space. The steps and the \boxed{}
// answer are kept intact.
func Clean(path string) string {
	path = strings.TrimSpace(path)
	loc := firstStep.FindStringIndex(path)
	if loc == nil || loc[0] == 0 {
		return path
	}
	preamble := path[:loc[0]]
	if len(preamble) > maxPreamble || strings.Count(strings.TrimSpace(preamble), "\n") >= maxPreambleLines ||
		strings.Contains(preamble, `\boxed`) {
		return path
	}
	return strings.TrimSpace(path[loc[0]:])
}
