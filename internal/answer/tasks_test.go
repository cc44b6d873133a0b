package answer_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestGoldAnswersOfEveryTask runs every gold answer of every local split of
// every built-in task through the extractor the way a model would write
// it, boxed and after an answer phrase, and checks that it is read back
// equal to itself; for multiple-choice questions also written as "(X)
// option text" and as the bare option text.
func TestGoldAnswersOfEveryTask(t *testing.T) {
	reg := task.NewRegistry(filepath.Join("..", "..", "..", "shared", "data"))
	ctx := context.Background()
	for _, info := range reg.List() {
		tk, err := reg.Get(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, split := range info.Splits {
			if !split.Local {
				continue
			}
			t.Run(info.Name+"/"+split.Name, func(t *testing.T) {
				n, failures := 0, 0
				for ex, err := range tk.Examples(ctx, split.Name) {
					if err != nil {
						t.Fatal(err)
					}
					if ex.Answer == "" {
						continue
					}
					n++
					boxed := ex.Answer
					if ex.Spec.Type == answer.Text { // as a model must write braces in a box
						boxed = strings.NewReplacer("{", `\{`, "}", `\}`).Replace(boxed)
					}
					replies := []struct {
						text string
						mode answer.Mode
					}{
						{"Step by step...\nSo the final answer is $\\boxed{" + boxed + "}$.", answer.Strict},
						{"Step by step...\nThe answer is: " + ex.Answer + "\n", answer.Lenient},
					}
					for _, o := range ex.Spec.Options {
						if o.Label == ex.Answer {
							replies = append(replies,
								struct {
									text string
									mode answer.Mode
								}{"\\boxed{(" + o.Label + ") " + o.Text + "}", answer.Strict},
								struct {
									text string
									mode answer.Mode
								}{"Therefore, the answer is " + o.Text + ".", answer.Lenient})
						}
					}
					for _, r := range replies {
						got, ok := answer.Extract(r.text, ex.Spec, r.mode)
						if !ok || !answer.Equal(got, ex.Answer, ex.Spec) {
							if failures++; failures <= 5 {
								t.Errorf("%s: %s gold %q: Extract(%q) = %q, %v", ex.ID, ex.Spec.Type, ex.Answer, r.text, got, ok)
							}
						}
					}
				}
				if failures > 0 {
					t.Errorf("%d of %d examples failed", failures, n)
				}
			})
		}
	}
}
