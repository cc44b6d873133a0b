package eval

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

func TestTemplatesAreZeroShotSolvePrompts(t *testing.T) {
	// The cues of docs/DESIGN.md that make the simulated model treat a
	// prompt as another stage than solving.
	stageCues := []string{"reply only with the numbers", "reference answer:", "reply yes or no", "rewrite each selected guideline", "reasoning structure", "hint"}
	fn := embeddedPrompts(t)
	const q = "What is 6 times 7?"
	for _, typ := range []answer.Type{answer.Number, answer.Math, answer.Choice, answer.YesNo, answer.Text, ""} {
		t.Run(string(typ), func(t *testing.T) {
			got, err := fn(task.Example{Task: "demo", Question: q, Spec: answer.Spec{Type: typ}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(got, "\n\n"+q) {
				t.Errorf("prompt does not end with the question:\n%s", got)
			}
			if !strings.Contains(got, `\boxed{}`) {
				t.Errorf("prompt does not ask for \\boxed{}:\n%s", got)
			}
			lower := strings.ToLower(got)
			for _, cue := range stageCues {
				if strings.Contains(lower, cue) {
					t.Errorf("prompt contains the stage cue %q:\n%s", cue, got)
				}
			}
		})
	}
}

// TestTemplatesGiveNoExampleAnswer checks that a format example in an
// evaluation prompt is a placeholder that reads as no answer: a weak model
// that copies "\boxed{42}" must not be credited when the answer is 42.
func TestTemplatesGiveNoExampleAnswer(t *testing.T) {
	fn := embeddedPrompts(t)
	boxRE := regexp.MustCompile(`\\boxed\{[^{}]*\}`)
	specs := []answer.Spec{
		{Type: answer.Number}, {Type: answer.Math}, {Type: answer.YesNo}, {Type: answer.Text},
		{Type: answer.Choice, Options: []answer.Option{{Label: "A", Text: "x"}, {Label: "B", Text: "y"}}},
	}
	for _, spec := range specs {
		t.Run(string(spec.Type), func(t *testing.T) {
			got, err := fn(task.Example{Task: "demo", Question: "Which?", Spec: spec})
			if err != nil {
				t.Fatal(err)
			}
			for _, box := range boxRE.FindAllString(got, -1) {
				for _, mode := range []answer.Mode{answer.Strict, answer.Lenient} {
					if a, ok := answer.Extract("So "+box+".", spec, mode); ok {
						t.Errorf("the prompt's example %s reads as the answer %q (mode %d)", box, a, mode)
					}
				}
			}
		})
	}
}

func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "eval"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "eval", "number.tmpl"), []byte("[{{.Task}}] Q: {{.Question}}\nBox it: \\boxed{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := prompts.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := Templates(set)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fn(task.Example{Task: "gsm8k", Question: "1+1?", Spec: answer.Spec{Type: answer.Number}})
	if want := "[gsm8k] Q: 1+1?\nBox it: \\boxed{}"; err != nil || got != want {
		t.Errorf("number prompt = %q, %v; want %q", got, err, want)
	}
	// The other types keep the built-in prompts.
	got, err = fn(task.Example{Question: "Is it?", Spec: answer.Spec{Type: answer.YesNo}})
	if err != nil || !strings.Contains(got, "either yes or no") {
		t.Errorf("yesno prompt = %q, %v; want the built-in one", got, err)
	}
}
