package method

import (
	"context"
	"fmt"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// budgetQuestions are n questions whose chains succeed with probability
// 0.1, 0.3, 0.5, 0.7 or 0.9 (by question), the answer 7.
func budgetQuestions(n int) ([]task.Example, map[string]float64) {
	exs := make([]task.Example, n)
	probs := make(map[string]float64, n)
	for i := range exs {
		q := fmt.Sprintf("Question %d: how many apples are there?", i)
		exs[i] = task.Example{ID: fmt.Sprintf("q%02d", i), Task: "toy", Question: q, Spec: answer.Spec{Type: answer.Number}, Answer: "7"}
		probs[q] = 0.1 + 0.2*float64(i%5)
	}
	return exs, probs
}

// bySuccess solves a question right with its probability, drawn from the
// request seed; hinted solves are right. Wrong answers vary with the seed,
// so that majority votes are not trivially one-sided.
func bySuccess(probs map[string]float64) func(string, int64, bool) string {
	return func(q string, seed int64, hinted bool) string {
		u := float64(xxhash.Sum64String(fmt.Sprint(q, seed))>>11) / (1 << 53)
		if hinted || u < probs[q] {
			return "7"
		}
		return fmt.Sprint(8 + seed%3)
	}
}

// TestAdaptiveBudgetNeverCostsMore runs every sampling method over the same
// questions under both budgets with the same deterministic fake model and
// checks, question by question: adaptive asks for no more samples, keeps
// as many paths, and a question that ran out of chains ran exactly paper's
// chains and produced paper's candidates.
func TestAdaptiveBudgetNeverCostsMore(t *testing.T) {
	exs, probs := budgetQuestions(30)
	for _, tc := range []struct {
		method string
		filter string
	}{
		{"regenesis", FilterGold},
		{"regenesis", FilterMajority},
		{"star", FilterGold},
		{"cot", FilterGold},
		{"lmsi", FilterMajority},
		{"selfdiscover", FilterGold},
	} {
		t.Run(tc.method+"/"+tc.filter, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Filter = tc.filter
			cfg.Dedup = false // the fake's paths differ only by seed
			paperLLM := &fakeLLM{solve: bySuccess(probs), pathTokens: 100}
			paper := newNamed(t, tc.method, paperLLM, cfg)
			acfg := cfg
			acfg.Budget = BudgetAdaptive
			adaptive := newNamed(t, tc.method, &fakeLLM{solve: bySuccess(probs), pathTokens: 100}, acfg)
			again := newNamed(t, tc.method, &fakeLLM{solve: bySuccess(probs), pathTokens: 100}, acfg)
			early, ranOut := 0, 0
			var paperSamples, adaptiveSamples int64
			for _, ex := range exs {
				p, err := paper.Synthesize(context.Background(), ex)
				if err != nil {
					t.Fatal(err)
				}
				a, err := adaptive.Synthesize(context.Background(), ex)
				if err != nil {
					t.Fatal(err)
				}
				if a.Usage.Samples > p.Usage.Samples || total(a.Calls) > total(p.Calls) {
					t.Errorf("%s: adaptive asked for %d samples (%v), paper %d (%v)", ex.ID, a.Usage.Samples, a.Calls, p.Usage.Samples, p.Calls)
				}
				if len(a.Kept()) != len(p.Kept()) {
					t.Errorf("%s: adaptive kept %d paths, paper %d", ex.ID, len(a.Kept()), len(p.Kept()))
				}
				if a.StoppedEarly {
					early++
					if len(a.Kept()) != cfg.KeepPerQuestion {
						t.Errorf("%s stopped early with %d kept paths", ex.ID, len(a.Kept()))
					}
				} else {
					ranOut++
					if diff := cmp.Diff(p.Candidates, a.Candidates); diff != "" {
						t.Errorf("%s ran out of chains but its candidates differ from paper's (-paper +adaptive):\n%s", ex.ID, diff)
					}
					if diff := cmp.Diff(p.Calls, a.Calls); diff != "" {
						t.Errorf("%s ran out of chains but its calls differ from paper's (-paper +adaptive):\n%s", ex.ID, diff)
					}
				}
				b, err := again.Synthesize(context.Background(), ex)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(a, b); diff != "" {
					t.Errorf("%s: two adaptive runs differ:\n%s", ex.ID, diff)
				}
				paperSamples += p.Usage.Samples
				adaptiveSamples += a.Usage.Samples
			}
			if early == 0 || ranOut == 0 {
				t.Errorf("%d questions stopped early, %d ran out: the test needs both", early, ranOut)
			}
			// The majority filter stops only once the vote is beyond reach of
			// the remaining chains, so it saves less.
			limit := int64(7)
			if tc.filter == FilterMajority {
				limit = 9
			}
			if adaptiveSamples*10 > paperSamples*limit {
				t.Errorf("adaptive asked for %d samples, paper %d: want at most %d0%%", adaptiveSamples, paperSamples, limit)
			}
			t.Logf("samples: paper %d, adaptive %d; %d stopped early, %d ran out", paperSamples, adaptiveSamples, early, ranOut)
		})
	}
}

func total(calls map[string]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}

// TestAdaptiveOrder checks a question whose every path is right: with
// waves of 5 and headroom 1 it stops after two waves (6 passing paths
// needed), its chains are a seeded shuffle (not the first ten), returned in
// index order,
// and the picked sets' selection request is sent once, with the full n, only
// because a picked chain ran.
func TestAdaptiveOrder(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Budget = BudgetAdaptive
	cfg.BudgetWave, cfg.BudgetHeadroom = 5, 1
	cfg.Dedup = false
	f := &fakeLLM{solve: rightEvery(1), pathTokens: 100}
	out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	if !out.StoppedEarly || len(out.Kept()) != cfg.KeepPerQuestion {
		t.Fatalf("stopped early %v with %d kept, want an early stop with %d", out.StoppedEarly, len(out.Kept()), cfg.KeepPerQuestion)
	}
	if got := out.Calls["path"]; got != 10 || len(out.Candidates) != 10 {
		t.Errorf("%d path calls, %d candidates, want 10 (two waves of 5)", got, len(out.Candidates))
	}
	picked, prefix := 0, true
	for i, c := range out.Candidates {
		if i > 0 && c.Index <= out.Candidates[i-1].Index {
			t.Errorf("candidate %d has index %d after %d: want index order", i, c.Index, out.Candidates[i-1].Index)
		}
		prefix = prefix && c.Index == i
		if c.Index >= 25 {
			picked++
		}
	}
	if prefix {
		t.Error("adaptive ran the first chains in index order, want a seeded random order")
	}
	reqs := f.requests()
	if picked > 0 && (len(reqs["select"]) != 1 || reqs["select"][0].N != cfg.SelectSamples) {
		t.Errorf("%d picked chains ran with %d selection requests, want one with n=%d", picked, len(reqs["select"]), cfg.SelectSamples)
	}
	if picked == 0 && len(reqs["select"]) != 0 {
		t.Errorf("no picked chain ran, yet %d selection requests were sent", len(reqs["select"]))
	}
}

// TestSingleChainsIgnorePickCount checks that raising select_samples reuses
// the single-guideline chains: same indices, same seeds.
func TestSingleChainsIgnorePickCount(t *testing.T) {
	seedsOf := func(picks int) map[string]string {
		cfg := DefaultConfig()
		cfg.SelectSamples = picks
		f := &fakeLLM{solve: rightEvery(2), pathTokens: 100}
		out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range out.Candidates {
			if len(c.GuidelineIDs) == 1 && c.Index < 25 {
				got[fmt.Sprintf("%d:%s", c.Index, c.GuidelineIDs[0])] = c.Path // the fake's path names its seed
			}
		}
		return got
	}
	a, b := seedsOf(10), seedsOf(20)
	if len(a) != 25 {
		t.Fatalf("%d single chains, want 25", len(a))
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("single chains with 10 vs 20 picked sets (-10 +20):\n%s", diff)
	}
}
