package method

import (
	"strings"
	"unicode"

	"github.com/cespare/xxhash/v2"
)

const (
	minhashSize = 64 // hash functions per signature
	shingleSize = 3  // words per shingle
)

// Dedup marks as "duplicate" every still-passing candidate whose path is a
// near duplicate of an earlier still-passing one: the estimated Jaccard
// similarity of their word 3-shingle sets (MinHash, 64 hash functions) is at
// least threshold. Paths are compared after Clean, case-folded, as runs of
// letters and digits, so formatting and punctuation do not count.
func Dedup(cands []Candidate, threshold float64) {
	var kept [][minhashSize]uint64
	for i := range cands {
		if cands[i].Reason != "" {
			continue
		}
		sig := minhash(Clean(cands[i].Path))
		dup := false
		for _, k := range kept {
			if similarity(sig, k) >= threshold {
				dup = true
				break
			}
		}
		if dup {
			cands[i].Reason = ReasonDuplicate
			continue
		}
		kept = append(kept, sig)
	}
}

// minhash returns the MinHash signature of text's word shingles.
func minhash(text string) [minhashSize]uint64 {
	var sig [minhashSize]uint64
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	add := func(shingle string) {
		h := xxhash.Sum64String(shingle)
		for i := range sig {
			if v := mix(h + uint64(i)*0x9e3779b97f4a7c15); v < sig[i] {
				sig[i] = v
			}
		}
	}
	if len(words) < shingleSize {
		add(strings.Join(words, " "))
		return sig
	}
	for i := 0; i+shingleSize <= len(words); i++ {
		add(strings.Join(words[i:i+shingleSize], " "))
	}
	return sig
}

// mix is the splitmix64 finalizer: a cheap, well-spread permutation.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func similarity(a, b [minhashSize]uint64) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / minhashSize
}

// NearDuplicates reports, for each text in order, whether it is a near
// duplicate of an earlier text that is not itself one, by the measure Dedup
// uses (after Clean).
func NearDuplicates(texts []string, threshold float64) []bool {
	dup := make([]bool, len(texts))
	var kept [][minhashSize]uint64
	for i, t := range texts {
		sig := minhash(Clean(t))
		for _, k := range kept {
			if similarity(sig, k) >= threshold {
				dup[i] = true
				break
			}
		}
		if !dup[i] {
			kept = append(kept, sig)
		}
	}
	return dup
}
