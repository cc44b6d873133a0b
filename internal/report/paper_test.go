package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/golden"
)

func TestPaperLayout(t *testing.T) {
	t.Parallel()
	synthDir := t.TempDir()
	manifest := `{"cost":{"requests":272,"samples":291,"prompt_tokens":100000,"completion_tokens":45000,"tokens":145000,
"per_question":{"requests":136,"samples":145.5,"prompt_tokens":50000,"completion_tokens":22500,"tokens":72500},
"per_kept_path":{"requests":27.2,"samples":29.1,"prompt_tokens":10000,"completion_tokens":4500,"tokens":14500},"questions_stopped_early":0}}`
	if err := os.WriteFile(filepath.Join(synthDir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	// Given ReGenesis before STaR, the paper layout puts STaR first.
	c, _, err := Build(Options{
		Dirs:     []string{"testdata/base", "testdata/regenesis", "testdata/regenesis-maj"},
		Labels:   []string{"base", "ReGenesis", "STaR"},
		Baseline: "testdata/base",
		Layout:   LayoutPaper,
		Synth:    map[string]string{"ReGenesis": synthDir},
	})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, r := range c.Rows {
		labels = append(labels, r.Label)
	}
	if strings.Join(labels, ",") != "base,STaR,ReGenesis" {
		t.Errorf("rows %v, want base, STaR, ReGenesis", labels)
	}
	var b bytes.Buffer
	if err := c.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"| Method |", "| 145.5 | 72500 | 29.1 | 14500 |", "In-domain avg", "OOD avg"} {
		if !strings.Contains(out, want) {
			t.Errorf("paper table lacks %q:\n%s", want, out)
		}
	}
	golden.Check(t, "testdata/paper.golden.md", b.Bytes())
	var page bytes.Buffer
	if err := HTML(&page, c, nil, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if h := page.String(); !strings.Contains(h, `<table id="synthesis-cost">`) || !strings.Contains(h, "<td>145.5</td><td>72500</td>") {
		t.Errorf("HTML page lacks the synthesis cost table")
	}

	if _, _, err := Build(Options{Dirs: []string{"testdata/base"}, Layout: "magazine"}); err == nil || !strings.Contains(err.Error(), "unknown layout") {
		t.Errorf("bad layout: %v", err)
	}
	if _, _, err := Build(Options{Dirs: []string{"testdata/base"}, Labels: []string{"base"}, Synth: map[string]string{"lmsi": synthDir}}); err == nil || !strings.Contains(err.Error(), `no row labelled "lmsi"`) {
		t.Errorf("unknown synth label: %v", err)
	}
	for label, want := range map[string]int{"Base model": 0, "star-fewshot": 1, "LMSI (32 @ 0.7)": 2, "SFT on gold": 3, "regenesis": 4, "cot": 5} {
		if got := paperRank(label); got != want {
			t.Errorf("paperRank(%q) = %d, want %d", label, got, want)
		}
	}
}
