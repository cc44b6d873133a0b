package method

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// newNamed builds the method called name over f with the embedded prompts
// and the default guideline pool.
func newNamed(t *testing.T, name string, f llm.Completer, cfg Config) Method {
	t.Helper()
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(name, Deps{LLM: f, Model: "m", Prompts: p, Guidelines: guideline.Default()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != name {
		t.Errorf("Name() = %q, want %q", m.Name(), name)
	}
	return m
}

// baselineConfig is a small budget with de-duplication off, since the fake
// model's paths differ only by their seed.
func baselineConfig(samples, keep int) Config {
	cfg := DefaultConfig()
	cfg.Samples = samples
	cfg.KeepPerQuestion = keep
	cfg.Dedup = false
	return cfg
}

// verdicts lists "index:round:verdict:kept" per candidate.
func verdicts(cands []Candidate) []string {
	var out []string
	for _, c := range cands {
		s := strings.Join([]string{c.Round, string(c.Verdict)}, ":")
		if c.Kept {
			s += ":kept"
		}
		out = append(out, s)
	}
	return out
}

func count(cands []Candidate, pred func(Candidate) bool) int {
	n := 0
	for _, c := range cands {
		if pred(c) {
			n++
		}
	}
	return n
}

func TestCoT(t *testing.T) {
	f := &fakeLLM{solve: rightEvery(2), pathTokens: 50}
	cfg := baselineConfig(8, 3)
	out, err := newNamed(t, "cot", f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"sample": 8}, out.Calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	reqs := f.requests()["path"]
	if len(reqs) != 8 {
		t.Fatalf("%d path requests, want 8", len(reqs))
	}
	seeds := map[int64]bool{}
	for _, r := range reqs {
		if r.N != 1 || r.Temperature != cfg.Temperature || r.TopP != cfg.TopP || r.MaxTokens != cfg.MaxPathTokens+1 {
			t.Errorf("request n=%d temperature=%g top_p=%g max_tokens=%d, want 1, the config's and max_path_tokens+1", r.N, r.Temperature, r.TopP, r.MaxTokens)
		}
		prompt := r.Messages[0].Content
		if !strings.Contains(prompt, sevenQ.Question) || !strings.Contains(prompt, "step by step") || strings.Contains(strings.ToLower(prompt), "hint") {
			t.Errorf("prompt lacks the question or the step-by-step cue, or has a hint:\n%s", prompt)
		}
		seeds[*r.Seed] = true
	}
	if len(seeds) != 8 {
		t.Errorf("%d distinct seeds over 8 samples, want 8", len(seeds))
	}
	right := count(out.Candidates, func(c Candidate) bool { return c.Verdict == answer.Correct })
	kept := out.Kept()
	if len(kept) != min(right, 3) {
		t.Errorf("kept %d paths with %d correct and a cap of 3", len(kept), right)
	}
	for i, c := range out.Candidates {
		if c.Index != i || c.Method != "cot" || c.Round != RoundMain || c.Hinted || c.Label != "7" {
			t.Errorf("candidate %d = %+v", i, c)
		}
		if c.Kept && c.Verdict != answer.Correct {
			t.Errorf("kept a %s path", c.Verdict)
		}
	}
	if want := float64(right) / 8; out.Agreement != want {
		t.Errorf("Agreement = %g, want the correct share %g", out.Agreement, want)
	}
}

func TestBaselinesDeterministic(t *testing.T) {
	ex := sevenQ
	for _, name := range []string{"cot", "star", "lmsi", "selfdiscover"} {
		t.Run(name, func(t *testing.T) {
			var runs [2][]Candidate
			for i := range runs {
				f := &fakeLLM{solve: rightEvery(3), pathTokens: 10}
				out, err := newNamed(t, name, f, baselineConfig(6, 2)).Synthesize(context.Background(), ex)
				if err != nil {
					t.Fatal(err)
				}
				runs[i] = out.Candidates
			}
			if diff := cmp.Diff(runs[0], runs[1]); diff != "" {
				t.Errorf("two runs differ (-first +second):\n%s", diff)
			}
		})
	}
}

func TestBaselinesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, name := range []string{"cot", "star", "lmsi", "selfdiscover", "gold"} {
		f := &fakeLLM{solve: rightEvery(1)}
		_, err := newNamed(t, name, f, baselineConfig(4, 2)).Synthesize(ctx, sevenQ)
		if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
}

func TestBaselinesRegistered(t *testing.T) {
	for _, name := range []string{"cot", "star", "lmsi", "selfdiscover", "gold", "gold-answer"} {
		if !slices.Contains(Names(), name) {
			t.Errorf("Names() = %v, missing %s", Names(), name)
		}
	}
}

func TestBaselinesTruncatedAndLong(t *testing.T) {
	f := &fakeLLM{solve: rightEvery(1), pathTokens: 900} // over max_path_tokens 800
	out, err := newNamed(t, "cot", f, baselineConfig(3, 3)).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Candidates {
		if c.Kept || c.Reason != ReasonTooLong || c.CompletionTokens != 900 {
			t.Errorf("candidate %d: kept=%v reason=%q tokens=%d, want dropped as too_long with 900 tokens", c.Index, c.Kept, c.Reason, c.CompletionTokens)
		}
	}
}

// simExamples are the first n GSM8K training questions of the shared data.
func simExamples(t *testing.T, n int) []task.Example {
	t.Helper()
	tk, err := task.NewRegistry(filepath.Join("..", "..", "..", "shared", "data")).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	out, err := tk.First(context.Background(), "train", n)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < n {
		t.Fatalf("gsm8k train has %d examples, want %d", len(out), n)
	}
	return out
}

// simulated starts the simulated model over exs and returns a client for it.
func simulated(t *testing.T, cfg simserver.Config, exs []task.Example) (*simserver.Server, llm.Completer) {
	t.Helper()
	key := simserver.Key(exs...)
	sim := simserver.New(cfg, key)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := llm.NewClient(llm.Options{BaseURLs: []string{srv.URL}, Concurrency: 16, MaxRetries: llm.DefaultMaxRetries, GiveUpAfter: llm.DefaultGiveUpAfter})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func TestCoTSimulated(t *testing.T) {
	exs := simExamples(t, 6)
	sim, c := simulated(t, simserver.Config{Seed: 1, Accuracy: 0.5, FormatVariety: -1}, exs)
	m := newNamed(t, "cot", c, baselineConfig(6, 3))
	kept := 0
	for _, ex := range exs {
		out, err := m.Synthesize(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		if out.Calls["sample"] != 6 || len(out.Candidates) != 6 {
			t.Errorf("%s: calls %v, %d candidates; want 6 samples", ex.ID, out.Calls, len(out.Candidates))
		}
		for _, c := range out.Kept() {
			if !answer.Equal(c.Extracted, ex.Answer, ex.Spec) || c.Hinted {
				t.Errorf("%s: kept %q (hinted %v) for gold %q", ex.ID, c.Extracted, c.Hinted, ex.Answer)
			}
		}
		kept += len(out.Kept())
	}
	if kept == 0 {
		t.Error("no path kept over 6 questions at accuracy 0.5")
	}
	if st := sim.Stats(); st.Stages[simserver.StageSolve] != 36 || st.Stages[simserver.StageStructure] != 0 {
		t.Errorf("server stages %v, want 36 solves only", st.Stages)
	}
}
