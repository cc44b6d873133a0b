package method

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// CapDiverse keeps at most k still-passing candidates and marks the rest
// "over_cap". It favours diversity: after a seeded shuffle, it first takes
// candidates whose guideline set is not yet represented, then candidates
// whose reasoning structure is not yet represented, then any, in shuffled
// order. The kept set depends only on cands and r's seed.
func CapDiverse(cands []Candidate, k int, r *rand.Rand) {
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
	chosen := make(map[int]bool, k)
	sets := make(map[string]bool)
	structures := make(map[uint64]bool)
	take := func(i int) {
		chosen[i] = true
		sets[guidelineKey(cands[i].GuidelineIDs)] = true
		structures[structureKey(cands[i].Structure)] = true
	}
	rules := []func(i int) bool{
		func(i int) bool { return !sets[guidelineKey(cands[i].GuidelineIDs)] },
		func(i int) bool { return !structures[structureKey(cands[i].Structure)] },
		func(int) bool { return true },
	}
	for _, ok := range rules {
		for _, i := range pass {
			if len(chosen) == k {
				break
			}
			if !chosen[i] && ok(i) {
				take(i)
			}
		}
	}
	for _, i := range pass {
		if !chosen[i] {
			cands[i].Reason = ReasonOverCap
		}
	}
}

func guidelineKey(ids []string) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return strings.Join(s, "\x00")
}

func structureKey(s string) uint64 {
	return xxhash.Sum64String(strings.Join(strings.Fields(strings.ToLower(s)), " "))
}
