package prompts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/guideline"
)

// fullData fills every field, so that every template renders something.
func fullData() Data {
	return Data{
		Task:         "gsm8k",
		Question:     "Tom has 3 apples and buys 4 more. How many apples does he have?",
		AnswerFormat: "a single number",
		Guidelines:   guideline.Default()[:3],
		Adapted:      "1. Count the apples Tom starts with.",
		Structure:    "1. Add the two amounts.",
		Hint:         "7",
		Path:         "1. 3 + 4 = 7.\n\\boxed{7}",
		Reference:    "7",
		Rationale:    "3 + 4 = 7",
	}
}

// TestEveryTemplateRenders renders every embedded template, including those
// of other methods, with full and with empty data.
func TestEveryTemplateRenders(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Names()) == 0 {
		t.Fatal("no embedded templates")
	}
	for _, name := range s.Names() {
		for _, d := range []Data{fullData(), {}} {
			out, err := s.Render(name, d)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if out == "" {
				t.Errorf("%s: empty rendering", name)
			}
		}
	}
}

// TestStageCues checks each ReGenesis prompt against the simulated model's
// cue table (docs/DESIGN.md): a stage's prompt holds its own cue and none of
// the cues checked before it.
func TestStageCues(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	cues := []struct{ stage, cue string }{
		{"select", "reply only with the numbers"},
		{"judge", "reference answer:"},
		{"adapt", "rewrite each selected guideline"},
		{"structure", "reasoning structure"},
	}
	tests := []struct {
		template string
		stage    string // "" = solve: no cue at all
	}{
		{"regenesis/select", "select"},
		{"shared/judge", "judge"},
		{"regenesis/adapt", "adapt"},
		{"regenesis/structure", "structure"},
		{"regenesis/path", ""},
		{"shared/solve", ""},
		{"reference/hint_path", ""},
		{"reference/solve", ""},
		{"reference/system", ""},
	}
	for _, tt := range tests {
		out, err := s.Render(tt.template, fullData())
		if err != nil {
			t.Fatal(err)
		}
		low := strings.ToLower(out)
		for _, c := range cues {
			has := strings.Contains(low, c.cue)
			if c.stage == tt.stage {
				if !has {
					t.Errorf("%s lacks its cue %q", tt.template, c.cue)
				}
				break
			}
			if has {
				t.Errorf("%s holds the %s cue %q", tt.template, c.stage, c.cue)
			}
		}
		if tt.stage == "judge" && !strings.Contains(low, "reply yes or no") {
			t.Errorf("%s lacks \"reply yes or no\"", tt.template)
		}
	}
}

func TestHintLine(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"regenesis/adapt", "regenesis/structure", "regenesis/path"} {
		d := fullData()
		out, err := s.Render(name, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Hint: the correct final answer is 7.") {
			t.Errorf("%s: no hint line:\n%s", name, out)
		}
		d.Hint = ""
		out, err = s.Render(name, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(out), "hint") {
			t.Errorf("%s mentions a hint without one:\n%s", name, out)
		}
	}
}

func TestSelectNumbersGuidelines(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("regenesis/select", fullData())
	if err != nil {
		t.Fatal(err)
	}
	gs := guideline.Default()
	for i, want := range []string{"1. " + gs[0].Name + ": " + gs[0].Text, "2. " + gs[1].Name, "3. " + gs[2].Name} {
		if !strings.Contains(out, "\n"+want) {
			t.Errorf("line %d %q missing in:\n%s", i+1, want, out)
		}
	}
	// The shared part comes first, the question last (prefix caching).
	if !strings.HasSuffix(out, fullData().Question) {
		t.Errorf("select prompt does not end with the question:\n%s", out)
	}
}

func TestOverride(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("regenesis/adapt.tmpl", "Rewrite each selected guideline for: {{.Question}}")
	base, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("regenesis/adapt.tmpl", Data{Question: "Q?"})
	if err != nil {
		t.Fatal(err)
	}
	if out != "Rewrite each selected guideline for: Q?" {
		t.Errorf("override not used: %q", out)
	}
	if s.Hashes()["regenesis/adapt"] == base.Hashes()["regenesis/adapt"] {
		t.Error("override did not change the hash")
	}
	if s.Hashes()["regenesis/path"] != base.Hashes()["regenesis/path"] {
		t.Error("untouched template changed hash")
	}

	tests := []struct {
		name, rel, text, wantErr string
	}{
		{"unknown name", "regenesis/adapted.tmpl", "x", `no template named "regenesis/adapted"`},
		{"bad syntax", "regenesis/path.tmpl", "{{.Question", "parse "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir = t.TempDir()
			write(tt.rel, tt.text)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load: %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Render("regenesis/nope", Data{}); err == nil || !strings.Contains(err.Error(), "regenesis/adapt") {
		t.Errorf("unknown template: %v, want error listing known names", err)
	}
}
