package answer

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	// answerPhraseRE is an explicit announcement of the final answer: "the
	// answer is", "Final answer:", "Answer =", "**Answer**". "Answer
	// Choices:" in a recited question is not one.
	answerPhraseRE = regexp.MustCompile(`(?i)\*\*(?:final\s+)?answer\*\*\s*:?|\banswer(?:\s+choice)?(?:\s*\*\*|\s*__)?\s*(?:is\b\s*:?|would\s+be\b|should\s+be\b|will\s+be\b|:|=)`)
	// qaAnswerRE is an "A: ..." line, as in few-shot Q/A transcripts.
	qaAnswerRE = regexp.MustCompile(`(?m)^[ \t]*A:`)
)

// place is where in a reply a fragment was found; it decides whether the
// first or the last candidate in the fragment is the answer.
type place int

const (
	inBox       place = iota // the content of the last \boxed{}
	afterPhrase              // after "the answer is", "####", "A:"
	onLastLine               // the last non-empty line
	inWholeText              // anywhere (the last resort)
)

// Extract returns the final answer that text gives, read for spec's answer
// type, and whether it found one.
//
// Strict reads only the last \boxed{...} (or \fbox{...}) and reports false
// when there is none or it is never closed: this is the synthesis filter.
// Lenient (evaluation) tries, in order, the last box, the last explicit
// answer phrase, the last "####", the last "A:" line, the last line, and
// then the whole text (the last number, choice label or yes/no word), and
// takes the first of these that holds an answer of the right type. Where a
// fragment holds several candidates, the one nearest the announcement (or
// the last one in the text) wins, since models recite examples first.
//
// The answer comes back in a plain form: a number without currency or
// thousands separators ("-1234.5", "3/4", "50%"), an upper-case choice
// label, "yes" or "no", cleaned text, or the LaTeX of a math answer. A box
// whose content does not read as the type ("\boxed{twelve}" for a number)
// is returned as written in Strict mode, so that Equal rejects it and a
// verdict shows what the model wrote. A spec of unknown type reads as Text.
func Extract(text string, spec Spec, mode Mode) (string, bool) {
	if box, ok := lastBoxed(text); ok {
		if a, ok := readAs(box, spec, inBox); ok {
			return a, true
		}
		if mode == Strict {
			raw := cleanFragment(box)
			return raw, raw != ""
		}
	}
	if mode == Strict {
		return "", false
	}
	return extractLenient(text, spec)
}

func extractLenient(text string, spec Spec) (string, bool) {
	// The substring checks skip regexp scans that cannot match; the
	// case-insensitive phrase scan is most of the cost of a long reply.
	if strings.Contains(text, "nswer") || strings.Contains(text, "NSWER") {
		phrases := answerPhraseRE.FindAllStringIndex(text, -1)
		for i := len(phrases) - 1; i >= 0; i-- {
			if a, ok := readAs(tailAfter(text, phrases[i][1]), spec, afterPhrase); ok {
				return a, true
			}
		}
	}
	if i := strings.LastIndex(text, "####"); i >= 0 {
		if a, ok := readAs(tailAfter(text, i+len("####")), spec, afterPhrase); ok {
			return a, true
		}
	}
	if strings.Contains(text, "A:") {
		if ms := qaAnswerRE.FindAllStringIndex(text, -1); len(ms) > 0 {
			if a, ok := readAs(tailAfter(text, ms[len(ms)-1][1]), spec, afterPhrase); ok {
				return a, true
			}
		}
	}
	if line := lastLine(text); line != "" {
		if a, ok := readAs(line, spec, onLastLine); ok {
			return a, true
		}
	}
	return readAs(text, spec, inWholeText)
}

// tailAfter returns the rest of the line that starts at i, or the next
// non-empty line when the rest is blank ("Final answer:\n42").
func tailAfter(text string, i int) string {
	rest := text[i:]
	line, after, _ := strings.Cut(rest, "\n")
	if strings.TrimSpace(strings.Trim(line, "*_:")) != "" {
		return line
	}
	for l := range strings.SplitSeq(after, "\n") {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

// lastLine returns the last line of text that is not blank.
func lastLine(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[i+1:]
	}
	return strings.TrimSpace(text)
}

// readAs reads an answer of spec's type from a fragment found at place at.
func readAs(frag string, spec Spec, at place) (string, bool) {
	var a string
	var ok bool
	switch spec.Type {
	case Number:
		if at == inBox {
			a, ok = boxedNumber(frag)
		} else {
			a, ok = numberIn(frag, at != afterPhrase)
		}
	case Choice:
		a, ok = choiceIn(frag, spec, at)
	case YesNo:
		a, ok = yesNoIn(frag, at >= onLastLine)
	case Math:
		a, ok = mathIn(frag, at)
	default:
		a, ok = textIn(frag, at)
	}
	if !ok || a == "" {
		return "", false
	}
	return a, true
}

// boxedNumber reads a number answer from a box: one number as written;
// else the value of a constant expression ("\sqrt{16}", "1\frac{1}{2}",
// "x = 2^{10}"); else the last number in it ("16 - 3 - 4 = 9").
func boxedNumber(box string) (string, bool) {
	if tok, ok := wholeNumber(numericPrep(box)); ok {
		return tok, true
	}
	if v, ok := mathValue(mathClean(box)); ok {
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return numberIn(box, true)
}

// maxBareMathLine is the longest last line taken whole as a math answer
// when it has no math delimiters; a longer one is prose.
const maxBareMathLine = 40

// mathIn reads a LaTeX answer: the box content as written; after a phrase
// the first math segment ($...$, \(...\)) or the rest of the sentence; on
// the last line its last math segment, or the line when it is short;
// otherwise the last number.
func mathIn(frag string, at place) (string, bool) {
	switch at {
	case inBox:
		s := strings.TrimSpace(frag)
		return s, s != ""
	case afterPhrase, onLastLine:
		segs := mathDelimRE.FindAllStringSubmatch(frag, -1)
		if len(segs) > 0 {
			seg := segs[0]
			if at == onLastLine {
				seg = segs[len(segs)-1]
			}
			for _, g := range seg[1:] {
				if s := cleanMathSegment(g); s != "" {
					return s, true
				}
			}
		}
		if at == afterPhrase {
			s := cleanFragment(firstSentence(frag))
			return s, s != ""
		}
		if s := cleanFragment(frag); s != "" && len([]rune(s)) <= maxBareMathLine {
			return s, true
		}
	}
	return numberIn(frag, true)
}

// cleanMathSegment trims a math segment's trailing punctuation.
func cleanMathSegment(s string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ".,;"))
}
