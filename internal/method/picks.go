package method

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/guideline"
)

// maxPicks is the most guidelines taken from one selection reply; the
// prompt asks for 2 or 3, as the reference does.
const maxPicks = 3

var (
	pickNumber = regexp.MustCompile(`\d+`)
	pickRange  = regexp.MustCompile(`(\d+)\s*(?:-|–|to)\s*(\d+)`)
	// listMarker is a number that numbers the reply's own list ("1. ", "2) ").
	listMarker = regexp.MustCompile(`(?m)^[\s*#>-]*(\d+)[.)]\s`)
)

// ParseGuidelinePicks reads the guidelines a selection reply chose from
// pool (numbered 1..len(pool) in the prompt) and returns their numbers, at
// most limit, in reply order. Numbers are read as ParsePicks does; a reply
// with no usable number, such as one that names its choices ("Break it
// down, Analogy") or lists them under its own numbering ("1. Simplify"),
// is read by the guidelines' names and ids instead.
func ParseGuidelinePicks(reply string, pool []guideline.Guideline, limit int) []int {
	if nums := ParsePicks(withoutListMarkers(reply, pool), len(pool), limit); len(nums) > 0 {
		return nums
	}
	return pickByName(reply, pool, limit)
}

// withoutListMarkers blanks the numbers that number the reply's own list
// where the line names a guideline: "1. Simplify" picks Simplify, not 1.
func withoutListMarkers(reply string, pool []guideline.Guideline) string {
	locs := listMarker.FindAllStringSubmatchIndex(reply, -1)
	if len(locs) == 0 {
		return reply
	}
	b := []byte(reply)
	for _, loc := range locs {
		end := strings.IndexByte(reply[loc[1]:], '\n')
		if end < 0 {
			end = len(reply) - loc[1]
		}
		if len(pickByName(reply[loc[1]:loc[1]+end], pool, 1)) == 0 {
			continue
		}
		for i := loc[2]; i < loc[3]; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

// pickByName finds the guidelines whose name or id the reply mentions
// (case-insensitive, as whole words), in order of first mention.
func pickByName(reply string, pool []guideline.Guideline, limit int) []int {
	lower := strings.ToLower(reply)
	type hit struct{ pos, num int }
	var hits []hit
	for i, g := range pool {
		best := -1
		for _, name := range []string{g.Name, g.ID} {
			if p := wordIndex(lower, strings.ToLower(strings.TrimSpace(name))); p >= 0 && (best < 0 || p < best) {
				best = p
			}
		}
		if best >= 0 {
			hits = append(hits, hit{best, i + 1})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].pos < hits[b].pos })
	var out []int
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, h.num)
	}
	return out
}

// wordIndex is the first index of word in s that is not inside a longer
// word, or -1.
func wordIndex(s, word string) int {
	if word == "" {
		return -1
	}
	for from := 0; ; {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(word)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return i
		}
		from = i + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 0x80
}

// ParsePicks reads guideline numbers (1..poolSize) from a selection reply,
// leniently: "3, 7", "[3,7]", "Guidelines #3 and #7", "3-5" (a range), one
// per line. It returns at most limit distinct numbers in reply order;
// numbers outside the pool are ignored.
func ParsePicks(reply string, poolSize, limit int) []int {
	var out []int
	seen := make(map[int]bool)
	add := func(n int) {
		if n >= 1 && n <= poolSize && !seen[n] && len(out) < limit {
			seen[n] = true
			out = append(out, n)
		}
	}
	ranges := pickRange.FindAllStringSubmatchIndex(reply, -1)
	numbers := pickNumber.FindAllStringIndex(reply, -1)
	ri := 0
	for _, loc := range numbers {
		for ri < len(ranges) && ranges[ri][1] <= loc[0] {
			ri++
		}
		if ri < len(ranges) && loc[0] == ranges[ri][0] {
			lo, _ := strconv.Atoi(reply[ranges[ri][2]:ranges[ri][3]])
			hi, _ := strconv.Atoi(reply[ranges[ri][4]:ranges[ri][5]])
			if lo <= hi && hi-lo < poolSize {
				for n := lo; n <= hi; n++ {
					add(n)
				}
			}
			continue
		}
		if ri < len(ranges) && loc[0] > ranges[ri][0] && loc[0] < ranges[ri][1] {
			continue // the upper end of a range already handled
		}
		n, err := strconv.Atoi(reply[loc[0]:loc[1]])
		if err == nil {
			add(n)
		}
	}
	return out
}
