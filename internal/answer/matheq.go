package answer

import (
	"regexp"
	"strings"
)

// Equivalence of MATH-style answers: normalized strings, then tuples,
// intervals, sets and matrices element by element, then numeric (or
// symbolic, by evaluation) comparison.

// matrixRE is a LaTeX matrix environment.
var matrixRE = regexp.MustCompile(`^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{([pbvBV]?matrix|array)\}$`)

// maxMathDepth bounds the recursion through nested tuples.
const maxMathDepth = 8

// mathEqual reports whether two LaTeX answers are the same.
func mathEqual(a, b string) bool {
	return mathEqualDepth(mathClean(a), mathClean(b), 0)
}

func mathEqualDepth(a, b string, depth int) bool {
	ka, kb := mathKey(a), mathKey(b)
	if ka == kb {
		return true
	}
	if ka == "" || kb == "" || depth > maxMathDepth {
		return false
	}
	if ma, ok := matrixCells(a); ok {
		mb, ok := matrixCells(b)
		if !ok || len(ma) != len(mb) {
			return false
		}
		for i := range ma {
			if len(ma[i]) != len(mb[i]) {
				return false
			}
			for j := range ma[i] {
				if !mathEqualDepth(ma[i][j], mb[i][j], depth+1) {
					return false
				}
			}
		}
		return true
	}
	if strings.Contains(a, `\pm`) || strings.Contains(b, `\pm`) {
		if xa, xb := expandPM(a), expandPM(b); xa != a || xb != b {
			return mathEqualDepth(xa, xb, depth+1)
		}
	}
	if pa, pb := splitTop(a, `\cup`), splitTop(b, `\cup`); len(pa) > 1 || len(pb) > 1 {
		return elementsEqual(pa, pb, true, depth)
	}
	sa, okA := sequenceOf(a)
	sb, okB := sequenceOf(b)
	if okA || okB {
		if !okA || !okB || sa.open != sb.open || sa.close != sb.close {
			return false
		}
		return elementsEqual(sa.elems, sb.elems, sa.ordered(), depth)
	}
	ea, va, okA := parseMath(a)
	eb, vb, okB := parseMath(b)
	return okA && okB && exprsEqual(ea, eb, va, vb)
}

// expandPM writes an answer with \pm as the list of its two values: "1
// \pm \sqrt{5}" is "1+\sqrt{5}, 1-\sqrt{5}", and in a set or a bare list
// each element with one \pm becomes two elements. Other answers (tuples,
// several \pm in one element) are returned as they are.
func expandPM(s string) string {
	open, close, inner := "", "", s
	if strings.HasPrefix(s, `\{`) && strings.HasSuffix(s, `\}`) && len(s) >= 4 {
		open, close, inner = `\{`, `\}`, s[2:len(s)-2]
	} else if strings.HasPrefix(s, "(") || strings.HasPrefix(s, "[") {
		return s
	}
	var out []string
	changed := false
	for _, e := range splitTop(inner, ",") {
		if strings.Count(e, `\pm`) == 1 && len(splitTop(e, `\pm`)) == 2 {
			e = strings.TrimSpace(e)
			out = append(out, strings.Replace(e, `\pm`, "+", 1), strings.Replace(e, `\pm`, "-", 1))
			changed = true
			continue
		}
		out = append(out, e)
	}
	if !changed {
		return s
	}
	return open + strings.Join(out, ", ") + close
}

// sequence is a tuple, interval, set or bare list: its brackets and
// top-level elements.
type sequence struct {
	open, close string
	elems       []string
}

// ordered reports whether element order matters: it does for tuples and
// intervals, not for sets or a bare list of solutions.
func (s sequence) ordered() bool { return s.open != `\{` && s.open != "" }

// sequenceOf splits a bracketed or bare comma list; a lone bracketed value
// without a comma ("(5)") is not a sequence.
func sequenceOf(s string) (sequence, bool) {
	var seq sequence
	inner := s
	for _, br := range [][2]string{{`\{`, `\}`}, {"(", ")"}, {"[", "]"}, {"(", "]"}, {"[", ")"}, {`\langle`, `\rangle`}} {
		if strings.HasPrefix(s, br[0]) && strings.HasSuffix(s, br[1]) && len(s) >= len(br[0])+len(br[1]) {
			body := s[len(br[0]) : len(s)-len(br[1])]
			if balancedBrackets(body) {
				seq.open, seq.close, inner = br[0], br[1], body
				break
			}
		}
	}
	seq.elems = splitTop(inner, ",")
	if len(seq.elems) < 2 {
		return sequence{}, false
	}
	return seq, true
}

// elementsEqual compares two lists of answers, in order or as multisets.
func elementsEqual(a, b []string, ordered bool, depth int) bool {
	if len(a) != len(b) {
		return false
	}
	if ordered {
		for i := range a {
			if !mathEqualDepth(a[i], b[i], depth+1) {
				return false
			}
		}
		return true
	}
	used := make([]bool, len(b))
next:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && mathEqualDepth(x, y, depth+1) {
				used[j] = true
				continue next
			}
		}
		return false
	}
	return true
}

// splitTop splits s at sep where no bracket or brace is open.
func splitTop(s, sep string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '}'):
			if s[i+1] == '{' {
				depth++
			} else {
				depth--
			}
			i++
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + len(sep)
			i = start - 1
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// balancedBrackets reports whether no bracket closes below depth zero in
// s (an interval body like "3,4" or "-2,7").
func balancedBrackets(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// matrixCells splits a LaTeX matrix into rows of cells.
func matrixCells(s string) ([][]string, bool) {
	m := matrixRE.FindStringSubmatch(s)
	if m == nil {
		return nil, false
	}
	var rows [][]string
	for row := range strings.SplitSeq(m[2], `\\`) {
		row = strings.TrimSpace(row)
		if row == "" {
			continue
		}
		var cells []string
		for c := range strings.SplitSeq(row, "&") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	return rows, len(rows) > 0
}

// mathCanonical is the vote key of a LaTeX answer: its value when it is a
// constant, else its normalized string.
func mathCanonical(s string) string {
	c := mathClean(s)
	if v, ok := mathValue(c); ok {
		return formatNumber(v)
	}
	return mathKey(c)
}
