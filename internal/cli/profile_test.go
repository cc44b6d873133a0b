package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/golden"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// wireRequest is the part of a chat request the profile test checks.
type wireRequest struct {
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Temperature float64 `json:"temperature"`
	N           int     `json:"n"`
	MaxTokens   int     `json:"max_tokens"`
}

// recorder keeps every chat request's body before handing it on.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []wireRequest
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if strings.HasSuffix(req.URL.Path, "/chat/completions") {
		body, _ := io.ReadAll(req.Body)
		var wr wireRequest
		if err := json.Unmarshal(body, &wr); err == nil {
			r.mu.Lock()
			r.reqs = append(r.reqs, wr)
			r.mu.Unlock()
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.next.ServeHTTP(w, req)
}

// stageOfPrompt names a request's stage from our prompts' cues.
func stageOfPrompt(p string) string {
	low := strings.ToLower(p)
	hint := strings.Contains(low, "hint: the correct final answer")
	var s string
	switch {
	case strings.Contains(low, "reply only with the numbers"):
		// The hint round's selection carries no hint; it shows the pool
		// without the guidelines that assume a solution.
		if !strings.Contains(p, guideline.Reference()[22].Text) {
			return "hint/select"
		}
		s = "select"
	case strings.Contains(low, "reference answer:"):
		return "judge"
	case strings.Contains(low, "rewrite each selected guideline"):
		s = "adapt"
	case strings.Contains(low, "reasoning structure"):
		s = "structure"
	case strings.Contains(low, "fewer than 8 steps"):
		s = "path(fewer than 8 steps)"
	default:
		s = "path"
	}
	if hint {
		return "hint/" + s
	}
	return s
}

// TestSynthesizeReferenceProfile runs --profile reference end to end on the
// simulated endpoint (StrategyQA, whose reference variant shows the facts)
// and checks every request: the system turn, the pool the selection shows,
// the temperatures, the guideline sets per question; then the requests'
// summary and the training records against golden files.
func TestSynthesizeReferenceProfile(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	tk, err := task.NewRegistry(data).Get(task.StrategyQAFacts)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(t.Context(), "train", 2)
	if err != nil {
		t.Fatal(err)
	}
	var key []simserver.Entry
	for _, ex := range exs {
		key = append(key, simserver.EntryFor(ex))
	}
	srv := simserver.New(simserver.Config{Seed: 11, Accuracy: 0.02}, key)
	rec := &recorder{next: srv}
	ts := httptest.NewServer(rec)
	defer ts.Close()

	out := t.TempDir()
	args := []string{"synthesize", "--data-dir", data, "--no-download", "--task", "strategyqa", "--limit", "2",
		"--model", srv.Model(), "--base-url", ts.URL, "--out", out, "--profile", "reference", "--seed", "2"}
	var stdout, stderr bytes.Buffer
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}

	ref := guideline.Reference()
	hintPool := guideline.ForHint(ref)
	perQuestion := map[string]map[string]int{}
	summary := map[string]int{}
	for i, r := range rec.reqs {
		if len(r.Messages) != 2 || r.Messages[0].Role != "system" || r.Messages[0].Content != "You are an assistant who is helpful, honest and respectful." {
			t.Fatalf("request %d: messages %+v, want the reference system turn then one user turn", i, r.Messages)
		}
		user := r.Messages[1].Content
		stage := stageOfPrompt(user)
		q := "?"
		for j, ex := range exs {
			if strings.Contains(user, ex.Question) {
				q = fmt.Sprintf("q%d", j+1)
			}
		}
		if q == "?" {
			t.Fatalf("request %d (%s) holds neither question (facts missing?):\n%s", i, stage, user)
		}
		want := map[string]float64{"judge": 0}[stage]
		switch {
		case strings.HasPrefix(stage, "hint/"):
			want = 0.85
		case stage != "judge":
			want = 1.2
		}
		if r.Temperature != want {
			t.Errorf("request %d (%s): temperature %g, want %g", i, stage, r.Temperature, want)
		}
		if strings.HasSuffix(stage, "select") {
			pool := ref
			if strings.HasPrefix(stage, "hint/") {
				pool = hintPool
			}
			for k, g := range pool {
				if !strings.Contains(user, fmt.Sprintf("%d. %s: %s", k+1, g.Name, g.Text)) {
					t.Errorf("request %d (%s) lacks reference guideline %d %s", i, stage, k+1, g.ID)
				}
			}
			if strings.HasPrefix(stage, "hint/") && strings.Contains(user, ref[22].Text) {
				t.Errorf("hint selection shows a guideline that assumes a solution")
			}
		}
		if perQuestion[q] == nil {
			perQuestion[q] = map[string]int{}
		}
		perQuestion[q][stage]++
		summary[fmt.Sprintf("%s %-28s temperature=%-4g n=%-2d max_tokens=%d", q, stage, r.Temperature, max(r.N, 1), r.MaxTokens)]++
	}
	for q, stages := range perQuestion {
		// 45 guideline sets: 25 single guidelines and 20 picked, each one
		// adapt request.
		if stages["adapt"] != 45 || stages["structure"] != 45 || stages["path"] != 45 || stages["select"] != 1 {
			t.Errorf("%s: main-round requests %v, want 1 select and 45 of each stage", q, stages)
		}
		if n := stages["hint/select"]; n > 0 && (stages["hint/adapt"] != 20 || stages["hint/path(fewer than 8 steps)"] != 20) {
			t.Errorf("%s: hint round %v, want 20 picked sets, the path prompt asking for fewer than 8 steps", q, stages)
		}
	}
	var lines []string
	for k, n := range summary {
		lines = append(lines, fmt.Sprintf("%s  x%d", k, n))
	}
	slices.Sort(lines)
	golden.Check(t, filepath.Join("testdata", "profile_reference", "requests.golden"), []byte(strings.Join(lines, "\n")+"\n"))

	outs := readSynthOutputs(t, out)
	sft := outs[rundir.SFTFile]
	if len(bytes.TrimSpace(sft)) == 0 {
		t.Fatal("no training record")
	}
	for _, line := range bytes.Split(bytes.TrimSpace(sft), []byte("\n")) {
		var r rundir.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r.Task != task.StrategyQAFacts || !strings.HasPrefix(r.Messages[0].Content, "Solve the problem below step by step, and give your final answer as \\boxed{Your Answer}.\nFacts:\n- ") ||
			!strings.HasPrefix(r.Messages[1].Content, "Let's think step by step.\n\n") {
			t.Errorf("training record %s", line)
		}
		for _, id := range r.GuidelineIDs {
			if !strings.HasPrefix(id, "ref-") {
				t.Errorf("kept path from guideline %s, not the reference pool", id)
			}
		}
	}
	golden.Check(t, filepath.Join("testdata", "profile_reference", "sft.jsonl"), sft)

	// Preference pairs read as the training targets: the same prefix (both
	// questions were rescued by hints, so hinted chosen paths are allowed).
	dpo := filepath.Join(t.TempDir(), "dpo.jsonl")
	if code := Main([]string{"export", out, "--format", "dpo", "--dpo-mix-hinted", "--out-file", dpo}, &stdout, &stderr); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr.String())
	}
	pairs, err := os.ReadFile(dpo)
	if err != nil {
		t.Fatal(err)
	}
	if len(bytes.TrimSpace(pairs)) == 0 {
		t.Fatal("no preference pair")
	}
	for _, line := range bytes.Split(bytes.TrimSpace(pairs), []byte("\n")) {
		var p struct {
			Chosen, Rejected []struct{ Content string }
		}
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Chosen[0].Content, "Let's think step by step.\n\n") || !strings.HasPrefix(p.Rejected[0].Content, "Let's think step by step.\n\n") {
			t.Fatalf("pair without the training prefix: %s", line)
		}
	}
	var man synth.Manifest
	if err := json.Unmarshal(outs[rundir.ManifestFile], &man); err != nil {
		t.Fatal(err)
	}
	if man.Config.Profile != "reference" || !man.Config.Judge || man.Config.Dedup || man.Task != task.StrategyQAFacts ||
		man.PromptHashes["reference/hint_path"] == "" || len(man.Guidelines) != 25 || man.Guidelines[0] != "ref-experiment" {
		t.Errorf("manifest: profile %q judge %v dedup %v task %s hashes %v guidelines %v",
			man.Config.Profile, man.Config.Judge, man.Config.Dedup, man.Task, man.PromptHashes, man.Guidelines)
	}
}

func TestSynthPool(t *testing.T) {
	for _, tt := range []struct {
		guidelines, profile, wantFirst string
	}{
		{"", "default", "decompose"},
		{"", "reference", "ref-experiment"},
		{"reference", "default", "ref-experiment"},
		{"default", "reference", "decompose"},
	} {
		o := synthFlags{guidelines: tt.guidelines}
		pool, err := o.pool(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		if len(pool) != 25 || pool[0].ID != tt.wantFirst {
			t.Errorf("--guidelines %q under %s: %d guidelines, first %s; want %s", tt.guidelines, tt.profile, len(pool), pool[0].ID, tt.wantFirst)
		}
	}
}

// TestSynthesizeSTaRFewShotTaskExemplars: star-fewshot takes its worked
// examples from the task's training rationales (GSM8K's, calculator marks
// removed), never the question itself, and sends one greedy request.
func TestSynthesizeSTaRFewShotTaskExemplars(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	tk, err := task.NewRegistry(data).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(t.Context(), "train", 6)
	if err != nil {
		t.Fatal(err)
	}
	var key []simserver.Entry
	for _, ex := range exs[:2] {
		key = append(key, simserver.EntryFor(ex))
	}
	srv := simserver.New(simserver.Config{Seed: 4, Accuracy: 0.5}, key)
	rec := &recorder{next: srv}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	out := t.TempDir()
	args := []string{"synthesize", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "2",
		"--model", srv.Model(), "--base-url", ts.URL, "--out", out, "--method", "star-fewshot"}
	var stdout, stderr bytes.Buffer
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if len(rec.reqs) < 2 || len(rec.reqs) > 4 {
		t.Fatalf("%d requests, want one per question plus at most one rationalization each", len(rec.reqs))
	}
	for i, r := range rec.reqs {
		if len(r.Messages) != 9 || r.Temperature != 0 {
			t.Fatalf("request %d: %d messages at %g, want 4 examples and the question, greedy", i, len(r.Messages), r.Temperature)
		}
		last := r.Messages[8].Content
		for j := 0; j < 8; j += 2 {
			if strings.Contains(r.Messages[j+1].Content, "<<") {
				t.Errorf("request %d example %d keeps GSM8K's calculator marks", i, j/2)
			}
			if strings.Contains(last, exs[0].Question) && strings.Contains(r.Messages[j].Content, exs[0].Question) {
				t.Errorf("request %d: the question is its own example", i)
			}
		}
	}
}

// TestSynthesizeLMSIReferenceBuiltinExemplars: under the reference profile
// "lmsi" runs lmsi-fewshot (32 paths at 0.7), with our worked examples,
// never the task's labelled rationales.
func TestSynthesizeLMSIReferenceBuiltinExemplars(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	tk, err := task.NewRegistry(data).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(t.Context(), "train", 1)
	if err != nil {
		t.Fatal(err)
	}
	srv := simserver.New(simserver.Config{Seed: 4}, []simserver.Entry{simserver.EntryFor(exs[0])})
	rec := &recorder{next: srv}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	out := t.TempDir()
	args := []string{"synthesize", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "1",
		"--model", srv.Model(), "--base-url", ts.URL, "--out", out, "--method", "lmsi", "--profile", "reference"}
	var stdout, stderr bytes.Buffer
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	builtin, err := method.BuiltinExemplars(exs[0].Spec.Type)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.reqs) != 32 {
		t.Fatalf("%d requests, want 32", len(rec.reqs))
	}
	for i, r := range rec.reqs {
		// system turn, 4 examples, the question
		if r.Temperature != 0.7 || len(r.Messages) != 10 || !strings.Contains(r.Messages[1].Content, builtin[0].Question) {
			t.Fatalf("request %d: temperature %g, %d messages, first example %.80q", i, r.Temperature, len(r.Messages), r.Messages[1].Content)
		}
	}
	var man synth.Manifest
	if err := json.Unmarshal(readSynthOutputs(t, out)[rundir.ManifestFile], &man); err != nil {
		t.Fatal(err)
	}
	if man.Method != method.LMSIFewShot {
		t.Errorf("manifest method %q", man.Method)
	}
}
