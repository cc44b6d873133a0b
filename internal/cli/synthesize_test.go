package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestSynthesizeCommand runs "regenesis synthesize" over the first GSM8K
// training questions against the simulated model, then again to check that
// the store replays it to the same bytes without a request.
func TestSynthesizeCommand(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	reg := task.NewRegistry(data)
	tk, err := reg.Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	var key []simserver.Entry
	for ex, err := range tk.Examples(t.Context(), "train") {
		if err != nil {
			t.Fatal(err)
		}
		key = append(key, simserver.EntryFor(ex))
		if len(key) == 3 {
			break
		}
	}
	srv := simserver.New(simserver.Config{Seed: 5, Accuracy: 0.5}, key)
	ts := httptest.NewServer(srv)
	defer ts.Close()

	cfgFile := filepath.Join(t.TempDir(), "synth.yaml")
	if err := os.WriteFile(cfgFile, []byte("keep_per_question: 2\nseed: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := []string{"synthesize", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "3",
		"--model", srv.Model(), "--base-url", ts.URL, "--api-key", "sk-very-secret", "--out", out,
		"--config", cfgFile, "--seed", "4"}
	var stdout, stderr bytes.Buffer
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	first := readSynthOutputs(t, out)
	var man synth.Manifest
	if err := json.Unmarshal(first[rundir.ManifestFile], &man); err != nil {
		t.Fatal(err)
	}
	if man.Config.KeepPerQuestion != 2 || man.Config.Seed != 4 || man.Config.Temperature != 1.2 {
		t.Errorf("config: file, flags and defaults not layered: %+v", man.Config)
	}
	if man.Counts.Questions != 3 || man.Counts.Calls["select"] != 60 || man.Version != Version || len(man.PromptHashes) == 0 {
		t.Errorf("manifest: %+v", man)
	}
	// The progress display's final line: done, the kept paths, nothing failed.
	final := strings.TrimSpace(stderr.String())
	final = final[strings.LastIndex(final, "\n")+1:]
	for _, want := range []string{"3/3 (100.0%)", "ETA done", fmt.Sprintf(", %d kept paths,", man.Counts.Kept), "0 retried, 0 failed"} {
		if !strings.Contains(final, want) {
			t.Errorf("progress line %q lacks %q", final, want)
		}
	}
	if man.Config.Budget != method.BudgetPaper || man.Cost.Samples == 0 || man.Cost.PerQuestion == nil || len(man.GuidelineYield) == 0 {
		t.Errorf("manifest budget %q, cost %+v, %d guideline yields", man.Config.Budget, man.Cost, len(man.GuidelineYield))
	}
	if !strings.Contains(stdout.String(), "tokens") {
		t.Errorf("stdout %q does not report the cost", stdout.String())
	}
	cmdLine := strings.Join(man.Command, " ")
	if strings.Contains(string(first[rundir.ManifestFile]), "sk-very-secret") || !strings.Contains(cmdLine, "--seed=4") {
		t.Errorf("manifest command %q (must hold the flags and no secret)", cmdLine)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(first[rundir.CandidatesFile]), []byte("\n")) {
		var c method.Candidate
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatal(err)
		}
		if c.Kept && c.Verdict != answer.Correct {
			t.Errorf("kept candidate %s/%d has verdict %s", c.QuestionID, c.Index, c.Verdict)
		}
	}

	before := srv.Stats().Requests
	stdout.Reset()
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("re-run: exit %d\n%s", code, stderr.String())
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("re-run sent %d requests, want 0", n)
	}
	second := readSynthOutputs(t, out)
	for name := range first {
		if !bytes.Equal(first[name], second[name]) {
			t.Errorf("%s differs on re-run", name)
		}
	}

	adaptiveOut := t.TempDir()
	aargs := append(slices.Clone(args), "--budget", "adaptive")
	aargs[slices.Index(aargs, out)] = adaptiveOut
	if code := Main(aargs, &stdout, &stderr); code != 0 {
		t.Fatalf("adaptive: exit %d\n%s", code, stderr.String())
	}
	var aman synth.Manifest
	if err := json.Unmarshal(readSynthOutputs(t, adaptiveOut)[rundir.ManifestFile], &aman); err != nil {
		t.Fatal(err)
	}
	if aman.Config.Budget != method.BudgetAdaptive || aman.Cost.StoppedEarly == 0 || aman.Cost.Samples >= man.Cost.Samples || aman.Counts.Kept != man.Counts.Kept {
		t.Errorf("adaptive: budget %q, %d samples and %d kept; paper %d samples and %d kept",
			aman.Config.Budget, aman.Cost.Samples, aman.Counts.Kept, man.Cost.Samples, man.Counts.Kept)
	}
}

// readSynthOutputs reads the outputs, the manifest without its run section.
func readSynthOutputs(t *testing.T, dir string) map[string][]byte {
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
			if b, err = json.Marshal(m); err != nil {
				t.Fatal(err)
			}
		}
		out[name] = b
	}
	return out
}

func TestSynthesizeCommandErrors(t *testing.T) {
	badCfg := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(badCfg, []byte("keep_per_question: 2\ntemprature: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badPool := filepath.Join(t.TempDir(), "pool.json")
	if err := os.WriteFile(badPool, []byte(`[{"id":"a"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"synthesize", "--task", "gsm8k", "--model", "m", "--base-url", "http://127.0.0.1:1", "--no-download", "--data-dir", t.TempDir()}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no out", base, `"out" not set`},
		{"config typo", append(base, "--out", t.TempDir(), "--config", badCfg), "bad.yaml"},
		{"bad flag value", append(base, "--out", t.TempDir(), "--filter", "best"), "config field filter"},
		{"bad pool", append(base, "--out", t.TempDir(), "--guidelines", badPool), "field text is empty"},
		{"unknown method", append(base, "--out", t.TempDir(), "--method", "magic"), `unknown method "magic"`},
		{"bad budget", append(base, "--out", t.TempDir(), "--budget", "cheap"), `config field budget: "cheap" is not "paper" or "adaptive"`},
		{"bad stage cap", append(base, "--out", t.TempDir(), "--select-max-tokens", "0"), "config field select_max_tokens: 0 is not positive"},
		{"shard out of range", append(base, "--out", t.TempDir(), "--shard", "4/4"), "--shard: shard \"4/4\": index 4 out of range [0, 4)"},
		{"shard variable unset", append(base, "--out", t.TempDir(), "--shard", "REGENESIS_TEST_UNSET_INDEX/4"), "environment variable REGENESIS_TEST_UNSET_INDEX is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(tt.args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q, want an error containing %q", code, stderr.String(), tt.wantErr)
			}
		})
	}
}
