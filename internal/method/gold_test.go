package method

import (
	"context"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

func TestGold(t *testing.T) {
	gsm := task.Example{
		ID: "g1", Task: "gsm8k", Question: "Natalia sold 48 clips in April and half as many in May. How many in all?",
		Spec: answer.Spec{Type: answer.Number}, Answer: "72",
		Rationale: "In May she sold 48/2 = <<48/2=24>>24 clips.\nIn all she sold 48+24 = <<48+24=72>>72 clips.",
	}
	math := task.Example{
		ID: "m1", Task: "math500", Question: "What is $1/2 + 1/4$?", Spec: answer.Spec{Type: answer.Math},
		Answer: `\frac{3}{4}`, Rationale: `Add: $\frac{1}{2} + \frac{1}{4} = \boxed{\frac{3}{4}}$.`,
	}
	choice := task.Example{
		ID: "c1", Task: "arc_challenge", Question: "Which is a gas? Answer Choices: (A) ice (B) steam",
		Spec: answer.Spec{Type: answer.Choice, Options: []answer.Option{{Label: "A", Text: "ice"}, {Label: "B", Text: "steam"}}}, Answer: "B",
	}
	noAnswer := gsm
	noAnswer.Answer = ""
	tests := []struct {
		name       string
		method     string
		ex         task.Example
		wantPath   string
		wantKept   bool
		wantReason string
	}{
		{"rationale, calculator notes removed", "gold", gsm,
			"In May she sold 48/2 = 24 clips.\nIn all she sold 48+24 = 72 clips.\n\nThe final answer is \\boxed{72}.", true, ""},
		{"answer only", "gold-answer", gsm, `The final answer is \boxed{72}.`, true, ""},
		{"rationale already boxed", "gold", math, math.Rationale, true, ""},
		{"no rationale: the answer", "gold", choice, `The final answer is \boxed{B}.`, true, ""},
		{"no gold answer", "gold", noAnswer, "", false, ReasonNoLabel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLLM{solve: rightEvery(1)}
			m := newNamed(t, tt.method, f, DefaultConfig())
			out, err := m.Synthesize(context.Background(), tt.ex)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(f.requests()); n != 0 || len(out.Calls) != 0 {
				t.Errorf("gold made LLM calls: %d stages requested, calls %v", n, out.Calls)
			}
			if len(out.Candidates) != 1 {
				t.Fatalf("%d candidates, want 1", len(out.Candidates))
			}
			c := out.Candidates[0]
			if c.Path != tt.wantPath || c.Kept != tt.wantKept || c.Reason != tt.wantReason {
				t.Errorf("candidate: path %q kept %v reason %q; want %q %v %q", c.Path, c.Kept, c.Reason, tt.wantPath, tt.wantKept, tt.wantReason)
			}
			if c.Kept && (c.Verdict != answer.Correct || c.Extracted == "" || c.Method != tt.method || c.Hinted) {
				t.Errorf("kept candidate = %+v, want a correct, unhinted %s path", c, tt.method)
			}
		})
	}
}

func TestGoldNeedsNoDeps(t *testing.T) {
	m, err := New("gold", Deps{}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Kept()) != 1 || out.Kept()[0].Path != `The final answer is \boxed{7}.` {
		t.Errorf("outcome = %+v", out)
	}
}

func TestGoldSimulated(t *testing.T) {
	exs := simExamples(t, 20)
	sim, c := simulated(t, simserver.Config{Seed: 1}, exs)
	m := newNamed(t, "gold", c, DefaultConfig())
	for _, ex := range exs {
		out, err := m.Synthesize(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Kept()) != 1 {
			t.Errorf("%s: gold rationale not kept: %+v", ex.ID, out.Candidates)
		}
	}
	if n := sim.Stats().Requests; n != 0 {
		t.Errorf("gold sent %d requests, want 0", n)
	}
}
