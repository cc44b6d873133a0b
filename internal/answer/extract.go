package answer

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// place is where in a reply a fragment was found; it decides whether the
// first or the last candidate in the fragment is the answer.
type place int

const (
	inBox        place = iota // the content of the last \boxed{}
	afterPhrase               // after "the answer is", "####", "A:"
	beforePhrase              // before "is the correct answer"
	onLastLine                // the last non-empty line
	inWholeText               // anywhere (the last resort)
)

// reading is what a reader made of one fragment.
type reading int

const (
	absent reading = iota // nothing of the type here: look further
	found                 // an answer
	void                  // a non-answer (a hedge, an option that does not exist): the reply has no answer
)

// phrase is one way a reply announces its final answer. The fragment it
// announces starts where its match ends, or where its group named "a"
// starts when it has one. The phrases are
// tried by tier (lower first); within a tier the last occurrence in the
// reply is read first, and earlier ones only when it holds nothing of the
// answer type.
type phrase struct {
	name string
	re   *regexp.Regexp
	tier int
	// before is set when the answer is written before the phrase ("C is
	// the correct answer"): the fragment is the start of the sentence.
	before bool
	// types limits the phrase to some answer types (nil: every type).
	types []Type
	// list is set when the answer may be the block of lines after the
	// phrase, one item a line (a sorted word list).
	list bool
	// cues are substrings one of which a text must hold for the phrase to
	// occur in it: a cheap test before the regexp scan.
	cues []string
}

// applies reports whether p announces answers of type t.
func (p phrase) applies(t Type) bool { return p.types == nil || slices.Contains(p.types, t) }

// answerPhrases are the announcements of a final answer, in their tiers:
// explicit phrases first, then "####" (GSM8K), then "A:" lines (few-shot
// Q/A transcripts). "Answer Choices:" in a recited question is not one;
// "The answer is not (D)" is read as a negation, not an announcement.
var answerPhrases = []phrase{
	{name: "bold answer", cues: answerCues, tier: 1, re: regexp.MustCompile(`(?i)\*\*(?:final\s+)?answer\*\*\s*:?`)},
	{name: "answer is", cues: answerCues, tier: 1, re: regexp.MustCompile(`(?i)(?:^|[^/])\banswer(?:\s+choice|\s+to\s+(?:this|the)\s+(?:question|problem))?(?:\s*\*\*|\s*__)?\s*(?:is\b\s*:?|would\s+be\b|should\s+be\b|will\s+be\b|:|=|[-–]\s)`)},
	{name: "answer.A", cues: answerCues, tier: 1, types: []Type{Choice}, re: regexp.MustCompile(`(?im)\banswer\.\s?(?P<a>)\(?[A-Z]\)?[ \t]*$`)},
	{name: "thus A", cues: []string{"hus", "ence", "efore", "So", "so", "HUS", "ENCE", "EFORE", "SO"}, tier: 1, types: []Type{Choice},
		re: regexp.MustCompile(`(?im)^[ \t]*(?:thus|hence|therefore|so)[ \t]*,?[ \t]*(?P<a>)\(?[A-Z]\)?\.?[ \t]*$`)},
	{name: "ans", cues: []string{"ans", "Ans", "ANS"}, tier: 1, re: regexp.MustCompile(`(?i)\bans\b\.?\s*(?:[-–:=]|is\b)?`)},
	{name: "correct option is", cues: []string{"ption", "hoice", "PTION", "HOICE"}, tier: 1, re: regexp.MustCompile(`(?i)\b(?:correct|right|best|final)\s+(?:option|choice)\s*(?:is\b\s*:?|would\s+be\b|:)`)},
	{name: "I would choose", cues: []string{"hoose", "ick", "elect", "with", "HOOSE", "ICK", "ELECT", "WITH"}, tier: 1, re: regexp.MustCompile(`(?i)\bI(?:\s+would|\s+will|'d|'ll|\s+must)?\s+(?:choose|pick|select|go\s+with)\b\s*:?`)},
	{name: "is the correct answer", cues: []string{"nswer", "ption", "hoice", "NSWER", "PTION", "HOICE"}, tier: 1, before: true, types: []Type{Choice, Number, Math},
		re: regexp.MustCompile(`(?i)\s+is\s+(?:the\s+)?(?:(?:correct|right|best|final)\s+)?(?:answer|option|choice)\b`)},
	{name: "is correct", cues: []string{"orrect", "ight", "ORRECT", "IGHT"}, tier: 1, before: true, types: []Type{Choice},
		re: regexp.MustCompile(`(?i)\s+is\s+(?:correct|right)\b`)},
	{name: "the sorted list is", cues: []string{"orted", "ORTED"}, tier: 1, list: true, types: []Type{Text},
		re: regexp.MustCompile(`(?i)\bsorted\s+(?:list|words|order)(?:\s+of\s+words)?\s*(?:is|would\s+be|will\s+be)?\s*:`)},
	{name: "####", cues: []string{"####"}, tier: 2, re: regexp.MustCompile(`####`)},
	{name: "A: line", cues: []string{"A:"}, tier: 3, re: regexp.MustCompile(`(?m)^[ \t]*A:`)},
}

// answerCues are the cues of the phrases built on the word "answer".
var answerCues = []string{"nswer", "NSWER"}

// maxTier is the last tier of answerPhrases.
const maxTier = 3

var (
	// negationRE starts a fragment that denies rather than announces: "the
	// answer is not (D)".
	negationRE = regexp.MustCompile(`(?i)^\W*(?:not|never|n't)\b`)
	// newQuestionRE is a line that starts a new question: a model that
	// continues past its answer with "Q: ..." writes another question's
	// answer after it.
	// quantifiedRE ends the text before a phrase that is about every
	// option, not the answer: "each answer choice:".
	quantifiedRE = regexp.MustCompile(`(?i)\b(?:each|every|all|other|any)\s*$`)
	// placeholderRE is a box that echoes a prompt's format placeholder,
	// "\boxed{<number>}": never an answer.
	placeholderRE = regexp.MustCompile(`^<\s*[A-Za-z][A-Za-z /_-]*>$`)
	newQuestionRE = regexp.MustCompile(`(?m)^[ \t]*(?:Q|Question)(?:\s*\d+)?\s*:`)
)

// Extract returns the final answer that text gives, read for spec's answer
// type, and whether it found one. It is ExtractReply for a reply that
// ended normally.
func Extract(text string, spec Spec, mode Mode) (string, bool) {
	return ExtractReply(text, "", spec, mode)
}

// CutOff reports whether a finish reason says that the reply was cut off
// before its end: "length" (OpenAI-compatible servers), "max_tokens" or
// "max_output_tokens" (other APIs' spellings).
func CutOff(finishReason string) bool {
	switch strings.ToLower(strings.TrimSpace(finishReason)) {
	case "length", "max_tokens", "max_output_tokens", "model_length":
		return true
	}
	return false
}

// ExtractReply returns the final answer of a reply that ended with
// finishReason ("" when unknown), read for spec's answer type, and whether
// it found one.
//
// A box that holds a format placeholder ("\boxed{<number>}") is no box.
// A reply is first cut at a line that starts a new question ("Q: ...")
// after it has stated an answer. Strict reads only the last \boxed{...}
// (or \fbox{...}) and reports false when there is none or it is never
// closed: this is the synthesis filter. Lenient (evaluation) tries, in
// order, the last box, the answer phrases of answerPhrases, the last line,
// and then the whole text (the last number, choice label or yes/no
// statement), and takes the first of these that holds an answer of the
// right type. A fragment that hedges ("(A) or (B)") or announces an option
// the question does not have ends the search with no answer. A reply that
// was cut off (CutOff) has an answer only where it states one: in a box or
// after an answer phrase of the first two tiers; its last line and the rest
// of its text are never read.
//
// The answer comes back in a plain form: a number without currency or
// thousands separators ("-1234.5", "3/4", "50%"), an upper-case choice
// label, "yes" or "no", cleaned text, or the LaTeX of a math answer. A box
// whose content does not read as the type ("\boxed{many}" for a number)
// is returned as written in Strict mode, so that Equal rejects it and a
// verdict shows what the model wrote. A spec of unknown type reads as Text.
func ExtractReply(text, finishReason string, spec Spec, mode Mode) (string, bool) {
	text = cutAtNewQuestion(text)
	if box, ok := lastBoxed(text); ok && !placeholderRE.MatchString(box) {
		switch a, r := readAs(box, spec, inBox); r {
		case found:
			return a, true
		case void:
			return "", false
		}
		if mode == Strict {
			raw := cleanFragment(box)
			return raw, raw != ""
		}
	}
	if mode == Strict {
		return "", false
	}
	a, r := extractLenient(text, spec, CutOff(finishReason))
	return a, r == found
}

// cutAtNewQuestion returns text up to the first line that starts a new
// question after an answer has been stated (a closed box or an answer
// phrase).
func cutAtNewQuestion(text string) string {
	if !strings.Contains(text, "Q") {
		return text
	}
	ms := newQuestionRE.FindAllStringIndex(text, -1)
	if len(ms) == 0 {
		return text
	}
	stated := firstStatementEnd(text)
	for _, m := range ms {
		if m[0] >= stated && strings.TrimSpace(text[:m[0]]) != "" {
			return text[:m[0]]
		}
	}
	return text
}

// firstStatementEnd returns where the first closed box or answer phrase of
// text ends (len(text)+1 when there is none).
func firstStatementEnd(text string) int {
	end := len(text) + 1
	for _, c := range [...]string{`\boxed`, `\fbox`} {
		if i := strings.Index(text, c); i >= 0 && i < end {
			rest := strings.TrimLeft(text[i+len(c):], " \t\n")
			if inner, ok := braced(rest); ok && strings.HasPrefix(rest, "{") {
				end = min(end, len(text)-len(rest)+len(inner)+2)
			}
		}
	}
	for _, p := range answerPhrases {
		if p.mayOccur(text) {
			if loc := p.re.FindStringIndex(text); loc != nil {
				end = min(end, loc[1])
			}
		}
	}
	return end
}

// phraseMatch is one occurrence of an answer phrase in a reply.
type phraseMatch struct {
	p          phrase
	start, end int
}

func extractLenient(text string, spec Spec, cut bool) (string, reading) {
	var matches []phraseMatch
	for _, p := range answerPhrases {
		if !p.applies(spec.Type) || !p.mayOccur(text) {
			continue
		}
		a := p.re.SubexpIndex("a")
		locs := p.re.FindAllStringSubmatchIndex(text, -1)
		for _, loc := range locs[max(0, len(locs)-maxPhraseMatches):] {
			if quantifiedRE.MatchString(text[max(0, loc[0]-12):loc[0]]) {
				continue // "each answer choice:" goes through options
			}
			end := loc[1]
			if a > 0 {
				end = loc[2*a] // the answer is part of the match
			}
			matches = append(matches, phraseMatch{p, loc[0], end})
		}
	}
	slices.SortStableFunc(matches, func(a, b phraseMatch) int {
		if a.p.tier != b.p.tier {
			return a.p.tier - b.p.tier
		}
		return b.start - a.start // the last occurrence first
	})
	for _, m := range matches {
		if cut && m.p.tier == maxTier {
			break // an "A:" line opens a reply; it is no final statement
		}
		frag, at := phraseFragment(text, m)
		if at == afterPhrase && negationRE.MatchString(frag) {
			continue
		}
		if a, r := readAs(frag, spec, at); r != absent {
			return a, r
		}
	}
	if cut {
		return "", absent
	}
	body := maskNegated(text, spec)
	if line := lastLine(body); line != "" {
		if a, r := readAs(line, spec, onLastLine); r != absent {
			return a, r
		}
	}
	return readAs(body, spec, inWholeText)
}

// mayOccur reports whether text holds one of p's cues. The substring
// checks skip regexp scans that cannot match; the case-insensitive phrase
// scans are most of the cost of a long reply.
func (p phrase) mayOccur(text string) bool {
	for _, c := range p.cues {
		if strings.Contains(text, c) {
			return true
		}
	}
	return false
}

// phraseFragment returns the text an answer phrase announces: the rest of
// the line after it (or the next non-empty line, or for a list phrase the
// block of lines after it), or the sentence before it.
func phraseFragment(text string, m phraseMatch) (string, place) {
	if m.p.before {
		head := text[max(0, m.start-maxFragment):m.start]
		if i := strings.LastIndexAny(head, "\n.!?:;"); i >= 0 {
			head = head[i+1:]
		}
		return head, beforePhrase
	}
	if m.p.list {
		if l, ok := listAfter(text[m.end:]); ok {
			return l, afterPhrase
		}
	}
	return tailAfter(text, m.end), afterPhrase
}

// maxPhraseMatches is how many of a phrase's last occurrences are read:
// a reply that repeats a phrase thousands of times is looping, and its
// earliest occurrences are never its final answer.
const maxPhraseMatches = 64

// maxFragment bounds the text an answer phrase announces: an announced
// answer is short, and the bound keeps a reply with thousands of phrases
// on one long line linear to read.
const maxFragment = 600

// tailAfter returns the rest of the line that starts at i, or the next
// non-empty line when the rest is blank ("Final answer:\n42"), at most
// maxFragment bytes of it.
func tailAfter(text string, i int) string {
	rest := text[i:]
	line, after, _ := strings.Cut(rest, "\n")
	if strings.TrimSpace(strings.Trim(line, "*_:")) != "" {
		return bounded(line)
	}
	for l := range strings.SplitSeq(after, "\n") {
		if strings.TrimSpace(l) != "" {
			return bounded(l)
		}
	}
	return ""
}

// bounded cuts s to at most maxFragment bytes, at a character boundary.
func bounded(s string) string {
	if len(s) <= maxFragment {
		return s
	}
	i := maxFragment
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// listItemRE is one item line of a list: "1. apple", "- apple", "apple".
var listItemRE = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•])?\s*([^\s,.;:]+)[,.;]?\s*$`)

// listAfter reads a list of one-word items written one a line after a
// phrase ("The sorted list is:\n1. apple\n2. banana"): the items joined
// by spaces. It reports false when the rest of the phrase's line is not
// blank or fewer than two such lines follow.
func listAfter(rest string) (string, bool) {
	line, after, _ := strings.Cut(rest, "\n")
	if strings.TrimSpace(strings.Trim(line, "*_: ")) != "" {
		return "", false
	}
	var items []string
	for l := range strings.SplitSeq(bounded(after), "\n") {
		if strings.TrimSpace(l) == "" {
			if len(items) > 0 {
				break
			}
			continue
		}
		m := listItemRE.FindStringSubmatch(l)
		if m == nil {
			break
		}
		items = append(items, strings.Trim(m[1], "*_`\"'"))
	}
	if len(items) < 2 {
		return "", false
	}
	return strings.Join(items, " "), true
}

// numberedListRE is a reply's final block of numbered one-word lines.
var numberedListRE = regexp.MustCompile(`(?:(?:^|\n)[ \t]*\d+[.)][ \t]*[^\s,.;:]+[ \t]*)+\s*$`)

// trailingWordList returns the words of a numbered list of one word a line
// that ends the text ("1. apple\n2. banana"), joined by spaces.
func trailingWordList(text string) (string, bool) {
	loc := numberedListRE.FindStringIndex(text)
	if loc == nil {
		return "", false
	}
	var items []string
	for l := range strings.SplitSeq(text[loc[0]:loc[1]], "\n") {
		if m := listItemRE.FindStringSubmatch(l); m != nil {
			items = append(items, m[1])
		}
	}
	if len(items) < 2 {
		return "", false
	}
	return strings.Join(items, " "), true
}

// lastLine returns the last line of text that is not blank.
func lastLine(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[i+1:]
	}
	return strings.TrimSpace(text)
}

// typeReader reads an answer of one type from a fragment found at a place.
type typeReader func(frag string, spec Spec, at place) (string, reading)

// readers are the per-type readers; a type not listed reads as Text.
var readers = map[Type]typeReader{
	Number: numberReader,
	Choice: choiceReader,
	YesNo:  yesNoReader,
	Math:   mathReader,
	Text:   textReader,
}

// readAs reads an answer of spec's type from a fragment found at place at.
func readAs(frag string, spec Spec, at place) (string, reading) {
	read, ok := readers[spec.Type]
	if !ok {
		read = textReader
	}
	a, r := read(frag, spec, at)
	if r == found && a == "" {
		return "", absent
	}
	return a, r
}

// numberHedgeRE is a number answer that names two numbers: "5 or 6".
var numberHedgeRE = regexp.MustCompile(`(?i)^\D{0,12}\d[\d.,/%]*\s*(?:[a-z]+\s+)?(?:or|and/or)\s+(?:maybe\s+|perhaps\s+)?\$?\d`)

// numberReader reads a number: in a box one number as written, else a
// constant expression, else the last number; after a phrase the result of
// an arithmetic chain ("80 + 150 = 230") or the first number, or a number
// in words; before a phrase the last number; elsewhere the last number.
func numberReader(frag string, _ Spec, at place) (string, reading) {
	var a string
	var ok bool
	switch at {
	case inBox:
		if numberHedgeRE.MatchString(frag) {
			return "", void
		}
		a, ok = boxedNumber(frag)
	case afterPhrase:
		head := firstSentence(strings.TrimSpace(frag))
		if numberHedgeRE.MatchString(head) {
			return "", void
		}
		if a, ok = wordNumberLead(head); !ok {
			a, ok = chainResult(head)
		}
	case onLastLine:
		if a, ok = wordNumberWhole(frag, 0); !ok {
			a, ok = numberIn(frag, true)
		}
	default:
		a, ok = numberIn(frag, true)
	}
	if !ok {
		return "", absent
	}
	return a, found
}

// boxedNumber reads a number answer from a box: one number as written;
// else a number in words; else the value of a constant expression
// ("\sqrt{16}", "1\frac{1}{2}", "x = 2^{10}"); else the last number in it
// ("16 - 3 - 4 = 9").
func boxedNumber(box string) (string, bool) {
	if tok, ok := wholeNumber(numericPrep(box)); ok {
		return tok, true
	}
	if tok, ok := wordNumberWhole(box, 2); ok {
		return tok, true
	}
	if v, ok := mathValue(mathClean(box)); ok {
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return numberIn(box, true)
}

// chainOpRE is what may stand between two numbers of an arithmetic chain:
// an operator or "=", with a unit word and brackets around it.
var chainOpRE = regexp.MustCompile(`^[\s)]*(?:[a-zA-Z]+(?:\s*/\s*[a-zA-Z]+)?\s*)?([-+*/×÷=x]|\\times|\\cdot|\\div)[\s(]*$`)

// chainResult reads the number after an answer phrase: when the fragment
// starts with an arithmetic chain ("60 + 180 + 126 = 366") its result,
// the number after its last "="; otherwise the first number.
func chainResult(s string) (string, bool) {
	s = numericPrep(s)
	if tok, ok := wholeNumber(s); ok {
		return tok, true
	}
	locs := numberMatches(s)
	if len(locs) == 0 {
		return "", false
	}
	res := locs[0]
	for i := 1; i < len(locs); i++ {
		between := s[locs[i-1][1]:locs[i][0]]
		if c := s[locs[i][0]]; c == '-' || c == '+' {
			between += string(c) // a sign is the operator: "80 +150"
		}
		m := chainOpRE.FindStringSubmatch(between)
		if m == nil {
			break
		}
		if m[1] == "=" {
			res = locs[i]
		}
	}
	return cleanNumberToken(s[res[0]:res[1]]), true
}

// maxBareMathLine is the longest last line taken whole as a math answer
// when it has no math delimiters; a longer one is prose.
const maxBareMathLine = 40

// mathReader reads a LaTeX answer: the box content as written; after a
// phrase the first math segment ($...$, \(...\)) or the rest of the
// sentence; on the last line its last math segment, or the line when it
// is short; otherwise the last number.
func mathReader(frag string, _ Spec, at place) (string, reading) {
	a, ok := mathIn(frag, at)
	if !ok {
		return "", absent
	}
	return a, found
}

func mathIn(frag string, at place) (string, bool) {
	switch at {
	case inBox:
		s := strings.TrimSpace(frag)
		return s, s != ""
	case afterPhrase, onLastLine:
		if hasBoxCommand(frag) {
			break // the box was read first; what it frames is no answer
		}
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
	case beforePhrase:
		segs := mathDelimRE.FindAllStringSubmatch(frag, -1)
		if len(segs) > 0 {
			for _, g := range segs[len(segs)-1][1:] {
				if s := cleanMathSegment(g); s != "" {
					return s, true
				}
			}
		}
	}
	return numberIn(frag, true)
}

// hasBoxCommand reports whether s holds a \boxed or \fbox command.
func hasBoxCommand(s string) bool {
	return strings.Contains(s, `\boxed`) || strings.Contains(s, `\fbox`)
}

// cleanMathSegment trims a math segment's trailing punctuation.
func cleanMathSegment(s string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ".,;"))
}
