package simserver

import (
	"math"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// Salts keep the draws for different purposes independent.
const (
	saltDifficulty uint64 = iota + 1
	saltGreedy
	saltSample
	saltHint
	saltText
	saltFault
	saltLatency
	saltMistake
)

// mix is the splitmix64 finalizer.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// combine folds values into a hash, order-sensitively.
func combine(h uint64, vs ...uint64) uint64 {
	for _, v := range vs {
		h = mix(h ^ (v + 0x9e3779b97f4a7c15 + h<<6 + h>>2))
	}
	return h
}

// unit maps a hash to a uniform float64 in [0, 1).
func unit(h uint64) float64 {
	return float64(h>>11) / (1 << 53)
}

func hashString(s string) uint64 { return xxhash.Sum64String(s) }

// difficulty returns p_q, a question's probability of a correct solve, for
// the question hash qh: u^((1-A)/A) with u uniform, whose mean is exactly A.
func difficulty(qh uint64, accuracy float64) float64 {
	switch {
	case accuracy <= 0:
		return 0
	case accuracy >= 1:
		return 1
	}
	u := unit(combine(qh, saltDifficulty))
	return math.Pow(u, (1-accuracy)/accuracy)
}

// sampleKey is what a sampled draw depends on besides the question.
type sampleKey struct {
	seed        uint64 // the request's seed, or its number when it has none
	choice      uint64
	temperature float64
}

// greedy reports whether the draw is the temperature-0 one.
func (k sampleKey) greedy() bool { return k.temperature <= 0 }

// draw returns the uniform draw for one purpose: at temperature 0 it
// depends on the server seed and the question only.
func (s *Server) draw(salt, qh uint64, k sampleKey) float64 {
	if k.greedy() {
		return unit(combine(s.cfg.seed, qh, salt))
	}
	return unit(combine(s.cfg.seed, qh, salt, k.seed, k.choice, math.Float64bits(k.temperature)))
}

// CorrectProbability returns p_q, the probability that an unhinted sampled
// solve of question is right (see the package doc).
func (s *Server) CorrectProbability(question string) float64 {
	return difficulty(hashString(strings.TrimSpace(question)), s.cfg.accuracy)
}

// GreedyCorrect reports whether the temperature-0 solve of question is
// right. It is exact: the server answers such a request that way every time.
// For a question not in the key it reports whether the draw came out right,
// which then has no verifiable meaning.
func (s *Server) GreedyCorrect(question string) bool {
	qh := hashString(strings.TrimSpace(question))
	return s.draw(saltGreedy, qh, sampleKey{}) < difficulty(qh, s.cfg.accuracy)
}

// MajorityCorrect returns the probability that the majority answer of k
// independent sampled solves of question is right, ties going to the answer
// seen first. Every wrong sample of a question gives the same wrong answer,
// so this is P(X > k/2) + P(X = k/2)/2 for X ~ Binomial(k, p_q). It assumes
// every reply's final answer is extracted (lenient reading) and none is cut
// by max_tokens.
func (s *Server) MajorityCorrect(question string, k int) float64 {
	return majority(s.CorrectProbability(question), k)
}

func majority(p float64, k int) float64 {
	if k <= 0 {
		return 0
	}
	var total float64
	for x := 0; x <= k; x++ {
		switch {
		case 2*x > k:
			total += binomial(k, x, p)
		case 2*x == k:
			total += binomial(k, x, p) / 2
		}
	}
	return total
}

// binomial returns P(X = x) for X ~ Binomial(k, p).
func binomial(k, x int, p float64) float64 {
	lg := func(n int) float64 { v, _ := math.Lgamma(float64(n + 1)); return v }
	switch {
	case p == 0:
		if x == 0 {
			return 1
		}
		return 0
	case p == 1:
		if x == k {
			return 1
		}
		return 0
	}
	return math.Exp(lg(k) - lg(x) - lg(k-x) + float64(x)*math.Log(p) + float64(k-x)*math.Log1p(-p))
}

// rng is a small deterministic generator for the wording of one reply.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// intn returns a uniform int in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// float returns a uniform float64 in [0, 1).
func (r *rng) float() float64 { return unit(r.next()) }

// pick returns a uniformly chosen element of xs.
func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }
