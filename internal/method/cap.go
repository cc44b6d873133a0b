package method

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// SetOverlap is the Jaccard overlap of two guideline sets at or above which
// the diversity-first cap counts them as the same choice: {a,b} and {a,c}
// (1/3) differ, {a,b} and {a,b,c} (2/3) or {a} and {a,b} (1/2) do not.
const SetOverlap = 0.5

// CapDiverse keeps at most k still-passing candidates and marks the rest
// "over_cap". It favours diversity: after a seeded shuffle it takes, in
// shuffled order, first candidates whose guideline set overlaps no taken
// one's (SetOverlap) and whose reasoning structure is no near duplicate of
// a taken one's (estimated Jaccard of word shingles at least
// structureThreshold, as Dedup compares paths); then candidates new in
// either respect, guideline set first; then any. The kept set depends only
// on cands and r's seed.
func CapDiverse(cands []Candidate, k int, structureThreshold float64, r *rand.Rand) {
	var pass []int
	for i := range cands {
		if cands[i].Reason == "" {
			pass = append(pass, i)
		}
	}
	if len(pass) <= k {
		return
	}
	r.Shuffle(len(pass), func(i, j int) { pass[i], pass[j] = pass[j], pass[i] })
	sigs := make(map[int]*[minhashSize]uint64, len(pass))
	for _, i := range pass {
		if s := strings.TrimSpace(cands[i].Structure); s != "" {
			sig := minhash(s)
			sigs[i] = &sig
		}
	}
	var taken []int
	chosen := make(map[int]bool, k)
	newSet := func(i int) bool {
		for _, t := range taken {
			if SetJaccard(cands[i].GuidelineIDs, cands[t].GuidelineIDs) >= SetOverlap {
				return false
			}
		}
		return true
	}
	newStructure := func(i int) bool {
		for _, t := range taken {
			a, b := sigs[i], sigs[t]
			if a == nil && b == nil || a != nil && b != nil && similarity(*a, *b) >= structureThreshold {
				return false
			}
		}
		return true
	}
	rules := []func(i int) bool{
		func(i int) bool { return newSet(i) && newStructure(i) },
		newSet,
		newStructure,
		func(int) bool { return true },
	}
	for _, ok := range rules {
		for _, i := range pass {
			if len(taken) == k {
				break
			}
			if !chosen[i] && ok(i) {
				chosen[i] = true
				taken = append(taken, i)
			}
		}
	}
	for _, i := range pass {
		if !chosen[i] {
			cands[i].Reason = ReasonOverCap
		}
	}
}

// SetJaccard is the Jaccard overlap of two guideline id sets; two empty
// sets overlap fully.
func SetJaccard(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	union := len(b)
	for i, x := range a {
		if slices.Contains(a[:i], x) {
			continue
		}
		if slices.Contains(b, x) {
			inter++
		} else {
			union++
		}
	}
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

func guidelineKey(ids []string) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), "\x00")
}

// PathSimilarity is the estimated Jaccard similarity of two paths' word
// 3-shingle sets, as Dedup measures it.
func PathSimilarity(a, b string) float64 {
	return similarity(minhash(Clean(a)), minhash(Clean(b)))
}

// MeanPairwiseSimilarity is the mean PathSimilarity over every pair of
// paths; ok is false with fewer than two paths.
func MeanPairwiseSimilarity(paths []string) (mean float64, ok bool) {
	if len(paths) < 2 {
		return 0, false
	}
	sigs := make([][minhashSize]uint64, len(paths))
	for i, p := range paths {
		sigs[i] = minhash(Clean(p))
	}
	sum, n := 0.0, 0
	for i := range sigs {
		for j := i + 1; j < len(sigs); j++ {
			sum += similarity(sigs[i], sigs[j])
			n++
		}
	}
	return sum / float64(n), true
}
