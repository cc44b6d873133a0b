package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/golden"
)

// fixture builds the comparison of the testdata runs against testdata/base.
func fixture(t *testing.T, load LoadOptions) (*Comparison, []*Run) {
	t.Helper()
	c, runs, err := Build(Options{
		Dirs:     []string{"testdata/regenesis", "testdata/regenesis-maj"},
		Baseline: "testdata/base",
		Load:     load,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, runs
}

func TestCompare(t *testing.T) {
	t.Parallel()
	c, _ := fixture(t, DefaultLoadOptions())
	var cols []string
	for _, col := range c.Columns {
		cols = append(cols, col.Group+"/"+col.Task)
	}
	wantCols := []string{"in-domain/arc_challenge", "in-domain/gsm8k", "ood/aqua", "ood/bbh", "ood/svamp"}
	if diff := cmp.Diff(wantCols, cols); diff != "" {
		t.Fatalf("columns (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"in-domain", "ood"}, c.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	// Cells as the Markdown shows them, then the group averages.
	var got [][]string
	for _, row := range c.Rows {
		line := []string{row.Label}
		for _, cl := range row.Cells {
			line = append(line, cellText(cl))
		}
		for _, a := range row.Averages {
			line = append(line, averageText(a))
		}
		got = append(got, line)
	}
	want := [][]string{
		{"llama-3-8b-instruct", "60.0", "50.0", "30.0", "–", "40.0", "55.0", "35.0"},
		// OOD: mean of 50, 20, 45 = 38.3; change = mean of (+10, -10) on the
		// tasks both evaluated, not 38.3 - 35.0.
		{"llama-3-8b-regenesis", "60.0 (±0.0)", "70.0 (+20.0)", "20.0 (-10.0)", "45.0", "50.0 (+10.0)", "65.0 (+10.0)", "38.3 (±0.0)"},
		{"llama-3-8b-regenesis (maj@3)", "–", "80.0 (+30.0)", "–", "–", "60.0 (+20.0)", "80.0 (+30.0)", "60.0 (+20.0)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	if !c.Rows[0].Baseline || c.Rows[1].Baseline || !c.HasBaseline {
		t.Errorf("baseline flags wrong: %v %v %v", c.HasBaseline, c.Rows[0].Baseline, c.Rows[1].Baseline)
	}
}

func TestCompareWithoutBaseline(t *testing.T) {
	t.Parallel()
	c, _, err := Build(Options{Dirs: []string{"testdata/base", "testdata/regenesis"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range c.Rows {
		for j, cl := range row.Cells {
			if cl.HasDelta {
				t.Errorf("%s/%s has a change without a baseline", row.Label, c.Columns[j].Task)
			}
		}
	}
	if c.HasBaseline {
		t.Error("HasBaseline without a baseline")
	}
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	c, _ := fixture(t, DefaultLoadOptions())
	var b bytes.Buffer
	if err := c.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "report.golden.md"), b.Bytes())
}

func TestLoadCapsPredictions(t *testing.T) {
	t.Parallel()
	r, err := Load("testdata/regenesis", LoadOptions{MaxPredictions: 2, MaxTextChars: 10})
	if err != nil {
		t.Fatal(err)
	}
	// bbh has 9 correct, 1 no answer, 10 wrong: 2 + 1 + 2 kept.
	if got := len(r.Predictions["bbh"]); got != 5 {
		t.Errorf("kept %d bbh predictions, want 5", got)
	}
	if diff := cmp.Diff(map[string]int{"correct": 9, "no_answer": 1, "wrong": 10}, r.Counts["bbh"]); diff != "" {
		t.Errorf("bbh counts (-want +got):\n%s", diff)
	}
	text := r.Predictions["bbh"][0].Samples[0].Text
	if len(text) > minSampleChars+60 || !strings.Contains(text, "[truncated") && len(text) > minSampleChars {
		t.Errorf("sample text not bounded: %q", text)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc\n… [truncated: 3 more bytes]"},
		{"aé", 2, "a\n… [truncated: 2 more bytes]"}, // never split a rune
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	results, err := os.ReadFile("testdata/base/results.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		results     string
		predictions string
		want        string
	}{
		{"missing results", "", "", "results.json: no such file"},
		{"bad results", "{", "", "results.json: unexpected end of JSON input"},
		{"no model", `{"tasks": {}}`, "", `field "model" is missing`},
		{"bad prediction line", string(results), "{\"task\":\"gsm8k\"}\n\nnot json\n", "predictions.jsonl:3:"},
		{"prediction without task", string(results), "{\"verdict\":\"wrong\"}\n", `predictions.jsonl:1: field "task" is empty`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filepath.Join(dir, string(rune('a'+i)))
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.results != "" {
				os.WriteFile(filepath.Join(d, "results.json"), []byte(tt.results), 0o644)
			}
			if tt.predictions != "" {
				os.WriteFile(filepath.Join(d, "predictions.jsonl"), []byte(tt.predictions), 0o644)
			}
			_, err := Load(d, DefaultLoadOptions())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestHTMLIsSelfContainedAndEscaped(t *testing.T) {
	t.Parallel()
	c, runs := fixture(t, DefaultLoadOptions())
	var b bytes.Buffer
	if err := HTML(&b, c, runs, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script>alert", "<b>bold</b>", "<link", " src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, s := range strings.Split(page, "http")[1:] {
		if !strings.HasPrefix(s, "://www.w3.org/2000/svg") {
			t.Errorf("page refers to a network address: http%.40s", s)
		}
	}
	if n := strings.Count(page, "<svg "); n != len(c.Columns)+len(c.Rows)-1 {
		t.Errorf("%d charts, want %d per-task and %d change charts", n, len(c.Columns), len(c.Rows)-1)
	}
}

func TestWriteFiles(t *testing.T) {
	t.Parallel()
	c, runs := fixture(t, DefaultLoadOptions())
	out := filepath.Join(t.TempDir(), "sub", "cmp.html")
	md, html, err := WriteFiles(out, c, runs, HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSuffix(out, ".html"); md != want+".md" || html != want+".html" {
		t.Errorf("paths %s, %s; want %s.md and %s.html", md, html, want, want)
	}
	for _, p := range []string{md, html} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v (size %v)", p, err, st)
		}
	}
}

func TestBuildLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"defaults", Options{Dirs: []string{"testdata/regenesis", "testdata/regenesis-maj"}},
			[]string{"llama-3-8b-regenesis", "llama-3-8b-regenesis (maj@3)"}},
		{"given", Options{Dirs: []string{"testdata/regenesis", "testdata/base"}, Labels: []string{"ReGenesis", ""}},
			[]string{"ReGenesis", "llama-3-8b-instruct"}},
		{"baseline listed among the dirs", Options{Dirs: []string{"testdata/base", "testdata/regenesis"}, Labels: []string{"Base", "Ours"}, Baseline: "testdata/base/"},
			[]string{"Base", "Ours"}},
		{"same model twice", Options{Dirs: []string{"testdata/base", "testdata/base"}},
			[]string{"llama-3-8b-instruct [testdata/base]", "llama-3-8b-instruct [testdata/base]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := Build(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range c.Rows {
				got = append(got, r.Label)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
	if _, _, err := Build(Options{Dirs: []string{"testdata/base"}, Labels: []string{"a", "b"}}); err == nil {
		t.Error("more labels than directories: no error")
	}
}
