package answer

import (
	"regexp"
	"strings"
	"unicode"
)

// Free-text answers: cleaning a fragment of model text down to the answer,
// and the normalization under which two texts are the same answer.

var (
	// mathDelimRE is one inline or display math segment.
	mathDelimRE = regexp.MustCompile(`\$\$([^$]+)\$\$|\$([^$]+)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]`)
	// sentenceEndRE ends a sentence: a period, "!" or "?" before a space.
	sentenceEndRE = regexp.MustCompile(`[.!?]\s`)
)

// unwrapLatexText replaces \text{x} and its relatives with x, repeatedly,
// so nested wrappers are unwrapped too.
func unwrapLatexText(s string) string {
	for range 4 {
		t := latexTextRE.ReplaceAllString(s, "$1")
		if t == s {
			break
		}
		s = t
	}
	return s
}

// cleanFragment trims what surrounds an answer in running text: markdown
// emphasis, math delimiters, quotes, a trailing period, \text{} wrappers.
func cleanFragment(s string) string {
	s = strings.TrimSpace(s)
	for {
		t := strings.TrimSpace(strings.Trim(s, "*_`\"'“”‘’ \t"))
		t = strings.TrimLeft(t, ",;:") // "The answer is, B."
		t = strings.TrimSuffix(t, ".")
		t = strings.TrimSpace(strings.Trim(t, "$"))
		if t == s {
			break
		}
		s = t
	}
	return strings.TrimSpace(unwrapLatexText(s))
}

// firstSentence cuts s at the end of its first sentence ("Evelyn. She ..."
// -> "Evelyn"). A period is no sentence end inside a number ("3.5"), after
// an initial or a title ("A.J. Green", "Mrs. Hilt", "St. George"), or in a
// dotted abbreviation ("p.m. on"); "\!" is
// LaTeX spacing, not an exclamation.
func firstSentence(s string) string {
	for _, loc := range sentenceEndRE.FindAllStringIndex(s, -1) {
		i := loc[0]
		if i > 0 && s[i-1] == '\\' {
			continue
		}
		if s[i] == '.' && isAbbreviation(s[:i]) {
			continue
		}
		return s[:i]
	}
	return s
}

// isAbbreviation reports whether the word that ends at s's end (a period
// follows it) is an abbreviation: an initial, a dotted abbreviation ("p.m"),
// or a title or company word.
func isAbbreviation(s string) bool {
	w := s[strings.LastIndexAny(s, " \t\n(")+1:]
	if len(w) == 1 || strings.Contains(w, ".") {
		return w != "" && (w[0] < '0' || w[0] > '9')
	}
	switch w {
	case "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Prof", "Mt", "Ft", "Inc", "Co", "Ltd", "Corp", "vs", "etc", "approx":
		return true
	}
	return false
}

// latexUnescaper turns LaTeX escapes back into the characters of a text
// answer ("\boxed{) \}}" is ") }").
var latexUnescaper = strings.NewReplacer(`\{`, "{", `\}`, "}", `\_`, "_", `\&`, "&", `\#`, "#", `\%`, "%", `\$`, "$")

// normalizeText is the comparison form of a text answer: lower case, no
// LaTeX text wrappers, punctuation as spaces, no articles, single spaces.
// An answer made only of punctuation ("] ) >", Dyck languages) keeps its
// symbols, spaces collapsed.
func normalizeText(s string) string {
	s = strings.ToLower(unwrapLatexText(s))
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	}) {
		if w == "a" || w == "an" || w == "the" { // articles do not count
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if b.Len() == 0 {
		return strings.Join(strings.Fields(s), " ")
	}
	return b.String()
}

// numberedItemRE is a line that is one item of a numbered list.
var numberedItemRE = regexp.MustCompile(`^\s*\d+[.)]\s*\S+\s*$`)

// textReader reads a free-text answer from a fragment found at place at: a
// box as written, after a phrase its first sentence, on the last line the
// line's first sentence (unless it is an item of a numbered list or holds
// a box, which was read first), and in
// the whole text only a numbered list of single words that ends it (a
// sorted word list); never other prose of the whole text.
func textReader(frag string, _ Spec, at place) (string, reading) {
	switch at {
	case inBox:
	case afterPhrase, onLastLine:
		if hasBoxCommand(frag) || at == onLastLine && numberedItemRE.MatchString(frag) {
			return "", absent
		}
		frag = firstSentence(strings.TrimSpace(frag))
	case inWholeText:
		if l, ok := trailingWordList(frag); ok {
			return l, found
		}
		return "", absent
	default:
		return "", absent
	}
	s := latexUnescaper.Replace(cleanFragment(frag))
	if s == "" {
		return "", absent
	}
	return s, found
}
