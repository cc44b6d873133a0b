package method

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// newWithExemplars builds a method with the given exemplars.
func newWithExemplars(t *testing.T, name string, f llm.Completer, cfg Config, ex []Exemplar) Method {
	var byTask map[string][]Exemplar
	if ex != nil {
		byTask = map[string][]Exemplar{sevenQ.Task: ex}
	}
	t.Helper()
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(name, Deps{LLM: f, Model: "m", Prompts: p, Guidelines: guideline.Default(), Exemplars: byTask}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// taskExemplars are worked examples from a task's training split; the
// second is the question under test itself and must be skipped.
var taskExemplars = []Exemplar{
	{ID: "t1", Question: "Ann has 2 pens and gets 2 more. How many pens?", Rationale: "2 + 2 = 4.", Answer: "4", Spec: answer.Spec{Type: answer.Number}},
	{ID: "q1", Question: sevenQ.Question, Rationale: "3 + 4 = 7.", Answer: "7", Spec: answer.Spec{Type: answer.Number}},
	{ID: "t2", Question: "Bo has 5 cups and breaks 1. How many cups?", Rationale: "5 - 1 = 4.", Answer: "4", Spec: answer.Spec{Type: answer.Number}},
	{ID: "t3", Question: "Cy has 6 hats and gives away 2. How many hats?", Rationale: "6 - 2 = 4.", Answer: "4", Spec: answer.Spec{Type: answer.Number}},
}

func TestSTaRFewShot(t *testing.T) {
	tests := []struct {
		name       string
		solve      func(q string, seed int64, hinted bool) string
		wantRounds []string // round:verdict:kept per candidate
		wantHint   bool     // a rationalization request was sent
	}{
		{"greedy path right", func(string, int64, bool) string { return "7" }, []string{"main:correct:true"}, false},
		{"wrong, rationalized", func(_ string, _ int64, hinted bool) string {
			if hinted {
				return "7"
			}
			return "8"
		}, []string{"main:wrong:false", "rationalize:correct:true"}, true},
		{"wrong twice", func(string, int64, bool) string { return "9" }, []string{"main:wrong:false", "rationalize:wrong:false"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Shots = 2
			f := &fakeLLM{solve: tt.solve, pathTokens: 10}
			out, err := newWithExemplars(t, STaRFewShot, f, cfg, taskExemplars).Synthesize(context.Background(), sevenQ)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range out.Candidates {
				got = append(got, strings.Join([]string{c.Round, string(c.Verdict), map[bool]string{true: "true", false: "false"}[c.Kept]}, ":"))
			}
			if !slices.Equal(got, tt.wantRounds) {
				t.Errorf("candidates %v, want %v", got, tt.wantRounds)
			}
			if len(f.reqs) != len(tt.wantRounds) {
				t.Fatalf("%d requests, want one per candidate", len(f.reqs))
			}
			for i, req := range f.reqs {
				// One greedy sample per question.
				if req.Temperature != 0 || req.N != 1 {
					t.Errorf("request %d: temperature %g, n %d; want greedy, one sample", i, req.Temperature, req.N)
				}
				// Two worked examples (user, assistant) before the question,
				// the question itself skipped as an exemplar.
				if len(req.Messages) != 5 {
					t.Fatalf("request %d: %d messages, want 2 shots + question", i, len(req.Messages))
				}
				hinted := i == 1
				for j, id := range []int{0, 2} {
					e := taskExemplars[id]
					u, a := req.Messages[2*j], req.Messages[2*j+1]
					if u.Role != "user" || !strings.Contains(u.Content, e.Question) || a.Role != "assistant" ||
						a.Content != e.Rationale+"\nSo the answer is \\boxed{"+e.Answer+"}." {
						t.Errorf("request %d shot %d: %+v %+v", i, j, u, a)
					}
					if got := strings.Contains(u.Content, "correct final answer is "+e.Answer); got != hinted {
						t.Errorf("request %d shot %d: hint in example %v, want %v", i, j, got, hinted)
					}
				}
				last := req.Messages[4].Content
				if !strings.Contains(last, sevenQ.Question) || strings.Contains(last, "correct final answer is 7") != hinted {
					t.Errorf("request %d question turn:\n%s", i, last)
				}
			}
			if hinted := len(out.Candidates) > 1 && out.Candidates[1].Hinted; hinted != tt.wantHint {
				t.Errorf("rationalization hinted %v, want %v", hinted, tt.wantHint)
			}
		})
	}
}

// TestSTaRFewShotBuiltinExemplars: a task without rationales gets the
// shipped worked examples of its answer type.
func TestSTaRFewShotBuiltinExemplars(t *testing.T) {
	builtin, err := BuiltinExemplars(answer.YesNo)
	if err != nil || len(builtin) < DefaultShots {
		t.Fatalf("built-in yes/no exemplars: %d, %v", len(builtin), err)
	}
	q := task.Example{ID: "y1", Task: "toy", Question: "Is ice colder than steam?", Spec: answer.Spec{Type: answer.YesNo}, Answer: "yes"}
	f := &fakeLLM{solve: func(string, int64, bool) string { return "yes" }, pathTokens: 10}
	out, err := newWithExemplars(t, STaRFewShot, f, DefaultConfig(), nil).Synthesize(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Kept()) != 1 {
		t.Fatalf("kept %d", len(out.Kept()))
	}
	msgs := f.reqs[0].Messages
	if len(msgs) != 2*DefaultShots+1 {
		t.Fatalf("%d messages, want %d shots and the question", len(msgs), DefaultShots)
	}
	for i := range DefaultShots {
		if !strings.Contains(msgs[2*i].Content, builtin[i].Question) || !strings.HasSuffix(msgs[2*i+1].Content, "\\boxed{"+builtin[i].Answer+"}.") {
			t.Errorf("shot %d: %q / %q", i, msgs[2*i].Content, msgs[2*i+1].Content)
		}
	}
	for _, typ := range []answer.Type{answer.Number, answer.Choice, answer.YesNo, answer.Text, answer.Math} {
		ex, err := BuiltinExemplars(typ)
		if err != nil || len(ex) < DefaultShots {
			t.Errorf("%s: %d exemplars, %v", typ, len(ex), err)
		}
		for _, e := range ex {
			if !answer.Equal(e.Answer, e.Answer, e.Spec) || e.Rationale == "" {
				t.Errorf("%s exemplar %q: answer %q", typ, e.Question, e.Answer)
			}
		}
	}
}

func TestLMSIFewShotOriginalSettings(t *testing.T) {
	// 32 paths: indices 0, 3, 6, ... (11 of them) say 8, the other 21 say 7.
	solve := bySampleIndex(32, func(i int) string {
		if i%3 == 0 {
			return "8"
		}
		return "7"
	})
	// Settings a user might have set for other methods do not change LMSI's.
	cfg := DefaultConfig()
	cfg.Samples, cfg.Temperature, cfg.KeepPerQuestion, cfg.Dedup = 45, 1.2, 5, true
	f := &fakeLLM{solve: solve, pathTokens: 10}
	ex := sevenQ
	ex.Answer = "999" // never read
	out, err := newWithExemplars(t, LMSIFewShot, f, cfg, taskExemplars).Synthesize(context.Background(), ex)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.reqs) != 32 {
		t.Fatalf("%d requests, want 32 samples", len(f.reqs))
	}
	for i, req := range f.reqs {
		if req.Temperature != 0.7 || req.N != 1 {
			t.Errorf("request %d: temperature %g n %d, want 0.7, 1", i, req.Temperature, req.N)
		}
		// Four exemplars, less the question itself: three shots.
		if len(req.Messages) != 2*3+1 {
			t.Errorf("request %d: %d messages, want 3 shots + question", i, len(req.Messages))
		}
		for _, m := range req.Messages {
			if strings.Contains(m.Content, "999") {
				t.Fatalf("request %d shows the gold answer", i)
			}
		}
	}
	// Every one of the 21 agreeing paths is kept (no cap at 5, no dedup:
	// the fake's paths differ only in their seed).
	kept := out.Kept()
	if len(kept) != 21 {
		t.Errorf("kept %d, want all 21 that agree with the majority", len(kept))
	}
	for _, c := range out.Candidates {
		if c.Label != "7" {
			t.Errorf("candidate %d label %q, want the majority 7", c.Index, c.Label)
		}
		if c.Kept != (c.Extracted == "7") {
			t.Errorf("candidate %d (%s) kept %v", c.Index, c.Extracted, c.Kept)
		}
	}
	if out.Calls[StageSample] != 32 {
		t.Errorf("calls %v", out.Calls)
	}
}

func TestMethodNames(t *testing.T) {
	f := &fakeLLM{solve: func(string, int64, bool) string { return "7" }, pathTokens: 10}
	for _, tt := range []struct{ asked, profile, want string }{
		{"star", ProfileDefault, "star"},
		{"star-zeroshot", ProfileDefault, "star-zeroshot"},
		{"lmsi", ProfileDefault, "lmsi"},
		{"lmsi-zeroshot", ProfileDefault, "lmsi-zeroshot"},
		{"star", ProfileReference, STaRFewShot},
		{"lmsi", ProfileReference, LMSIFewShot},
		{"star-zeroshot", ProfileReference, "star-zeroshot"},
	} {
		cfg, err := ProfileConfig(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		m := newWithExemplars(t, tt.asked, f, cfg, nil)
		if m.Name() != tt.want {
			t.Errorf("%s under %s: Name() = %s, want %s", tt.asked, tt.profile, m.Name(), tt.want)
		}
	}
	for name, dir := range map[string]string{"star-fewshot": "star", "lmsi-zeroshot": "lmsi", "gold-answer": "gold-answer", "regenesis": "regenesis"} {
		if got := TemplateDir(name); got != dir {
			t.Errorf("TemplateDir(%s) = %s, want %s", name, got, dir)
		}
	}
}
