package runloop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shardConfig is a one-round loop whose synthesize and eval steps run as 3
// shards through launch, a shell command standing in for a scheduler.
func shardConfig(t *testing.T, serveURL, launch string) *Config {
	t.Helper()
	p := writeConfig(t, fmt.Sprintf(`dir: %s
server: {base_url: "http://gen:8000/v1"}
synthesize: {model: base-llm, task: gsm8k}
train: {engine: trl, base_model: org/base-llm}
serve: {base_url: "%s/v1", model: "regenesis-r{round}", ready_timeout: 5s}
shards:
  count: 3
  launch: %q
  binary: /opt/regenesis
  poll: 10ms
  timeout: 5s
`, t.TempDir(), serveURL, launch))
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// finishShard is a launch command that records the launch and writes what
// a finished shard has, after a delay when the scheduler returns at once.
const finishShard = `echo {step} {index} {args} >> %s; mkdir -p {out}; touch {out}/results.json {out}/eval-index.jsonl`

func TestShardedSteps(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1")
	launches := filepath.Join(t.TempDir(), "launches")
	cfg := shardConfig(t, srv.URL, fmt.Sprintf(finishShard, launches))
	f := &fakeInvoker{}
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: f.invoke, Log: &log}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	b, err := os.ReadFile(launches)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 9 { // eval-base, synthesize, eval: 3 shards each
		t.Fatalf("%d launches, want 9:\n%s", len(lines), b)
	}
	synth := filepath.Join(cfg.Dir, "round-1", "synth")
	want := fmt.Sprintf("round-1-synthesize 2 synthesize --task gsm8k --method regenesis --base-url http://gen:8000/v1 --model base-llm --out %s.shards/shard-2 --shard 2/3", synth)
	if !strings.Contains(string(b), want+"\n") {
		t.Errorf("launches lack %q:\n%s", want, b)
	}
	merges := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, "merge ") {
			merges++
		}
	}
	wantMerge := fmt.Sprintf("merge %[1]s.shards/shard-0 %[1]s.shards/shard-1 %[1]s.shards/shard-2 --out %[1]s", synth)
	if merges != 3 || !strings.Contains(strings.Join(f.calls, "\n"), wantMerge) {
		t.Errorf("merges %d, want 3 with %q:\n%s", merges, wantMerge, strings.Join(f.calls, "\n"))
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "synthesize") || strings.HasPrefix(c, "eval") {
			t.Errorf("a sharded step ran in-process: %s", c)
		}
	}

	// Run again: nothing is launched or merged.
	os.Remove(launches)
	again := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: again.invoke}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(launches); err == nil {
		t.Error("re-run launched shards")
	}
	if len(again.calls) != 0 {
		t.Errorf("re-run invoked %v", again.calls)
	}
}

// TestShardedStepWaits: a launch that returns before its shard is done
// (a scheduler's submit) is waited for.
func TestShardedStepWaits(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1")
	launch := `true {args}; (sleep 0.1; mkdir -p {out}; touch {out}/results.json {out}/eval-index.jsonl) &`
	cfg := shardConfig(t, srv.URL, launch)
	var log strings.Builder
	f := &fakeInvoker{}
	if err := Run(context.Background(), cfg, Options{Invoke: f.invoke, Log: &log}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "eval-base: waiting for shards") || !strings.Contains(strings.Join(f.calls, "\n"), "merge ") {
		t.Errorf("no wait or no merge:\n%s", log.String())
	}
}

// TestShardedStepRelaunchesOnlyFailed: a failed launch names its shard
// and log, and the next run launches only that shard.
func TestShardedStepRelaunchesOnlyFailed(t *testing.T) {
	t.Parallel()
	srv := modelServer(t, "regenesis-r1")
	launches := filepath.Join(t.TempDir(), "launches")
	flag := filepath.Join(t.TempDir(), "failed-once")
	launch := fmt.Sprintf(`echo {step} {index} >> %[1]s; if [ {index} = 1 ] && [ ! -e %[2]s ]; then touch %[2]s; echo queue full; exit 3; fi; true {args}; mkdir -p {out}; touch {out}/results.json {out}/eval-index.jsonl`, launches, flag)
	cfg := shardConfig(t, srv.URL, launch)
	err := Run(context.Background(), cfg, Options{Invoke: (&fakeInvoker{}).invoke})
	logFile := filepath.Join(cfg.Dir, "eval", "base.shards", "shard-1.log")
	if err == nil || !strings.Contains(err.Error(), "step eval-base: shard 1/3: launch command failed: exit status 3 (its output: "+logFile+")") {
		t.Fatalf("error = %v", err)
	}
	if b, _ := os.ReadFile(logFile); !strings.Contains(string(b), "queue full") {
		t.Errorf("shard log %q", b)
	}
	os.Remove(launches)
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: (&fakeInvoker{}).invoke, Log: &log}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	b, _ := os.ReadFile(launches)
	got := strings.Fields(strings.ReplaceAll(string(b), "\n", " "))
	if len(got) != 14 || got[0] != "eval-base" || got[1] != "1" || !strings.Contains(log.String(), "eval-base: shard 0/3 done") {
		t.Errorf("second run launched %q, want eval-base shard 1 only, then the other steps' 6\n%s", b, log.String())
	}
}

func TestShardsConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ shards, want string }{
		{"{count: -1}", "shards.count must not be negative"},
		{"{count: 2, launch: \"sbatch job.sh\"}", "shards.launch must contain {args} or {command}"},
		{"{count: 2, launch: \"{binary} {args}\", poll: soon}", "shards.poll: want a positive duration"},
		{"{count: 2, launch: \"{binary} {args}\", timeout: -1s}", "shards.timeout: want a positive duration"},
	} {
		p := writeConfig(t, "dir: d\nserver: {base_url: \"http://g/v1\"}\nsynthesize: {model: m, task: gsm8k}\ntrain: {engine: trl, base_model: b}\nshards: "+tc.shards+"\n")
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("shards %s: error %v, want %q", tc.shards, err, tc.want)
		}
	}
}

func TestShardedDryRun(t *testing.T) {
	t.Parallel()
	cfg := shardConfig(t, "http://serve:1", "sbatch --wait --job-name={step}-{index} --wrap {command}")
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: (&fakeInvoker{}).invoke, Log: &log, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(log.String(), cfg.Dir, "$RUN")
	for _, want := range []string{
		"shards:         synthesize and eval as 3 shards, each launched by: sbatch --wait",
		"eval-base: would launch shard 0/3 (sh -c): sbatch --wait --job-name=eval-base-0 --wrap '/opt/regenesis eval --task gsm8k --base-url http://gen:8000/v1 --model base-llm --out $RUN/eval/base.shards/shard-0 --shard 0/3'",
		"round-1/synthesize: would wait for the 3 shards in $RUN/round-1/synth.shards, then run: regenesis merge $RUN/round-1/synth.shards/shard-0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(cfg.Dir); err == nil {
		if entries, _ := os.ReadDir(cfg.Dir); len(entries) > 0 {
			t.Errorf("dry run created %d entries", len(entries))
		}
	}
}

// TestSlurmLoopConfig: configs/gsm8k-loop-slurm.yaml loads and its dry run
// submits each shard with sbatch --wait.
func TestSlurmLoopConfig(t *testing.T) {
	t.Parallel()
	cfg, err := Load(filepath.Join("..", "..", "configs", "gsm8k-loop-slurm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dir = filepath.Join(t.TempDir(), "run")
	var log strings.Builder
	if err := Run(context.Background(), cfg, Options{Invoke: (&fakeInvoker{}).invoke, Log: &log, DryRun: true, Executable: "/shared/bin/regenesis"}); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(log.String(), cfg.Dir, "$RUN")
	want := "round-1/synthesize: would launch shard 7/8 (sh -c): sbatch --wait --requeue --job-name=round-1-synthesize-7 --cpus-per-task=4 --time=24:00:00 --output=$RUN/round-1/synth.shards/shard-7.log --wrap '/shared/bin/regenesis synthesize --task gsm8k --method regenesis --split train --base-url http://gpu-head:8000/v1 --model Qwen/Qwen2.5-7B-Instruct --out $RUN/round-1/synth.shards/shard-7 --shard 7/8'"
	if !strings.Contains(out, want) {
		t.Errorf("dry run lacks\n%s\n%s", want, out)
	}
}
