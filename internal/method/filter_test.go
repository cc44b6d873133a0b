package method

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
)

func TestCheck(t *testing.T) {
	num := answer.Spec{Type: answer.Number}
	yn := answer.Spec{Type: answer.YesNo}
	choice := answer.Spec{Type: answer.Choice, Options: []answer.Option{{Label: "A", Text: "red"}, {Label: "B", Text: "blue"}}}
	tests := []struct {
		name    string
		c       Candidate
		spec    answer.Spec
		label   string
		verdict answer.Verdict
		reason  string
	}{
		{"correct", Candidate{Path: `1. 3+4=7. \boxed{7}`}, num, "7", answer.Correct, ""},
		{"correct with comma", Candidate{Path: `\boxed{1,234}`}, num, "1234", answer.Correct, ""},
		{"wrong", Candidate{Path: `\boxed{8}`}, num, "7", answer.Wrong, ReasonWrongAnswer},
		{"not 1.05 for 15", Candidate{Path: `\boxed{1.05}`}, num, "15", answer.Wrong, ReasonWrongAnswer},
		{"minus sign kept", Candidate{Path: `\boxed{-3}`}, num, "3", answer.Wrong, ReasonWrongAnswer},
		{"last box counts", Candidate{Path: `\boxed{8} no wait \boxed{7}`}, num, "7", answer.Correct, ""},
		{"no box", Candidate{Path: "The answer is 7."}, num, "7", answer.NoAnswer, ReasonNoAnswer},
		{"yes/no word", Candidate{Path: `\boxed{True}`}, yn, "yes", answer.Correct, ""},
		{"choice with text", Candidate{Path: `\boxed{(B) blue}`}, choice, "B", answer.Correct, ""},
		{"truncated", Candidate{Path: `1. 3+4`, FinishReason: "length"}, num, "7", answer.NoAnswer, ReasonTruncated},
		{"too long", Candidate{Path: `\boxed{7}`, CompletionTokens: 801}, num, "7", answer.Correct, ReasonTooLong},
		{"at the limit", Candidate{Path: `\boxed{7}`, CompletionTokens: 800}, num, "7", answer.Correct, ""},
		{"no label", Candidate{Path: `\boxed{7}`}, num, "", answer.Unchecked, ReasonNoLabel},
		{"no box, no label", Candidate{Path: "The answer is 7."}, num, "", answer.NoAnswer, ReasonNoAnswer},
		{"stage failure untouched", Candidate{Reason: StageFailed("adapt", "empty reply"), Verdict: answer.Unchecked}, num, "7", answer.Unchecked, StageFailed("adapt", "empty reply")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			Check(&c, tt.spec, tt.label, 800)
			if c.Verdict != tt.verdict || c.Reason != tt.reason {
				t.Errorf("verdict %q reason %q, want %q %q (extracted %q)", c.Verdict, c.Reason, tt.verdict, tt.reason, c.Extracted)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"preamble stripped", "Sure! Let's solve it.\n\n1. Add 3 and 4.\n2. \\boxed{7}", "1. Add 3 and 4.\n2. \\boxed{7}"},
		{"step words", "Here we go:\n**Step 1:** add.\n**Step 2:** \\boxed{7}", "**Step 1:** add.\n**Step 2:** \\boxed{7}"},
		{"starts with list", "1. Add.\n2. \\boxed{7}", "1. Add.\n2. \\boxed{7}"},
		{"no list", "Add 3 and 4 to get \\boxed{7}.", "Add 3 and 4 to get \\boxed{7}."},
		{"decimal is not a list", "Price rises.\n1.5 times 2 is 3, so \\boxed{3}", "Price rises.\n1.5 times 2 is 3, so \\boxed{3}"},
		{"boxed in preamble kept", "The answer is \\boxed{7}.\n1. Because 3+4=7.", "The answer is \\boxed{7}.\n1. Because 3+4=7."},
		{"long reasoning kept", "a\nb\nc\nd\n1. e \\boxed{1}", "a\nb\nc\nd\n1. e \\boxed{1}"},
		{"latex braces intact", "Ok.\n1. $\\frac{1}{2}$ so \\boxed{\\frac{1}{2}}", "1. $\\frac{1}{2}$ so \\boxed{\\frac{1}{2}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePicks(t *testing.T) {
	tests := []struct {
		reply string
		want  []int
	}{
		{"3, 7", []int{3, 7}},
		{"Selected: 2 and 14", []int{2, 14}},
		{"[5, 9, 11]", []int{5, 9, 11}},
		{"Guidelines #4, #7, #4", []int{4, 7}},
		{"3-5", []int{3, 4, 5}},
		{"1\n2\n3\n4\n5", []int{1, 2, 3}},
		{"30, 2", []int{2}},
		{"none", nil},
		{"0", nil},
	}
	for _, tt := range tests {
		if got := ParsePicks(tt.reply, 25, 3); !cmp.Equal(got, tt.want) {
			t.Errorf("ParsePicks(%q) = %v, want %v", tt.reply, got, tt.want)
		}
	}
}

func TestParseGuidelinePicks(t *testing.T) {
	pool := guideline.Default()
	num := func(id string) int {
		for i, g := range pool {
			if g.ID == id {
				return i + 1
			}
		}
		t.Fatalf("no guideline %q", id)
		return 0
	}
	tests := []struct {
		name  string
		reply string
		want  []int
	}{
		{"numbers", "4, 9", []int{4, 9}},
		{"numbers win over a name in the explanation", "I choose 4 and 9, to simplify.", []int{4, 9}},
		{"names", "**Break it down**, **Simplify**", []int{num("decompose"), num("simplify")}},
		{"own numbering", "1. Simplify\n2. Step by step\n3. Analogy", []int{num("simplify"), num("step-by-step"), num("analogy")}},
		{"prompt numbering kept", "4. Relevant information\n11. Creative thinking", []int{4, 11}},
		{"ids", "work-backwards and verify", []int{num("work-backwards"), num("verify")}},
		{"name inside a longer word is no match", "oversimplifying", nil},
		{"nothing", "I would rather not say.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseGuidelinePicks(tt.reply, pool, 3); !cmp.Equal(got, tt.want) {
				t.Errorf("ParseGuidelinePicks(%q) = %v, want %v", tt.reply, got, tt.want)
			}
		})
	}
}

func TestCapDiverse(t *testing.T) {
	var cands []Candidate
	// 6 candidates share set a; 2 have set b; 2 have set c with one structure.
	for i := range 6 {
		cands = append(cands, Candidate{Index: i, GuidelineIDs: []string{"a"}, Structure: fmt.Sprint("s", i)})
	}
	cands = append(cands,
		Candidate{Index: 6, GuidelineIDs: []string{"b", "x"}, Structure: "t"},
		Candidate{Index: 7, GuidelineIDs: []string{"x", "b"}, Structure: "t"},
		Candidate{Index: 8, GuidelineIDs: []string{"c"}, Structure: "u"},
		Candidate{Index: 9, GuidelineIDs: []string{"c"}, Structure: "u"},
		Candidate{Index: 10, Reason: ReasonWrongAnswer},
	)
	for seed := range int64(20) {
		cs := append([]Candidate(nil), cands...)
		CapDiverse(cs, 4, 0.8, RandFor(seed, "q", "cap", 0))
		sets := map[string]int{}
		kept := 0
		for _, c := range cs {
			if c.Reason == "" {
				kept++
				sets[guidelineKey(c.GuidelineIDs)]++
			}
		}
		if kept != 4 || len(sets) != 3 || sets["a"] != 2 {
			t.Errorf("seed %d: kept %d from sets %v, want one each of b and c and two distinct-structure a", seed, kept, sets)
		}
		if cs[10].Reason != ReasonWrongAnswer {
			t.Errorf("seed %d: a dropped candidate changed", seed)
		}
	}
}

func TestDedup(t *testing.T) {
	base := "1. The farmer has 12 cows and buys 5 more, so he now has 17 cows in the field.\n2. Each cow gives 3 litres, so the total is 51 litres.\n\\boxed{51}"
	cands := []Candidate{
		{Path: base},
		{Path: "Sure.\n" + strings.ToUpper(base)},                                                          // same after cleaning and case folding
		{Path: strings.NewReplacer("12 cows", "**12** cows", ", so", " - so", "\n", "\n\n").Replace(base)}, // formatting only
		{Path: "1. Count: 12 + 5 = 17 cows.\n2. Milk: 17 × 3 = 51.\n\\boxed{51}"},
		{Path: base, Reason: ReasonWrongAnswer},
	}
	Dedup(cands, 0.8)
	got := []string{cands[0].Reason, cands[1].Reason, cands[2].Reason, cands[3].Reason, cands[4].Reason}
	want := []string{"", ReasonDuplicate, ReasonDuplicate, "", ReasonWrongAnswer}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}

func TestSeedFor(t *testing.T) {
	a := SeedFor(0, "q1", "adapt", 3)
	if a != SeedFor(0, "q1", "adapt", 3) || a < 0 || a >= 1<<31 {
		t.Fatalf("SeedFor not stable or out of range: %d", a)
	}
	for _, b := range []int64{SeedFor(1, "q1", "adapt", 3), SeedFor(0, "q2", "adapt", 3), SeedFor(0, "q1", "path", 3), SeedFor(0, "q1", "adapt", 4)} {
		if a == b {
			t.Errorf("different inputs gave the same seed %d", a)
		}
	}
}

func TestParseYesNo(t *testing.T) {
	for in, want := range map[string]string{"Yes": "yes", "no.": "no", "**Yes**, it matches": "yes", "The answer is yes": "yes", "It could be yes or no": "", "": "", "Maybe": ""} {
		if got := parseYesNo(in); got != want {
			t.Errorf("parseYesNo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestApplyDropsHintMentions(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dedup = false
	ex := sevenQ
	cands := []Candidate{
		{Index: 0, Hinted: true, Path: "1. Given the hint, the total is \\boxed{7}"},
		{Index: 1, Hinted: true, Path: "1. 3 + 4 = 7, so \\boxed{7}"},
		{Index: 2, Hinted: false, Path: "1. Think (no hints needed): \\boxed{7}"},
	}
	if _, err := NewFilter(Deps{}, cfg).Apply(t.Context(), ex, cands, "cap", nil); err != nil {
		t.Fatal(err)
	}
	got := []string{cands[0].Reason, cands[1].Reason, cands[2].Reason}
	if diff := cmp.Diff([]string{ReasonMentionsHint, "", ""}, got); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}
