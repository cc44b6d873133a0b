package answer

import (
	"regexp"
	"slices"
	"strings"
)

// Multiple-choice answers: a label in one of its many written forms, or the
// text of an option.

var (
	// choiceFormsRE matches the written forms of a choice label; the
	// label is in whichever group took part:
	//   1: "(B)", "(b)"   2: "B)", "B.", "B:" (capital only)
	//   3, 4: "option B", "choice (c)", "letter b"
	//   5, 6: "answer is b", "answer: B"
	// A lower-case letter only counts before punctuation or the end, so
	// that the article in "the answer is a dog" is not read as option A.
	// Groups 1 to 4 name a label explicitly (explicitLabelGroups).
	choiceFormsRE = regexp.MustCompile(
		`\(([A-Za-z])\)` +
			`|\b([A-Z])[).:](?:\s|$)` +
			`|(?i:\b(?:option|choice|letter)\s*:?\s*\(?)(?:([A-Z])\b|([a-z])(?:[).,:]|\s*$))` +
			`|(?i:\banswer(?:\s+is)?\s*:?\s*\(?)(?:([A-Z])\b|([a-z])(?:[).,:]|\s*$))`)
	// leadingLabelRE is a capital label at the start of a fragment.
	leadingLabelRE = regexp.MustCompile(`^\(?([A-Z])\b`)
	// labelledOptionRE is a label followed by text: "(C) Texas A&M".
	labelledOptionRE = regexp.MustCompile(`^\(?([A-Za-z])[).:]\s*(.+)$`)
	// trailingLabelRE is a label that ends a fragment: "Therefore, C".
	trailingLabelRE = regexp.MustCompile(`(?:^|[\s(])\(?([A-Z])\)?\s*$`)
	// bareLabelRE is a fragment that is nothing but a label.
	bareLabelRE = regexp.MustCompile(`^[(\[<]?([A-Za-z])[)\]>]?[.:]?$`)
)

// explicitLabelGroups is the number of choiceFormsRE groups that name a
// label explicitly ("(E)", "E)", "option E").
const explicitLabelGroups = 4

// defaultLabels are the labels accepted when a spec lists no options.
const defaultLabels = "ABCDEFGHIJKLMNOPQR"

// validLabel returns the upper-case label when l is one of spec's labels.
func validLabel(l string, spec Spec) (string, bool) {
	l = strings.ToUpper(l)
	if len(spec.Options) == 0 {
		return l, len(l) == 1 && strings.Contains(defaultLabels, l)
	}
	for _, o := range spec.Options {
		if strings.EqualFold(o.Label, l) {
			return strings.ToUpper(o.Label), true
		}
	}
	return "", false
}

// choiceIn reads a choice label from a fragment found at place at (see
// choiceReader), for callers that need only a found answer.
func choiceIn(s string, spec Spec, at place) (string, bool) {
	a, r := choiceReader(s, spec, at)
	return a, r == found
}

// choiceReader reads a choice label from a fragment found at place at,
// trying in turn: a hedge that names several options (no answer); a bare
// label ("B", "(b)"); the fragment being an option's text ("A bison." is
// that option, not label A); the explicit written forms ("(B)", "B)",
// "option B"), the first in a box or after a phrase and the last
// elsewhere; right after an answer phrase, a capital label starting the
// fragment ("C because ..."); right before one, the label ending it ("C is
// the correct answer"); and, except in the whole text (where the
// question's own option list would match), an option's text contained in
// the fragment. In a box, after a phrase or on the last line, a label
// written explicitly that is not one of the options makes the reply's
// answer void. When the fragment is the text of several options that read
// the same (datasets have duplicates), the cleaned text itself is returned
// and Equal accepts any of those options.
func choiceReader(s string, spec Spec, at place) (string, reading) {
	frag := cleanFragment(s)
	announced := at == inBox || at == afterPhrase || at == onLastLine
	bare := bareLabelRE.FindStringSubmatch(frag)
	if bare != nil {
		if l, ok := validLabel(bare[1], spec); ok {
			return l, found
		}
	}
	if at != inWholeText {
		// The fragment is an option's text, perhaps after its label: "K"
		// or "A and B above" may be an option, not a label or a hedge.
		if m := labelledOptionRE.FindStringSubmatch(frag); m != nil {
			if l, ok := validLabel(m[1], spec); ok && slices.Contains(optionsIs(m[2], spec), optionIndex(l, spec)) {
				return l, found
			}
		}
		if a, ok := pickOption(frag, optionsIs(frag, spec), spec); ok {
			return a, found
		}
	}
	if announced && (bare != nil && isUpper(bare[1]) || choiceHedge(frag, spec)) {
		return "", void
	}
	if at == beforePhrase {
		if m := trailingLabelRE.FindStringSubmatch(frag); m != nil {
			if l, ok := validLabel(m[1], spec); ok {
				return l, found
			}
			return "", void
		}
	}
	matches := choiceFormsRE.FindAllStringSubmatch(frag, -1)
	for i := range matches {
		m := matches[i]
		if at >= beforePhrase {
			m = matches[len(matches)-1-i]
		}
		for g := 1; g < len(m); g++ {
			if m[g] == "" {
				continue
			}
			if l, ok := validLabel(m[g], spec); ok {
				return l, found
			}
			if announced && i == 0 && g <= explicitLabelGroups {
				return "", void // "the answer is (E)" with options A-D
			}
		}
	}
	if at == afterPhrase {
		if m := leadingLabelRE.FindStringSubmatch(frag); m != nil {
			if l, ok := validLabel(m[1], spec); ok {
				return l, found
			}
		}
	}
	if at != inWholeText {
		if a, ok := pickOption(frag, optionsIn(frag, spec), spec); ok {
			return a, found
		}
	}
	return "", absent
}

// optionIndex returns the index of the option with label l, or -1.
func optionIndex(l string, spec Spec) int {
	for i, o := range spec.Options {
		if strings.EqualFold(o.Label, l) {
			return i
		}
	}
	return -1
}

func isUpper(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

var (
	// clauseEndRE ends the clause that states an answer: what follows a
	// "because" or a "not" argues rather than answers.
	clauseEndRE = regexp.MustCompile(`(?i)\b(?:because|since|as|but|not|which|while|whereas|rather|instead|over|given|due|if|unless|except|than)\b|[;—]|\s-\s`)
	// connectiveRE joins the options of a hedge.
	connectiveRE = regexp.MustCompile(`(?i)\b(?:or|and|either|both)\b|[,/&]`)
	// pairedLabelRE is a bare label next to a connective: "A or B".
	pairedLabelRE = regexp.MustCompile(`\b([A-Z])\)?\s*(?:,|/|&|\bor\b|\band\b)\s*(?:(?i:option|choice)\s+)?\(?([A-Z])(?:\)|[.,;:!?]|\s*$|\s+(?:or|and|is|are)\b)`)
	// orRE is the word "or".
	orRE = regexp.MustCompile(`(?i)\bor\b`)
)

// choiceHedge reports whether the clause that starts frag names several
// options: "(A) or (B)", "A and C", "Planting trees or building roads".
func choiceHedge(frag string, spec Spec) bool {
	head := firstSentence(frag)
	if loc := clauseEndRE.FindStringIndex(head); loc != nil {
		head = head[:loc[0]]
	}
	if !connectiveRE.MatchString(head) {
		return false
	}
	labels := map[string]bool{}
	add := func(g string) {
		if l, ok := validLabel(g, spec); ok {
			labels[l] = true
		}
	}
	for _, m := range choiceFormsRE.FindAllStringSubmatch(head, -1) {
		for _, g := range m[1:] {
			if g != "" {
				add(g)
			}
		}
	}
	for _, m := range pairedLabelRE.FindAllStringSubmatch(head, -1) {
		add(m[1])
		add(m[2])
	}
	if len(labels) >= 2 {
		return true
	}
	if len(spec.Options) == 0 || !orRE.MatchString(head) {
		return false
	}
	f := normalizeText(head)
	texts := map[string]bool{}
	for _, o := range spec.Options {
		for _, name := range optionNames(o) {
			if containsWords(f, name) {
				texts[normalizeText(o.Text)] = true
			}
		}
	}
	return len(texts) >= 2
}

// negatedLabelRE is an option ruled out in prose: "not (D)", "isn't B",
// "eliminate option C".
var negatedLabelRE = regexp.MustCompile(`(?i:\b(?:not|isn't|never|cannot\s+be|can't\s+be|eliminate|rule\s+out|rules\s+out|excluding)\s+(?:the\s+)?(?:(?:answer|option|choice)\s+)?)\(?[A-Z]\)?(?:\W|$)`)

// maskNegated blanks the options a choice reply rules out, so that the
// readers of its last line and whole text do not take "not (D)" for D.
// Other types' text is returned as is.
func maskNegated(text string, spec Spec) string {
	if spec.Type != Choice || !strings.Contains(text, "n") {
		return text
	}
	return negatedLabelRE.ReplaceAllStringFunc(text, func(m string) string {
		return strings.Repeat(" ", len(m))
	})
}

// pickOption turns the options a fragment matched into an answer: the
// label of a single option, the fragment itself for several options with
// the same text (up to case and spacing), nothing otherwise ("1.0 x 10^3"
// and "1.0 x 10^-3" are the same after normalizeText, not the same option).
func pickOption(frag string, idx []int, spec Spec) (string, bool) {
	switch {
	case len(idx) == 0:
		return "", false
	case len(idx) == 1:
		return strings.ToUpper(spec.Options[idx[0]].Label), true
	}
	t := looseText(spec.Options[idx[0]].Text)
	for _, i := range idx[1:] {
		if looseText(spec.Options[i].Text) != t {
			return "", false
		}
	}
	return frag, true
}

// looseText is an option text up to case, spacing and a final period: the
// form under which two options are the same (a dataset duplicate).
func looseText(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.TrimRight(s, ". ")), " "))
}

// optionsIs returns the indexes of the options whose text the fragment is:
// equal up to case, spacing and a final period; else equal after
// normalizeText; else, for numbers, equal in value.
func optionsIs(frag string, spec Spec) []int {
	if frag == "" || len(spec.Options) == 0 {
		return nil
	}
	f := looseText(frag)
	if idx := matchOptions(spec, func(o string) bool { return looseText(o) == f }); len(idx) > 0 {
		return idx
	}
	if n := normalizeText(frag); n != "" {
		if idx := matchOptions(spec, func(o string) bool { return normalizeText(o) == n }); len(idx) > 0 {
			return idx
		}
		if idx := matchOptions(spec, func(o string) bool {
			return slices.Contains(optionAliases[normalizeText(o)], n)
		}); len(idx) > 0 {
			return idx
		}
	}
	if x, ok := parseNumber(frag); ok {
		return matchOptions(spec, func(o string) bool {
			y, ok := parseNumber(o)
			return ok && numbersEqual(x, y)
		})
	}
	return nil
}

// optionAliases are other words for the option texts of some tasks:
// ANLI's labels written as verbs ("the premise entails the hypothesis").
// Keys and aliases are normalized text (see normalizeText).
var optionAliases = map[string][]string{
	"entailment":    {"entails", "entail", "entailed", "is entailed"},
	"contradiction": {"contradicts", "contradict", "contradicted", "contradictory"},
	"neutral":       {"neither", "neither entails nor contradicts", "neither entailment nor contradiction"},
}

// optionNames returns the normalized text of an option and its aliases.
func optionNames(o Option) []string {
	t := normalizeText(o.Text)
	if t == "" {
		return nil
	}
	return append([]string{t}, optionAliases[t]...)
}

// optionsIn returns the option the fragment names by containing its text
// or an alias of it (normalized, at word boundaries). The longest
// contained name wins, with every option of that same text; another
// contained option whose name is not part of it makes the fragment
// ambiguous (nil).
func optionsIn(frag string, spec Spec) []int {
	f := normalizeText(frag)
	if f == "" {
		return nil
	}
	named := make([]string, len(spec.Options)) // the longest name of each option in f
	best, bestText := "", ""
	for i, o := range spec.Options {
		for _, n := range optionNames(o) {
			if containsWords(f, n) && len(n) > len(named[i]) {
				named[i] = n
			}
		}
		if len(named[i]) > len(best) {
			best, bestText = named[i], normalizeText(o.Text)
		}
	}
	if best == "" {
		return nil
	}
	var idx []int
	for i, o := range spec.Options {
		switch {
		case normalizeText(o.Text) == bestText:
			idx = append(idx, i)
		case named[i] != "" && !containsWords(best, named[i]):
			return nil
		}
	}
	return idx
}

// matchOptions returns the indexes of the options whose text is matched.
func matchOptions(spec Spec, match func(text string) bool) []int {
	var idx []int
	for i, o := range spec.Options {
		if strings.TrimSpace(o.Text) != "" && match(o.Text) {
			idx = append(idx, i)
		}
	}
	return idx
}

// containsWords reports whether the normalized text s contains the
// normalized text sub at word boundaries.
func containsWords(s, sub string) bool {
	return strings.Contains(" "+s+" ", " "+sub+" ")
}

// choiceLabel reads an answer that should name an option (a label, "(A)
// text", the option text) and returns its label.
func choiceLabel(s string, spec Spec) (string, bool) {
	return choiceIn(s, spec, inBox)
}
