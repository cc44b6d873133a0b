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

// FuzzExtract checks that no model text makes Extract panic, and that what
// it extracts is a non-empty answer equal to itself.
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
		a, ok := Extract(text, spec, mode)
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
