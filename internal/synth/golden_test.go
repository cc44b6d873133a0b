package synth

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/golden"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// scriptedMethod returns a fixed outcome per question: the first question
// has a kept path after a preamble and a wrong one, the second only a stage
// failure.
type scriptedMethod struct{}

func (scriptedMethod) Name() string { return "scripted" }

func (scriptedMethod) Synthesize(_ context.Context, ex task.Example) (method.Outcome, error) {
	base := method.Candidate{Task: ex.Task, QuestionID: ex.ID, Method: "scripted", Round: method.RoundMain}
	if ex.ID == "toy-000" {
		kept := base
		kept.GuidelineIDs = []string{"decompose", "verify"}
		kept.AdaptedGuidelines = "1. Split the marbles into the two groups."
		kept.Structure = "1. Add the groups."
		kept.Path = "Sure, let's solve it.\n\n1. Ann starts with 3 <marbles> & finds 4.\n2. 3 + 4 = 7.\n\\boxed{7}"
		kept.FinishReason, kept.CompletionTokens = "stop", 31
		kept.Extracted, kept.Label, kept.Verdict, kept.Kept = "7", "7", answer.Correct, true
		wrong := base
		wrong.Index = 1
		wrong.GuidelineIDs = []string{"analogy"}
		wrong.Path = "1. 3 + 4 = 8.\n\\boxed{8}"
		wrong.Extracted, wrong.Label, wrong.Verdict, wrong.Reason = "8", "7", answer.Wrong, method.ReasonWrongAnswer
		return method.Outcome{Example: ex, Candidates: []method.Candidate{kept, wrong}, Calls: map[string]int{"select": 2, "path": 2},
			Usage: method.Usage{Requests: 3, Samples: 4, PromptTokens: 400, CompletionTokens: 90}, StoppedEarly: true}, nil
	}
	failed := base
	failed.Verdict, failed.Reason = answer.Unchecked, method.StageFailed("select", "no guideline number in reply")
	return method.Outcome{Example: ex, Candidates: []method.Candidate{failed}, Calls: map[string]int{"select": 1},
		Usage: method.Usage{Requests: 1, Samples: 1, PromptTokens: 120, CompletionTokens: 5}}, nil
}

// TestGoldenOutputs pins the shape of the three output files.
func TestGoldenOutputs(t *testing.T) {
	dir := t.TempDir()
	cfg := method.DefaultConfig()
	_, err := Run(context.Background(), Options{
		Method: scriptedMethod{}, Examples: seq(toyExamples(2)), Prompts: testPrompts(t), OutDir: dir,
		Manifest: Manifest{
			Version: "v9.9.9", Command: []string{"regenesis", "synthesize", "--task=toy"}, Task: "toy", Split: "train",
			Model: "m", Config: cfg, Guidelines: []string{"decompose", "verify", "analogy"},
			PromptHashes: map[string]string{"regenesis/adapt": "abc"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := readOutputs(t, dir)
	for _, name := range []string{rundir.SFTFile, rundir.CandidatesFile, rundir.ManifestFile} {
		golden.Check(t, filepath.Join("testdata", "golden", name), got[name])
	}
}
