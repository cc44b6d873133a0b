package simserver

import (
	"slices"
	"sort"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// Entry is one answer-key question.
type Entry struct {
	ID       string
	Question string
	// Answer is the gold answer in canonical form (see task.Example);
	// empty when unknown, in which case replies carry an unverifiable answer.
	Answer string
	Spec   answer.Spec
}

// The lookup finds which key questions occur inside a prompt without
// scanning the key: each question is indexed by a rolling hash of its first
// w bytes, w the largest of windowSizes that fits it, and a prompt is
// scanned once per window size in use, one hash step per byte. A bit filter
// in front of the bucket map keeps the per-byte cost to a multiply, a shift
// and one memory load; candidates are confirmed with strings.HasPrefix.
var windowSizes = [...]int{64, 32, 16, 8, 4, 2, 1}

const rollBase = 0x100000001b3

type index struct {
	entries []Entry
	windows []window           // the window sizes some question uses, largest first
	buckets map[uint64][]int32 // rolling hash of a question's first w bytes -> entries
	filter  []uint64           // bit set over mixed bucket hashes
	shift   uint               // 64 - log2(len(filter)*64)
}

type window struct {
	size int
	pow  uint64 // rollBase^size
}

func newIndex(key []Entry) *index {
	ix := &index{buckets: make(map[uint64][]int32, len(key))}
	seen := make(map[string]bool, len(key))
	used := [len(windowSizes)]bool{}
	for _, e := range key {
		e.Question = strings.TrimSpace(e.Question)
		if e.Question == "" || seen[e.Question] {
			continue // duplicates: the first entry wins
		}
		seen[e.Question] = true
		w := windowIndex(len(e.Question))
		used[w] = true
		h := rollHash(e.Question[:windowSizes[w]])
		ix.buckets[h] = append(ix.buckets[h], int32(len(ix.entries)))
		ix.entries = append(ix.entries, e)
	}
	for i, size := range windowSizes {
		if used[i] {
			pow := uint64(1)
			for range size {
				pow *= rollBase
			}
			ix.windows = append(ix.windows, window{size: size, pow: pow})
		}
	}
	bits := uint(16)
	for 1<<bits < 64*len(ix.buckets) && bits < 28 {
		bits++
	}
	ix.filter = make([]uint64, 1<<(bits-6))
	ix.shift = 64 - bits
	for h, bucket := range ix.buckets {
		slices.SortFunc(bucket, func(a, b int32) int { return strings.Compare(ix.entries[a].Question, ix.entries[b].Question) })
		b := ix.filterBit(h)
		ix.filter[b>>6] |= 1 << (b & 63)
	}
	return ix
}

func windowIndex(n int) int {
	for i, size := range windowSizes {
		if n >= size {
			return i
		}
	}
	return len(windowSizes) - 1
}

func rollHash(s string) uint64 {
	var h uint64
	for i := 0; i < len(s); i++ {
		h = h*rollBase + uint64(s[i])
	}
	return h
}

func (ix *index) filterBit(h uint64) uint64 {
	return (h * 0x9e3779b97f4a7c15) >> ix.shift
}

// find returns the longest key question that occurs in text.
func (ix *index) find(text string) (*Entry, bool) {
	best, bestLen := -1, 0
	for _, w := range ix.windows {
		if len(text) < w.size {
			continue
		}
		h := rollHash(text[:w.size])
		for i := 0; ; i++ {
			b := ix.filterBit(h)
			if ix.filter[b>>6]&(1<<(b&63)) != 0 {
				if e := ix.longestAt(ix.buckets[h], text[i:]); e >= 0 && len(ix.entries[e].Question) > bestLen {
					best, bestLen = e, len(ix.entries[e].Question)
				}
			}
			if i+w.size >= len(text) {
				break
			}
			h = h*rollBase + uint64(text[i+w.size]) - uint64(text[i])*w.pow
		}
		if bestLen >= w.size {
			// Questions indexed under smaller windows are shorter than w.size.
			break
		}
	}
	if best < 0 {
		return nil, false
	}
	return &ix.entries[best], true
}

// longestAt returns the longest question of bucket (sorted by question)
// that is a prefix of t, or -1. The largest question q <= t is a prefix of
// t or, failing that, any prefix of t is also a prefix of t[:lcp(q, t)]:
// each step shortens t, so a bucket of questions sharing a long opening
// costs a few binary searches.
func (ix *index) longestAt(bucket []int32, t string) int {
	hi := len(bucket)
	for hi > 0 {
		j := sort.Search(hi, func(k int) bool { return ix.entries[bucket[k]].Question > t }) - 1
		if j < 0 {
			return -1
		}
		q := ix.entries[bucket[j]].Question
		if strings.HasPrefix(t, q) {
			return int(bucket[j])
		}
		l := 0
		for l < len(q) && l < len(t) && q[l] == t[l] {
			l++
		}
		t, hi = t[:l], j
	}
	return -1
}

// lookup searches the messages from the last to the first.
func (ix *index) lookup(msgs []message) (*Entry, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if e, ok := ix.find(msgs[i].Content.text); ok {
			return e, true
		}
	}
	return nil, false
}
