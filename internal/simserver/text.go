package simserver

import (
	"strings"
	"unicode/utf8"
)

// countWords counts runs of non-space bytes.
func countWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		space := s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// tokens approximates a tokenizer: about four tokens per three words.
func tokens(s string) int64 {
	return int64((countWords(s)*4 + 2) / 3)
}

// cutWords returns the prefix of s holding its first n words.
func cutWords(s string, n int) string {
	count, in := 0, false
	for i := 0; i < len(s); i++ {
		space := s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'
		if !space && !in {
			if count == n {
				return strings.TrimRight(s[:i], " \n\t\r")
			}
			count++
		}
		in = !space
	}
	return s
}

// cutBytes cuts s to about frac of its length, on a rune boundary.
func cutBytes(s string, frac float64) string {
	n := int(float64(len(s)) * frac)
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// item is one line of a numbered list ("3. text" or "3) text").
type item struct {
	num  int
	text string
}

// numberedRuns returns the runs of consecutively numbered lines starting at 1.
func numberedRuns(s string) [][]item {
	var runs [][]item
	var cur []item
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		num, rest, ok := numberedLine(line)
		switch {
		case ok && num == len(cur)+1:
			cur = append(cur, item{num, rest})
		case ok && num == 1:
			runs = append(runs, cur)
			cur = []item{{num, rest}}
		case !ok && line == "" && len(cur) > 0:
			// Blank lines may separate the items of one list.
		default:
			if len(cur) > 0 {
				runs = append(runs, cur)
			}
			cur = nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	out := runs[:0]
	for _, r := range runs {
		if len(r) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// numberedLine reads "12. text" or "12) text".
func numberedLine(line string) (int, string, bool) {
	num, i := 0, 0
	for i < len(line) && i < 4 && isDigit(line[i]) {
		num = num*10 + int(line[i]-'0')
		i++
	}
	if i == 0 || i >= len(line) || line[i] != '.' && line[i] != ')' {
		return 0, "", false
	}
	return num, strings.TrimSpace(line[i+1:]), true
}

// longestRun returns the longest numbered run in s (the first of equals).
func longestRun(s string) []item {
	var best []item
	for _, r := range numberedRuns(s) {
		if len(r) > len(best) {
			best = r
		}
	}
	return best
}

// lastRun returns the last numbered run in s.
func lastRun(s string) []item {
	runs := numberedRuns(s)
	if len(runs) == 0 {
		return nil
	}
	return runs[len(runs)-1]
}

// itemName shortens a guideline line to its name: the text before a colon
// when short, else its first words.
func itemName(text string) string {
	text = strings.Trim(text, "* ")
	if i := strings.IndexAny(text, ":—"); i > 0 && i <= 48 {
		return strings.Trim(text[:i], "* ")
	}
	if f := strings.Fields(text); len(f) > 5 {
		return strings.Join(f[:5], " ")
	}
	return text
}

// facts holds what a reply may quote from its question.
type facts struct {
	asks    string   // the question's last sentence, shortened
	numbers []string // up to four numbers in the question
	unit    string   // the first plural noun right after a number ("eggs")
}

func factsOf(q string) facts {
	var f facts
	f.asks = askedPart(q)
	for i := 0; i < len(q) && len(f.numbers) < 4; {
		if !isDigit(q[i]) || i > 0 && (isAlnum(q[i-1]) || q[i-1] == '.') {
			i++
			continue
		}
		j := i
		for j < len(q) && (isDigit(q[j]) || q[j] == '.' && j+1 < len(q) && isDigit(q[j+1]) || q[j] == ',' && thousandsGroup(q[j+1:])) {
			j++
		}
		f.numbers = append(f.numbers, strings.ReplaceAll(q[i:j], ",", ""))
		if f.unit == "" && j+1 < len(q) && q[j] == ' ' {
			k := j + 1
			for k < len(q) && 'a' <= q[k] && q[k] <= 'z' {
				k++
			}
			// A plural noun reads as a unit: "16 eggs", "3 boxes".
			if w := q[j+1 : k]; len(w) >= 4 && w[len(w)-1] == 's' && w != "less" && w != "times" {
				f.unit = w
			}
		}
		i = j
	}
	return f
}

// thousandsGroup reports whether s starts with exactly three digits, the
// group after a thousands separator.
func thousandsGroup(s string) bool {
	return len(s) >= 3 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && (len(s) == 3 || !isDigit(s[3]))
}

// askedPart returns the last sentence of the question's first paragraph
// that ends in "?", or its last sentence, cut to 16 words.
func askedPart(q string) string {
	if i := strings.Index(q, "\n"); i > 0 && strings.Contains(q[:i], "?") {
		q = q[:i]
	}
	q = strings.TrimSpace(q)
	end := strings.LastIndexByte(q, '?')
	if end < 0 {
		end = len(q) - 1
	}
	start := 0
	for i := end - 1; i > 0; i-- {
		if (q[i] == '.' || q[i] == '!' || q[i] == '?' || q[i] == '\n') && i+1 < len(q) && (q[i+1] == ' ' || q[i+1] == '\n') {
			start = i + 1
			break
		}
	}
	s := strings.TrimSpace(q[start : end+1])
	if f := strings.Fields(s); len(f) > 16 {
		s = strings.Join(f[:16], " ") + " ..."
	}
	return s
}
