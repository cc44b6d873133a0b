package compare

import (
	"strings"
	"unicode"
)

// Words splits text into lower-case runs of letters and digits; the
// measures below compare paths on these.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// Distinct2 is the number of distinct word bigrams in paths divided by the
// number of bigrams (bigrams do not span two paths); 0 when there are none.
func Distinct2(paths []string) float64 { return distinct2(tokenize(paths)) }

// tokenize returns the Words of each path.
func tokenize(paths []string) [][]string {
	out := make([][]string, len(paths))
	for i, p := range paths {
		out[i] = Words(p)
	}
	return out
}

func distinct2(paths [][]string) float64 {
	type bigram struct{ a, b string }
	seen := make(map[bigram]bool)
	total := 0
	for _, w := range paths {
		for i := 0; i+1 < len(w); i++ {
			seen[bigram{w[i], w[i+1]}] = true
			total++
		}
	}
	if total == 0 {
		return 0
	}
	return float64(len(seen)) / float64(total)
}

// MeanPairwiseJaccard is the mean, over every pair of paths, of the Jaccard
// similarity of their word sets (two empty sets count as identical); 0 for
// fewer than two paths.
func MeanPairwiseJaccard(paths []string) float64 { return meanPairwiseJaccard(tokenize(paths)) }

func meanPairwiseJaccard(paths [][]string) float64 {
	if len(paths) < 2 {
		return 0
	}
	sets := make([]map[string]bool, len(paths))
	for i, p := range paths {
		sets[i] = make(map[string]bool, len(p))
		for _, w := range p {
			sets[i][w] = true
		}
	}
	sum, pairs := 0.0, 0
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			sum += jaccard(sets[i], sets[j])
			pairs++
		}
	}
	return sum / float64(pairs)
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
