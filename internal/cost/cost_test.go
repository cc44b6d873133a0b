package cost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ptr(v float64) *float64 { return &v }

func TestResolve(t *testing.T) {
	t.Parallel()
	tab, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		model string
		urls  []string
		given Given
		batch bool
		basis Basis
		in    float64
		out   float64
	}{
		{"openai exact", "gpt-4o-mini", []string{"https://api.openai.com/v1"}, Given{}, false, BasisTable, 0.15, 0.60},
		{"openai dated snapshot", "gpt-4o-mini-2024-07-18", []string{"https://api.openai.com/v1"}, Given{}, false, BasisTable, 0.15, 0.60},
		{"openai short snapshot", "gpt-3.5-turbo-0125", []string{"https://api.openai.com/v1"}, Given{}, false, BasisTable, 0.50, 1.50},
		{"not a snapshot suffix", "gpt-4o-audio-preview", []string{"https://api.openai.com/v1"}, Given{}, false, BasisUnknown, 0, 0},
		{"openai batch half price", "gpt-4o", []string{"https://api.openai.com/v1"}, Given{}, true, BasisTable, 1.25, 5},
		{"together", "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", []string{"https://api.together.xyz/v1"}, Given{}, false, BasisTable, 0.18, 0.18},
		{"hosted, model unknown", "my-finetune", []string{"https://api.openai.com/v1"}, Given{}, false, BasisUnknown, 0, 0},
		{"self-hosted is free", "gpt-4o-mini", []string{"http://localhost:8000/v1"}, Given{}, false, BasisSelfHosted, 0, 0},
		{"self-hosted with prices", "llama", []string{"http://gpu-1:8000"}, Given{Input: ptr(0.1), Output: ptr(0.2)}, false, BasisFlags, 0.1, 0.2},
		{"flags override the table", "gpt-4o", []string{"https://api.openai.com/v1"}, Given{Output: ptr(7)}, false, BasisFlags, 2.5, 7},
		{"a hosted server among self-hosted ones", "gpt-4o", []string{"http://localhost:1", "https://api.openai.com/v1"}, Given{}, false, BasisTable, 2.5, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tab.Resolve(tt.model, tt.urls, tt.given, tt.batch)
			if err != nil {
				t.Fatal(err)
			}
			if p.Basis != tt.basis || p.Price.Input != tt.in || p.Price.Output != tt.out {
				t.Errorf("got %s %v/%v, want %s %v/%v", p.Basis, p.Price.Input, p.Price.Output, tt.basis, tt.in, tt.out)
			}
		})
	}
	if _, err := tab.Resolve("m", nil, Given{Input: ptr(-1)}, false); err == nil {
		t.Error("a negative price was accepted")
	}
}

func TestMoneyFor(t *testing.T) {
	t.Parallel()
	p := Pricing{Basis: BasisTable, Price: Price{Input: 2.5, Output: 10}}
	m := p.MoneyFor(1_000_000, 500_000, 10, 4)
	if *m.Total != 7.5 || *m.PerQuestion != 0.75 || *m.PerKeptPath != 1.875 {
		t.Errorf("money %v %v %v, want 7.5 0.75 1.875", *m.Total, *m.PerQuestion, *m.PerKeptPath)
	}
	u := Pricing{Basis: BasisUnknown}.MoneyFor(10, 10, 1, 1)
	if u.Total != nil || u.PerKeptPath != nil || Format(u.Total) != "unknown" {
		t.Errorf("unknown price gave money %+v", u)
	}
	for v, want := range map[float64]string{0: "$0", 12.345: "$12.35", 0.01234: "$0.0123", 0.00012: "$0.00012"} {
		if got := FormatDollars(v); got != want {
			t.Errorf("FormatDollars(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestLoadOverride(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "prices.yaml")
	os.WriteFile(path, []byte(`providers:
  - name: openai
    models:
      gpt-4o: {input: 1, output: 2}
      my-ft: {input: 3, output: 4}
  - name: gateway
    hosts: [llm.example.com]
    models:
      llama: {input: 0.5, output: 0.5}
`), 0o644)
	tab, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		model, url string
		in, out    float64
	}{
		{"gpt-4o", "https://api.openai.com/v1", 1, 2},
		{"my-ft", "https://api.openai.com/v1", 3, 4},
		{"gpt-4o-mini", "https://api.openai.com/v1", 0.15, 0.6},
		{"llama", "https://llm.example.com/v1", 0.5, 0.5},
	} {
		p, _ := tab.Resolve(tt.model, []string{tt.url}, Given{}, false)
		if p.Basis != BasisTable || p.Price.Input != tt.in || p.Price.Output != tt.out {
			t.Errorf("%s at %s: %+v, want %v/%v", tt.model, tt.url, p, tt.in, tt.out)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, want string }{
		{"providers:\n  - name: x\n    models:\n      m: {input: -1, output: 1}\n", `model "m"`},
		{"providers:\n  - hosts: [a]\n", "no name"},
		{"providers:\n  - name: x\n    colour: red\n", "colour"},
		{"providers:\n  - name: x\n    batch_discount: 2\n", "batch_discount"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "p.yaml")
		os.WriteFile(path, []byte(tt.body), 0o644)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: error %v, want one naming %s and %q", tt.body, err, path, tt.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
}
