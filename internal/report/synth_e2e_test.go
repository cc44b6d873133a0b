package report

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestSynthPageOfRealRuns synthesizes real GSM8K questions with ReGenesis
// and STaR against the simulated model, builds the page of both runs and
// reads it in headless Chromium: the files synth writes are the files the
// page reads, and every question shows all its candidates.
func TestSynthPageOfRealRuns(t *testing.T) {
	t.Parallel()
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
		if exs = append(exs, ex); len(exs) == 8 {
			break
		}
	}
	srv := httptest.NewServer(simserver.New(simserver.Config{Seed: 5, Accuracy: 0.4}, simserver.Key(exs...)))
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
	root := t.TempDir()
	var dirs []string
	manifests := map[string]*synth.Manifest{}
	for _, name := range []string{"regenesis", "star"} {
		m, err := method.New(name, method.Deps{LLM: client, Model: "sim", Prompts: p, Guidelines: guideline.Default()}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, name)
		examples := func(yield func(task.Example, error) bool) {
			for _, ex := range exs {
				if !yield(ex, nil) {
					return
				}
			}
		}
		man, err := synth.Run(ctx, synth.Options{Method: m, Examples: examples, Prompts: p, OutDir: dir})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		manifests[name] = man
		dirs = append(dirs, dir)
	}
	files, _, err := WriteSynth(ctx, filepath.Join(root, "page", "synthesis"), SynthOptions{Dirs: dirs})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+files.HTML), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`))); err != nil {
		t.Fatal(err)
	}
	rows := evalJS[map[string][]string](t, b, `(function () {
		var out = {};
		document.querySelectorAll("#summary tbody tr").forEach(function (tr) {
			out[tr.dataset.key] = Array.from(tr.cells).slice(1).map(function (td) { return td.textContent; });
		});
		return out;
	}())`)
	wantQ := []string{strconv.Itoa(manifests["regenesis"].Counts.Questions), strconv.Itoa(manifests["star"].Counts.Questions)}
	wantR := []string{strconv.FormatInt(manifests["regenesis"].Run.Usage.Requests, 10), strconv.FormatInt(manifests["star"].Run.Usage.Requests, 10)}
	if !cmp.Equal(wantQ, rows["questions"]) || !cmp.Equal(wantR, rows["requests"]) {
		t.Errorf("questions %v requests %v; manifests say %v and %v", rows["questions"], rows["requests"], wantQ, wantR)
	}

	// Every question of the ReGenesis run shows all its candidates with
	// their verdicts, and a kept one has the prompt from sft.jsonl.
	b.setFilters(t, map[string]string{"f-run": "0"})
	for g, err := range rundir.GroupCandidates(ctx, filepath.Join(dirs[0], rundir.CandidatesFile)) {
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`#q-list tbody tr[data-id="`+g.Key.QuestionID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#q-detail"))); err != nil {
			t.Fatal(err)
		}
		type shown struct {
			ID       string
			Verdicts []string
			Prompt   string
		}
		got := evalJS[shown](t, b, `({
			ID: document.getElementById("d-id").textContent,
			Verdicts: Array.from(document.querySelectorAll("#q-chains tbody tr")).map(function (tr) { return tr.cells[7].textContent; }),
			Prompt: document.getElementById("d-prompt").textContent
		})`)
		var want []string
		kept := false
		for _, c := range g.Candidates {
			want = append(want, string(c.Verdict))
			kept = kept || c.Kept
		}
		if got.ID != g.Key.QuestionID || !cmp.Equal(want, got.Verdicts) {
			t.Errorf("question %s: shown %s with verdicts %v, want %v", g.Key.QuestionID, got.ID, got.Verdicts, want)
		}
		if kept && got.Prompt == "" {
			t.Errorf("question %s has a kept path but no prompt shown", g.Key.QuestionID)
		}
	}
	b.checkClean(t)
}
