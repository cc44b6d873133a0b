package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/golden"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/task"
)

func num(task_, id, q, gold string) task.Example {
	return task.Example{ID: id, Task: task_, Question: q, Spec: answer.Spec{Type: answer.Number}, Answer: gold}
}

// readPredictions reads predictions.jsonl of dir.
func readPredictions(t *testing.T, dir string) []Prediction {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, PredictionsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Prediction
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var p Prediction
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("predictions line %d: %v", len(out)+1, err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRunGreedy(t *testing.T) {
	model := &fakeModel{delay: 2 * time.Millisecond, replies: map[string][]string{
		"a1": {"2+2 is 4. \\boxed{4}"},
		"a2": {"So \\boxed{10}"},
		"a3": {"\\boxed{7}"},
		"a4": {"I am not sure."},
		"a5": {"\\boxed{3}"},
		"b1": {"\\boxed{1}"},
		"b2": {"\\boxed{5}"},
		"b3": {"\\boxed{6}"},
		"b4": {"\\boxed{8}"},
	}}
	alpha := Source{Name: "alpha", Group: task.InDomain, Examples: examples(
		num("alpha", "1", "a1", "4"), num("alpha", "2", "a2", "10"), num("alpha", "3", "a3", "8"),
		num("alpha", "4", "a4", "1"), num("alpha", "5", "a5", "3"),
	)}
	beta := Source{Name: "beta", Group: task.OOD, Examples: examples(
		num("beta", "1", "b1", "1"), num("beta", "2", "b2", "4"), num("beta", "3", "b3", "5"), num("beta", "4", "b4", "9"),
	)}
	dir := t.TempDir()
	var seen []string
	res, err := Run(context.Background(), Options{
		Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{alpha, beta},
		Split: "test", OutDir: dir, Concurrency: 3,
		OnPrediction: func(p *Prediction) { seen = append(seen, p.Task+"/"+p.QuestionID) },
	})
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := []string{"alpha/1", "alpha/2", "alpha/3", "alpha/4", "alpha/5", "beta/1", "beta/2", "beta/3", "beta/4"}
	if diff := cmp.Diff(wantOrder, seen); diff != "" {
		t.Errorf("OnPrediction order (-want +got):\n%s", diff)
	}
	lo, hi := Wilson(3, 5)
	blo, bhi := Wilson(1, 4)
	wantTasks := map[string]*TaskResult{
		"alpha": {Group: "in-domain", N: 5, Correct: 3, NoAnswer: 1, Accuracy: 0.6, Mode: "greedy", CILow: lo, CIHigh: hi},
		"beta":  {Group: "ood", N: 4, Correct: 1, Accuracy: 0.25, Mode: "greedy", CILow: blo, CIHigh: bhi},
	}
	if diff := cmp.Diff(wantTasks, res.Tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	wantGroups := map[string]*GroupResult{
		"in-domain": {Tasks: []string{"alpha"}, N: 5, Accuracy: 0.6, MicroAccuracy: 0.6},
		"ood":       {Tasks: []string{"beta"}, N: 4, Accuracy: 0.25, MicroAccuracy: 0.25},
	}
	if diff := cmp.Diff(wantGroups, res.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	for _, req := range model.requests {
		if req.Temperature != 0 || req.N != 1 || req.MaxTokens != DefaultMaxTokens || req.TopP != 1 || req.Model != "m" {
			t.Errorf("greedy request = temperature %g, n %d, max_tokens %d, top_p %g, model %q; want 0, 1, %d, 1, m",
				req.Temperature, req.N, req.MaxTokens, req.TopP, req.Model, DefaultMaxTokens)
		}
	}

	preds := readPredictions(t, dir)
	var got []string
	for _, p := range preds {
		got = append(got, fmt.Sprintf("%s/%s %s %s %s", p.Task, p.QuestionID, p.Answer, p.Verdict, p.Samples[0].Verdict))
	}
	want := []string{
		"alpha/1 4 correct correct", "alpha/2 10 correct correct", "alpha/3 7 wrong wrong",
		"alpha/4  no_answer no_answer", "alpha/5 3 correct correct",
		"beta/1 1 correct correct", "beta/2 5 wrong wrong", "beta/3 6 wrong wrong", "beta/4 8 wrong wrong",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("predictions.jsonl (-want +got):\n%s", diff)
	}

	// results.json holds what Run returned, in the documented shape.
	onDisk, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, onDisk); diff != "" {
		t.Errorf("results.json differs from the returned results (-returned +file):\n%s", diff)
	}
	onDisk.WallSeconds = 0
	b, err := json.MarshalIndent(onDisk, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "greedy_results.golden.json"), append(b, '\n'))
}

func TestRunMajority(t *testing.T) {
	model := &fakeModel{replies: map[string][]string{
		// The first sample is wrong, the majority right.
		"q1": {"\\boxed{7}", "\\boxed{42}", "\\boxed{42}", "\\boxed{7}", "\\boxed{42}"},
		// A 2-2 tie between 1 and 2: the answer seen first (1) wins.
		"q2": {"\\boxed{1}", "\\boxed{2}", "\\boxed{2}", "\\boxed{1}", "no idea"},
		// Samples without an answer do not vote.
		"q3": {"hmm", "\\boxed{9}", "?", "...", "\\boxed{8}"},
		// No sample has an answer.
		"q4": {"hmm"},
	}}
	src := Source{Name: "t", Group: task.InDomain, Examples: examples(
		num("t", "1", "q1", "42"), num("t", "2", "q2", "2"), num("t", "3", "q3", "9"), num("t", "4", "q4", "1"),
	)}
	dir := t.TempDir()
	res, err := Run(context.Background(), Options{
		Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src},
		OutDir: dir, Mode: Majority, Samples: 5, Seed: 7, Temperature: DefaultTemperature,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Tasks["t"]
	if got.Mode != "maj@5" || got.N != 4 || got.Correct != 2 || got.NoAnswer != 1 || got.Accuracy != 0.5 {
		t.Errorf("task t = %+v; want mode maj@5, n 4, correct 2, no_answer 1, accuracy 0.5", *got)
	}
	if len(model.requests) != 4 {
		t.Fatalf("%d requests, want one per question (4)", len(model.requests))
	}
	for _, req := range model.requests {
		if req.N != 5 || req.Temperature != DefaultTemperature || req.Seed == nil || *req.Seed != 7 {
			t.Errorf("request n=%d temperature=%g seed=%v; want n=5 temperature=%g seed=7", req.N, req.Temperature, req.Seed, DefaultTemperature)
		}
	}
	type line struct {
		Answer    string
		Agreement float64
		Verdict   answer.Verdict
		Samples   []string
	}
	var lines []line
	for _, p := range readPredictions(t, dir) {
		l := line{Answer: p.Answer, Agreement: math.Round(p.Agreement*100) / 100, Verdict: p.Verdict}
		for _, s := range p.Samples {
			l.Samples = append(l.Samples, s.Extracted+":"+string(s.Verdict))
		}
		lines = append(lines, l)
	}
	want := []line{
		{"42", 0.6, answer.Correct, []string{"7:wrong", "42:correct", "42:correct", "7:wrong", "42:correct"}},
		{"1", 0.5, answer.Wrong, []string{"1:wrong", "2:correct", "2:correct", "1:wrong", ":no_answer"}},
		{"9", 0.5, answer.Correct, []string{":no_answer", "9:correct", ":no_answer", ":no_answer", "8:wrong"}},
		{"", 0, answer.NoAnswer, []string{":no_answer", ":no_answer", ":no_answer", ":no_answer", ":no_answer"}},
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("predictions (-want +got):\n%s", diff)
	}
}

func TestRunUnlabeled(t *testing.T) {
	model := &fakeModel{replies: map[string][]string{"x": {"\\boxed{1}"}, "y": {"\\boxed{2}"}}}
	src := Source{Name: "t", Group: task.OOD, Examples: examples(num("t", "1", "x", "1"), num("t", "2", "y", ""))}
	res, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src}, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Tasks["t"]; got.N != 1 || got.Unlabeled != 1 || got.Accuracy != 1 {
		t.Errorf("task t = %+v; want n 1, unlabeled 1, accuracy 1", *got)
	}
}

func TestRunStopsOnCompleterError(t *testing.T) {
	boom := errors.New("server said 500 five times")
	model := &fakeModel{
		replies: map[string][]string{"x": {"\\boxed{1}"}, "y": {"\\boxed{2}"}},
		fail:    map[string]error{"y": boom},
	}
	src := Source{Name: "t", Group: task.OOD, Examples: examples(num("t", "1", "x", "1"), num("t", "2", "y", "2"))}
	dir := t.TempDir()
	// The outputs of an earlier run survive a failed re-run byte for byte.
	old := map[string]string{ResultsFile: `{"model":"old"}` + "\n", PredictionsFile: `{"task":"t","question_id":"9"}` + "\n"}
	for name, body := range old {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src}, OutDir: dir})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
	if !strings.Contains(err.Error(), "task t question 2") {
		t.Errorf("err = %q, want it to name task t question 2", err)
	}
	for name, body := range old {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != body {
			t.Errorf("%s after a failed re-run: %q, %v; want the earlier %q", name, got, err, body)
		}
	}
	if es, _ := os.ReadDir(dir); len(es) != len(old) {
		t.Errorf("failed run left files behind: %v", es)
	}
}

func TestRunStreamError(t *testing.T) {
	bad := errors.New("gsm8k/test.jsonl:3: field \"answer\": not a number")
	src := Source{Name: "t", Examples: func(yield func(task.Example, error) bool) {
		if yield(num("t", "1", "x", "1"), nil) {
			yield(task.Example{}, bad)
		}
	}}
	model := &fakeModel{replies: map[string][]string{"x": {"\\boxed{1}"}}}
	_, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src}, OutDir: t.TempDir()})
	if !errors.Is(err, bad) {
		t.Fatalf("err = %v, want it to wrap %v", err, bad)
	}
}

func TestRunOrderAndBoundedConcurrency(t *testing.T) {
	const n, workers = 300, 6
	model := &fakeModel{delay: 3 * time.Millisecond, replies: map[string][]string{}}
	var exs []task.Example
	for i := range n {
		q := fmt.Sprintf("q%d", i)
		model.replies[q] = []string{fmt.Sprintf("\\boxed{%d}", i%7)}
		exs = append(exs, num("t", fmt.Sprint(i), q, "0"))
	}
	half := n / 2
	srcs := []Source{
		{Name: "t1", Group: task.InDomain, Examples: examples(exs[:half]...)},
		{Name: "t2", Group: task.OOD, Examples: examples(exs[half:]...)},
	}
	dir := t.TempDir()
	res, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: srcs, OutDir: dir, Concurrency: workers})
	if err != nil {
		t.Fatal(err)
	}
	if p := model.peak.Load(); p > workers || p < 2 {
		t.Errorf("peak requests in flight = %d, want between 2 and %d", p, workers)
	}
	preds := readPredictions(t, dir)
	if len(preds) != n {
		t.Fatalf("%d predictions, want %d", len(preds), n)
	}
	for i, p := range preds {
		if p.QuestionID != fmt.Sprint(i) {
			t.Fatalf("prediction %d is question %s: output not in input order", i, p.QuestionID)
		}
	}
	wantCorrect := 0
	for i := range half {
		if i%7 == 0 {
			wantCorrect++
		}
	}
	if got := res.Tasks["t1"].Correct; got != wantCorrect {
		t.Errorf("t1 correct = %d, want %d", got, wantCorrect)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	model := &fakeModel{replies: map[string][]string{"x": {"\\boxed{1}"}}}
	src := Source{Name: "t", Examples: examples(num("t", "1", "x", "1"))}
	_, err := Run(ctx, Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src}, OutDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestOptionsErrors(t *testing.T) {
	model := &fakeModel{}
	src := []Source{{Name: "t", Examples: examples()}}
	ok := Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: src, OutDir: "out"}
	tests := []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"no completer", func(o *Options) { o.Completer = nil }, "Completer is nil"},
		{"no model", func(o *Options) { o.Model = "" }, "Model is empty"},
		{"no tasks", func(o *Options) { o.Sources = nil }, "no tasks"},
		{"task twice", func(o *Options) { o.Sources = append(src, src...) }, `task "t" given twice`},
		{"unknown mode", func(o *Options) { o.Mode = "beam" }, `unknown mode "beam"`},
		{"maj without samples", func(o *Options) { o.Mode = Majority }, "samples >= 1"},
		{"bad temperature", func(o *Options) { o.Mode, o.Samples, o.Temperature = Majority, 3, 3 }, "temperature 3"},
		{"bad top_p", func(o *Options) { o.TopP = 1.5 }, "top_p 1.5"},
		{"negative max tokens", func(o *Options) { o.MaxTokens = -1 }, "max tokens -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.change(&o)
			_, err := o.withDefaults()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := ok.withDefaults(); err != nil {
		t.Errorf("valid options: %v", err)
	}
}

func TestWilson(t *testing.T) {
	tests := []struct {
		k, n     int
		low, hig float64
	}{
		{0, 0, 0, 1},
		{8, 10, 0.4902, 0.9433},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{50, 100, 0.4038, 0.5962},
	}
	for _, tt := range tests {
		lo, hi := Wilson(tt.k, tt.n)
		if math.Abs(lo-tt.low) > 5e-5 || math.Abs(hi-tt.hig) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tt.k, tt.n, lo, hi, tt.low, tt.hig)
		}
	}
}

// blockingModel answers every question at once except "q0", which waits
// until release is closed.
type blockingModel struct {
	release chan struct{}
}

func (m *blockingModel) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	if strings.HasSuffix(req.Messages[0].Content, " q0") {
		select {
		case <-m.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &llm.Response{Choices: []llm.Choice{{Text: "\\boxed{1}"}}}, nil
}

// TestRunReadsAheadBoundedly proves memory stays flat: while the first
// question is stuck, the run reads only a bounded window of questions
// ahead, however many the task has.
func TestRunReadsAheadBoundedly(t *testing.T) {
	const total, workers = 40000, 4
	var pulled atomic.Int64
	src := Source{Name: "t", Examples: func(yield func(task.Example, error) bool) {
		for i := range total {
			pulled.Add(1)
			if !yield(num("t", fmt.Sprint(i), fmt.Sprintf("q%d", i), "1"), nil) {
				return
			}
		}
	}}
	model := &blockingModel{release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt,
			Sources: []Source{src}, OutDir: t.TempDir(), Concurrency: workers})
		done <- err
	}()
	// Wait until reading stalls.
	last := int64(-1)
	for n := pulled.Load(); n != last; n = pulled.Load() {
		last = n
		time.Sleep(20 * time.Millisecond)
	}
	// The window is sized in samples (windowSamples), far below the task.
	window := (&Options{Concurrency: workers}).window()
	if window >= total/2 {
		t.Fatalf("window %d is not bounded well below the task's %d questions", window, total)
	}
	if limit := int64(window + 2); last > limit {
		t.Errorf("read %d questions ahead of a stuck first one, want at most %d", last, limit)
	}
	close(model.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := pulled.Load(); n != total {
		t.Errorf("read %d questions in all, want %d", n, total)
	}
}

func TestRunLimit(t *testing.T) {
	model := &fakeModel{replies: map[string][]string{"x": {"\\boxed{1}"}, "y": {"\\boxed{2}"}, "z": {"\\boxed{3}"}}}
	srcs := []Source{
		{Name: "t1", Examples: examples(num("t1", "1", "x", "1"), num("t1", "2", "y", "1"), num("t1", "3", "z", "1"))},
		{Name: "t2", Examples: examples(num("t2", "1", "z", "3"))},
	}
	res, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: srcs, OutDir: t.TempDir(), Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n1, n2 := res.Tasks["t1"].N, res.Tasks["t2"].N; n1 != 2 || n2 != 1 || res.Limit != 2 {
		t.Errorf("n = %d and %d, limit %d; want 2, 1 and limit 2", n1, n2, res.Limit)
	}
}

// TestRunOddReplies checks that whatever a model sends back is scored,
// never fatal: no choices at all, empty text, markup, a truncated reply.
func TestRunOddReplies(t *testing.T) {
	model := &fakeModel{replies: map[string][]string{
		"none":   {},
		"empty":  {""},
		"markup": {"<script>\\boxed{</script>"},
		"cut":    {"Let me think \\boxed{4"},
	}}
	src := Source{Name: "t", Examples: examples(
		num("t", "1", "none", "4"), num("t", "2", "empty", "4"), num("t", "3", "markup", "4"), num("t", "4", "cut", "4"),
	)}
	dir := t.TempDir()
	res, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src}, OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Tasks["t"]; got.N != 4 {
		t.Errorf("n = %d, want 4", got.N)
	}
	preds := readPredictions(t, dir)
	if len(preds[0].Samples) != 0 || preds[0].Verdict != answer.NoAnswer {
		t.Errorf("no choices: %d samples, verdict %s; want 0 and no_answer", len(preds[0].Samples), preds[0].Verdict)
	}
	if preds[1].Verdict != answer.NoAnswer {
		t.Errorf("empty text: verdict %s, want no_answer", preds[1].Verdict)
	}
}

// TestRunCutOffReplies checks that a reply cut off by the token limit is
// scored only on an answer it states: its reasoning's last number is no
// answer, and cut-off samples without one do not vote.
func TestRunCutOffReplies(t *testing.T) {
	model := &fakeModel{replies: map[string][]string{
		"rambles": {"[length]We have 5 + 7 = 12, then 12 * 3 = 36, and then"},
		"stated":  {"[length]So the answer is 36. To double-check: 36 / 3 = 12 and"},
		"boxed":   {"[length]Thus \\boxed{36}. Checking: 36 / 3 = 12 and"},
		"ended":   {"We have 5 + 7 = 12, then 12 * 3 = 36"},
		"vote":    {"[length]Trying 7 + 2 = 9, and", "\\boxed{36}", "[length]Trying 7 + 2 = 9, and"},
	}}
	src := Source{Name: "t", Examples: examples(
		num("t", "1", "rambles", "36"), num("t", "2", "stated", "36"), num("t", "3", "boxed", "36"),
		num("t", "4", "ended", "36"), num("t", "5", "vote", "36"),
	)}
	dir := t.TempDir()
	if _, err := Run(context.Background(), Options{Model: "m", Completer: model, Prompt: plainPrompt, Sources: []Source{src}, OutDir: dir, Mode: Majority, Samples: 3, Temperature: 0.7}); err != nil {
		t.Fatal(err)
	}
	preds := readPredictions(t, dir)
	for i, want := range []struct {
		verdict answer.Verdict
		answer  string
	}{
		{answer.NoAnswer, ""}, {answer.Correct, "36"}, {answer.Correct, "36"}, {answer.Correct, "36"}, {answer.Correct, "36"},
	} {
		if preds[i].Verdict != want.verdict || preds[i].Answer != want.answer {
			t.Errorf("question %s: verdict %s, answer %q; want %s, %q", preds[i].QuestionID, preds[i].Verdict, preds[i].Answer, want.verdict, want.answer)
		}
	}
	if s := preds[0].Samples[0]; s.FinishReason != "length" || s.Extracted != "" || s.Verdict != answer.NoAnswer {
		t.Errorf("cut-off sample = %+v; want finish_reason length, no answer", s)
	}
	if got := preds[4].Agreement; got != 1 {
		t.Errorf("vote agreement = %v, want 1 (cut-off samples without an answer do not vote)", got)
	}
}
