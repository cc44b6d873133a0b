package runloop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/golden"
	"github.com/regenesis-ai/regenesis/internal/train"
)

// fakeInvoker records the subcommands; train writes the result record the
// real command leaves. failAt makes the invocation whose args start with
// that prefix fail once.
type fakeInvoker struct {
	calls  []string
	failAt string
}

func (f *fakeInvoker) invoke(_ context.Context, args []string) error {
	line := train.ShellQuote(args)
	if f.failAt != "" && strings.HasPrefix(line, f.failAt) {
		f.failAt = ""
		return errors.New("simulated failure")
	}
	f.calls = append(f.calls, line)
	if args[0] == "train" {
		out := argValue(args, "--out")
		res := train.Result{Engine: argValue(args, "--engine"), Status: "succeeded", Model: out}
		b, _ := json.Marshal(res)
		if err := os.MkdirAll(filepath.Join(out, train.WorkDirName), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, train.WorkDirName, train.ResultFile), b, 0o644)
	}
	return nil
}

func argValue(args []string, flag string) string {
	for i, a := range args[:len(args)-1] {
		if a == flag {
			return args[i+1]
		}
	}
	return ""
}

// modelServer lists the trained models' served names.
func modelServer(t *testing.T, names ...string) *httptest.Server {
	return modelServerWhen(t, nil, names...)
}

// modelServerWhen answers 503 until ready reports true.
func modelServerWhen(t *testing.T, ready func() bool, names ...string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		if ready != nil && !ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var data []map[string]string
		for _, n := range names {
			data = append(data, map[string]string{"id": n, "object": "model"})
		}
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testConfig(t *testing.T, serveURL string) *Config {
	t.Helper()
	p := writeConfig(t, fmt.Sprintf(`dir: %s
rounds: 2
server: {base_url: "http://gen:8000/v1"}
synthesize: {model: base-llm, task: gsm8k, args: ["--limit", "50"]}
export: {formats: [sharegpt]}
train: {engine: trl, base_model: org/base-llm, args: ["--lora"]}
serve: {base_url: "%s/v1", model: "regenesis-r{round}", ready_timeout: 5s}
eval: {tasks: [gsm8k, arc_challenge]}
`, t.TempDir(), serveURL))
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRunTwoRoundsGolden(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1", "regenesis-r2")
	cfg := testConfig(t, srv.URL)
	f := &fakeInvoker{}
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: f.invoke, Log: &log}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	got := strings.Join(f.calls, "\n") + "\n"
	got = strings.ReplaceAll(strings.ReplaceAll(got, cfg.Dir, "$RUN"), srv.URL, "$SERVE")
	golden.Check(t, filepath.Join("testdata", "two_rounds.txt"), []byte(got))

	// A second run finds every step done and runs nothing.
	again := &fakeInvoker{}
	log.Reset()
	if err := Run(context.Background(), cfg, Options{Invoke: again.invoke, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if len(again.calls) != 0 {
		t.Errorf("rerun invoked %v", again.calls)
	}
	if n := strings.Count(log.String(), ": done ("); n != 11 {
		t.Errorf("%d steps reported done, want 11:\n%s", n, log.String())
	}
}

func TestRunResumesAfterFailure(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1", "regenesis-r2")
	cfg := testConfig(t, srv.URL)
	full := &fakeInvoker{}
	if err := Run(context.Background(), testConfigAt(t, cfg, t.TempDir()), Options{Invoke: full.invoke}); err != nil {
		t.Fatal(err)
	}

	f := &fakeInvoker{failAt: "train"}
	err := Run(context.Background(), cfg, Options{Invoke: f.invoke})
	if err == nil || !strings.Contains(err.Error(), "step round-1/train: simulated failure") {
		t.Fatalf("error = %v", err)
	}
	if len(f.calls) != 3 { // eval-base, synthesize, export
		t.Fatalf("calls before the failure: %v", f.calls)
	}
	resumed := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: resumed.invoke}); err != nil {
		t.Fatal(err)
	}
	if len(resumed.calls) != len(full.calls)-3 || !strings.HasPrefix(resumed.calls[0], "train ") {
		t.Errorf("resumed run invoked:\n%s", strings.Join(resumed.calls, "\n"))
	}

	// Changing a step's arguments runs it and every step after it again.
	cfg.Eval.Args = []string{"--samples", "4"}
	changed := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: changed.invoke}); err != nil {
		t.Fatal(err)
	}
	if len(changed.calls) != len(full.calls) {
		t.Errorf("after a change %d calls, want %d", len(changed.calls), len(full.calls))
	}
}

func testConfigAt(t *testing.T, c *Config, dir string) *Config {
	t.Helper()
	cp := *c
	cp.Dir = dir
	return &cp
}

func TestRunRoundsOverride(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1")
	cfg := testConfig(t, srv.URL)
	f := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: f.invoke, Rounds: 1}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.calls); n != 6 {
		t.Errorf("%d calls for one round, want 6: %v", n, f.calls)
	}
}

func TestServeCommandStartsAndStops(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	srv := modelServerWhen(t, func() bool { _, err := os.Stat(pidFile); return err == nil }, "regenesis-r1")
	cfg := testConfig(t, srv.URL)
	cfg.Serve.Command = "echo serving {model} as {name}; echo $$ > " + pidFile + "; exec sleep 60"
	f := &fakeInvoker{}
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: f.invoke, Log: &log, Rounds: 1}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the model server (pid %d) is still running: %v", pid, err)
	}
	serveLog, _ := os.ReadFile(filepath.Join(cfg.Dir, "round-1", "serve-trained-model.log"))
	want := "serving " + filepath.Join(cfg.Dir, "round-1", "model") + " as regenesis-r1\n"
	if string(serveLog) != want {
		t.Errorf("server log = %q, want %q", serveLog, want)
	}
}

func TestServeCommandExitsEarly(t *testing.T) {
	t.Parallel()
	srv := modelServer(t) // lists nothing
	cfg := testConfig(t, srv.URL)
	cfg.Serve.Command = "echo CUDA out of memory >&2; exit 1"
	f := &fakeInvoker{}
	err := Run(context.Background(), cfg, Options{Invoke: f.invoke})
	if err == nil || !strings.Contains(err.Error(), `step round-1/eval: serving the trained model: the model server exited before serving "regenesis-r1": exit status 1 (server log: `) {
		t.Fatalf("error = %v", err)
	}
}

func TestServeEndpointNotReady(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "something-else")
	cfg := testConfig(t, srv.URL)
	cfg.Serve.readyTimeout = 1500 * time.Millisecond
	err := Run(context.Background(), cfg, Options{Invoke: (&fakeInvoker{}).invoke})
	want := `model "regenesis-r1" not ready at ` + srv.URL + `/v1/models in time: ` + srv.URL + `/v1/models lists [something-else], not "regenesis-r1"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want %s", err, want)
	}
}

// TestRunFollowsInterruptedOpenAIJob resumes an openai training step by
// following the job the interrupted run created, not by starting another.
func TestRunFollowsInterruptedOpenAIJob(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1")
	cfg := testConfig(t, srv.URL)
	cfg.Train.Engine, cfg.Train.Args = train.EngineOpenAI, nil
	modelDir := filepath.Join(cfg.Dir, "round-1", "model", train.WorkDirName)
	if err := os.MkdirAll(modelDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rec := `{"engine":"openai","status":"running","job_id":"ftjob-7"}`
	if err := os.WriteFile(filepath.Join(modelDir, train.ResultFile), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: f.invoke, Rounds: 1}); err != nil {
		t.Fatal(err)
	}
	want := "train --engine openai --data " + filepath.Join(cfg.Dir, "round-1", "synth") + " --base-model org/base-llm --out " + filepath.Join(cfg.Dir, "round-1", "model") + " --follow ftjob-7"
	if f.calls[3] != want {
		t.Errorf("train ran as\n%s\nwant\n%s", f.calls[3], want)
	}
	// The recorded arguments leave --follow out, so a rerun skips the step.
	again := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: again.invoke, Rounds: 1}); err != nil || len(again.calls) != 0 {
		t.Errorf("rerun: %v, calls %v", err, again.calls)
	}
}
