package merge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/shard"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// fakeMethod keeps a question's path when its number is even, with as
// many candidates as the number mod 3 plus one: outcomes of varied shape
// without a model.
type fakeMethod struct{}

func (fakeMethod) Name() string { return "fake" }

func (fakeMethod) Synthesize(_ context.Context, ex task.Example) (method.Outcome, error) {
	var n int
	fmt.Sscanf(ex.ID, "q%d", &n)
	o := method.Outcome{Example: ex, Calls: map[string]int{"path": n%3 + 1}, Usage: method.Usage{Requests: int64(n%3 + 1), PromptTokens: int64(10 * n)}}
	for i := range n%3 + 1 {
		c := method.Candidate{Task: ex.Task, QuestionID: ex.ID, Method: "fake", Index: i, Round: "main",
			GuidelineIDs: []string{fmt.Sprint("g", i)}, Path: fmt.Sprintf("path %d of %s: the answer is %d", i, ex.ID, n),
			Extracted: fmt.Sprint(n), Verdict: answer.Correct}
		if n%2 == 0 && i == 0 {
			c.Kept = true
		} else {
			c.Reason = "over_cap"
		}
		o.Candidates = append(o.Candidates, c)
	}
	return o, nil
}

func examples(n int) iter.Seq2[task.Example, error] {
	return func(yield func(task.Example, error) bool) {
		for i := range n {
			ex := task.Example{ID: fmt.Sprint("q", i), Task: "t", Question: fmt.Sprintf("What is %d?", i), Spec: answer.Spec{Type: answer.Number}, Answer: fmt.Sprint(i)}
			if !yield(ex, nil) {
				return
			}
		}
	}
}

func runSynth(t *testing.T, dir string, s shard.Spec, seed int64) {
	t.Helper()
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := method.DefaultConfig()
	cfg.Seed = seed
	_, err = synth.Run(t.Context(), synth.Options{
		Method: fakeMethod{}, Examples: examples(40), Prompts: set, OutDir: dir, Shard: s,
		Pricing:  &cost.Pricing{Model: "m", Basis: cost.BasisFlags, Price: cost.Price{Input: 0.3, Output: 1.1}},
		Manifest: synth.Manifest{Version: "test", Command: []string{"regenesis", "synthesize", "--out=" + dir, "--shard=" + s.String()}, Task: "t", Config: cfg},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// shards writes a 3-shard run and the unsharded one under a temp dir.
func shards(t *testing.T) (whole string, dirs []string) {
	t.Helper()
	root := t.TempDir()
	whole = filepath.Join(root, "whole")
	runSynth(t, whole, shard.Spec{}, 1)
	for i := range 3 {
		d := filepath.Join(root, fmt.Sprint("shard-", i))
		runSynth(t, d, shard.Spec{Index: i, Count: 3}, 1)
		dirs = append(dirs, d)
	}
	return whole, dirs
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMergeSynthesis(t *testing.T) {
	t.Parallel()
	whole, dirs := shards(t)
	out := filepath.Join(t.TempDir(), "merged")
	// The order of the directories given does not matter.
	sum, err := Run(t.Context(), []string{dirs[2], dirs[0], dirs[1]}, out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Questions != 40 || sum.Shards != 3 || sum.Kind != Synthesis {
		t.Errorf("summary %+v", sum)
	}
	for _, name := range []string{rundir.SFTFile, rundir.CandidatesFile, rundir.IndexFile} {
		if !bytes.Equal(read(t, whole, name), read(t, out, name)) {
			t.Errorf("%s differs from the unsharded run's", name)
		}
	}
	var a, b synth.Manifest
	if err := json.Unmarshal(read(t, whole, rundir.ManifestFile), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(read(t, out, rundir.ManifestFile), &b); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(b.Command, " "), "regenesis synthesize --out="+out; got != want {
		t.Errorf("merged command %q, want %q", got, want)
	}
	if b.Cost.Money == nil || b.Cost.Money.Total == nil || *b.Cost.Money.Total == 0 {
		t.Errorf("merged manifest is not priced: %+v", b.Cost.Money)
	}
	a.Command, b.Command, a.Run, b.Run = nil, nil, synth.RunInfo{}, synth.RunInfo{}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("manifest differs outside command and run:\n%s\n%s", ja, jb)
	}
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(t *testing.T, dirs []string) []string
		want   []string
	}{
		{"missing shard", func(_ *testing.T, d []string) []string { return d[:2] }, []string{"shard 2/3 missing"}},
		{"repeated shard", func(_ *testing.T, d []string) []string { return append(d, d[0]) }, []string{"overlap: both are shard 0/3"}},
		{"other settings", func(t *testing.T, d []string) []string {
			runSynth(t, d[1], shard.Spec{Index: 1, Count: 3}, 2)
			return d
		}, []string{"differ in settings: config.seed = 1 vs 2", "shard 1/3 (" + "DIR1"}},
		{"unfinished", func(t *testing.T, d []string) []string {
			os.Remove(filepath.Join(d[2], rundir.ManifestFile))
			return d
		}, []string{"DIR2 is incomplete: no manifest.json"}},
		{"candidates cut short", func(t *testing.T, d []string) []string {
			b := read(t, d[1], rundir.CandidatesFile)
			os.WriteFile(filepath.Join(d[1], rundir.CandidatesFile), b[:bytes.LastIndexByte(b[:len(b)-1], '\n')+1], 0o644)
			return d
		}, []string{"candidates.jsonl ends before the lines of question"}},
		{"extra sft line", func(t *testing.T, d []string) []string {
			b := read(t, d[0], rundir.SFTFile)
			first := b[:bytes.IndexByte(b, '\n')+1]
			os.WriteFile(filepath.Join(d[0], rundir.SFTFile), append(b, first...), 0o644)
			return d
		}, []string{"sft.jsonl has lines beyond those its index lists"}},
		{"question in the wrong shard", func(t *testing.T, d []string) []string {
			// Shard 0's files claimed as shard 1's, and shard 1's as 0's.
			for _, pair := range [][2]string{{d[0], "1"}, {d[1], "0"}} {
				p := filepath.Join(pair[0], rundir.ManifestFile)
				b := read(t, pair[0], rundir.ManifestFile)
				b = bytes.Replace(b, []byte(`"index": `+map[string]string{"1": "0", "0": "1"}[pair[1]]), []byte(`"index": `+pair[1]), 1)
				os.WriteFile(p, b, 0o644)
			}
			return d
		}, []string{"belongs to shard"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, dirs := shards(t)
			given := tc.damage(t, dirs)
			out := filepath.Join(t.TempDir(), "merged")
			_, err := Run(t.Context(), given, out)
			if err == nil {
				t.Fatal("merge accepted")
			}
			for _, w := range tc.want {
				for i, d := range dirs {
					w = strings.ReplaceAll(w, fmt.Sprint("DIR", i), d)
				}
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) > 0 {
				t.Errorf("a refused merge left %d files in %s", len(entries), out)
			}
		})
	}
}

func TestMergeProtectsOut(t *testing.T) {
	t.Parallel()
	_, dirs := shards(t)
	if _, err := Run(t.Context(), dirs, dirs[0]); err == nil || !strings.Contains(err.Error(), "is one of the shards") {
		t.Errorf("merge into a shard: %v", err)
	}
	run := t.TempDir()
	os.WriteFile(filepath.Join(run, "store.db"), nil, 0o644)
	if _, err := Run(t.Context(), dirs, run); err == nil || !strings.Contains(err.Error(), "is a run directory") {
		t.Errorf("merge into a run directory: %v", err)
	}
	if _, err := Run(t.Context(), []string{t.TempDir()}, filepath.Join(t.TempDir(), "o")); err == nil || !strings.Contains(err.Error(), "neither a synthesis") {
		t.Errorf("merge of an empty directory: %v", err)
	}
}
