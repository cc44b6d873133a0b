package answer

import (
	"testing"
	"unicode/utf8"
)

// fuzzSpecs are the specs a fuzz input's type byte selects from.
var fuzzSpecs = []Spec{
	{Type: Number},
	{Type: Choice},
	{Type: Choice, Options: []Option{{"A", "Planting trees"}, {"B", "Building roads"}, {"C", "a"}}},
	{Type: YesNo},
	{Type: Text},
	{Type: Math},
}

func fuzzSpec(k uint8) Spec { return fuzzSpecs[int(k)%len(fuzzSpecs)] }

// FuzzExtract checks that no model text makes Extract panic (with or
// without a cut-off finish reason: the high bit of the type byte), and
// that what it extracts is a non-empty answer equal to itself.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"The answer is \\boxed{18}.",
		"\\boxed{\\frac{1}{2}} and \\boxed{",
		"\\boxed{\\{1,2\\}}\\fbox{}",
		"#### 1,234\nA: (B) Planting trees",
		"**Answer:** $-5.5%",
		"Final answer:\n\\left( 3, \\frac{\\pi}{2} \\right)",
		"\\boxed{\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}}",
		"the answer is b) no",
		// The shapes of issue 13: hedges, invalid options, negation,
		// chains, continuations, words, placeholders, lists, ANLI verbs.
		"So the answer is (A) or (B).",
		"Looking at (B) ... neither works, so the answer is (C).",
		"The answer is not (D). It is (A), not (B).",
		"A: 80 + 150 = 230 miles",
		"So the answer is 60 + 180 + 126 = 366.",
		"the final answer is 15 gallons * 8 pints / gallon = <<15*8=120>>120 pints",
		"The answer is 7.\n\nQ: next?\nA: The answer is 3.",
		"The answer is three and a half, or 3½, or twelve.",
		"C is the correct answer. I would choose C. The correct option is C",
		"The premise entails the hypothesis; it neither contradicts nor ...",
		"So the sentence is not plausible. The argument is invalid.",
		"There is no definitive answer: yes or no.",
		"The sorted list is:\n1. apple\n2. banana\n3. cherry",
		"\\boxed{1 \\pm \\sqrt{19}} \\boxed{10{,}000} \\boxed{<number>}",
		"ANS:D\nCorrect answer - A\nThus B\nThe Answer is, B.",
	} {
		for k := range uint8(len(fuzzSpecs)) {
			f.Add(s, k, false)
		}
	}
	f.Fuzz(func(t *testing.T, text string, k uint8, strict bool) {
		spec := fuzzSpec(k)
		mode := Lenient
		if strict {
			mode = Strict
		}
		finish := ""
		if k&0x80 != 0 {
			finish = "length"
		}
		a, ok := ExtractReply(text, finish, spec, mode)
		if ok != (a != "") {
			t.Fatalf("Extract(%q) = %q, %v: found must mean non-empty", text, a, ok)
		}
		if !ok {
			return
		}
		if utf8.ValidString(text) && !Equal(a, a, spec) {
			t.Fatalf("Extract(%q, %s) = %q, which is not Equal to itself", text, spec.Type, a)
		}
		_ = Canonical(a, spec)
	})
}

// FuzzEqual checks that no pair of answers makes Equal panic, and that
// Equal is reflexive and, outside LaTeX lists, symmetric.
func FuzzEqual(f *testing.F) {
	for _, p := range [][2]string{
		{"1.05", "15"}, {"-3", "3"}, {"50%", "0.5"}, {"$1,234", "1234"},
		{"(A) Planting trees", "A"}, {"True", "yes"}, {"The Eiffel Tower", "eiffel tower"},
		{"\\frac12", "0.5"}, {"(x-1)(x+1)", "x^2-1"}, {"\\{1,2\\}", "\\{2,1\\}"},
		{"(-\\infty,2)\\cup(3,\\infty)", "x \\in [-2,7]"}, {"\\sqrt[3]{8}", "2"}, {"1/0", "0/0"},
	} {
		for k := range uint8(len(fuzzSpecs)) {
			f.Add(p[0], p[1], k)
		}
	}
	f.Fuzz(func(t *testing.T, pred, gold string, k uint8) {
		spec := fuzzSpec(k)
		got := Equal(pred, gold, spec)
		if spec.Type != Math && got != Equal(gold, pred, spec) {
			t.Fatalf("Equal(%q, %q, %s) = %v but not the other way round", pred, gold, spec.Type, got)
		}
		if utf8.ValidString(pred) && trimmedNonEmpty(pred) && !Equal(pred, pred, spec) {
			t.Fatalf("Equal(%q, itself, %s) = false", pred, spec.Type)
		}
		_ = Canonical(pred, spec)
	})
}

func trimmedNonEmpty(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' && r != '\v' && r != '\f' && r != 0x85 && r != 0xA0 {
			return true
		}
	}
	return false
}
