package task

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// collect reads a whole split, failing the test on an error.
func collect(t *testing.T, r *Registry, name, split string) []Example {
	t.Helper()
	tk, err := r.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []Example
	for ex, err := range tk.Examples(context.Background(), split) {
		if err != nil {
			t.Fatalf("%s/%s: %v", name, split, err)
		}
		out = append(out, ex)
	}
	return out
}

// TestCountsMatchSources checks every local split against the counts its
// SOURCE.md states, and that the registry announces the same counts.
func TestCountsMatchSources(t *testing.T) {
	t.Parallel()
	r := NewRegistry(dataDir(t))
	tests := []struct {
		task, split string
		want        int
	}{
		{"gsm8k", "train", 7473}, {"gsm8k", "test", 1319},
		{"numglue", "sample", 3821},
		{"arc_challenge", "train", 1119}, {"arc_challenge", "dev", 299}, {"arc_challenge", "test", 1172},
		{"reclor", "val", 500},
		{"strategyqa", "train", 2061}, {"strategyqa", "dev", 229},
		{"svamp", "test", 1000},
		{"asdiv", "test", 2305},
		{"aqua", "dev", 254}, {"aqua", "test", 254},
		{"bbh", "test", 6511},
		{"anli", "dev_r1", 1000}, {"anli", "test_r1", 1000},
		{"anli", "dev_r2", 1000}, {"anli", "test_r2", 1000},
		{"anli", "dev_r3", 1200}, {"anli", "test_r3", 1200},
		{"anli", "dev", 3200}, {"anli", "test", 3200},
		{"openbookqa", "train", 4957}, {"openbookqa", "dev", 500}, {"openbookqa", "test", 500},
		{"math500", "test", 500},
		{"commonsenseqa", "train", 9741}, {"commonsenseqa", "dev", 1221},
	}
	for _, s := range bbhSubtasks {
		tests = append(tests, struct {
			task, split string
			want        int
		}{"bbh." + s.name, "test", s.count})
	}
	for _, tt := range tests {
		t.Run(tt.task+"/"+tt.split, func(t *testing.T) {
			exs := collect(t, r, tt.task, tt.split)
			if len(exs) != tt.want {
				t.Errorf("loaded %d examples, want %d", len(exs), tt.want)
			}
			tk, _ := r.Get(tt.task)
			for _, s := range tk.Info().Splits {
				if s.Name == tt.split && (s.Count != tt.want || !s.Local) {
					t.Errorf("Info split %+v, want count %d and local", s, tt.want)
				}
			}
			checkCanonical(t, exs)
		})
	}
}

// checkCanonical checks the invariants every normalized example keeps.
func checkCanonical(t *testing.T, exs []Example) {
	t.Helper()
	seen := map[string]bool{}
	for _, ex := range exs {
		if ex.ID == "" || seen[ex.ID] {
			t.Errorf("empty or duplicate ID %q", ex.ID)
		}
		seen[ex.ID] = true
		if strings.TrimSpace(ex.Question) == "" || ex.Answer == "" || ex.Task == "" {
			t.Errorf("%s: empty question, answer or task: %+v", ex.ID, ex)
		}
		switch ex.Spec.Type {
		case answer.Choice:
			if !hasLabel(ex.Spec.Options, ex.Answer) {
				t.Errorf("%s: answer %q is not an option label of %v", ex.ID, ex.Answer, ex.Spec.Options)
			}
			for i, o := range ex.Spec.Options {
				if o.Label != letter(i) {
					t.Errorf("%s: option %d has label %q, want %q", ex.ID, i, o.Label, letter(i))
				}
			}
		case answer.Number:
			if n, ok := canonNumber(ex.Answer); !ok || n != ex.Answer {
				t.Errorf("%s: number answer %q is not canonical", ex.ID, ex.Answer)
			}
		case answer.YesNo:
			if ex.Answer != "yes" && ex.Answer != "no" {
				t.Errorf("%s: yes/no answer %q", ex.ID, ex.Answer)
			}
		case answer.Text, answer.Math:
		default:
			t.Errorf("%s: unknown answer type %q", ex.ID, ex.Spec.Type)
		}
	}
}

// TestNumGLUESampleTypes checks the per-type counts of the NumGLUE sample
// and the answer type each NumGLUE type maps to.
func TestNumGLUESampleTypes(t *testing.T) {
	t.Parallel()
	exs := collect(t, NewRegistry(dataDir(t)), "numglue", "sample")
	counts := map[string]int{}
	types := map[string]map[answer.Type]int{}
	for _, ex := range exs {
		typ, _, _ := strings.Cut(ex.ID, "-")
		counts[typ]++
		if types[typ] == nil {
			types[typ] = map[answer.Type]int{}
		}
		types[typ][ex.Spec.Type]++
	}
	want := map[string]int{"Type_1": 323, "Type_2": 500, "Type_3": 500, "Type_4": 499, "Type_5": 499, "Type_6": 500, "Type_7": 500, "Type_8": 500}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("per-type counts (-want +got):\n%s", diff)
	}
	for typ, wantType := range map[string]answer.Type{"Type_3": answer.Choice, "Type_7": answer.Choice} {
		if types[typ][wantType] != counts[typ] {
			t.Errorf("%s: answer types %v, want all %s", typ, types[typ], wantType)
		}
	}
	// Type 5: 490 numbers, and 9 dates of which 5 are a bare year (a number).
	// Type 6: spans, 7 of them numbers such as years.
	for typ, want := range map[string]map[answer.Type]int{
		"Type_5": {answer.Number: 495, answer.Text: 4},
		"Type_6": {answer.Number: 7, answer.Text: 493},
	} {
		if diff := cmp.Diff(want, types[typ]); diff != "" {
			t.Errorf("%s answer types (-want +got):\n%s", typ, diff)
		}
	}
}

// TestFirst checks that First is the head of the split's stream, the
// whole split when n <= 0 or n is past its end, and reports a bad split.
func TestFirst(t *testing.T) {
	t.Parallel()
	r := NewRegistry(dataDir(t))
	all := collect(t, r, "math500", "test")
	tk, err := r.Get("math500")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, len(all), len(all) + 5, 0, -1} {
		got, err := tk.First(context.Background(), "test", n)
		if err != nil {
			t.Fatalf("First(%d): %v", n, err)
		}
		want := all
		if n > 0 && n < len(all) {
			want = all[:n]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("First(%d) (-want +got):\n%s", n, diff)
		}
	}
	if _, err := tk.First(context.Background(), "nope", 1); !errors.Is(err, ErrUnknownSplit) {
		t.Errorf("First of an unknown split: err = %v, want ErrUnknownSplit", err)
	}
}

// TestExamples pins the normalized form of chosen records of every task.
func TestExamples(t *testing.T) {
	t.Parallel()
	r := NewRegistry(dataDir(t))
	byID := map[string]map[string]Example{}
	get := func(t *testing.T, task, split, id string) Example {
		key := task + "/" + split
		if byID[key] == nil {
			byID[key] = map[string]Example{}
			for _, ex := range collect(t, r, task, split) {
				byID[key][ex.ID] = ex
			}
		}
		ex, ok := byID[key][id]
		if !ok {
			t.Fatalf("%s: no example %q", key, id)
		}
		return ex
	}
	opts := func(texts ...string) []answer.Option {
		o := make([]answer.Option, len(texts))
		for i, s := range texts {
			o[i] = answer.Option{Label: letter(i), Text: s}
		}
		return o
	}
	tests := []struct {
		task, split, id string
		check           func(t *testing.T, ex Example)
	}{
		{"gsm8k", "test", "test-0", func(t *testing.T, ex Example) {
			want := Example{ID: "test-0", Task: "gsm8k", Spec: answer.Spec{Type: answer.Number}, Answer: "18",
				Question:  "Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?",
				Rationale: "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer’s market."}
			if diff := cmp.Diff(want, ex); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
		{"arc_challenge", "dev", "Mercury_SC_407695", func(t *testing.T, ex Example) {
			want := Example{ID: "Mercury_SC_407695", Task: "arc_challenge", Answer: "D",
				Spec:     answer.Spec{Type: answer.Choice, Options: opts("Put the objects in groups.", "Change the height of the ramp.", "Choose different objects to roll.", "Record the details of the investigation.")},
				Question: "Juan and LaKeisha roll a few objects down a ramp. They want to see which object rolls the farthest. What should they do so they can repeat their investigation?\nAnswer Choices: (A) Put the objects in groups. (B) Change the height of the ramp. (C) Choose different objects to roll. (D) Record the details of the investigation."}
			if diff := cmp.Diff(want, ex); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
		{"reclor", "val", "val_0", func(t *testing.T, ex Example) {
			if ex.Answer != "A" || len(ex.Spec.Options) != 4 || !strings.HasPrefix(ex.Question, "In a business whose owners") ||
				!strings.Contains(ex.Question, "\nThe reasoning in the argument is flawed because the argument\nAnswer Choices: (A) ignores") {
				t.Errorf("got %+v", ex)
			}
		}},
		{"strategyqa", "dev", "e0044a7b4d146d611e73", func(t *testing.T, ex Example) {
			if ex.Answer != "no" || ex.Spec.Type != answer.YesNo || ex.Rationale != "Albany, GA has around 75,000 people Albany, NY has almost 100,000 people" {
				t.Errorf("got %+v", ex)
			}
		}},
		{"svamp", "test", "chal-1", func(t *testing.T, ex Example) {
			if ex.Answer != "51" || ex.Question != "Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack How much do you have to pay to buy each pack?" {
				t.Errorf("got %+v", ex)
			}
		}},
		{"asdiv", "test", "nluds-0001", func(t *testing.T, ex Example) {
			if ex.Answer != "9" || ex.Spec.Type != answer.Number || ex.Question != "Seven red apples and two green apples are in the basket. How many apples are in the basket?" {
				t.Errorf("got %+v", ex)
			}
		}},
		{"aqua", "dev", "dev-0", func(t *testing.T, ex Example) {
			if ex.Answer != "A" || len(ex.Spec.Options) != 5 || ex.Spec.Options[0].Text != "32400" || !strings.HasSuffix(ex.Rationale, "Correct answer - A") {
				t.Errorf("got %+v", ex)
			}
		}},
		{"math500", "test", "test/precalculus/807.json", func(t *testing.T, ex Example) {
			if ex.Answer != `\left( 3, \frac{\pi}{2} \right)` || ex.Spec.Type != answer.Math || ex.Rationale == "" {
				t.Errorf("got %+v", ex)
			}
		}},
		{"anli", "dev_r1", "bf628cf5-6948-4595-a6d0-daf99beb47b9", func(t *testing.T, ex Example) {
			if ex.Answer != "C" || cmp.Diff(opts("entailment", "neutral", "contradiction"), ex.Spec.Options) != "" ||
				!strings.HasPrefix(ex.Question, "Premise: Linguistics is the scientific study") {
				t.Errorf("got %+v", ex)
			}
		}},
		{"bbh", "test", "boolean_expressions-0", func(t *testing.T, ex Example) {
			if ex.Spec.Type != answer.YesNo || (ex.Answer != "yes" && ex.Answer != "no") {
				t.Errorf("got %+v", ex)
			}
		}},
		{"bbh.date_understanding", "test", "date_understanding-0", func(t *testing.T, ex Example) {
			if ex.Spec.Type != answer.Choice || len(ex.Spec.Options) < 2 || ex.Spec.Options[0].Label != "A" || len(ex.Answer) != 1 {
				t.Errorf("got %+v", ex)
			}
		}},
		{"bbh.ruin_names", "test", "ruin_names-0", func(t *testing.T, ex Example) {
			want := answer.Spec{Type: answer.Choice, Options: opts("ruin man", "rains man", "rain men", "rainmman")}
			if diff := cmp.Diff(want, ex.Spec); diff != "" || ex.Answer != "A" {
				t.Errorf("answer %q, spec (-want +got):\n%s", ex.Answer, diff)
			}
		}},
		{"commonsenseqa", "dev", "1afa02df02c908a558b4036e80242fac", func(t *testing.T, ex Example) {
			if ex.Answer != "A" || len(ex.Spec.Options) != 5 || ex.Spec.Options[4].Text != "new york" {
				t.Errorf("got %+v", ex)
			}
		}},
		{"openbookqa", "dev", "8-376", func(t *testing.T, ex Example) {
			if ex.Spec.Options[0].Text != "Deep sea animals" || ex.Answer == "" {
				t.Errorf("got %+v", ex)
			}
		}},
		{"numglue", "sample", "Type_1-0", func(t *testing.T, ex Example) {
			if ex.Answer != "52" || ex.Spec.Type != answer.Number {
				t.Errorf("got %+v", ex)
			}
		}},
		{"numglue", "sample", "Type_3-0", func(t *testing.T, ex Example) {
			want := answer.Spec{Type: answer.Choice, Options: opts("the mountain was farther away", "Jane was farther away")}
			if diff := cmp.Diff(want, ex.Spec); diff != "" || ex.Answer != "B" {
				t.Errorf("answer %q, spec (-want +got):\n%s", ex.Answer, diff)
			}
		}},
		{"numglue", "sample", "Type_7-0", func(t *testing.T, ex Example) {
			want := answer.Spec{Type: answer.Choice, Options: opts("entailment", "contradiction", "neutral")}
			if diff := cmp.Diff(want, ex.Spec); diff != "" || ex.Answer != "C" {
				t.Errorf("answer %q, spec (-want +got):\n%s", ex.Answer, diff)
			}
		}},
		{"numglue", "sample", "Type_5-0", func(t *testing.T, ex Example) {
			if ex.Answer != "10" || ex.Spec.Type != answer.Number || !strings.HasPrefix(ex.Question, "The Lions began their 2008 season") {
				t.Errorf("got %+v", ex)
			}
		}},
		{"numglue", "sample", "Type_6-0", func(t *testing.T, ex Example) {
			if ex.Answer != "18th and 19th centuries" || ex.Spec.Type != answer.Text {
				t.Errorf("got %+v", ex)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.task+"/"+tt.id, func(t *testing.T) { tt.check(t, get(t, tt.task, tt.split, tt.id)) })
	}
}

// TestMappings checks the label and answer mappings that differ from the
// files: ARC's digit labels, ASDiv units, BBH targets that are not labels.
func TestMappings(t *testing.T) {
	t.Parallel()
	r := NewRegistry(dataDir(t))
	t.Run("arc digit labels", func(t *testing.T) {
		// Find the records whose answerKey is a digit in the files as published.
		digit := map[string]string{}
		for _, f := range []string{"ARC-Challenge-Train.jsonl", "ARC-Challenge-Dev.jsonl", "ARC-Challenge-Test.jsonl"} {
			ref := fileRef{path: filepath.Join(dataDir(t), "arc_challenge", f), format: formatJSONL}
			for rec, err := range readRecords(context.Background(), ref) {
				if err != nil {
					t.Fatal(err)
				}
				key, _ := rec.str("answerKey")
				if key >= "1" && key <= "9" {
					id, _ := rec.str("id")
					digit[id] = key
				}
			}
		}
		if len(digit) != 49 {
			t.Fatalf("%d records with digit labels, SOURCE.md says 49", len(digit))
		}
		for _, split := range []string{"train", "dev", "test"} {
			for _, ex := range collect(t, r, "arc_challenge", split) {
				key, ok := digit[ex.ID]
				if !ok {
					continue
				}
				if want := letter(int(key[0] - '1')); ex.Answer != want || ex.Spec.Options[0].Label != "A" || !strings.Contains(ex.Question, "(A) ") {
					t.Errorf("%s: answerKey %s became %q with options %v, want %s", ex.ID, key, ex.Answer, ex.Spec.Options, want)
				}
				delete(digit, ex.ID)
			}
		}
		if len(digit) != 0 {
			t.Errorf("records not loaded: %v", digit)
		}
	})
	t.Run("asdiv units and text", func(t *testing.T) {
		var text []string
		for _, ex := range collect(t, r, "asdiv", "test") {
			if strings.Contains(ex.Answer, "(") {
				t.Errorf("%s: unit left in %q", ex.ID, ex.Answer)
			}
			if ex.Spec.Type == answer.Text {
				text = append(text, ex.Answer)
			}
		}
		for _, want := range []string{"3:4", "Yes", "They are equal", "50; 20"} {
			found := false
			for _, s := range text {
				found = found || s == want
			}
			if !found {
				t.Errorf("text answer %q not found among %d text answers", want, len(text))
			}
		}
	})
	t.Run("bbh targets that are not labels", func(t *testing.T) {
		var got []string
		for _, ex := range collect(t, r, "bbh", "test") {
			if ex.Spec.Type == answer.Text && !strings.HasPrefix(ex.ID, "dyck_languages") && !strings.HasPrefix(ex.ID, "word_sorting") {
				got = append(got, fmt.Sprintf("%s=%s", ex.ID[:strings.LastIndex(ex.ID, "-")], ex.Answer))
			}
		}
		want := []string{"movie_recommendation=Monsters, Inc", "ruin_names=dearth, wind, & fire", "ruin_names=rita, sue and bob poo"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
