package answer

import (
	"slices"
	"strings"
	"unicode"
)

// Equal reports whether the predicted answer pred is the gold answer, read
// for spec's type; it is never plain string equality.
//
//   - Number: values within a relative tolerance of 1e-6, after reading
//     signs, currency, thousands separators, units, fractions (also LaTeX
//     \frac) and percent ("50%" equals 50 and 0.5); "1.05" is not 15.
//   - Choice: the labels, where either side may be a label in any written
//     form ("B", "(b)", "(B) text") or an option's text.
//   - YesNo: yes/no, with true/false and valid/invalid meaning the same.
//   - Text: case, punctuation, articles and spacing ignored; numbers by
//     value.
//   - Math: normalized LaTeX (\dfrac, \left, \text, degrees, units, "x="),
//     tuples and intervals element by element, sets and bare lists in any
//     order, matrices cell by cell, and by value (or by evaluation at fixed
//     points, for expressions with variables) where both sides parse.
//
// A spec of unknown type compares as Text. An empty answer equals nothing.
func Equal(pred, gold string, spec Spec) bool {
	pred, gold = strings.TrimSpace(pred), strings.TrimSpace(gold)
	if pred == "" || gold == "" {
		return false
	}
	switch spec.Type {
	case Number:
		return numberEqual(pred, gold)
	case Choice:
		return choiceEqual(pred, gold, spec)
	case YesNo:
		g, okG := yesNoIn(gold)
		p, okP := yesNoIn(pred)
		if okG && okP {
			return g == p
		}
		return okG == okP && textEqual(pred, gold)
	case Math:
		return mathEqual(pred, gold)
	default:
		return textEqual(pred, gold)
	}
}

// choiceEqual compares two choice answers by label. An answer that is the
// text of several options with the same text (a dataset duplicate) stands
// for all of them.
func choiceEqual(pred, gold string, spec Spec) bool {
	g, p := choiceLabels(gold, spec), choiceLabels(pred, spec)
	if len(g) == 0 || len(p) == 0 {
		return len(g) == len(p) && textEqual(pred, gold)
	}
	for _, x := range g {
		if slices.Contains(p, x) {
			return true
		}
	}
	return false
}

// choiceLabels returns the labels a choice answer stands for.
func choiceLabels(s string, spec Spec) []string {
	a, ok := choiceLabel(s, spec)
	if !ok {
		return nil
	}
	if l, ok := validLabel(a, spec); ok {
		return []string{l}
	}
	var labels []string
	for _, i := range optionsIs(a, spec) {
		labels = append(labels, strings.ToUpper(spec.Options[i].Label))
	}
	return labels
}

// numberEqual compares two numeric answers; a side that is not one plain
// number may still be a constant expression ("\sqrt{16}", "3 + 4").
func numberEqual(pred, gold string) bool {
	g, okG := numericValue(gold)
	p, okP := numericValue(pred)
	if okG && okP {
		return numbersEqual(p, g)
	}
	return !okG && !okP && textEqual(pred, gold)
}

// numericValue reads s as one number, or as a constant LaTeX expression.
func numericValue(s string) (number, bool) {
	if n, ok := parseNumber(s); ok {
		return n, true
	}
	if v, ok := mathValue(mathClean(s)); ok {
		return number{value: v}, true
	}
	return number{}, false
}

// textEqual compares two free-text answers: by value when both are plain
// numbers ("1,000" and "1000"), else as normalized text, so that "24" is
// not "24 April".
func textEqual(pred, gold string) bool {
	if p, ok := plainNumber(pred); ok {
		if g, ok := plainNumber(gold); ok {
			return numbersEqual(p, g)
		}
	}
	return normalizeText(pred) == normalizeText(gold)
}

// plainNumber reads s as a number without words around it.
func plainNumber(s string) (number, bool) {
	if strings.IndexFunc(s, unicode.IsLetter) >= 0 {
		return number{}, false
	}
	return parseNumber(s)
}

// Canonical returns the vote key of an answer: equivalent answers of
// spec's type get the same key ("1,000", "$1000" and "1000.0" all give
// "1000"; "(b)" and "B" give "B"; "True" gives "yes"; "\dfrac12" and "0.5"
// give "0.5"). An empty answer gives "". Keys are compared exactly; a
// percent keeps its written value ("50%" gives "50").
func Canonical(ans string, spec Spec) string {
	ans = strings.TrimSpace(ans)
	if ans == "" {
		return ""
	}
	switch spec.Type {
	case Number:
		if n, ok := numericValue(ans); ok {
			return formatNumber(n.value)
		}
	case Choice:
		if l, ok := choiceLabel(ans, spec); ok {
			return l
		}
	case YesNo:
		if yn, ok := yesNoIn(ans); ok {
			return yn
		}
	case Math:
		return mathCanonical(ans)
	default:
		if n, ok := plainNumber(ans); ok {
			return formatNumber(n.value)
		}
	}
	return normalizeText(ans)
}
