package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/shard"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// shardCount is how many shards the tests below split a run into.
const shardCount = 4

// shardedHarness is the built binary, a simulated server over the first
// questions of some tasks, and the command of one run.
type shardedHarness struct {
	t    *testing.T
	bin  string
	srv  *simserver.Running
	args func(out string, extra ...string) []string
}

func newShardedHarness(t *testing.T, latency time.Duration, exs []task.Example, args func(url, model, out string) []string) *shardedHarness {
	t.Helper()
	srv, err := simserver.Start(simserver.Config{Seed: 7, Latency: simserver.Latency{Fixed: latency}}, simserver.Key(exs...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	h := &shardedHarness{t: t, bin: buildBinary(t), srv: srv}
	h.args = func(out string, extra ...string) []string {
		return append(args(srv.BaseURL, srv.Model(), out), extra...)
	}
	return h
}

func (h *shardedHarness) run(what, out string, extra ...string) {
	h.t.Helper()
	if b, err := exec.Command(h.bin, h.args(out, extra...)...).CombinedOutput(); err != nil {
		h.t.Fatalf("%s: %v\n%s", what, err, b)
	}
}

// killMidway starts the run into out and SIGKILLs it once the server has
// answered n more requests, before the run finished.
func (h *shardedHarness) killMidway(out string, n int64, extra ...string) {
	t := h.t
	t.Helper()
	start := h.srv.Stats().Succeeded
	cmd := exec.Command(h.bin, h.args(out, extra...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for h.srv.Stats().Succeeded-start < n {
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("run made no progress; stderr:\n%s", stderr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
}

// merge runs regenesis merge and returns its exit error and output.
func (h *shardedHarness) merge(out string, dirs ...string) (string, error) {
	b, err := exec.Command(h.bin, append(append([]string{"merge"}, dirs...), "--out", out)...).CombinedOutput()
	return string(b), err
}

// biggestShard returns the shard of count that owns the most of exs.
func biggestShard(exs []task.Example, count int) int {
	sizes := make([]int, count)
	for _, ex := range exs {
		sizes[shard.Of(ex.Task, ex.ID, count)]++
	}
	return slices.Index(sizes, slices.Max(sizes))
}

func firstOf(t *testing.T, name, split string, n int) []task.Example {
	t.Helper()
	tk, err := task.NewRegistry(dataDir).Get(name)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(context.Background(), split, n)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// runSharded runs every shard into dir/shard-I, the biggest one killed
// midway (after kill requests) and resumed, and returns the directories.
func (h *shardedHarness) runSharded(dir string, biggest int, kill int64) []string {
	var dirs []string
	for i := range shardCount {
		out := filepath.Join(dir, "shard-"+strconv.Itoa(i))
		spec := "--shard=" + strconv.Itoa(i) + "/" + strconv.Itoa(shardCount)
		if i == biggest {
			h.killMidway(out, kill, spec)
			if _, err := os.Stat(filepath.Join(out, "manifest.json")); err == nil {
				h.t.Fatalf("shard %d was killed after it finished", i)
			}
			if _, err := os.Stat(filepath.Join(out, "results.json")); err == nil {
				h.t.Fatalf("shard %d was killed after it finished", i)
			}
			// The unfinished shard is refused by name.
			msg, err := h.merge(filepath.Join(dir, "refused"), out)
			if err == nil || !strings.Contains(msg, out+" is incomplete") {
				h.t.Errorf("merge of an unfinished shard: %v\n%s", err, msg)
			}
		}
		h.run("shard "+strconv.Itoa(i), out, spec)
		dirs = append(dirs, out)
	}
	return dirs
}

// normalized reads a run directory's outputs, with the run-specific
// fields (docs/SCALING.md) set to fixed values: the manifest's command
// line --out, its "run" (wall time, this invocation's usage); results'
// wall_seconds, servers, usage.cached_questions and config's --out (in
// flags, command and command_line); each
// prediction's "cached". The rest is compared byte for byte.
func normalized(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == "store.db" || strings.HasPrefix(name, "store.db-") || name == ".lock" || strings.HasSuffix(name, ".lock") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "manifest.json":
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			m["run"] = "RUN"
			var cmd []any
			for _, a := range m["command"].([]any) {
				if s := a.(string); strings.HasPrefix(s, "--out=") {
					a = "--out=OUT"
				}
				cmd = append(cmd, a)
			}
			m["command"] = cmd
			b = reencode(t, m)
		case "results.json":
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			m["wall_seconds"] = 0
			delete(m, "servers")
			m["usage"].(map[string]any)["cached_questions"] = 0
			cfg := m["config"].(map[string]any)
			cfg["flags"].(map[string]any)["out"] = "OUT"
			var argv []any
			for _, a := range cfg["command"].([]any) {
				if s := a.(string); strings.HasPrefix(s, "--out=") {
					a = "--out=OUT"
				}
				argv = append(argv, a)
			}
			cfg["command"] = argv
			cfg["command_line"] = "COMMAND LINE"
			b = reencode(t, m)
		case "predictions.jsonl":
			b = bytes.ReplaceAll(b, []byte(`"cached":true`), []byte(`"cached":false`))
		}
		got[name] = b
	}
	return got
}

// reencode encodes a normalized document (keys sorted: both sides alike).
func reencode(t *testing.T, m map[string]any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// compareDirs fails for every file that is missing from either directory
// or differs once normalized.
func compareDirs(t *testing.T, want, got string, files ...string) {
	t.Helper()
	a, b := normalized(t, want), normalized(t, got)
	for _, name := range files {
		if _, ok := a[name]; !ok {
			t.Errorf("%s: no %s", want, name)
		}
	}
	for name, wb := range a {
		gb, ok := b[name]
		switch {
		case !ok:
			t.Errorf("%s has %s, %s does not", want, name, got)
		case !bytes.Equal(wb, gb):
			t.Errorf("%s differs between %s and %s:\n%s", name, want, got, firstDiff(wb, gb))
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("%s has %s, %s does not", got, name, want)
		}
	}
}

func firstDiff(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range max(len(la), len(lb)) {
		var x, y []byte
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if !bytes.Equal(x, y) {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + trim(x) + "\n  got  " + trim(y)
		}
	}
	return "(same lines)"
}

func trim(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// TestShardedSynthesisMerges runs a synthesis unsharded and as 4 shards,
// one of them SIGKILLed midway and resumed, merges the shards and checks
// that the merged directory is the unsharded run's, byte for byte outside
// the run-specific fields; then that merging the merge again is a no-op
// and that bad sets of shards are refused by name.
func TestShardedSynthesisMerges(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs it against a simulated server")
	}
	const questions = 12
	exs := firstOf(t, "gsm8k", "train", questions)
	h := newShardedHarness(t, 2*time.Millisecond, exs, func(url, model, out string) []string {
		return []string{"synthesize", "--task", "gsm8k", "--split", "train", "--limit", strconv.Itoa(questions),
			"--model", model, "--base-url", url, "--data-dir", dataDir, "--server-concurrency", "8", "--seed", "3", "--out", out}
	})
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	h.run("unsharded run", whole)

	biggest := biggestShard(exs, shardCount)
	dirs := h.runSharded(dir, biggest, 60)
	merged := filepath.Join(dir, "merged")
	if msg, err := h.merge(merged, dirs...); err != nil {
		t.Fatalf("merge: %v\n%s", err, msg)
	}
	compareDirs(t, whole, merged, "sft.jsonl", "candidates.jsonl", "manifest.json", "synth-index.jsonl")

	checkMergeAgain(t, h, dir, merged)
	checkRefusals(t, h, dir, dirs, "manifest.json", func(m map[string]any) { m["config"].(map[string]any)["seed"] = 4 }, "config.seed = 3 vs 4")
}

// TestShardedEvalMerges is TestShardedSynthesisMerges for an evaluation
// over two tasks.
func TestShardedEvalMerges(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs it against a simulated server")
	}
	const perTask = 40
	exs := append(firstOf(t, "gsm8k", "test", perTask), firstOf(t, "svamp", "test", perTask)...)
	h := newShardedHarness(t, 10*time.Millisecond, exs, func(url, model, out string) []string {
		return []string{"eval", "--task", "gsm8k,svamp", "--limit", strconv.Itoa(perTask), "--concurrency", "1",
			"--model", model, "--base-url", url, "--data-dir", dataDir, "--out", out}
	})
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	h.run("unsharded eval", whole)

	dirs := h.runSharded(dir, biggestShard(exs, shardCount), 6)
	merged := filepath.Join(dir, "merged")
	if msg, err := h.merge(merged, dirs...); err != nil {
		t.Fatalf("merge: %v\n%s", err, msg)
	}
	compareDirs(t, whole, merged, "predictions.jsonl", "results.json", "eval-index.jsonl")
	checkMergeAgain(t, h, dir, merged)
	checkRefusals(t, h, dir, dirs, "results.json", func(m map[string]any) { m["max_tokens"] = 512 }, "max_tokens = 1024 vs 512")
}

// checkMergeAgain merges the merged directory, alone, in place and into
// another directory: the same bytes (another --out aside).
func checkMergeAgain(t *testing.T, h *shardedHarness, dir, merged string) {
	t.Helper()
	before := normalized(t, merged)
	raw := map[string][]byte{}
	for name := range before {
		raw[name], _ = os.ReadFile(filepath.Join(merged, name))
	}
	if msg, err := h.merge(merged, merged); err != nil {
		t.Fatalf("merge in place: %v\n%s", err, msg)
	}
	for name, b := range raw {
		if got, _ := os.ReadFile(filepath.Join(merged, name)); !bytes.Equal(got, b) {
			t.Errorf("merging %s into itself changed %s:\n%s", merged, name, firstDiff(b, got))
		}
	}
	again := filepath.Join(dir, "again")
	if msg, err := h.merge(again, merged); err != nil {
		t.Fatalf("merge again: %v\n%s", err, msg)
	}
	compareDirs(t, merged, again)
}

// checkRefusals checks that a missing shard, a repeated one and one with
// other settings are refused, naming the shard.
func checkRefusals(t *testing.T, h *shardedHarness, dir string, dirs []string, file string, edit func(map[string]any), wantDiff string) {
	t.Helper()
	out := filepath.Join(dir, "refused")
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"missing", dirs[:3], "shard 3/4 missing"},
		{"repeated", append(slices.Clone(dirs), dirs[1]), "overlap: both are shard 1/4"},
	} {
		msg, err := h.merge(out, tc.dirs...)
		if err == nil || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: merge = %v\n%s\nwant %q", tc.name, err, msg, tc.want)
		}
	}
	// A copy of shard 2 whose settings say otherwise.
	other := filepath.Join(dir, "other-2")
	if err := os.CopyFS(other, os.DirFS(dirs[2])); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(other, file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(other, file), b, 0o644); err != nil {
		t.Fatal(err)
	}
	msg, err := h.merge(out, dirs[0], dirs[1], other, dirs[3])
	if err == nil || !strings.Contains(msg, "differ in settings: "+wantDiff) || !strings.Contains(msg, other) {
		t.Errorf("merge of shards with other settings = %v\n%s\nwant %q", err, msg, wantDiff)
	}
	if _, err := os.Stat(out); err == nil {
		entries, _ := os.ReadDir(out)
		if len(entries) > 0 {
			t.Errorf("a refused merge wrote %d files into %s", len(entries), out)
		}
	}
}
