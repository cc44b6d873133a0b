package method

import (
	"regexp"
	"strconv"
)

// maxPicks is the most guidelines taken from one selection reply; the
// prompt asks for 2 or 3, as the reference does.
const maxPicks = 3

var (
	pickNumber = regexp.MustCompile(`\d+`)
	pickRange  = regexp.MustCompile(`(\d+)\s*(?:-|–|to)\s*(\d+)`)
)

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
