package method

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/simserver"

	"github.com/regenesis-ai/regenesis/internal/task"
)

// bySampleIndex answers by the sample's index within the question's
// "sample" stage (recovered from its seed), so that a test fixes exactly
// which samples say what.
func bySampleIndex(n int, answer func(i int) string) func(string, int64, bool) string {
	return func(_ string, seed int64, _ bool) string {
		for i := range n {
			if SeedFor(0, sevenQ.ID, StageSample, i) == seed {
				return answer(i)
			}
		}
		return "unknown"
	}
}

func TestLMSINeverReadsGold(t *testing.T) {
	withoutAnswer := sevenQ
	withoutAnswer.Answer = ""
	// A gold answer and rationale the model never produces: were they
	// read, nothing would be kept and the secret would show in a prompt.
	misleading := sevenQ
	misleading.Answer = "999"
	misleading.Rationale = "secret rationale"
	tests := []struct {
		name   string
		ex     task.Example
		filter string
	}{
		{"answer removed", withoutAnswer, FilterGold},
		{"misleading gold answer", misleading, FilterGold},
		{"majority filter configured", misleading, FilterMajority},
	}
	// Samples 0 and 3 say 8, the other four say 7.
	solve := bySampleIndex(6, func(i int) string {
		if i%3 == 0 {
			return "8"
		}
		return "7"
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baselineConfig(6, 10)
			cfg.Filter = tt.filter
			f := &fakeLLM{solve: solve, pathTokens: 10}
			out, err := newNamed(t, "lmsi", f, cfg).Synthesize(context.Background(), tt.ex)
			if err != nil {
				t.Fatal(err)
			}
			if out.Example.Answer != tt.ex.Answer {
				t.Errorf("Outcome.Example.Answer = %q, want the example as given (%q)", out.Example.Answer, tt.ex.Answer)
			}
			if diff := cmp.Diff(map[string]int{"sample": 6}, out.Calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			want := []string{"main:wrong", "main:correct:kept", "main:correct:kept", "main:wrong", "main:correct:kept", "main:correct:kept"}
			if diff := cmp.Diff(want, verdicts(out.Candidates)); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
			if out.Agreement != 4.0/6 {
				t.Errorf("Agreement = %g, want 4/6", out.Agreement)
			}
			for _, c := range out.Candidates {
				if c.Label != "7" || c.Hinted {
					t.Errorf("candidate %d: label %q hinted %v, want the majority label 7, unhinted", c.Index, c.Label, c.Hinted)
				}
				if !c.Kept && c.Reason != ReasonMajority {
					t.Errorf("candidate %d dropped for %q, want %q", c.Index, c.Reason, ReasonMajority)
				}
			}
			for _, r := range f.requests()["path"] {
				if p := r.Messages[0].Content; strings.Contains(p, "999") || strings.Contains(p, "secret") || strings.Contains(strings.ToLower(p), "hint") {
					t.Errorf("prompt carries the gold answer or rationale:\n%s", p)
				}
			}
		})
	}
}

func TestLMSINoAnswers(t *testing.T) {
	f := &fakeLLM{solve: rightEvery(1), reply: func(stage string, _ int64, _ int) (string, bool) {
		return "I cannot tell.", stage == "path"
	}}
	out, err := newNamed(t, "lmsi", f, baselineConfig(3, 3)).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Kept()) != 0 || out.Agreement != 0 {
		t.Errorf("kept %d, agreement %g; want nothing kept without answers", len(out.Kept()), out.Agreement)
	}
	for _, c := range out.Candidates {
		if c.Reason != ReasonNoAnswer {
			t.Errorf("candidate %d reason %q, want %q", c.Index, c.Reason, ReasonNoAnswer)
		}
	}
}

func TestLMSISimulated(t *testing.T) {
	exs := simExamples(t, 6)
	_, c := simulated(t, simserver.Config{Seed: 5, Accuracy: 0.7, FormatVariety: -1}, exs)
	m := newNamed(t, "lmsi", c, baselineConfig(7, 3))
	kept := 0
	for _, ex := range exs {
		blind := ex
		blind.Answer, blind.Rationale = "", ""
		out, err := m.Synthesize(context.Background(), blind)
		if err != nil {
			t.Fatal(err)
		}
		if out.Agreement <= 0 || out.Agreement > 1 {
			t.Errorf("%s: agreement %g outside (0, 1]", ex.ID, out.Agreement)
		}
		for _, c := range out.Kept() {
			if c.Extracted != c.Label || c.Label == "" {
				t.Errorf("%s: kept %q against label %q", ex.ID, c.Extracted, c.Label)
			}
		}
		kept += len(out.Kept())
	}
	if kept == 0 {
		t.Error("LMSI kept no path without gold answers")
	}
}
