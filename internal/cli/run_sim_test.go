package cli

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/runloop"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
	"github.com/regenesis-ai/regenesis/internal/train"
)

// TestRunSimulatedLoopConfig runs configs/simulated-loop.yaml end to end
// against the simulated endpoint (a TEST DOUBLE): synthesize, export, train
// through the simulated fine-tuning API, evaluate the base and the
// fine-tuned model, report. Only the server address and the run directory
// are changed from the file users run.
func TestRunSimulatedLoopConfig(t *testing.T) {
	data := sharedDataDir(t)
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("REGENESIS_DATA_DIR", data)
	t.Setenv("OPENAI_API_KEY", "test-double")
	t.Setenv("OPENAI_BASE_URL", "")

	key, _, err := loadAnswerKey(t.Context(), task.NewRegistry(data), []string{"gsm8k"}, []string{"train", "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := simserver.New(simserver.Config{Seed: 11, FineTune: simserver.FineTune{Duration: 400 * time.Millisecond}}, key)
	ts := httptest.NewServer(srv)
	defer ts.Close()

	src, err := os.ReadFile(filepath.Join("..", "..", "configs", "simulated-loop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	text := strings.ReplaceAll(string(src), "http://127.0.0.1:8089", ts.URL)
	text = strings.Replace(text, "dir: runs/simulated-loop", "dir: "+dir, 1)
	if text == string(src) || !strings.Contains(text, "dir: "+dir) {
		t.Fatal("configs/simulated-loop.yaml no longer has the server address or run directory this test replaces")
	}
	cfgPath := filepath.Join(t.TempDir(), "simulated-loop.yaml")
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if code := Main([]string{"run", "--config", cfgPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr.String())
	}

	// Training went through the simulated fine-tuning API.
	res, err := train.ReadResult(filepath.Join(dir, "round-1", "model"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Engine != train.EngineOpenAI || res.Status != "succeeded" || !strings.HasPrefix(res.Model, "ft:"+srv.Model()+":regenesis-simserver:loop:") {
		t.Fatalf("training result %+v", res)
	}
	for _, want := range []string{"uploaded ", "created fine-tuning job ftjob-", "training loss=", "status succeeded"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("run log lacks %q", want)
		}
	}

	// The base and the fine-tuned model were both evaluated, and the
	// fine-tuned one answers as the simulated model with the uplift.
	acc := func(d string) (*eval.Results, float64) {
		b, err := os.ReadFile(filepath.Join(d, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r eval.Results
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		tr := r.Tasks["gsm8k"]
		if tr == nil || tr.N != 200 {
			t.Fatalf("%s: gsm8k results %+v, want 200 questions", d, tr)
		}
		return &r, tr.Accuracy
	}
	baseRes, base := acc(filepath.Join(dir, "eval", "base"))
	tunedRes, tuned := acc(filepath.Join(dir, "round-1", "eval"))
	if baseRes.Model != srv.Model() || tunedRes.Model != res.Model {
		t.Errorf("evaluated models %q and %q, want %q and %q", baseRes.Model, tunedRes.Model, srv.Model(), res.Model)
	}
	if tuned <= base+0.05 {
		t.Errorf("accuracy base %.3f, fine-tuned %.3f: want the simulated uplift", base, tuned)
	}

	// Every step is recorded, the exports and the report exist.
	b, err := os.ReadFile(filepath.Join(dir, runloop.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st runloop.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"eval-base", "round-1/synthesize", "round-1/export-openai", "round-1/export-sharegpt", "round-1/train", "round-1/eval", "round-1/report"} {
		if _, ok := st.Steps[step]; !ok {
			t.Errorf("state file lacks step %s", step)
		}
	}
	report, err := os.ReadFile(filepath.Join(dir, "report", "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "round-1") {
		t.Errorf("report does not compare round-1:\n%s", report)
	}

	// Run again: everything is done, nothing is sent.
	before := srv.Stats().Requests
	stderr.Reset()
	if code := Main([]string{"run", "--config", cfgPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("re-run: exit %d\n%s", code, stderr.String())
	}
	if n := srv.Stats().Requests - before; n != 0 || strings.Count(stderr.String(), ": done (") != 7 {
		t.Errorf("re-run sent %d requests; log:\n%s", n, stderr.String())
	}
}

// TestRunDryRun prints the plan of configs/gsm8k-loop.yaml on stdout and
// creates nothing: no run directory, no server started.
func TestRunDryRun(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "configs", "gsm8k-loop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	text := strings.Replace(string(src), "dir: runs/gsm8k-loop", "dir: "+dir, 1)
	cfgPath := filepath.Join(t.TempDir(), "gsm8k-loop.yaml")
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"run", "--config", cfgPath, "--dry-run"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"dry run: nothing is run",
		"eval-base: would run: regenesis eval --task gsm8k,math500,arc_challenge --base-url http://localhost:8000/v1 --model Qwen/Qwen2.5-7B-Instruct",
		"round-1/train: would run: regenesis train --engine hf --data " + filepath.Join(dir, "round-1", "synth"),
		"round-1/eval: would start the model server for the trained model (sh -c): vllm serve",
		"round-1/report: would run: regenesis report",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("--dry-run created %s (%v)", dir, err)
	}
}
