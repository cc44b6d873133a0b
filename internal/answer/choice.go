package answer

import (
	"regexp"
	"strings"
)

// Multiple-choice answers: a label in one of its many written forms, or the
// text of an option.

var (
	// choiceFormsRE matches the explicit written forms of a choice label;
	// the label is in whichever group took part:
	//   1: "(B)", "(b)"   2: "B)", "B.", "B:" (capital only)
	//   3, 4: "option B", "choice (c)", "answer is b", "answer: B"; a
	//   lower-case letter only before punctuation or the end, so that the
	//   article in "the answer is a dog" is not read as option A
	choiceFormsRE = regexp.MustCompile(
		`\(([A-Za-z])\)` +
			`|\b([A-Z])[).:](?:\s|$)` +
			`|(?i:\b(?:option|choice|answer(?:\s+is)?|letter)\s*:?\s*\(?)(?:([A-Z])\b|([a-z])(?:[).,:]|\s*$))`)
	// leadingLabelRE is a capital label at the start of a fragment.
	leadingLabelRE = regexp.MustCompile(`^\(?([A-Z])\b`)
	// bareLabelRE is a fragment that is nothing but a label.
	bareLabelRE = regexp.MustCompile(`^\(?\[?([A-Za-z])\]?\)?[.:]?$`)
)

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

// choiceIn reads a choice label from a fragment found at place at, trying
// in turn: a bare label ("B", "(b)"); the fragment being an option's text
// ("A bison." is that option, not label A); the explicit written forms
// ("(B)", "B)", "option B"), the first in a box or after a phrase and the
// last elsewhere; right after an answer phrase, a capital label starting
// the fragment ("C because ..."); and, except in the whole text (where the
// question's own option list would match), an option's text contained in
// the fragment. When the fragment is the text of several options that read
// the same (datasets have duplicates), the cleaned text itself is returned
// and Equal accepts any of those options.
func choiceIn(s string, spec Spec, at place) (string, bool) {
	frag := cleanFragment(s)
	if m := bareLabelRE.FindStringSubmatch(frag); m != nil {
		if l, ok := validLabel(m[1], spec); ok {
			return l, true
		}
	}
	if at != inWholeText {
		if a, ok := pickOption(frag, optionsIs(frag, spec), spec); ok {
			return a, true
		}
	}
	matches := choiceFormsRE.FindAllStringSubmatch(frag, -1)
	for i := range matches {
		m := matches[i]
		if at >= onLastLine {
			m = matches[len(matches)-1-i]
		}
		for _, g := range m[1:] {
			if g == "" {
				continue
			}
			if l, ok := validLabel(g, spec); ok {
				return l, true
			}
		}
	}
	if at == afterPhrase {
		if m := leadingLabelRE.FindStringSubmatch(frag); m != nil {
			if l, ok := validLabel(m[1], spec); ok {
				return l, true
			}
		}
	}
	if at != inWholeText {
		return pickOption(frag, optionsIn(frag, spec), spec)
	}
	return "", false
}

// pickOption turns the options a fragment matched into an answer: the
// label of a single option, the fragment itself for several options with
// the same text, nothing otherwise.
func pickOption(frag string, idx []int, spec Spec) (string, bool) {
	switch {
	case len(idx) == 0:
		return "", false
	case len(idx) == 1:
		return strings.ToUpper(spec.Options[idx[0]].Label), true
	}
	t := normalizeText(spec.Options[idx[0]].Text)
	for _, i := range idx[1:] {
		if normalizeText(spec.Options[i].Text) != t {
			return "", false
		}
	}
	return frag, true
}

// optionsIs returns the indexes of the options whose text the fragment is:
// equal up to case, spacing and a final period; else equal after
// normalizeText; else, for numbers, equal in value.
func optionsIs(frag string, spec Spec) []int {
	if frag == "" || len(spec.Options) == 0 {
		return nil
	}
	loose := func(s string) string {
		return strings.ToLower(strings.Join(strings.Fields(strings.TrimRight(s, ". ")), " "))
	}
	f := loose(frag)
	if idx := matchOptions(spec, func(o string) bool { return loose(o) == f }); len(idx) > 0 {
		return idx
	}
	if n := normalizeText(frag); n != "" {
		if idx := matchOptions(spec, func(o string) bool { return normalizeText(o) == n }); len(idx) > 0 {
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

// optionsIn returns the option the fragment names by containing its text
// (normalized, at word boundaries). The longest contained text wins, with
// every option of that same text; another contained option that is not
// part of it makes the fragment ambiguous (nil).
func optionsIn(frag string, spec Spec) []int {
	f := normalizeText(frag)
	if f == "" {
		return nil
	}
	var best string
	for _, o := range spec.Options {
		if t := normalizeText(o.Text); t != "" && containsWords(f, t) && len(t) > len(best) {
			best = t
		}
	}
	if best == "" {
		return nil
	}
	var idx []int
	for i, o := range spec.Options {
		t := normalizeText(o.Text)
		switch {
		case t == best:
			idx = append(idx, i)
		case t != "" && containsWords(f, t) && !containsWords(best, t):
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
