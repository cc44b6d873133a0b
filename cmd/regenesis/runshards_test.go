package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/runloop"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestRunSharded runs configs/simulated-loop.yaml with its synthesize and
// eval steps as 3 shards launched by a command template, and the same
// loop unsharded: the merged synthesis and base evaluation equal the
// unsharded ones, the state file records each shard, and a second run
// launches nothing.
func TestRunSharded(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs the loop against a simulated server")
	}
	tk, err := task.NewRegistry(dataDir).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	train, err := tk.First(t.Context(), "train", 30)
	if err != nil {
		t.Fatal(err)
	}
	test, err := tk.First(t.Context(), "test", 200)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := simserver.Start(simserver.Config{Seed: 11, FineTune: simserver.FineTune{Duration: 300 * time.Millisecond}}, simserver.Key(append(train, test...)...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	bin := buildBinary(t)
	data, err := filepath.Abs(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("..", "..", "configs", "simulated-loop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	runs := t.TempDir()
	loop := func(name, extra string) (dir, log string) {
		t.Helper()
		dir = filepath.Join(runs, name)
		text := strings.ReplaceAll(string(src), "http://127.0.0.1:8089", srv.URL)
		text = strings.Replace(text, "dir: runs/simulated-loop", "dir: "+dir, 1) + extra
		cfg := filepath.Join(runs, name+".yaml")
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "run", "--config", cfg)
		cmd.Env = append(os.Environ(), "REGENESIS_DATA_DIR="+data, "OPENAI_API_KEY=test-double", "HF_HUB_OFFLINE=1", "OPENAI_BASE_URL=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s loop: %v\n%s", name, err, stderr.String())
		}
		return dir, stderr.String()
	}
	const shards = "\nshards:\n  count: 3\n  launch: \"{binary} {args}\"\n  poll: 100ms\n"
	sharded, log := loop("sharded", shards)
	for _, want := range []string{"round-1/synthesize: launching shard 2/3", "eval-base: launching shard 0/3", "round-1/eval: launching shard 1/3", "regenesis merge "} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	whole, _ := loop("whole", "")
	for _, f := range []string{"round-1/synth/sft.jsonl", "round-1/synth/candidates.jsonl", "round-1/synth/synth-index.jsonl", "eval/base/predictions.jsonl", "eval/base/eval-index.jsonl"} {
		a, err1 := os.ReadFile(filepath.Join(whole, f))
		b, err2 := os.ReadFile(filepath.Join(sharded, f))
		if err1 != nil || err2 != nil || len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: the sharded loop's differs from the unsharded one's (%v, %v)", f, err1, err2)
		}
	}
	b, err := os.ReadFile(filepath.Join(sharded, runloop.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st runloop.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"eval-base", "eval-base/shard-0", "round-1/synthesize/shard-2", "round-1/synthesize", "round-1/eval/shard-1", "round-1/report"} {
		if _, ok := st.Steps[step]; !ok {
			t.Errorf("state file lacks %s", step)
		}
	}
	if _, err := os.Stat(filepath.Join(sharded, "round-1", "synth.shards", "shard-1", "manifest.json")); err != nil {
		t.Errorf("shard directory: %v", err)
	}

	// A second run finds every step done and launches nothing.
	before := srv.Stats().Requests
	_, again := loop("sharded", shards)
	if strings.Contains(again, "launching") || srv.Stats().Requests != before || strings.Count(again, ": done (") != 7 {
		t.Errorf("re-run launched shards or sent requests (%d):\n%s", srv.Stats().Requests-before, again)
	}
}
