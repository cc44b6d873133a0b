package simserver

import (
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// TestFinalLineForms checks that every way of writing a final answer reads
// back as the same answer, and that the configured share is boxed.
func TestFinalLineForms(t *testing.T) {
	t.Parallel()
	options := []answer.Option{{Label: "A", Text: "red"}, {Label: "B", Text: "blue ink"}}
	tests := []struct {
		name  string
		ans   string
		entry Entry
		forms []string // substrings that some line must show
	}{
		{"money", "1234", Entry{Question: "A pen costs $3 and 17 apples. Total?", Spec: answer.Spec{Type: answer.Number}},
			[]string{`\boxed{1,234}`, `\boxed{\$1,234}`, "$1,234", "#### ", "**Final answer:** ", "Answer: ", "The answer is ", "1,234 apples"}},
		{"percent", "50", Entry{Question: "What percent of 12 apples is red?", Spec: answer.Spec{Type: answer.Number}},
			[]string{`\boxed{50\%}`, "50%", `\boxed{50}`}},
		{"fraction", "0.75", Entry{Question: "What share is left?", Spec: answer.Spec{Type: answer.Number}},
			[]string{`\boxed{\frac{3}{4}}`, `\boxed{3/4}`, `\boxed{0.75}`}},
		{"choice", "B", Entry{Question: "Which color?", Spec: answer.Spec{Type: answer.Choice, Options: options}},
			[]string{`\boxed{B}`, `\boxed{(B)}`, "Answer: (B)", "The answer is (B).", "(B) blue ink", "**Final answer:** B"}},
		{"yes/no", "yes", Entry{Question: "Is it True or False that 2 > 1?", Spec: answer.Spec{Type: answer.YesNo}},
			[]string{`\boxed{yes}`, `\boxed{Yes}`, `\boxed{True}`, "The answer is ", "#### "}},
		{"text", "apple pear", Entry{Question: "Sort: pear apple", Spec: answer.Spec{Type: answer.Text}},
			[]string{`\boxed{apple pear}`, "Answer: apple pear"}},
		{"math", `\frac{1}{2}`, Entry{Question: "Compute.", Spec: answer.Spec{Type: answer.Math}},
			[]string{`\boxed{\frac{1}{2}}`, `\boxed{\dfrac{1}{2}}`, "$\\frac{1}{2}$"}},
	}
	const lines = 2000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := strings.Builder{}
			boxedCount := 0
			for i := range lines {
				r := &rng{s: uint64(i)}
				line := finalLine(r, tt.ans, &tt.entry, 0.3)
				seen.WriteString(line + "\n")
				if strings.Contains(line, `\boxed{`) {
					boxedCount++
				}
				pred, ok := finalAnswer("1. Work.\n\n" + line)
				if !ok || !sameAnswer(pred, tt.ans, tt.entry.Spec) {
					t.Fatalf("line %q reads as %q, want %q", line, pred, tt.ans)
				}
			}
			for _, f := range tt.forms {
				if !strings.Contains(seen.String(), f) {
					t.Errorf("no line shows %q", f)
				}
			}
			if share := float64(boxedCount) / lines; share < 0.65 || share > 0.75 {
				t.Errorf("boxed share %.3f, want about 0.7", share)
			}
		})
	}
}

func TestFormatVarietyOff(t *testing.T) {
	t.Parallel()
	e := Entry{Question: "How many?", Spec: answer.Spec{Type: answer.Number}}
	for i := range 500 {
		if line := finalLine(&rng{s: uint64(i)}, "7", &e, 0); !strings.Contains(line, `\boxed{`) {
			t.Fatalf("variety 0 gave %q", line)
		}
	}
}

func TestMistake(t *testing.T) {
	t.Parallel()
	opts := []answer.Option{{Label: "A"}, {Label: "B"}, {Label: "C"}}
	tests := []struct {
		name  string
		entry Entry
	}{
		{"integer", Entry{Answer: "18", Spec: answer.Spec{Type: answer.Number}}},
		{"zero", Entry{Answer: "0", Spec: answer.Spec{Type: answer.Number}}},
		{"negative", Entry{Answer: "-4", Spec: answer.Spec{Type: answer.Number}}},
		{"decimal", Entry{Answer: "2.5", Spec: answer.Spec{Type: answer.Number}}},
		{"fraction", Entry{Answer: "3/4", Spec: answer.Spec{Type: answer.Number}}},
		{"choice with options", Entry{Answer: "B", Spec: answer.Spec{Type: answer.Choice, Options: opts}}},
		{"choice from question", Entry{Question: "Pick (A) x (B) y (E) z", Answer: "E", Spec: answer.Spec{Type: answer.Choice}}},
		{"yes", Entry{Answer: "yes", Spec: answer.Spec{Type: answer.YesNo}}},
		{"no", Entry{Answer: "no", Spec: answer.Spec{Type: answer.YesNo}}},
		{"text words", Entry{Answer: "apple pear plum", Spec: answer.Spec{Type: answer.Text}}},
		{"text word", Entry{Question: "Which fruit is yellow?", Answer: "banana", Spec: answer.Spec{Type: answer.Text}}},
		{"math expression", Entry{Answer: `\frac{\pi}{2}`, Spec: answer.Spec{Type: answer.Math}}},
		{"math digits", Entry{Answer: `2\sqrt{3}`, Spec: answer.Spec{Type: answer.Math}}},
		{"math nine", Entry{Answer: `9`, Spec: answer.Spec{Type: answer.Math}}},
		{"math letters", Entry{Answer: `x`, Spec: answer.Spec{Type: answer.Math}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for h := range uint64(20) {
				m := mistake(&tt.entry, h)
				if m == "" || sameAnswer(m, tt.entry.Answer, tt.entry.Spec) {
					t.Fatalf("mistake(%q, %d) = %q: want a different answer", tt.entry.Answer, h, m)
				}
				if tt.entry.Spec.Type == answer.Choice && !strings.Contains("ABCDE", m) {
					t.Fatalf("mistake(%q) = %q: not a label of the question", tt.entry.Answer, m)
				}
			}
		})
	}
}

func TestFactsOf(t *testing.T) {
	t.Parallel()
	f := factsOf("Tom has 1,200 marbles and 3 boxes (0,3). He gives 2.5 kg away. How many marbles are left?")
	if got, want := strings.Join(f.numbers, " "), "1200 3 0 3"; got != want {
		t.Errorf("numbers = %q, want %q", got, want)
	}
	if f.unit != "marbles" {
		t.Errorf("unit = %q, want marbles", f.unit)
	}
	if f.asks != "How many marbles are left?" {
		t.Errorf("asks = %q", f.asks)
	}
}
