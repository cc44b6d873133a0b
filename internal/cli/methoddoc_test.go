package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestMethodDocMatchesCode checks docs/METHOD.md against the code: every
// row of its Settings table against the default and reference profiles'
// settings (and every setting has a row), and the figures its step table
// and text state.
func TestMethodDocMatchesCode(t *testing.T) {
	raw, err := os.ReadFile("../../docs/METHOD.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	_, settings, ok := strings.Cut(doc, "## Settings and where they come from")
	if !ok {
		t.Fatal("docs/METHOD.md has no Settings section")
	}
	asMap := func(c method.Config) map[string]string {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for k, v := range m {
			out[k] = fmt.Sprint(v)
		}
		return out
	}
	ref, err := method.ProfileConfig(method.ProfileReference)
	if err != nil {
		t.Fatal(err)
	}
	def, refm := asMap(method.DefaultConfig()), asMap(ref)
	rows := 0
	seen := map[string]bool{}
	for _, line := range strings.Split(settings, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		key := strings.Trim(strings.TrimSpace(cells[1]), "`")
		d, r := strings.TrimSpace(cells[2]), strings.TrimSpace(cells[3])
		rows++
		seen[key] = true
		want, ok := def[key]
		if !ok {
			t.Errorf("METHOD.md lists setting %q, which the code does not have", key)
			continue
		}
		if d != want {
			t.Errorf("METHOD.md: %s defaults to %s, the code says %s", key, d, want)
		}
		if r != refm[key] {
			t.Errorf("METHOD.md: %s under the reference profile is %s, the code says %s", key, r, refm[key])
		}
	}
	for key := range def {
		if !seen[key] {
			t.Errorf("setting %s has no row in METHOD.md's Settings table", key)
		}
	}
	if rows == 0 {
		t.Fatal("no settings rows parsed")
	}

	// Figures the text states.
	hint := len(guideline.ForHint(guideline.Default()))
	facts := []struct {
		claim string
		ok    bool
	}{
		{"25 guidelines in our words", len(guideline.Default()) == 25 && len(guideline.Reference()) == 25},
		{"(`assumes_solution`: 22 of 25)", hint == 22 && len(guideline.ForHint(guideline.Reference())) == 22},
		{"`shots` (4) worked examples", method.DefaultShots == 4},
		{"32 paths at temperature 0.7", true}, // checked by TestLMSIFewShotOriginalSettings
		{"`--max-tokens` defaults to 2048", eval.BBHMaxTokens == 2048},
		{"greedy, 1024 tokens", eval.DefaultMaxTokens == 1024},
		{"`strategyqa.facts`", task.ReferenceVariant("strategyqa") == task.StrategyQAFacts},
		{"`arc_challenge.traindev` train = train + dev (1,418)", task.ReferenceVariant("arc_challenge") == task.ARCTrainDev},
		{"`numglue.types1258`", task.ReferenceVariant("numglue") == task.NumGLUEReference},
		{"suite `bbh-reference`", len(task.BBHReferenceSubtasks()) == 6},
		{"`star` = `star-fewshot`", method.Resolve("star", method.ProfileReference) == method.STaRFewShot && method.Resolve("star", method.ProfileDefault) == "star"},
		{"`lmsi` = `lmsi-fewshot`", method.Resolve("lmsi", method.ProfileReference) == method.LMSIFewShot && method.Resolve("lmsi", method.ProfileDefault) == "lmsi"},
	}
	flat := strings.Join(strings.Fields(doc), " ") // claims may wrap
	for _, f := range facts {
		if !strings.Contains(flat, f.claim) {
			t.Errorf("METHOD.md no longer says %q; update this test with it", f.claim)
		}
		if !f.ok {
			t.Errorf("METHOD.md says %q; the code disagrees", f.claim)
		}
	}
	_, prefix := method.TrainingFormat(method.ProfileReference)
	if prefix != "Let's think step by step.\n\n" || !strings.Contains(flat, `"Let's think step by step." and a blank line`) {
		t.Errorf("reference training prefix %q", prefix)
	}
	for _, name := range method.Names() {
		if !strings.Contains(doc, name) {
			t.Errorf("method %s is not in METHOD.md", name)
		}
	}
}
