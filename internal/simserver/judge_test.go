package simserver

import (
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

func TestJudgeSame(t *testing.T) {
	t.Parallel()
	num := answer.Spec{Type: answer.Number}
	choice := answer.Spec{Type: answer.Choice, Options: []answer.Option{{Label: "A", Text: "red"}, {Label: "B", Text: "blue"}}}
	yesno := answer.Spec{Type: answer.YesNo}
	math := answer.Spec{Type: answer.Math}
	tests := []struct {
		name string
		ref  string
		path string
		spec answer.Spec
		want bool
	}{
		{"boxed number", "18", `So \boxed{18}.`, num, true},
		{"thousands and dollars", "1234", `The answer is $1,234.`, num, true},
		{"wrong number", "18", `\boxed{19}`, num, false},
		{"last boxed wins", "18", `\boxed{5} then \boxed{18}`, num, true},
		{"hash marks", "7", "work\n#### 7", num, true},
		{"fraction vs decimal", "0.75", `\boxed{\frac{3}{4}}`, num, true},
		{"unit", "12", "The answer is 12 apples.", num, true},
		{"percent", "50", `\boxed{50\%}`, num, true},
		{"no answer", "18", "", num, false},
		{"choice letter", "B", `\boxed{(B)}`, choice, true},
		{"choice option text", "B", "The correct option is (B) blue", choice, true},
		{"choice by text", "A", `\boxed{red}`, choice, true},
		{"wrong choice", "A", "Answer: (B)", choice, false},
		{"yes", "yes", `\boxed{Yes}`, yesno, true},
		{"true is yes", "yes", `\boxed{True}`, yesno, true},
		{"no vs yes", "yes", "**Final answer:** No", yesno, false},
		{"math dfrac", `\frac{1}{2}`, `\boxed{\dfrac{1}{2}}`, math, true},
		{"math nested braces", `\left( 3, \frac{\pi}{2} \right)`, `\boxed{\left( 3, \frac{\pi}{2} \right)}`, math, true},
		{"math differs", `\frac{\pi}{2}`, `\boxed{\frac{\pi}{3}}`, math, false},
		{"unknown spec, numbers", "4", `\boxed{4.0}`, answer.Spec{}, true},
		{"unknown spec, text", "Paris", "The answer is paris.", answer.Spec{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prompt := judgePrompt("Some question?", tt.ref, tt.path)
			if got := judgeSame(prompt, tt.spec); got != tt.want {
				t.Errorf("judgeSame(ref %q, path %q) = %v, want %v", tt.ref, tt.path, got, tt.want)
			}
		})
	}
}

func TestJudgeThroughServer(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 1)
	s := New(Config{}, key)
	for _, tt := range []struct {
		path, want string
	}{
		{"Steps.\n\\boxed{18}", "yes"},
		{"Steps.\n\\boxed{17}", "no"},
	} {
		got := complete(t, s, userRequest(judgePrompt(key[0].Question, "18", tt.path), 0, 0, nil)).Choices[0].Message.Content
		if norm := yesNoOf(got); norm != tt.want {
			t.Errorf("judge reply %q for %q, want %s", got, tt.path, tt.want)
		}
	}
}
