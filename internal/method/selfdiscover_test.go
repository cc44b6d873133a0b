package method

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/simserver"

	"github.com/regenesis-ai/regenesis/internal/guideline"
)

func TestSelfDiscoverOneStructurePerQuestion(t *testing.T) {
	f := &fakeLLM{solve: rightEvery(2), pathTokens: 10}
	m := newNamed(t, "selfdiscover", f, baselineConfig(5, 5))
	questions := []string{"q1", "q2", "q3"}
	for _, id := range questions {
		ex := sevenQ
		ex.ID = id
		ex.Question = fmt.Sprintf("Question %s: Tom has 3 apples and buys 4 more. How many?", id)
		out, err := m.Synthesize(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"select": 1, "adapt": 1, "structure": 1, "path": 5}, out.Calls); diff != "" {
			t.Errorf("%s calls (-want +got):\n%s", id, diff)
		}
		if len(out.Candidates) != 5 {
			t.Fatalf("%s: %d candidates, want 5", id, len(out.Candidates))
		}
		first := out.Candidates[0]
		if len(first.GuidelineIDs) < 2 || first.Structure == "" || first.AdaptedGuidelines == "" {
			t.Errorf("%s: candidate 0 = %+v, want guidelines, adaptation and structure", id, first)
		}
		for _, c := range out.Candidates {
			if c.Structure != first.Structure || !cmp.Equal(c.GuidelineIDs, first.GuidelineIDs) || c.Hinted {
				t.Errorf("%s candidate %d: structure %q guidelines %v, want every path from the one structure", id, c.Index, c.Structure, c.GuidelineIDs)
			}
		}
	}
	// One structure request per question, each for that question.
	reqs := f.requests()
	if len(reqs["structure"]) != len(questions) || len(reqs["select"]) != len(questions) {
		t.Fatalf("%d structure and %d select requests for %d questions", len(reqs["structure"]), len(reqs["select"]), len(questions))
	}
	for i, r := range reqs["structure"] {
		if !strings.Contains(r.Messages[0].Content, "Question "+questions[i]+":") {
			t.Errorf("structure request %d is not for %s", i, questions[i])
		}
	}
	// The paths follow the structure: the plan is in each path prompt.
	for _, r := range reqs["path"] {
		if !strings.Contains(r.Messages[0].Content, "1. List the amounts.") {
			t.Errorf("path prompt lacks the structure:\n%s", r.Messages[0].Content)
		}
	}
}

func TestSelfDiscoverSelectsFromPool(t *testing.T) {
	f := &fakeLLM{solve: rightEvery(1), reply: func(stage string, _ int64, _ int) (string, bool) {
		return "Modules 2, 5 and 2", stage == "select"
	}}
	out, err := newNamed(t, "selfdiscover", f, baselineConfig(2, 2)).Synthesize(context.Background(), sevenQ)
	if err != nil {
		t.Fatal(err)
	}
	pool := guideline.Default()
	want := []string{pool[1].ID, pool[4].ID}
	if diff := cmp.Diff(want, out.Candidates[0].GuidelineIDs); diff != "" {
		t.Errorf("guidelines (-want +got):\n%s", diff)
	}
	adapt := f.requests()["adapt"][0].Messages[0].Content
	if !strings.Contains(adapt, pool[1].Text) || !strings.Contains(adapt, pool[4].Text) || strings.Contains(adapt, pool[0].Text) {
		t.Errorf("adapt prompt does not list exactly the selected guidelines:\n%s", adapt)
	}
}

func TestSelfDiscoverStageFailures(t *testing.T) {
	tests := []struct {
		stage, reply string
		wantReason   string
		wantCalls    map[string]int
	}{
		{"select", "I would pick the useful ones.", "stage_failed: select: no module number or name in reply", map[string]int{"select": 1}},
		{"adapt", "  ", "stage_failed: adapt: empty reply", map[string]int{"select": 1, "adapt": 1}},
		{"structure", "", "stage_failed: structure: empty reply", map[string]int{"select": 1, "adapt": 1, "structure": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			f := &fakeLLM{solve: rightEvery(1), reply: func(stage string, _ int64, _ int) (string, bool) {
				return tt.reply, stage == tt.stage
			}}
			out, err := newNamed(t, "selfdiscover", f, baselineConfig(4, 4)).Synthesize(context.Background(), sevenQ)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantCalls, out.Calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if len(out.Candidates) != 1 || out.Candidates[0].Reason != tt.wantReason || out.Candidates[0].Kept {
				t.Errorf("candidates = %+v, want one failed with %q", out.Candidates, tt.wantReason)
			}
		})
	}
}

func TestSelfDiscoverSimulated(t *testing.T) {
	exs := simExamples(t, 5)
	sim, c := simulated(t, simserver.Config{Seed: 7, Accuracy: 0.6, FormatVariety: -1}, exs)
	m := newNamed(t, "selfdiscover", c, baselineConfig(4, 4))
	kept := 0
	for _, ex := range exs {
		out, err := m.Synthesize(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		if out.Calls["structure"] != 1 {
			t.Errorf("%s: calls %v, want one structure", ex.ID, out.Calls)
		}
		kept += len(out.Kept())
	}
	st := sim.Stats()
	want := map[simserver.Stage]int64{
		simserver.StageSelect: 5, simserver.StageAdapt: 5, simserver.StageStructure: 5, simserver.StageSolve: 20,
	}
	for stage, n := range want {
		if st.Stages[stage] != n {
			t.Errorf("server saw %d %s requests, want %d (all stages: %v)", st.Stages[stage], stage, n, st.Stages)
		}
	}
	if kept == 0 {
		t.Error("no path kept")
	}
}
