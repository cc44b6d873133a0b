package answer

import (
	"regexp"
	"strings"
)

// Yes/no answers and the words that mean the same: true/false, valid/invalid.

var (
	// yesNoWordRE matches a yes/no word anywhere in running text.
	yesNoWordRE = regexp.MustCompile(`(?i)\b(yes|no|true|false|valid|invalid)\b`)
	// yesNoWholeRE matches a fragment that is only a yes/no word, including
	// the weaker "correct"/"incorrect" that are too common to search for.
	yesNoWholeRE = regexp.MustCompile(`(?i)^(yes|no|true|false|valid|invalid|correct|incorrect|right|wrong)$`)
)

// yesNoOf maps a yes/no word to "yes" or "no".
func yesNoOf(w string) string {
	switch strings.ToLower(w) {
	case "yes", "true", "valid", "correct", "right":
		return "yes"
	default:
		return "no"
	}
}

// yesNoIn reads "yes" or "no" from a fragment: the fragment itself when it
// is one such word, else the first (or last) yes/no word in it.
func yesNoIn(s string, last bool) (string, bool) {
	frag := cleanFragment(s)
	if m := yesNoWholeRE.FindStringSubmatch(frag); m != nil {
		return yesNoOf(m[1]), true
	}
	ms := yesNoWordRE.FindAllStringSubmatch(frag, -1)
	if len(ms) == 0 {
		return "", false
	}
	m := ms[0]
	if last {
		m = ms[len(ms)-1]
	}
	return yesNoOf(m[1]), true
}
