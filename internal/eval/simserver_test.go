package eval

import (
	"context"
	"errors"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/store"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// dataDir is the shared benchmark data, relative to this package.
var dataDir = filepath.Join("..", "..", "..", "shared", "data")

// firstExamples reads the first n examples of a task's split from the
// shared data.
func firstExamples(t testing.TB, name, split string, n int) []task.Example {
	t.Helper()
	tk, err := task.NewRegistry(dataDir).Get(name)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(context.Background(), split, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) < n {
		t.Fatalf("%s/%s has %d examples, want %d", name, split, len(exs), n)
	}
	return exs
}

// gsm8k reads the first n GSM8K test questions.
func gsm8k(t testing.TB, n int) []task.Example { return firstExamples(t, "gsm8k", "test", n) }

// arc reads the first n ARC-Challenge test questions.
func arc(t testing.TB, n int) []task.Example { return firstExamples(t, "arc_challenge", "test", n) }

// simulated starts the simulated model over exs and returns a client for it.
func simulated(t testing.TB, cfg simserver.Config, exs ...[]task.Example) (*simserver.Server, llm.Completer) {
	return simulatedConc(t, cfg, 64, exs...)
}

// simulatedConc is simulated with the client's concurrency cap.
func simulatedConc(t testing.TB, cfg simserver.Config, conc int, exs ...[]task.Example) (*simserver.Server, llm.Completer) {
	t.Helper()
	var key []simserver.Entry
	for _, set := range exs {
		key = append(key, simserver.Key(set...)...)
	}
	srv := simserver.New(cfg, key)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	client, err := llm.NewClient(llm.Options{BaseURLs: []string{ts.URL}, Concurrency: conc, MaxRetries: llm.DefaultMaxRetries, GiveUpAfter: llm.DefaultGiveUpAfter})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

func embeddedPrompts(t testing.TB) PromptFunc {
	t.Helper()
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	fn, err := Templates(set)
	if err != nil {
		t.Fatal(err)
	}
	return fn
}

// TestGreedyAgainstSimulatedModel checks that greedy evaluation reports
// exactly the accuracy the simulated model is known to have: each
// question's greedy correctness is given by GreedyCorrect, and every reply
// format the model varies among must be read back.
func TestGreedyAgainstSimulatedModel(t *testing.T) {
	math8k, choice := gsm8k(t, 150), arc(t, 100)
	srv, client := simulated(t, simserver.Config{Seed: 11, Accuracy: 0.55}, math8k, choice)
	res, err := Run(context.Background(), Options{
		Model: srv.Model(), Completer: client, Prompt: embeddedPrompts(t), Split: "test", OutDir: t.TempDir(),
		Sources: []Source{
			{Name: "gsm8k", Group: task.InDomain, Examples: examples(math8k...)},
			{Name: "arc_challenge", Group: task.OOD, Examples: examples(choice...)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, exs := range map[string][]task.Example{"gsm8k": math8k, "arc_challenge": choice} {
		want := 0
		for _, ex := range exs {
			if srv.GreedyCorrect(ex.Question) {
				want++
			}
		}
		got := res.Tasks[name]
		if got.N != len(exs) || got.Correct != want || got.NoAnswer != 0 {
			t.Errorf("%s: n=%d correct=%d no_answer=%d; want n=%d correct=%d (GreedyCorrect) no_answer=0",
				name, got.N, got.Correct, got.NoAnswer, len(exs), want)
		}
		if wantAcc := float64(want) / float64(len(exs)); got.Accuracy != wantAcc {
			t.Errorf("%s accuracy = %v, want %v", name, got.Accuracy, wantAcc)
		}
	}
}

// TestMajorityAgainstSimulatedModel checks maj@K: one request per question
// with n=K, and a number of majority-correct questions within four standard
// deviations of the sum of MajorityCorrect over the questions.
func TestMajorityAgainstSimulatedModel(t *testing.T) {
	const k = 5
	exs := gsm8k(t, 300)
	srv, client := simulated(t, simserver.Config{Seed: 5, Accuracy: 0.5}, exs)
	dir := t.TempDir()
	res, err := Run(context.Background(), Options{
		Model: srv.Model(), Completer: client, Prompt: embeddedPrompts(t), OutDir: dir,
		Mode: Majority, Samples: k, Seed: 1, Temperature: DefaultTemperature,
		Sources: []Source{{Name: "gsm8k", Group: task.InDomain, Examples: examples(exs...)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var mean, variance, greedy float64
	for _, ex := range exs {
		p := srv.MajorityCorrect(ex.Question, k)
		mean += p
		variance += p * (1 - p)
		if srv.GreedyCorrect(ex.Question) {
			greedy++
		}
	}
	got := res.Tasks["gsm8k"]
	if got.Mode != "maj@5" || got.N != len(exs) {
		t.Fatalf("mode %s n %d, want maj@5 and %d", got.Mode, got.N, len(exs))
	}
	if dev := math.Abs(float64(got.Correct) - mean); dev > 4*math.Sqrt(variance) {
		t.Errorf("maj@%d correct = %d, expected %.1f ± %.1f (4 sd)", k, got.Correct, mean, 4*math.Sqrt(variance))
	}
	st := srv.Stats()
	if st.Requests != int64(len(exs)) || st.Choices != int64(k*len(exs)) {
		t.Errorf("server saw %d requests and %d choices, want %d and %d", st.Requests, st.Choices, len(exs), k*len(exs))
	}
	// Every line's answer is the plurality of its samples' answers.
	for _, p := range readPredictions(t, dir) {
		if len(p.Samples) != k {
			t.Fatalf("question %s has %d samples, want %d", p.QuestionID, len(p.Samples), k)
		}
		votes := map[string]int{}
		for _, s := range p.Samples {
			if s.Extracted != "" {
				votes[answer.Canonical(s.Extracted, p.Spec)]++
			}
		}
		best := 0
		for _, v := range votes {
			best = max(best, v)
		}
		if votes[answer.Canonical(p.Answer, p.Spec)] != best {
			t.Errorf("question %s: answer %q has %d votes, the plurality has %d", p.QuestionID, p.Answer, votes[p.Answer], best)
		}
	}
	t.Logf("greedy %.3f, maj@%d %.3f (expected %.3f)", greedy/float64(len(exs)), k, got.Accuracy, mean/float64(len(exs)))
}

// TestResumeThroughStore kills a run part way and runs it again over the
// same store: only the requests in flight at the kill are sent twice, the
// resumed run's outputs equal an uninterrupted run's, and a third run sends
// nothing at all.
func TestResumeThroughStore(t *testing.T) {
	const workers = 8
	exs := gsm8k(t, 200)
	srv, client := simulated(t, simserver.Config{Seed: 9}, exs)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cached := store.NewCachedCompleter(st, client)
	opts := func(dir string) Options {
		return Options{
			Model: srv.Model(), Completer: cached, Prompt: embeddedPrompts(t), OutDir: dir,
			Mode: Majority, Samples: 3, Concurrency: workers, Temperature: DefaultTemperature,
			Sources: []Source{{Name: "gsm8k", Group: task.InDomain, Examples: examples(exs...)}},
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	first := opts(t.TempDir())
	seen := 0
	first.OnPrediction = func(*Prediction) {
		if seen++; seen == 60 {
			cancel()
		}
	}
	if _, err := Run(ctx, first); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}

	dir := t.TempDir()
	resumed, err := Run(context.Background(), opts(dir))
	if err != nil {
		t.Fatal(err)
	}
	s := srv.Stats()
	if s.DistinctBodies != len(exs) || s.RepeatedBodies > workers {
		t.Errorf("server answered %d distinct requests, %d more than once; want %d and at most %d (those in flight at the kill)",
			s.DistinctBodies, s.RepeatedBodies, len(exs), workers)
	}

	again := t.TempDir()
	before := srv.Stats().Requests
	replayed, err := Run(context.Background(), opts(again))
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("a run over a complete store sent %d requests, want 0", n)
	}
	if replayed.Usage.CachedQuestions != len(exs) {
		t.Errorf("cached questions = %d, want %d", replayed.Usage.CachedQuestions, len(exs))
	}
	if replayed.Tasks["gsm8k"].Correct != resumed.Tasks["gsm8k"].Correct {
		t.Errorf("replayed correct = %d, resumed %d", replayed.Tasks["gsm8k"].Correct, resumed.Tasks["gsm8k"].Correct)
	}
	a, errA := os.ReadFile(filepath.Join(dir, PredictionsFile))
	b, errB := os.ReadFile(filepath.Join(again, PredictionsFile))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	// The lines differ only in "cached"; compare them without it.
	strip := func(b []byte) string { return strings.ReplaceAll(string(b), `"cached":true`, `"cached":false`) }
	if strip(a) != strip(b) {
		t.Error("predictions.jsonl of the replayed run differ from the resumed run's")
	}
}
