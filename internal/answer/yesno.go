package answer

import (
	"regexp"
	"strings"
)

// Yes/no answers and the words that mean the same: true/false,
// valid/invalid, plausible/implausible, correct/incorrect.

// conclusionLead is an optional connective before a concluding yes/no:
// "Therefore, yes.", "So, no".
const conclusionLead = `(?:(?:so|thus|therefore|hence|overall|in\s+conclusion|in\s+short|finally|final\s+verdict)\s*[,:]?\s+)?`

// yesNoWords is the alternation of the words that answer yes or no.
const yesNoWords = `yes|no|true|false|valid|invalid|plausible|implausible|correct|incorrect|right|wrong`

var (
	// yesNoWholeRE is a fragment that is only a yes/no word, perhaps
	// negated ("not valid").
	yesNoWholeRE = regexp.MustCompile(`(?i)^(not\s+)?(` + yesNoWords + `)$`)
	// yesNoLeadRE is a yes/no word that starts a fragment ("Yes, because",
	// "not plausible."); group 3 is what follows it.
	yesNoLeadRE = regexp.MustCompile(`(?i)^` + conclusionLead + `(not\s+)?(` + yesNoWords + `)\b(.?)`)
	// yesNoPredicateRE states a yes/no word of a subject: "the argument is
	// (not) valid", "the sentence is implausible", "it isn't true".
	yesNoPredicateRE = regexp.MustCompile(`(?i)\b(?:is|are|was|were|be|seems|appears|sounds)(\s+not|n't)?\s+(?:(?:very|quite|entirely|completely|totally|highly|definitely|logically|deductively|therefore|thus|also)\s+)?(valid|invalid|true|false|plausible|implausible)\b`)
	// yesNoWordRE is a yes/no word anywhere (read only inside a box).
	yesNoWordRE = regexp.MustCompile(`(?i)\b(yes|no|true|false|valid|invalid|plausible|implausible)\b`)
	// yesNoHedgeRE names both answers: "yes or no", "true/false".
	yesNoHedgeRE = regexp.MustCompile(`(?i)\b(yes|no|true|false|valid|invalid|plausible|implausible)\s*(?:or|/|and)\s*(?:not\s+)?(yes|no|true|false|valid|invalid|plausible|implausible)\b`)
	// undeterminedRE declines to answer: "there is no definitive answer".
	undeterminedRE = regexp.MustCompile(`(?i)\b(?:it\s+depends|cannot\s+be\s+determined|can't\s+be\s+determined|cannot\s+determine|no\s+(?:definitive|clear|definite)\s+answer|not\s+enough\s+information|undetermined|unknown|uncertain)\b`)
	// yesNoLineRE is a line of a reply that opens with a yes/no word and
	// punctuation or nothing after it ("Yes.", "No, because ...").
	yesNoLineRE = regexp.MustCompile(`(?im)^[ \t*_>#-]*` + conclusionLead + `(yes|no|true|false)\b(?:[*_]*[.,;:!)—-]|[*_]*[ \t]*$)`)
)

// yesNoOf maps a yes/no word to "yes" or "no", negated when neg is set.
func yesNoOf(w string, neg bool) string {
	yes := false
	switch strings.ToLower(w) {
	case "yes", "true", "valid", "plausible", "correct", "right":
		yes = true
	}
	if yes != neg {
		return "yes"
	}
	return "no"
}

// yesNoIn reads "yes" or "no" from an answer as a box holds it.
func yesNoIn(s string) (string, bool) {
	a, r := yesNoReader(s, Spec{}, inBox)
	return a, r == found
}

// yesNoReader reads "yes" or "no" from a fragment found at place at. A
// fragment that names both answers or declines to answer is void in a box,
// after a phrase and on the last line. Then: the fragment as one word
// ("No", "not valid"); a word that opens it (in a box or after a phrase
// whatever follows, on the last line only before punctuation, so that "No
// mammal can fly" is no answer); a statement "X is (not) valid/true/
// plausible", the first in a box or after a phrase and the last elsewhere;
// in a box any yes/no word; in the whole text the last line that opens
// with a yes/no word. Prose that merely holds the words ("a true story",
// "there is no way") is no answer.
func yesNoReader(s string, _ Spec, at place) (string, reading) {
	frag := cleanFragment(s)
	if at == inBox || at == afterPhrase || at == onLastLine {
		head := firstSentence(frag)
		if m := yesNoHedgeRE.FindStringSubmatch(head); m != nil && yesNoOf(m[1], false) != yesNoOf(m[2], false) {
			return "", void
		}
		if at != onLastLine && undeterminedRE.MatchString(head) {
			return "", void
		}
	}
	if m := yesNoWholeRE.FindStringSubmatch(frag); m != nil {
		return yesNoOf(m[2], m[1] != ""), found
	}
	switch at {
	case inBox, afterPhrase, onLastLine:
		if m := yesNoLeadRE.FindStringSubmatch(frag); m != nil && (at != onLastLine || m[3] == "" || strings.ContainsAny(m[3], ".,;:!)—-")) {
			return yesNoOf(m[2], m[1] != ""), found
		}
	}
	if ms := yesNoPredicateRE.FindAllStringSubmatch(frag, -1); len(ms) > 0 {
		m := ms[0]
		if at >= onLastLine {
			m = ms[len(ms)-1]
		}
		return yesNoOf(m[2], m[1] != ""), found
	}
	switch at {
	case inBox:
		if m := yesNoWordRE.FindStringSubmatch(frag); m != nil {
			return yesNoOf(m[1], false), found
		}
	case inWholeText:
		if ms := yesNoLineRE.FindAllStringSubmatch(s, -1); len(ms) > 0 {
			return yesNoOf(ms[len(ms)-1][1], false), found
		}
	}
	return "", absent
}
