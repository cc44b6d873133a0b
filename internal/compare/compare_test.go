package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/golden"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

func f(v float64) *float64 { return &v }

func load(t *testing.T, dirs ...string) []*Stats {
	t.Helper()
	var out []*Stats
	for _, d := range dirs {
		s, err := Load(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// kept is the MinHash similarity of the kept paths of the one question of
// dir with two or more, read independently of Load.
func kept(t *testing.T, dir string) *float64 {
	t.Helper()
	var paths []string
	for g, err := range rundir.GroupCandidates(context.Background(), filepath.Join(dir, rundir.CandidatesFile)) {
		if err != nil {
			t.Fatal(err)
		}
		var p []string
		for _, c := range g.Candidates {
			if c.Kept {
				p = append(p, c.Path)
			}
		}
		if len(p) >= 2 {
			paths = p
		}
	}
	v, ok := method.MeanPairwiseSimilarity(paths)
	if !ok {
		t.Fatalf("%s has no question with two kept paths", dir)
	}
	return &v
}

func TestLoad(t *testing.T) {
	tests := []struct {
		dir  string
		want Stats
	}{
		{"testdata/regenesis", Stats{
			Dir: "testdata/regenesis", Methods: []string{"regenesis"}, Tasks: []string{"gsm8k"},
			Questions: 3, Covered: 2, Coverage: f(2.0 / 3),
			Candidates: 6, Kept: 3, KeepRate: f(0.5),
			CandidatesPerQuestion: f(2), PathsPerQuestion: f(1.5),
			HintedKept: 1, HintShare: f(1.0 / 3), MeanPathWords: f(5),
			DistinctAnswers: f(4.0 / 3), MajorityShare: f((2.0/3 + 1 + 1) / 3),
			Distinct2: f(5.0 / 9), PairwiseJaccard: f(5.0 / 6), MultiPathQuestions: 1,
			Guidelines:        map[string]int{"g1": 2, "g2": 1, "g3": 1},
			Dropped:           map[string]int{"wrong_answer": 2, "stage_failed: adapt": 1},
			KeptGuidelineSets: 3, GuidelineSetsPerCovered: f(1.5), KeptSimilarity: kept(t, "testdata/regenesis"),
			GuidelineYield: map[string]*synth.Yield{
				"g1": {Attempted: 2, Correct: 2, Kept: 2}, "g2": {Attempted: 2, Correct: 1, Kept: 1},
				"g3": {Attempted: 2, Correct: 1, Kept: 1}, "g4": {Attempted: 1},
			},
			Budget: "adaptive",
			Cost: &synth.Cost{
				Usage:  method.Usage{Requests: 30, Samples: 48, PromptTokens: 24000, CompletionTokens: 6000},
				Tokens: 30000, StoppedEarly: 1,
				PerQuestion: &synth.UnitCost{Requests: 10, Samples: 16, PromptTokens: 8000, CompletionTokens: 2000, Tokens: 10000},
				PerKeptPath: &synth.UnitCost{Requests: 10, Samples: 16, PromptTokens: 8000, CompletionTokens: 2000, Tokens: 10000},
				Money: &cost.Money{
					Currency: "USD",
					Pricing:  cost.Pricing{Model: "gpt-4o-mini", Basis: cost.BasisTable, Provider: "openai", Price: cost.Price{Input: 0.15, Output: 0.6}},
					Total:    f(0.0072), PerQuestion: f(0.0024), PerKeptPath: f(0.0024),
				},
			},
		}},
		{"testdata/star", Stats{
			Dir: "testdata/star", Methods: []string{"star"}, Tasks: []string{"gsm8k"},
			Questions: 2, Covered: 1, Coverage: f(0.5),
			Candidates: 3, Kept: 2, KeepRate: f(2.0 / 3),
			CandidatesPerQuestion: f(1.5), PathsPerQuestion: f(2),
			HintedKept: 0, HintShare: f(0), MeanPathWords: f(7),
			DistinctAnswers: f(1), MajorityShare: f(1),
			Distinct2: f(0.5), PairwiseJaccard: f(1), MultiPathQuestions: 1,
			Guidelines:        map[string]int{},
			Dropped:           map[string]int{"no_answer": 1},
			KeptGuidelineSets: 1, GuidelineSetsPerCovered: f(1), KeptSimilarity: kept(t, "testdata/star"),
			GuidelineYield: map[string]*synth.Yield{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got := load(t, tt.dir)[0]
			if diff := cmp.Diff(&tt.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "candidates.jsonl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := load(t, dir)[0]
	if s.Questions != 0 || s.Coverage != nil || s.KeepRate != nil || s.Distinct2 != nil {
		t.Errorf("empty dir stats = %+v, want zero counts and nil ratios", s)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, []*Stats{s}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| questions covered | 0 (n/a) |") {
		t.Errorf("markdown of an empty dir:\n%s", b.String())
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"malformed", `{"task":"t","question_id":"1"}` + "\n" + `{"task":`, "candidates.jsonl:2: malformed JSON"},
		{"ungrouped", `{"task":"t","question_id":"1"}` + "\n" + `{"task":"t","question_id":"2"}` + "\n" + `{"task":"t","question_id":"1"}`,
			"candidates.jsonl:3: question t/1 appears again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "candidates.jsonl"), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Load(context.Background(), filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dir: err = %v, want not-exist", err)
	}
}

func TestWriteMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, load(t, "testdata/regenesis", "testdata/star")); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "compare.md"), b.Bytes())
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, load(t, "testdata/regenesis", "testdata/star")); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d entries, want 2", len(got))
	}
	if got[0]["kept"] != 3.0 || got[1]["paths_per_question"] != 2.0 || got[1]["guidelines"] == nil {
		t.Errorf("JSON = %s", b.String())
	}
}

func TestLexical(t *testing.T) {
	tests := []struct {
		paths             []string
		distinct2, jaccrd float64
	}{
		{[]string{"a b c", "a b c"}, 0.5, 1},
		{[]string{"a b", "c d"}, 1, 0},
		{[]string{"A, b!", "a B"}, 0.5, 1}, // case and punctuation ignored
		{[]string{"a b c", "a b d", "x y"}, 4.0 / 5, (0.5 + 0 + 0) / 3},
		{[]string{"one"}, 0, 0},
		{[]string{"", ""}, 0, 1},
	}
	for _, tt := range tests {
		if got := Distinct2(tt.paths); math.Abs(got-tt.distinct2) > 1e-12 {
			t.Errorf("Distinct2(%q) = %v, want %v", tt.paths, got, tt.distinct2)
		}
		if got := MeanPairwiseJaccard(tt.paths); math.Abs(got-tt.jaccrd) > 1e-12 {
			t.Errorf("MeanPairwiseJaccard(%q) = %v, want %v", tt.paths, got, tt.jaccrd)
		}
	}
}
