package simserver

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGreedyDeterministic(t *testing.T) {
	t.Parallel()
	key := mixedKey(t, 30)
	a, b := New(Config{Seed: 9}, key), New(Config{Seed: 9}, key)
	for _, e := range key {
		req := userRequest(solvePrompt(e.Question), 0, 3, nil)
		ra, rb := complete(t, a, req), complete(t, a, req)
		rc := complete(t, b, req)
		if diff := cmp.Diff(texts(ra), texts(rb)); diff != "" {
			t.Fatalf("%s: the same greedy request answered differently (-first +second):\n%s", e.ID, diff)
		}
		if diff := cmp.Diff(texts(ra), texts(rc)); diff != "" {
			t.Fatalf("%s: two servers with one seed answered differently:\n%s", e.ID, diff)
		}
		for i, text := range texts(ra) {
			if text != ra.Choices[0].Message.Content {
				t.Fatalf("%s: greedy choice %d differs from choice 0", e.ID, i)
			}
		}
		// A seed does not change greedy output.
		if got := texts(complete(t, a, userRequest(solvePrompt(e.Question), 0, 1, seedOf(77))))[0]; got != ra.Choices[0].Message.Content {
			t.Fatalf("%s: greedy output depends on the request seed", e.ID)
		}
	}
}

func TestGreedyCorrectExact(t *testing.T) {
	t.Parallel()
	key := mixedKey(t, 100)
	s := New(Config{Seed: 4, Accuracy: 0.5}, key)
	right := 0
	for _, e := range key {
		text := complete(t, s, userRequest(solvePrompt(e.Question), 0, 0, nil)).Choices[0].Message.Content
		got := solvedRight(t, text, e)
		if want := s.GreedyCorrect(e.Question); got != want {
			t.Fatalf("%s: greedy solve right = %v, GreedyCorrect = %v\n%s", e.ID, got, want, text)
		}
		if got {
			right++
		}
	}
	if right == 0 || right == len(key) {
		t.Fatalf("greedy accuracy %d/%d at Accuracy 0.5: the draw is degenerate", right, len(key))
	}
}

func TestSampledSeedsVary(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 1)
	s := New(Config{Seed: 1}, key)
	req := userRequest(solvePrompt(key[0].Question), 1, 8, seedOf(5))
	first, again := complete(t, s, req), complete(t, s, req)
	if diff := cmp.Diff(texts(first), texts(again)); diff != "" {
		t.Fatalf("a seeded request answered differently on repeat:\n%s", diff)
	}
	distinct := map[string]bool{}
	for _, text := range texts(first) {
		distinct[text] = true
	}
	if len(distinct) < 2 {
		t.Errorf("8 sampled choices are all the same text")
	}
	// Unseeded requests sample differently each time, as on a real server.
	unseeded := userRequest(solvePrompt(key[0].Question), 1, 1, nil)
	seen := map[string]bool{}
	for range 10 {
		seen[complete(t, s, unseeded).Choices[0].Message.Content] = true
	}
	if len(seen) < 2 {
		t.Errorf("10 unseeded requests gave one text")
	}
}

func TestAccuracyStatistics(t *testing.T) {
	t.Parallel()
	const n = 3000
	key := syntheticKey(n)
	for _, acc := range []float64{0.2, 0.6, 0.9} {
		s := New(Config{Seed: 2, Accuracy: acc}, key)
		var greedy, sampled int
		var meanP, meanMaj float64
		for _, e := range key {
			if s.GreedyCorrect(e.Question) {
				greedy++
			}
			qh := hashString(e.Question)
			if s.solveAnswer(&e, qh, false, sampleKey{seed: 1, temperature: 1}) == e.Answer {
				sampled++
			}
			meanP += s.CorrectProbability(e.Question)
			meanMaj += s.MajorityCorrect(e.Question, 5)
		}
		meanP /= n
		// Both counts are Binomial(n, acc): allow four standard deviations.
		tol := 4 * math.Sqrt(acc*(1-acc)/n)
		for name, got := range map[string]float64{"greedy": float64(greedy) / n, "sampled": float64(sampled) / n, "mean p_q": meanP} {
			if math.Abs(got-acc) > tol {
				t.Errorf("Accuracy %v: %s accuracy %.4f, want within %.4f", acc, name, got, tol)
			}
		}
		// Majority voting helps when p_q > 1/2 and hurts below.
		if meanMaj /= n; acc >= 0.6 && meanMaj <= acc {
			t.Errorf("Accuracy %v: expected maj@5 %.3f should exceed greedy accuracy", acc, meanMaj)
		}
	}
}

func TestMajorityCorrectMatchesSampling(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 60)
	s := New(Config{Seed: 8, Accuracy: 0.6}, key)
	const k, trials = 5, 400
	var want, got float64
	for _, e := range key {
		want += s.MajorityCorrect(e.Question, k)
		qh := hashString(e.Question)
		for trial := range trials {
			right := 0
			for i := range k {
				if s.solveAnswer(&e, qh, false, sampleKey{seed: uint64(trial), choice: uint64(i), temperature: 0.8}) == e.Answer {
					right++
				}
			}
			if 2*right > k {
				got++
			}
		}
	}
	want /= float64(len(key))
	got /= float64(len(key) * trials)
	if math.Abs(got-want) > 0.02 {
		t.Errorf("simulated maj@%d accuracy %.4f, MajorityCorrect says %.4f", k, got, want)
	}
}

func TestMajority(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    float64
		k    int
		want float64
	}{
		{0.5, 1, 0.5},
		{0.6, 3, 0.648}, // 0.6^3 + 3*0.6^2*0.4
		{0.5, 2, 0.5},   // one right, one wrong: the first seen wins half the time
		{1, 7, 1},
		{0, 7, 0},
		{0.7, 0, 0},
	}
	for _, tt := range tests {
		if got := majority(tt.p, tt.k); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("majority(%v, %d) = %v, want %v", tt.p, tt.k, got, tt.want)
		}
	}
}

func TestHintObedience(t *testing.T) {
	t.Parallel()
	key := mixedKey(t, 120)
	tests := []struct {
		name         string
		hintAccuracy float64
		want         float64
	}{
		{"default", 0, DefaultHintAccuracy},
		{"half", 0.5, 0.5},
		{"never", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Seed: 6, Accuracy: 0.1, HintAccuracy: tt.hintAccuracy}, key)
			right := 0
			for i, e := range key {
				req := userRequest(hintPrompt(e.Question, e.Answer), 0.85, 0, seedOf(int64(i)))
				if solvedRight(t, complete(t, s, req).Choices[0].Message.Content, e) {
					right++
				}
			}
			if st := s.Stats(); st.Hinted != int64(len(key)) {
				t.Errorf("Stats.Hinted = %d, want %d", st.Hinted, len(key))
			}
			n := float64(len(key))
			if got, tol := float64(right)/n, 4*math.Sqrt(tt.want*(1-tt.want)/n)+1e-9; math.Abs(got-tt.want) > tol {
				t.Errorf("hinted accuracy %.3f, want %.3f ± %.3f", got, tt.want, tol)
			}
		})
	}
	// A hint with a wrong answer is no hint: accuracy stays at the base rate.
	s := New(Config{Seed: 6, Accuracy: 0.1}, key)
	right := 0
	for i, e := range key {
		wrong := mistake(&e, 1)
		if solvedRight(t, complete(t, s, userRequest(hintPrompt(e.Question, wrong), 0.85, 0, seedOf(int64(i)))).Choices[0].Message.Content, e) {
			right++
		}
	}
	if got := float64(right) / float64(len(key)); got > 0.3 {
		t.Errorf("accuracy with wrong hints %.3f, want near the base 0.1", got)
	}
}
