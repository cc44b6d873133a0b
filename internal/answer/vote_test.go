package answer

import "testing"

func TestCanonical(t *testing.T) {
	t.Parallel()
	mc := Spec{Type: Choice, Options: []Option{{"A", "Planting trees"}, {"B", "Building roads"}}}
	tests := []struct {
		ans  string
		spec Spec
		want string
	}{
		{"1,000", Spec{Type: Number}, "1000"},
		{"$1000.00", Spec{Type: Number}, "1000"},
		{"-0", Spec{Type: Number}, "0"},
		{"-3.50", Spec{Type: Number}, "-3.5"},
		{"1/3", Spec{Type: Number}, "0.3333333"},
		{"0.33333333", Spec{Type: Number}, "0.3333333"},
		{"50%", Spec{Type: Number}, "50"},
		{"\\frac{3}{4}", Spec{Type: Number}, "0.75"},
		{"3:4", Spec{Type: Number}, "3 4"},
		{"(b)", mc, "B"},
		{"Building roads", mc, "B"},
		{"(A) Planting trees", mc, "A"},
		{"True", Spec{Type: YesNo}, "yes"},
		{"invalid", Spec{Type: YesNo}, "no"},
		{"The Eiffel Tower.", Spec{Type: Text}, "eiffel tower"},
		{"7.0", Spec{Type: Text}, "7"},
		{"\\dfrac12", Spec{Type: Math}, "0.5"},
		{"0.5", Spec{Type: Math}, "0.5"},
		{"\\left( 3, \\frac{\\pi}{2} \\right)", Spec{Type: Math}, "(3,\\frac{\\pi}{2})"},
		{"x^3 + 3x - 6", Spec{Type: Math}, "x^3+3x-6"},
		{"  ", Spec{Type: Number}, ""},
	}
	for _, tt := range tests {
		if got := Canonical(tt.ans, tt.spec); got != tt.want {
			t.Errorf("Canonical(%q, %s) = %q, want %q", tt.ans, tt.spec.Type, got, tt.want)
		}
	}
}

func TestVote(t *testing.T) {
	t.Parallel()
	num := Spec{Type: Number}
	tests := []struct {
		name      string
		answers   []string
		spec      Spec
		want      string
		wantShare float64
	}{
		{"majority across spellings", []string{"18", "$18.00", "20", "18 dollars"}, num, "18", 0.75},
		{"first spelling of the winner", []string{"20", "1,000", "1000"}, num, "1,000", 2.0 / 3},
		{"tie goes to first seen", []string{"7", "8", "8", "7"}, num, "7", 0.5},
		{"empty ignored", []string{"", "  ", "5"}, num, "5", 1},
		{"all empty", []string{"", ""}, num, "", 0},
		{"nil", nil, num, "", 0},
		{"choice forms", []string{"(B)", "A", "b", "B) roads"}, Spec{Type: Choice}, "(B)", 0.75},
		{"yes/no words", []string{"True", "no", "yes"}, Spec{Type: YesNo}, "True", 2.0 / 3},
		{"math forms", []string{"\\frac{1}{2}", "0.5", "\\dfrac{1}{3}"}, Spec{Type: Math}, "\\frac{1}{2}", 2.0 / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, share := Vote(tt.answers, tt.spec)
			if got != tt.want || !closeTo(share, tt.wantShare) {
				t.Errorf("Vote(%q) = %q, %v; want %q, %v", tt.answers, got, share, tt.want, tt.wantShare)
			}
		})
	}
}
