package synth

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// toyExamples are n arithmetic questions with their gold answers.
func toyExamples(n int) []task.Example {
	out := make([]task.Example, n)
	for i := range out {
		a, b := 3+i, 4+2*i
		out[i] = task.Example{
			ID: fmt.Sprintf("toy-%03d", i), Task: "toy",
			Question: fmt.Sprintf("Ann has %d marbles and finds %d more. How many marbles does Ann have now?", a, b),
			Spec:     answer.Spec{Type: answer.Number}, Answer: fmt.Sprint(a + b),
		}
	}
	return out
}

func seq(exs []task.Example) iter.Seq2[task.Example, error] {
	return func(yield func(task.Example, error) bool) {
		for _, ex := range exs {
			if !yield(ex, nil) {
				return
			}
		}
	}
}

// simClient serves exs from the simulated model through the real client.
func simClient(t *testing.T, cfg simserver.Config, exs []task.Example) (*llm.Client, *simserver.Server) {
	t.Helper()
	key := simserver.Key(exs...)
	sim := simserver.New(cfg, key)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	c, err := llm.NewClient(llm.Options{BaseURLs: []string{ts.URL}, Concurrency: 32, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, MaxRetries: llm.DefaultMaxRetries, GiveUpAfter: llm.DefaultGiveUpAfter})
	if err != nil {
		t.Fatal(err)
	}
	return c, sim
}

func testPrompts(t testing.TB) *prompts.Set {
	t.Helper()
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runReGenesis(t *testing.T, ctx context.Context, c llm.Completer, exs []task.Example, cfg method.Config, dir string) (*Manifest, error) {
	t.Helper()
	p := testPrompts(t)
	m, err := method.New("regenesis", method.Deps{LLM: c, Model: simserver.DefaultModel, Prompts: p, Guidelines: guideline.Default()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return Run(ctx, Options{
		Method: m, Examples: seq(exs), Prompts: p, OutDir: dir, InFlight: 3, Window: 6,
		Manifest: Manifest{Version: "test", Command: []string{"regenesis", "synthesize"}, Config: cfg, PromptHashes: p.Hashes()},
	})
}

func readJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return out
}

func TestReGenesisEndToEnd(t *testing.T) {
	exs := toyExamples(8)
	c, sim := simClient(t, simserver.Config{Seed: 7, Accuracy: 0.3}, exs)
	dir := t.TempDir()
	man, err := runReGenesis(t, context.Background(), c, exs, method.DefaultConfig(), dir)
	if err != nil {
		t.Fatal(err)
	}
	gold := map[string]string{}
	for _, ex := range exs {
		gold[ex.ID] = ex.Answer
	}
	cands := readJSONL[method.Candidate](t, filepath.Join(dir, rundir.CandidatesFile))
	sft := readJSONL[rundir.Record](t, filepath.Join(dir, rundir.SFTFile))

	// Candidates come in input order, every kept path carries the gold
	// answer, every dropped one says why.
	pool := len(guideline.Default())
	perQ := map[string]int{}
	last := ""
	kept, wrong := 0, 0
	for _, cd := range cands {
		if cd.QuestionID < last {
			t.Fatalf("candidates out of input order: %s after %s", cd.QuestionID, last)
		}
		last = cd.QuestionID
		perQ[cd.QuestionID]++
		if cd.Kept {
			kept++
			if !answer.Equal(cd.Extracted, gold[cd.QuestionID], answer.Spec{Type: answer.Number}) {
				t.Errorf("kept %s/%d answers %q, gold %q", cd.QuestionID, cd.Index, cd.Extracted, gold[cd.QuestionID])
			}
		} else if cd.Reason == "" {
			t.Errorf("dropped %s/%d has no reason", cd.QuestionID, cd.Index)
		}
		if cd.Verdict == answer.Wrong {
			wrong++
			if cd.Kept || cd.Reason == "" {
				t.Errorf("wrong %s/%d kept %v reason %q", cd.QuestionID, cd.Index, cd.Kept, cd.Reason)
			}
		}
	}
	if wrong == 0 {
		t.Error("no wrong path at accuracy 0.3; the test does not test rejection")
	}
	for _, ex := range exs {
		if n := perQ[ex.ID]; n != 20+pool && n != 20+pool+20 {
			t.Errorf("%s: %d candidates, want %d or %d with a hint round", ex.ID, n, 20+pool, 40+pool)
		}
	}
	if len(sft) != kept || kept != man.Counts.Kept {
		t.Errorf("sft has %d lines, candidates %d kept, manifest %d", len(sft), kept, man.Counts.Kept)
	}
	for _, r := range sft {
		if len(r.Messages) != 2 || r.Messages[0].Role != "user" || r.Messages[1].Role != "assistant" ||
			!strings.Contains(r.Messages[0].Content, `\boxed{}`) || !strings.Contains(r.Messages[1].Content, `\boxed{`) {
			t.Errorf("sft record malformed: %+v", r)
		}
	}

	// The calls match the design: one selection request of n=20 per
	// question and round, 45 chains of three stages, 20 in a hint round.
	q := len(exs)
	hinted := man.Counts.Calls["hint/select"] / 20
	if man.Counts.Calls["select"] != 20*q || man.Counts.Calls["path"] != (20+pool)*q ||
		man.Counts.Calls["hint/path"] != 20*hinted || man.Counts.Questions != q {
		t.Errorf("calls %v for %d questions (%d hint rounds)", man.Counts.Calls, q, hinted)
	}
	st := sim.Stats()
	if got, want := st.Stages[simserver.StageSelect], int64(q+hinted); got != want {
		t.Errorf("server saw %d selection requests, want %d (one per round)", got, want)
	}
	if hinted == 0 || man.Counts.RescuedByHint == 0 {
		t.Errorf("no question rescued by a hint round (hint rounds %d)", hinted)
	}
	if st.RepeatedBodies != 0 {
		t.Errorf("%d request bodies sent twice", st.RepeatedBodies)
	}
}

func TestByteIdenticalRuns(t *testing.T) {
	exs := toyExamples(5)
	for _, budget := range []string{method.BudgetPaper, method.BudgetAdaptive} {
		t.Run(budget, func(t *testing.T) {
			cfg := method.DefaultConfig()
			cfg.Budget = budget
			var outs [2]map[string][]byte
			for i := range outs {
				c, _ := simClient(t, simserver.Config{Seed: 3, Accuracy: 0.6}, exs)
				dir := t.TempDir()
				if _, err := runReGenesis(t, context.Background(), c, exs, cfg, dir); err != nil {
					t.Fatal(err)
				}
				outs[i] = readOutputs(t, dir)
			}
			for name, a := range outs[0] {
				if !bytes.Equal(a, outs[1][name]) {
					t.Errorf("%s differs between two runs", name)
				}
			}
		})
	}
}

// readOutputs reads the output files, the manifest without its run section.
func readOutputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range []string{rundir.SFTFile, rundir.CandidatesFile, rundir.ManifestFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == rundir.ManifestFile {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			delete(m, "run")
			b, _ = json.Marshal(m)
		}
		out[name] = b
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*"+rundir.PartialSuffix)); len(matches) != 0 {
		t.Errorf("partial files left: %v", matches)
	}
	return out
}

// slowMethod returns one kept candidate per question after a delay that
// makes later questions finish first, and tracks the questions in flight.
type slowMethod struct {
	inFlight, peak atomic.Int64
	fail           string
}

func (s *slowMethod) Name() string { return "slow" }

func (s *slowMethod) Synthesize(ctx context.Context, ex task.Example) (method.Outcome, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if ex.ID == s.fail {
		return method.Outcome{}, fmt.Errorf("boom")
	}
	var i int
	fmt.Sscanf(ex.ID, "toy-%d", &i)
	select {
	case <-time.After(time.Duration(5-i%5) * time.Millisecond):
	case <-ctx.Done():
		return method.Outcome{}, ctx.Err()
	}
	c := method.Candidate{Task: ex.Task, QuestionID: ex.ID, Method: "slow", Path: `\boxed{` + ex.Answer + `}`, Verdict: answer.Correct, Kept: true}
	return method.Outcome{Example: ex, Candidates: []method.Candidate{c}, Calls: map[string]int{"sample": 1}}, nil
}

func TestOrderAndBounds(t *testing.T) {
	exs := toyExamples(40)
	m := &slowMethod{}
	dir := t.TempDir()
	var mu sync.Mutex
	var written []string
	man, err := Run(context.Background(), Options{
		Method: m, Examples: seq(exs), Prompts: testPrompts(t), OutDir: dir, InFlight: 4, Window: 8,
		OnWritten: func(o method.Outcome, _ Counts) { mu.Lock(); written = append(written, o.Example.ID); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range written {
		if id != exs[i].ID {
			t.Fatalf("written[%d] = %s, want %s", i, id, exs[i].ID)
		}
	}
	if p := m.peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak questions in flight %d, want 2..4", p)
	}
	if man.Counts.Kept != 40 || man.Counts.Calls["sample"] != 40 || len(man.QuestionsWithoutPath) != 0 {
		t.Errorf("counts %+v", man.Counts)
	}
	sft := readJSONL[rundir.Record](t, filepath.Join(dir, rundir.SFTFile))
	if len(sft) != 40 || sft[39].QuestionID != "toy-039" || sft[0].GuidelineIDs == nil {
		t.Errorf("sft: %d records", len(sft))
	}
}

func TestMethodErrorStops(t *testing.T) {
	exs := toyExamples(20)
	dir := t.TempDir()
	_, err := Run(context.Background(), Options{
		Method: &slowMethod{fail: "toy-007"}, Examples: seq(exs), Prompts: testPrompts(t), OutDir: dir, InFlight: 3,
	})
	if err == nil || !strings.Contains(err.Error(), "question toy-007: boom") {
		t.Fatalf("Run: %v, want the method's error", err)
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.SFTFile)); !os.IsNotExist(err) {
		t.Errorf("sft.jsonl exists after a failed run: %v", err)
	}
}

func TestExampleErrorStops(t *testing.T) {
	bad := func(yield func(task.Example, error) bool) {
		for i, ex := range toyExamples(3) {
			if !yield(ex, nil) {
				return
			}
			if i == 1 {
				yield(task.Example{}, fmt.Errorf("line 9: bad json"))
				return
			}
		}
	}
	_, err := Run(context.Background(), Options{Method: &slowMethod{}, Examples: bad, Prompts: testPrompts(t), OutDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "read example 3: line 9: bad json") {
		t.Fatalf("Run: %v", err)
	}
}
