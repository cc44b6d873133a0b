package runloop

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/golden"
)

// noInvoke fails the test when a dry run invokes anything.
func noInvoke(t *testing.T) Invoker {
	return func(_ context.Context, args []string) error {
		t.Errorf("a dry run invoked %v", args)
		return nil
	}
}

// TestDryRunConfigs loads every example config in configs/ and checks the
// plan a dry run prints against a golden file; nothing is run or created.
func TestDryRunConfigs(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	if err != nil || len(paths) < 2 {
		t.Fatalf("configs/: %v %v (want the example configs)", paths, err)
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".yaml")
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Dir = filepath.Join(t.TempDir(), "run")
			var log strings.Builder
			if err := Run(context.Background(), cfg, Options{Invoke: noInvoke(t), Log: &log, DryRun: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(cfg.Dir); !os.IsNotExist(err) {
				t.Errorf("a dry run created %s (%v)", cfg.Dir, err)
			}
			got := strings.ReplaceAll(log.String(), cfg.Dir, "$RUN")
			steps := []string{"eval-base: would run: regenesis eval", "round-1/synthesize: would run: regenesis synthesize",
				"round-1/train: would run: regenesis train", "round-1/eval: would run: regenesis eval", "round-1/report: would run: regenesis report"}
			if cfg.Shards.Count > 1 { // sharded steps launch their shards, then merge
				steps[0], steps[1], steps[3] = "eval-base: would launch shard 0/", "round-1/synthesize: would launch shard 0/", "round-1/eval: would launch shard 0/"
				steps = append(steps, "then run: regenesis merge ")
			}
			for _, step := range steps {
				if !strings.Contains(got, step) {
					t.Errorf("plan lacks %q", step)
				}
			}
			golden.Check(t, filepath.Join("testdata", "dryrun_"+name+".txt"), []byte(got))
		})
	}
}

func TestDryRunShowsWhatIsDone(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1")
	cfg := testConfig(t, srv.URL)
	f := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: f.invoke, Rounds: 1}); err != nil {
		t.Fatal(err)
	}
	state, err := os.ReadFile(filepath.Join(cfg.Dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	// Changing the report's arguments leaves every earlier step done.
	cfg.Report.Args = []string{"--title", "changed"}
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: noInvoke(t), Log: &log, Rounds: 1, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	if n := strings.Count(out, ": done ("); n != 5 {
		t.Errorf("%d steps shown done, want 5 (eval-base, synthesize, export, train, eval):\n%s", n, out)
	}
	if !strings.Contains(out, "round-1/report: would run: regenesis report") || !strings.Contains(out, "--title changed") {
		t.Errorf("the changed report step is not shown to run:\n%s", out)
	}
	after, err := os.ReadFile(filepath.Join(cfg.Dir, StateFile))
	if err != nil || string(after) != string(state) {
		t.Errorf("a dry run changed the state file (%v)", err)
	}
}

func TestDryRunStartsNoServer(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "started")
	p := writeConfig(t, `dir: `+filepath.Join(t.TempDir(), "run")+`
server: {base_url: "http://gen:8000/v1"}
synthesize: {model: base-llm, task: gsm8k}
train: {engine: hf, base_model: org/base-llm}
serve: {base_url: "http://127.0.0.1:1/v1", model: "r{round}", command: "touch `+marker+` {model}"}
`)
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: noInvoke(t), Log: &log, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the serve command ran in a dry run (%v)", err)
	}
	for _, want := range []string{
		"round-1/eval: would start the model server for the trained model (sh -c): touch " + marker + " '<model trained in round 1>'",
		"round-1/eval: would wait up to 20m0s for http://127.0.0.1:1/v1/models to list r1",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, log.String())
		}
	}
}
