package task

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// normalizer turns one raw record of a task's file into an Example. part
// describes the file the record came from (its split and tag).
type normalizer func(rec record, p part) (Example, error)

// letter returns the choice label for the 0-based option index i.
func letter(i int) string { return string(rune('A' + i)) }

// renderChoices appends the options to a question the way every
// multiple-choice task shows them: "Answer Choices: (A) ... (B) ...".
func renderChoices(question string, opts []answer.Option) string {
	if len(opts) == 0 {
		return question
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(question))
	b.WriteString("\nAnswer Choices:")
	for _, o := range opts {
		fmt.Fprintf(&b, " (%s) %s", o.Label, o.Text)
	}
	return b.String()
}

// canonNumber returns the canonical form of a number as written in a
// dataset: thousands separators, a leading '+' and trailing zeros of a
// fraction part removed ("1,000" -> "1000", "51.0" -> "51", "2.50" -> "2.5").
// Integer fractions ("5/2") are kept as written. ok is false when s is not a
// number.
func canonNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	if num, den, found := strings.Cut(s, "/"); found {
		n, ok1 := canonNumber(num)
		d, ok2 := canonNumber(den)
		if !ok1 || !ok2 || strings.ContainsAny(n+d, ".eE") {
			return "", false
		}
		return n + "/" + d, true
	}
	if strings.Contains(s, ",") {
		if !thousands(s) {
			return "", false
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(strings.TrimLeft(s, "-"), "inf") || strings.EqualFold(s, "nan") {
		return "", false
	}
	if strings.Contains(s, ".") && !strings.ContainsAny(s, "eE") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		if s == "" || s == "-" {
			s += "0"
		}
	}
	if s == "-0" {
		s = "0"
	}
	return s, true
}

// thousands reports whether the commas in s group digits by three.
func thousands(s string) bool {
	intPart, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	groups := strings.Split(intPart, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// numberOrText returns the spec and canonical answer for a gold answer that
// is a number for most records of a task but text for some.
func numberOrText(s string) (answer.Spec, string) {
	if n, ok := canonNumber(s); ok {
		return answer.Spec{Type: answer.Number}, n
	}
	return answer.Spec{Type: answer.Text}, strings.TrimSpace(s)
}

// lastBoxed returns the content of the last \boxed{...} (or \fbox{...}) in
// a LaTeX solution, with nested braces matched; "" when there is none.
func lastBoxed(s string) string {
	start := -1
	for _, cmd := range []string{`\boxed`, `\fbox`} {
		if i := strings.LastIndex(s, cmd); i > start {
			start = i + len(cmd)
		}
	}
	if start < 0 {
		return ""
	}
	rest := strings.TrimLeft(s[start:], " ")
	if !strings.HasPrefix(rest, "{") {
		// "\boxed 5" form: up to the next space or dollar sign.
		end := strings.IndexAny(rest, " $")
		if end < 0 {
			end = len(rest)
		}
		return strings.TrimSpace(rest[:end])
	}
	depth := 0
	for i, c := range rest {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return strings.TrimSpace(rest[1:i])
			}
		}
	}
	return ""
}

// first returns the first of the named fields present in the record, for
// tasks whose Hub copy names a field differently from the original files.
func (r record) first(names ...string) (string, any, bool) {
	for _, n := range names {
		if v, ok := r.lookup(n); ok {
			return n, v, true
		}
	}
	return names[0], nil, false
}

// firstStr is first for a required text field.
func (r record) firstStr(names ...string) (string, error) {
	name, _, ok := r.first(names...)
	if !ok {
		return "", r.missing(strings.Join(names, " or "))
	}
	return r.str(name)
}

// defaultID returns "split-index", the ID of a record whose dataset has none.
func defaultID(p part, rec record) string {
	if p.tag != "" {
		return fmt.Sprintf("%s-%d", p.tag, rec.index)
	}
	return fmt.Sprintf("%s-%d", p.split, rec.index)
}
