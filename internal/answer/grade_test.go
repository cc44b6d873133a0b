package answer

import "testing"

func TestGradeReply(t *testing.T) {
	num := Spec{Type: Number}
	choice := Spec{Type: Choice, Options: []Option{{Label: "A", Text: "red"}, {Label: "B", Text: "blue"}, {Label: "C", Text: "green"}}}
	yn := Spec{Type: YesNo}
	math := Spec{Type: Math}
	text := Spec{Type: Text}
	tests := []struct {
		name         string
		reply        string
		finishReason string
		gold         string
		spec         Spec
		mode         Mode
		want         Grade
	}{
		// numbers
		{"number boxed", `3 + 4 = 7, so \boxed{7}`, "stop", "7", num, Strict, Grade{"7", Correct}},
		{"number with separators", `\boxed{$1,234.00}`, "stop", "1234", num, Strict, Grade{"1234.00", Correct}},
		{"number wrong", `\boxed{8}`, "stop", "7", num, Strict, Grade{"8", Wrong}},
		{"1.05 is not 15", "#### 1.05", "stop", "15", num, Lenient, Grade{"1.05", Wrong}},
		{"number after phrase, lenient", "The answer is $18.", "stop", "18", num, Lenient, Grade{"18", Correct}},
		{"number after phrase, strict", "The answer is $18.", "stop", "18", num, Strict, Grade{"", NoAnswer}},
		{"last number, lenient", "Adding up, the total comes to 42", "", "42", num, Lenient, Grade{"42", Correct}},
		{"box that is no number, strict", `\boxed{many}`, "stop", "7", num, Strict, Grade{"many", Wrong}},
		{"box that is no number, lenient", `\boxed{many}`, "stop", "7", num, Lenient, Grade{"", NoAnswer}},
		{"last box counts", `\boxed{8} no wait \boxed{7}`, "stop", "7", num, Strict, Grade{"7", Correct}},
		{"placeholder box", `Reply with \boxed{<number>}.`, "stop", "7", num, Strict, Grade{"", NoAnswer}},
		// choices
		{"choice letter", `\boxed{B}`, "stop", "B", choice, Strict, Grade{"B", Correct}},
		{"choice with text", `\boxed{(B) blue}`, "stop", "B", choice, Strict, Grade{"B", Correct}},
		{"choice by option text", "The answer is green.", "stop", "C", choice, Lenient, Grade{"C", Correct}},
		{"choice wrong", "The answer is (A).", "stop", "C", choice, Lenient, Grade{"A", Wrong}},
		{"choice hedge", `\boxed{A or B}`, "stop", "A", choice, Lenient, Grade{"", NoAnswer}},
		// yes/no
		{"yes/no true", `\boxed{True}`, "stop", "yes", yn, Strict, Grade{"yes", Correct}},
		{"yes/no wrong", "So the answer is no.", "stop", "yes", yn, Lenient, Grade{"no", Wrong}},
		// math
		{"math fraction", `\boxed{\dfrac{1}{2}}`, "stop", `\frac12`, math, Strict, Grade{`\dfrac{1}{2}`, Correct}},
		{"math wrong", `\boxed{x^2}`, "stop", `2x`, math, Strict, Grade{"x^2", Wrong}},
		// text
		{"text", "The answer is: The Eiffel Tower.", "stop", "eiffel tower", text, Lenient, Grade{"The Eiffel Tower", Correct}},
		// cut-off replies
		{"cut off, last number is no answer", "She has 5 + 7 = 12, then 12 * 3 = 36 and then", "length", "36", num, Lenient, Grade{"", NoAnswer}},
		{"finished, last number read", "She has 5 + 7 = 12, then 12 * 3 = 36 and then", "stop", "36", num, Lenient, Grade{"36", Correct}},
		{"cut off after stating it", "The answer is 36. To check, 1 + 1 =", "length", "36", num, Lenient, Grade{"36", Correct}},
		{"cut off, other spelling", "So 12 * 3 = 36 and then", "max_tokens", "36", num, Lenient, Grade{"", NoAnswer}},
		{"cut off with a box, strict", `\boxed{36} and to check`, "length", "36", num, Strict, Grade{"36", Correct}},
		{"unclosed box, strict", `so \boxed{3`, "length", "36", num, Strict, Grade{"", NoAnswer}},
		// missing gold
		{"no gold, answered", `\boxed{7}`, "stop", "", num, Strict, Grade{"7", Unchecked}},
		{"no gold, no answer", "I am not sure.", "stop", "", num, Lenient, Grade{"", NoAnswer}},
		{"no gold, lenient", "The answer is 7.", "", "", num, Lenient, Grade{"7", Unchecked}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GradeReply(tt.reply, tt.finishReason, tt.gold, tt.spec, tt.mode); got != tt.want {
				t.Errorf("GradeReply(%q, %q, %q) = %+v, want %+v", tt.reply, tt.finishReason, tt.gold, got, tt.want)
			}
		})
	}
}

// TestCheck covers the verdict of an answer already extracted (a majority
// vote's), including the precedence of NoAnswer over Unchecked.
func TestCheck(t *testing.T) {
	num := Spec{Type: Number}
	choice := Spec{Type: Choice, Options: []Option{{Label: "A", Text: "red"}, {Label: "B", Text: "blue"}}}
	tests := []struct {
		name            string
		extracted, gold string
		spec            Spec
		want            Verdict
	}{
		{"equal by value", "0.5", "1/2", num, Correct},
		{"percent", "50%", "0.5", num, Correct},
		{"different", "3", "-3", num, Wrong},
		{"choice text against label", "blue", "B", choice, Correct},
		{"empty answer", "", "3", num, NoAnswer},
		{"empty answer, no gold", "", "", num, NoAnswer},
		{"no gold", "3", "", num, Unchecked},
		{"blank gold is a gold that nothing equals", "3", " ", num, Wrong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(tt.extracted, tt.gold, tt.spec); got != tt.want {
				t.Errorf("Check(%q, %q) = %q, want %q", tt.extracted, tt.gold, got, tt.want)
			}
		})
	}
}

// TestVerdictStrings pins the strings written to candidates.jsonl and
// predictions.jsonl.
func TestVerdictStrings(t *testing.T) {
	for v, want := range map[Verdict]string{Correct: "correct", Wrong: "wrong", NoAnswer: "no_answer", Unchecked: "unchecked"} {
		if string(v) != want {
			t.Errorf("verdict %q, want %q", v, want)
		}
	}
}
