package simserver

import (
	"math"
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// judgeSame reads the reference answer and the proposed solution from a
// judge prompt and reports whether their final answers agree. The spec is
// the question's when the key knows it.
func judgeSame(prompt string, spec answer.Spec) bool {
	ri := lastIndexFold(prompt, cueReference)
	pi := lastIndexFold(prompt, cueProposed)
	if ri < 0 || pi < 0 {
		return false
	}
	ref := prompt[ri+len(cueReference):]
	if j := strings.IndexByte(ref, '\n'); j >= 0 {
		ref = ref[:j]
	}
	proposed := prompt[pi+len(cueProposed):]
	if ri > pi {
		proposed = prompt[pi+len(cueProposed) : ri]
	}
	pred, ok := finalAnswer(proposed)
	if !ok {
		return false
	}
	return sameAnswer(pred, strings.TrimSpace(ref), spec)
}

// answerMarkers are the phrases after which models state a final answer,
// lower case, most specific first.
var answerMarkers = []string{"final answer:**", "final answer:", "answer is", "####", "answer:"}

// finalAnswer reads the final answer of a solution: the last \boxed{...},
// else the text after the last answer phrase, else the last line.
func finalAnswer(text string) (string, bool) {
	if i := strings.LastIndex(text, `\boxed{`); i >= 0 {
		if inner, ok := braced(text[i+len(`\boxed`):]); ok {
			return inner, true
		}
	}
	for _, m := range answerMarkers {
		if i := lastIndexFold(text, m); i >= 0 {
			rest := text[i+len(m):]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				rest = rest[:j]
			}
			if rest = strings.TrimSpace(rest); rest != "" {
				return rest, true
			}
		}
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", false
	}
	return text[strings.LastIndexByte(text, '\n')+1:], true
}

// braced returns the content of the balanced {...} that s starts with.
func braced(s string) (string, bool) {
	if s == "" || s[0] != '{' {
		return "", false
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[1:i], true
			}
		}
	}
	return "", false
}

// sameAnswer is the judge's comparison: type-aware when the spec is known,
// by number then by normalized text otherwise.
func sameAnswer(pred, ref string, spec answer.Spec) bool {
	switch spec.Type {
	case answer.Choice:
		p, r := choiceOf(pred, spec), choiceOf(ref, spec)
		return p != "" && p == r
	case answer.YesNo:
		p, r := yesNoOf(pred), yesNoOf(ref)
		return p != "" && p == r
	}
	if p, ok := numberOf(pred); ok {
		if r, ok := numberOf(ref); ok {
			return math.Abs(p-r) <= 1e-9*math.Max(1, math.Abs(r))
		}
	}
	return normalize(pred) == normalize(ref)
}

// normalize lower-cases an answer and drops what does not change it:
// dollar and percent signs, LaTeX spacing and sizing, thousands
// separators, spaces, a trailing period and surrounding parentheses or
// emphasis.
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer(`\$`, "", "$", "", `\%`, "", "%", "", `\left`, "", `\right`, "", `\!`, "",
		`\,`, "", `\dfrac`, `\frac`, `\tfrac`, `\frac`, "**", "", " ", "").Replace(s)
	s = strings.TrimSuffix(s, ".")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// numberOf reads a number, a/b, or \frac{a}{b} at the start of an answer,
// ignoring currency, separators and a trailing unit.
func numberOf(s string) (float64, bool) {
	s = normalize(s)
	if strings.HasPrefix(s, `\frac{`) || strings.HasPrefix(s, `-\frac{`) {
		neg := s[0] == '-'
		s = strings.TrimPrefix(s, "-")
		num, ok := braced(s[len(`\frac`):])
		if !ok {
			return 0, false
		}
		den, ok := braced(s[len(`\frac`)+len(num)+2:])
		if !ok {
			return 0, false
		}
		a, errA := strconv.ParseFloat(num, 64)
		b, errB := strconv.ParseFloat(den, 64)
		if errA != nil || errB != nil || b == 0 {
			return 0, false
		}
		if neg {
			a = -a
		}
		return a / b, true
	}
	end := 0
	for end < len(s) && (isDigit(s[end]) || s[end] == '.' || s[end] == '-' && end == 0 || s[end] == '/') {
		end++
	}
	lead := s[:end]
	if num, den, ok := strings.Cut(lead, "/"); ok {
		a, errA := strconv.ParseFloat(num, 64)
		b, errB := strconv.ParseFloat(den, 64)
		if errA != nil || errB != nil || b == 0 {
			return 0, false
		}
		return a / b, true
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(lead, "."), 64)
	return v, err == nil
}

// choiceOf reads a choice label: "(B)", "B)", "B", "B. text", or an
// option's text.
func choiceOf(s string, spec answer.Spec) string {
	t := strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "*"))
	t = strings.TrimPrefix(t, "(")
	if t != "" && 'A' <= t[0]&^0x20 && t[0]&^0x20 <= 'R' && (len(t) == 1 || !isAlnum(t[1])) {
		return string(t[0] &^ 0x20)
	}
	for _, o := range spec.Options {
		if normalize(o.Text) == normalize(s) {
			return o.Label
		}
	}
	// "The correct option is (B) text": the last parenthesized label.
	for i := len(s) - 3; i >= 0; i-- {
		if s[i] == '(' && s[i+2] == ')' && 'A' <= s[i+1] && s[i+1] <= 'R' {
			return s[i+1 : i+2]
		}
	}
	return ""
}

// yesNoOf maps yes/true/valid to "yes" and no/false/invalid to "no".
func yesNoOf(s string) string {
	f := strings.Fields(strings.ToLower(s))
	if len(f) == 0 {
		return ""
	}
	switch strings.Trim(f[0], ".,!*") {
	case "yes", "true", "valid":
		return "yes"
	case "no", "false", "invalid":
		return "no"
	}
	return ""
}
