package method

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/simserver"
)

// solveHinted is right only when the prompt carries the hint.
func solveHinted(_ string, _ int64, hinted bool) string {
	if hinted {
		return "7"
	}
	return "8"
}

func TestSTaR(t *testing.T) {
	tests := []struct {
		name         string
		solve        func(string, int64, bool) string
		hint         bool
		filter       string
		wantCalls    map[string]int
		wantKept     int
		wantHinted   int
		noGoldAnswer bool
	}{
		{
			name: "solved without hint: no rationalization", solve: rightEvery(1), hint: true,
			wantCalls: map[string]int{"sample": 4}, wantKept: 2, wantHinted: 0,
		},
		{
			name: "unsolved: rationalize with the gold answer", solve: solveHinted, hint: true,
			wantCalls: map[string]int{"sample": 4, "rationalize": 3}, wantKept: 2, wantHinted: 2,
		},
		{
			name: "unsolved and hint off", solve: solveHinted, hint: false,
			wantCalls: map[string]int{"sample": 4}, wantKept: 0,
		},
		{
			name: "majority filter in the config is ignored", solve: solveHinted, hint: true, filter: FilterMajority,
			wantCalls: map[string]int{"sample": 4, "rationalize": 3}, wantKept: 2, wantHinted: 2,
		},
		{
			name: "no gold answer: nothing to rationalize with", solve: solveHinted, hint: true, noGoldAnswer: true,
			wantCalls: map[string]int{"sample": 4}, wantKept: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baselineConfig(4, 2)
			cfg.Hint = tt.hint
			cfg.HintSelectSamples = 3
			if tt.filter != "" {
				cfg.Filter = tt.filter
			}
			ex := sevenQ
			if tt.noGoldAnswer {
				ex.Answer = ""
			}
			f := &fakeLLM{solve: tt.solve, pathTokens: 10}
			out, err := newNamed(t, "star", f, cfg).Synthesize(context.Background(), ex)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantCalls, out.Calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			kept := out.Kept()
			if len(kept) != tt.wantKept {
				t.Errorf("kept %d, want %d: %v", len(kept), tt.wantKept, verdicts(out.Candidates))
			}
			if got := count(kept, func(c Candidate) bool { return c.Hinted }); got != tt.wantHinted {
				t.Errorf("kept %d hinted paths, want %d", got, tt.wantHinted)
			}
			for i, c := range out.Candidates {
				rationalized := c.Round == RoundRationalize
				if c.Index != i || c.Hinted != rationalized || (i >= 4) != rationalized {
					t.Errorf("candidate %d: index %d round %q hinted %v", i, c.Index, c.Round, c.Hinted)
				}
			}
			for _, r := range f.requests()["path"] {
				prompt := r.Messages[0].Content
				hinted := strings.Contains(prompt, "Hint: the correct final answer is 7.")
				if hinted != (r.Temperature == cfg.HintTemperature) {
					t.Errorf("hinted=%v at temperature %g; rationalization runs at %g, sampling at %g", hinted, r.Temperature, cfg.HintTemperature, cfg.Temperature)
				}
			}
		})
	}
}

func TestSTaRSimulated(t *testing.T) {
	exs := simExamples(t, 12)
	_, c := simulated(t, simserver.Config{Seed: 3, Accuracy: 0.3, FormatVariety: -1}, exs)
	cfg := baselineConfig(3, 2)
	cfg.HintSelectSamples = 2
	m := newNamed(t, "star", c, cfg)
	var rationalized, keptHinted int
	for _, ex := range exs {
		out, err := m.Synthesize(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		main := out.Candidates[:3]
		mainCorrect := count(main, func(c Candidate) bool { return c.Verdict == answer.Correct })
		rat := out.Candidates[3:]
		if (mainCorrect == 0) != (len(rat) == 2) || (mainCorrect > 0 && len(rat) != 0) {
			t.Errorf("%s: %d correct samples and %d rationalizations; want rationalization exactly when none is correct", ex.ID, mainCorrect, len(rat))
		}
		for _, c := range rat {
			if !c.Hinted || c.Round != RoundRationalize {
				t.Errorf("%s: rationalization %d not marked hinted", ex.ID, c.Index)
			}
		}
		for _, c := range main {
			if c.Hinted {
				t.Errorf("%s: sample %d marked hinted", ex.ID, c.Index)
			}
		}
		if len(rat) > 0 {
			rationalized++
			keptHinted += count(out.Kept(), func(c Candidate) bool { return c.Hinted })
		}
	}
	if rationalized == 0 || keptHinted == 0 {
		t.Errorf("%d questions rationalized, %d hinted paths kept; the test needs some of both", rationalized, keptHinted)
	}
}
