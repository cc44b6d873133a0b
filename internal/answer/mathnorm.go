package answer

import (
	"regexp"
	"strings"
)

// LaTeX normalization for MATH-style answers: the spellings of the same
// expression reduced to one form before they are compared as strings.

var (
	mathReplacer = strings.NewReplacer(
		`\\`, `\\`, // a matrix row break stays whole (not "\" + "\ ")
		`\dfrac`, `\frac`, `\tfrac`, `\frac`, `\displaystyle`, "",
		`\left.`, "", `\right.`, "", `\left`, "", `\right`, "",
		`\bigl`, "", `\bigr`, "", `\Bigl`, "", `\Bigr`, "",
		`\!`, "", `\,`, " ", `\;`, " ", `\:`, " ", `\ `, " ", `~`, " ",
		`\$`, "", `\%`, "", `%`, "", `\mid`, "|", `\lvert`, "|", `\rvert`, "|",
		`{,}`, ",", "−", "-", `\dots`, `\ldots`, `\cdots`, `\ldots`,
	)
	// fracDigitsRE: \frac12, \frac 34.
	fracDigitsRE = regexp.MustCompile(`\\frac\s*(\d)\s*(\d)`)
	// fracDigitGroupRE: \frac3{4}.
	fracDigitGroupRE = regexp.MustCompile(`\\frac\s*(\d)\s*\{`)
	// fracGroupDigitRE: \frac{270}7.
	fracGroupDigitRE = regexp.MustCompile(`\\frac\s*\{([^{}]*)\}\s*(\d)`)
	// sqrtShortRE: \sqrt2, \sqrt x.
	sqrtShortRE = regexp.MustCompile(`\\sqrt\s*([0-9a-zA-Z])`)
	// unitSuffixRE is a unit written after a number or a group: "5.4 cents",
	// "15 cm^2", "\frac{270}{7} degrees".
	unitSuffixRE = regexp.MustCompile(`^(.*[\d}])\s+(?:[a-zA-Z]{2,}\s*)+(?:\^\s*\{?[23]\}?)?$`)
	// mixedNumberRE is a whole mixed number: "1\frac{4}{5}" is 1 4/5.
	mixedNumberRE = regexp.MustCompile(`^(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}$`)
	// varAssignRE is "x =" or "x \in" before an answer.
	varAssignRE = regexp.MustCompile(`^\s*[a-zA-Z]\s*(?:=|\\in\b)\s*`)
	// thousandsRE is an integer or decimal with comma thousands separators.
	thousandsRE = regexp.MustCompile(`^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$`)
	// parenLabelRE is a lone choice label in parentheses: "(B)".
	parenLabelRE = regexp.MustCompile(`^\(([A-Za-z])\)$`)
	// wordsRE is a plain word answer ("Evelyn", "east").
	wordsRE = regexp.MustCompile(`^[A-Za-z][A-Za-z ]+$`)
)

// mathClean normalizes a LaTeX answer, keeping single spaces (which
// separate commands from their arguments, as in "\cot x").
func mathClean(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.Trim(s, "$"))
	s = unwrapLatexText(s)
	s = degreeRE.ReplaceAllString(s, "")
	s = mathReplacer.Replace(s)
	s = fracDigitsRE.ReplaceAllString(s, `\frac{$1}{$2}`)
	s = fracDigitGroupRE.ReplaceAllString(s, `\frac{$1}{`)
	s = fracGroupDigitRE.ReplaceAllString(s, `\frac{$1}{$2}`)
	s = sqrtShortRE.ReplaceAllString(s, `\sqrt{$1}`)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimSpace(strings.TrimSuffix(s, "."))
	if strings.Count(s, "=") <= 1 {
		s = varAssignRE.ReplaceAllString(s, "")
	}
	if m := unitSuffixRE.FindStringSubmatch(s); m != nil {
		s = strings.TrimSpace(m[1])
	}
	if t := strings.ReplaceAll(s, " ", ""); thousandsRE.MatchString(t) {
		s = strings.ReplaceAll(t, ",", "")
	}
	if m := mixedNumberRE.FindStringSubmatch(s); m != nil {
		s = m[1] + "(" + m[2] + `+\frac{` + m[3] + "}{" + m[4] + "})"
	}
	if m := parenLabelRE.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	return s
}

// mathKey is the string comparison form of a cleaned LaTeX answer (see
// mathClean): no spaces; a plain-word answer in lower case.
func mathKey(clean string) string {
	if wordsRE.MatchString(clean) && len(clean) > 1 {
		return strings.Join(strings.Fields(strings.ToLower(clean)), " ")
	}
	return strings.ReplaceAll(clean, " ", "")
}
