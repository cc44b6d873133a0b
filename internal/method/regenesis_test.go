package method

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

var sevenQ = task.Example{
	ID: "q1", Task: "toy", Question: "Tom has 3 apples and buys 4 more. How many apples does he have?",
	Spec: answer.Spec{Type: answer.Number}, Answer: "7",
}

func newTestMethod(t *testing.T, f *fakeLLM, cfg Config) Method {
	t.Helper()
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New("regenesis", Deps{LLM: f, Model: "m", Prompts: p, Guidelines: guideline.Default()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// rightEvery solves right when the seed is a multiple of k.
func rightEvery(k int64) func(string, int64, bool) string {
	return func(_ string, seed int64, _ bool) string {
		if seed%k == 0 {
			return "7"
		}
		return "8"
	}
}

func TestReGenesisMainRound(t *testing.T) {
	f := &fakeLLM{solve: rightEvery(3), pathTokens: 100}
	cfg := DefaultConfig()
	out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	pool := len(guideline.Default())
	wantCalls := map[string]int{"select": 20, "adapt": 20 + pool, "structure": 20 + pool, "path": 20 + pool}
	if diff := cmp.Diff(wantCalls, out.Calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	reqs := f.requests()
	if len(reqs["select"]) != 1 || reqs["select"][0].N != 20 || reqs["select"][0].MaxTokens != 512 {
		t.Errorf("select: %d requests (n=%d), want one request with n=20", len(reqs["select"]), reqs["select"][0].N)
	}
	seeds := map[int64]bool{}
	for _, stage := range []string{"adapt", "structure", "path"} {
		if got := len(reqs[stage]); got != 20+pool {
			t.Errorf("%s: %d requests, want %d", stage, got, 20+pool)
		}
		wantMax := map[string]int{"adapt": 1024, "structure": 1024, "path": 801}[stage]
		for _, r := range reqs[stage] {
			if r.Temperature != 1.2 || r.TopP != 0.9 || r.MaxTokens != wantMax || max(r.N, 1) != 1 {
				t.Fatalf("%s request sampling %v/%v/%v/n=%d, want 1.2/0.9/%d/1", stage, r.Temperature, r.TopP, r.MaxTokens, r.N, wantMax)
			}
			if seeds[*r.Seed] {
				t.Errorf("%s: seed %d used twice", stage, *r.Seed)
			}
			seeds[*r.Seed] = true
		}
	}
	if len(out.Candidates) != 20+pool {
		t.Fatalf("%d candidates, want %d", len(out.Candidates), 20+pool)
	}
	kept := out.Kept()
	if len(kept) == 0 || len(kept) > cfg.KeepPerQuestion {
		t.Fatalf("kept %d, want 1..%d", len(kept), cfg.KeepPerQuestion)
	}
	sets := map[string]bool{}
	for i, c := range out.Candidates {
		if c.Index != i || c.Round != RoundMain || c.Hinted {
			t.Errorf("candidate %d: index %d round %s hinted %v", i, c.Index, c.Round, c.Hinted)
		}
		if len(c.GuidelineIDs) == 0 || c.AdaptedGuidelines == "" || c.Structure == "" {
			t.Errorf("candidate %d lacks its stages: %+v", i, c)
		}
		switch {
		case c.Kept:
			if c.Extracted != "7" || c.Verdict != answer.Correct || c.Reason != "" {
				t.Errorf("kept candidate %d: extracted %q verdict %s reason %q", i, c.Extracted, c.Verdict, c.Reason)
			}
			sets[guidelineKey(c.GuidelineIDs)] = true
		case c.Extracted == "8":
			if c.Verdict != answer.Wrong || c.Reason != ReasonWrongAnswer {
				t.Errorf("wrong candidate %d: verdict %s reason %q", i, c.Verdict, c.Reason)
			}
		case c.Extracted == "7":
			if c.Reason != ReasonOverCap && c.Reason != ReasonDuplicate {
				t.Errorf("correct, dropped candidate %d: reason %q", i, c.Reason)
			}
		}
	}
	if len(sets) != len(kept) {
		t.Errorf("kept %d paths from %d guideline sets, want all distinct", len(kept), len(sets))
	}
	if len(f.requests()["judge"]) != 0 {
		t.Error("judge called while off")
	}
}

func TestReGenesisSingleSelectionRequestOnly(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SingleGuidelines = false
	cfg.SelectSamples = 3
	f := &fakeLLM{solve: rightEvery(1)}
	out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"select": 3, "adapt": 3, "structure": 3, "path": 3}, out.Calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestReGenesisHintRound(t *testing.T) {
	hinted := func(_ string, _ int64, hinted bool) string {
		if hinted {
			return "7"
		}
		return "8"
	}
	f := &fakeLLM{solve: hinted}
	out, err := newTestMethod(t, f, DefaultConfig()).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	pool := len(guideline.Default())
	hintPool := len(guideline.ForHint(guideline.Default()))
	wantCalls := map[string]int{
		"select": 20, "adapt": 20 + pool, "structure": 20 + pool, "path": 20 + pool,
		"hint/select": 20, "hint/adapt": 20, "hint/structure": 20, "hint/path": 20,
	}
	if diff := cmp.Diff(wantCalls, out.Calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	sel := f.requests()["select"]
	if len(sel) != 2 {
		t.Fatalf("%d select requests, want 2", len(sel))
	}
	hintSel := sel[1].Messages[0].Content
	if sel[1].Temperature != 0.85 || strings.Contains(hintSel, "current best solution") ||
		!strings.Contains(hintSel, "\n"+strconv.Itoa(hintPool)+". ") || strings.Contains(hintSel, "\n"+strconv.Itoa(hintPool+1)+". ") {
		t.Errorf("hint selection: temperature %v, prompt:\n%s", sel[1].Temperature, hintSel)
	}
	kept := out.Kept()
	if len(kept) == 0 || len(kept) > 5 {
		t.Fatalf("kept %d, want 1..5", len(kept))
	}
	for _, c := range out.Candidates[:20+pool] {
		if c.Kept || c.Hinted {
			t.Errorf("main candidate %d kept %v hinted %v", c.Index, c.Kept, c.Hinted)
		}
	}
	for i, c := range out.Candidates[20+pool:] {
		if !c.Hinted || c.Round != RoundHint || c.Index != 20+pool+i {
			t.Errorf("hint candidate %d: hinted %v round %s index %d", i, c.Hinted, c.Round, c.Index)
		}
	}
	for _, c := range kept {
		if !c.Hinted || c.Extracted != "7" {
			t.Errorf("kept %d: hinted %v extracted %q", c.Index, c.Hinted, c.Extracted)
		}
	}
	for _, r := range f.requests()["path"][20+pool:] {
		if r.Temperature != 0.85 {
			t.Errorf("hint path temperature %v", r.Temperature)
		}
	}
}

func TestReGenesisNoHintWithoutGold(t *testing.T) {
	f := &fakeLLM{solve: func(string, int64, bool) string { return "8" }}
	cfg := DefaultConfig()
	cfg.Hint = false
	out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Kept()) != 0 || out.Calls["hint/select"] != 0 {
		t.Errorf("kept %d, hint calls %d; want none", len(out.Kept()), out.Calls["hint/select"])
	}
}

func TestReGenesisStageFailures(t *testing.T) {
	f := &fakeLLM{
		solve: rightEvery(1),
		reply: func(stage string, seed int64, i int) (string, bool) {
			switch {
			case stage == "select" && i == 0:
				return "I would pick none of these.", true
			case stage == "select" && i == 1:
				return "99, 100", true
			case stage == "adapt" && seed%4 == 0:
				return "  \n", true
			case stage == "path" && seed%4 == 1:
				return "1. I cannot tell.", true
			}
			return "", false
		},
	}
	cfg := DefaultConfig()
	cfg.KeepPerQuestion = 100
	cfg.Dedup = false
	out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, c := range out.Candidates {
		reasons[c.Reason]++
		if IsStageFailure(c.Reason) && (c.Kept || c.Path != "") {
			t.Errorf("failed candidate %d kept %v path %q", c.Index, c.Kept, c.Path)
		}
	}
	if reasons[StageFailed("select", "no guideline number or name in reply")] != 2 {
		t.Errorf("select failures: %v", reasons)
	}
	if reasons[StageFailed("adapt", "empty reply")] == 0 || reasons[ReasonNoAnswer] == 0 || reasons[""] == 0 {
		t.Errorf("want adapt failures, no-answer drops and kept paths: %v", reasons)
	}
	if out.Calls["adapt"] != 18+len(guideline.Default()) {
		t.Errorf("adapt calls %d: failed selections must not start chains", out.Calls["adapt"])
	}
}

func TestReGenesisDeterministic(t *testing.T) {
	run := func() Outcome {
		f := &fakeLLM{solve: rightEvery(2)}
		out, err := newTestMethod(t, f, DefaultConfig()).Synthesize(context.Background(), sevenQ)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := run(), run()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs differ (-first +second):\n%s", diff)
	}
	cfg := DefaultConfig()
	cfg.Seed = 1
	f := &fakeLLM{solve: rightEvery(2)}
	c, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a, c) {
		t.Error("seed 1 gives the same outcome as seed 0")
	}
}

func TestReGenesisMajority(t *testing.T) {
	f := &fakeLLM{solve: rightEvery(4)} // "8" is the majority
	cfg := DefaultConfig()
	cfg.Filter = FilterMajority
	cfg.KeepPerQuestion = 100
	cfg.Dedup = false
	ex := sevenQ
	ex.Answer = ""
	out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), ex)
	if err != nil {
		t.Fatal(err)
	}
	if out.Agreement <= 0.5 || out.Agreement >= 1 {
		t.Errorf("agreement %v", out.Agreement)
	}
	for _, c := range out.Candidates {
		if c.Label != "8" {
			t.Fatalf("candidate %d label %q, want majority 8", c.Index, c.Label)
		}
		if c.Kept != (c.Extracted == "8") || (!c.Kept && c.Reason != ReasonMajority) {
			t.Errorf("candidate %d extracted %q kept %v reason %q", c.Index, c.Extracted, c.Kept, c.Reason)
		}
	}
	if out.Calls["hint/select"] != 0 {
		t.Error("hint round ran without a gold answer")
	}
}

func TestReGenesisJudge(t *testing.T) {
	f := &fakeLLM{
		solve: rightEvery(1),
		reply: func(stage string, seed int64, _ int) (string, bool) {
			if stage == "judge" && seed%2 == 0 {
				return "No.", true
			}
			return "", false
		},
	}
	cfg := DefaultConfig()
	cfg.Judge = true
	cfg.Dedup = false
	cfg.KeepPerQuestion = 100
	out, err := newTestMethod(t, f, cfg).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	judged := f.requests()["judge"]
	if want := 20 + len(guideline.Default()); len(judged) != want || out.Calls["judge"] != want {
		t.Fatalf("%d judge requests, %d counted; want %d", len(judged), out.Calls["judge"], want)
	}
	for _, r := range judged {
		if r.Temperature != 0 {
			t.Fatalf("judge temperature %v, want 0", r.Temperature)
		}
	}
	rejected := 0
	for _, c := range out.Candidates {
		if c.Reason == ReasonJudge {
			rejected++
		}
	}
	if rejected == 0 || len(out.Kept()) == 0 || rejected+len(out.Kept()) != len(judged) {
		t.Errorf("judge rejected %d, kept %d of %d", rejected, len(out.Kept()), len(judged))
	}
}

func TestReGenesisCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newTestMethod(t, &fakeLLM{solve: rightEvery(1)}, DefaultConfig()).Synthesize(ctx, sevenQ)
	if err == nil {
		t.Fatal("Synthesize on a cancelled context succeeded")
	}
}
