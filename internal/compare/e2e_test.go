package compare

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/export"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestSynthesizedDirs runs every method through synth against the simulated
// model on real GSM8K questions, then compares and exports the directories:
// the files synth writes are the files compare and export read.
func TestSynthesizedDirs(t *testing.T) {
	ctx := context.Background()
	tk, err := task.NewRegistry(filepath.Join("..", "..", "..", "shared", "data")).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	var exs []task.Example
	for ex, err := range tk.Examples(ctx, "train") {
		if err != nil {
			t.Fatal(err)
		}
		if exs = append(exs, ex); len(exs) == 6 {
			break
		}
	}
	key := simserver.Key(exs...)
	srv := httptest.NewServer(simserver.New(simserver.Config{Seed: 11, Accuracy: 0.4, FormatVariety: -1}, key))
	defer srv.Close()
	client, err := llm.NewClient(llm.Options{BaseURLs: []string{srv.URL}, Concurrency: 16, MaxRetries: llm.DefaultMaxRetries, GiveUpAfter: llm.DefaultGiveUpAfter})
	if err != nil {
		t.Fatal(err)
	}
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := method.DefaultConfig()
	cfg.SelectSamples, cfg.SingleGuidelines, cfg.HintSelectSamples = 4, false, 2
	cfg.Samples, cfg.KeepPerQuestion = 4, 3

	stats := map[string]*Stats{}
	var ordered []*Stats
	defer func() {
		var b strings.Builder
		if err := WriteMarkdown(&b, ordered); err != nil {
			t.Error(err)
		}
		t.Logf("\n%s", b.String())
	}()
	for _, name := range []string{"regenesis", "star", "lmsi", "cot", "selfdiscover", "gold"} {
		m, err := method.New(name, method.Deps{LLM: client, Model: "sim", Prompts: p, Guidelines: guideline.Default()}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), name)
		examples := func(yield func(task.Example, error) bool) {
			for _, ex := range exs {
				if !yield(ex, nil) {
					return
				}
			}
		}
		if _, err := synth.Run(ctx, synth.Options{Method: m, Examples: examples, Prompts: p, OutDir: dir}); err != nil {
			t.Fatalf("%s: synth: %v", name, err)
		}
		s, err := Load(ctx, dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		stats[name] = s
		ordered = append(ordered, s)
		for _, f := range export.Formats() {
			sum, err := export.Run(ctx, export.Options{Dir: dir, Format: f})
			if err != nil {
				t.Fatalf("%s: export %s: %v", name, f, err)
			}
			if f != export.DPO && sum.Examples != s.Kept {
				t.Errorf("%s: export %s wrote %d examples, compare counts %d kept", name, f, sum.Examples, s.Kept)
			}
		}
	}
	for name, s := range stats {
		if s.Questions != len(exs) || s.Methods[0] != name {
			t.Errorf("%s: %d questions, methods %v", name, s.Questions, s.Methods)
		}
	}
	if g := stats["gold"]; g.Covered != len(exs) || g.Candidates != len(exs) || g.HintedKept != 0 {
		t.Errorf("gold: covered %d, candidates %d, hinted %d; want every question, one path each, no hint", g.Covered, g.Candidates, g.HintedKept)
	}
	if l := stats["lmsi"]; l.HintedKept != 0 || l.Kept == 0 {
		t.Errorf("lmsi: %d kept, %d hinted", l.Kept, l.HintedKept)
	}
	if s := stats["star"]; s.Covered < stats["cot"].Covered {
		t.Errorf("star covers %d questions, fewer than cot's %d despite rationalization", s.Covered, stats["cot"].Covered)
	}
	if len(stats["regenesis"].Guidelines) == 0 || len(stats["selfdiscover"].Guidelines) == 0 || len(stats["star"].Guidelines) != 0 {
		t.Errorf("guideline usage: regenesis %v, selfdiscover %v, star %v", stats["regenesis"].Guidelines, stats["selfdiscover"].Guidelines, stats["star"].Guidelines)
	}
}
