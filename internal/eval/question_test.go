package eval

import (
	"context"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestRunUnlabeledWithoutAnswer checks that an example without a gold
// answer is Unchecked, and counted only as unlabeled, even when its reply
// has no answer (where answer.Check alone says NoAnswer).
func TestRunUnlabeledWithoutAnswer(t *testing.T) {
	model := &fakeModel{replies: map[string][]string{"x": {"\\boxed{1}"}, "y": {"I cannot tell."}, "z": {"\\boxed{3}"}}}
	src := Source{Name: "t", Group: task.OOD, Examples: examples(num("t", "1", "x", "1"), num("t", "2", "y", ""), num("t", "3", "z", ""))}
	dir := t.TempDir()
	res, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src}, OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Tasks["t"]; got.N != 1 || got.Unlabeled != 2 || got.NoAnswer != 0 || got.Correct != 1 {
		t.Errorf("task t = %+v; want n 1, unlabeled 2, no answer 0, correct 1", *got)
	}
	preds := readPredictions(t, dir)
	for i, want := range []struct {
		answer  string
		verdict answer.Verdict
	}{{"1", answer.Correct}, {"", answer.Unchecked}, {"3", answer.Unchecked}} {
		p := preds[i]
		if p.Answer != want.answer || p.Verdict != want.verdict || p.Samples[0].Extracted != want.answer || p.Samples[0].Verdict != want.verdict {
			t.Errorf("question %s: answer %q verdict %s, sample %+v; want %q and %s for both", p.QuestionID, p.Answer, p.Verdict, p.Samples[0], want.answer, want.verdict)
		}
	}
}
