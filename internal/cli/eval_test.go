package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// firstExamples reads the first n examples of a task's test split.
func firstExamples(t *testing.T, reg *task.Registry, name string, n int) []task.Example {
	t.Helper()
	tk, err := reg.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tk.First(context.Background(), tk.Info().TestSplit, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEvalCommandAgainstSimulatedModel runs "regenesis eval" end to end
// over real task files and checks the accuracy it reports against the
// simulated model's known greedy correctness.
func TestEvalCommandAgainstSimulatedModel(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	reg := task.NewRegistry(data)
	const limit = 25
	var key []simserver.Entry
	for _, name := range []string{"gsm8k", "svamp"} {
		for _, ex := range firstExamples(t, reg, name, limit) {
			key = append(key, simserver.EntryFor(ex))
		}
	}
	srv := simserver.New(simserver.Config{Seed: 2}, key)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"eval", "--data-dir", data, "--no-download", "--task", "gsm8k,svamp", "--limit", "25",
		"--model", srv.Model(), "--base-url", ts.URL, "--out", out}
	code := Main(args, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	res, err := eval.ReadResults(filepath.Join(out, eval.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, name := range []string{"gsm8k", "svamp"} {
		r := res.Tasks[name]
		if r == nil || r.N != limit {
			t.Fatalf("%s: %+v, want %d questions", name, r, limit)
		}
		total += r.Correct
	}
	wantTotal := 0
	for _, e := range key {
		if srv.GreedyCorrect(e.Question) {
			wantTotal++
		}
	}
	if total != wantTotal {
		t.Errorf("correct answers = %d, GreedyCorrect says %d", total, wantTotal)
	}
	if res.Tasks["gsm8k"].Group != "in-domain" || res.Tasks["svamp"].Group != "ood" || res.Groups["ood"] == nil {
		t.Errorf("groups wrong: %+v", res.Groups)
	}
	if !strings.Contains(stdout.String(), "gsm8k") || !strings.Contains(stdout.String(), "ood average") {
		t.Errorf("summary lacks the task table:\n%s", stdout.String())
	}
	// The same command again replays the run store: no request is sent.
	before := srv.Stats().Requests
	stdout2 := new(bytes.Buffer)
	if code := Main(args, stdout2, &stderr); code != 0 {
		t.Fatalf("re-run: exit %d\n%s", code, stderr.String())
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("re-run sent %d requests, want 0 (everything is in OUT/store.db)", n)
	}
	if stdout2.String() != stdout.String() {
		t.Errorf("re-run printed\n%s\nfirst run printed\n%s", stdout2.String(), stdout.String())
	}
	b, err := json.Marshal(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"eval/number"`) {
		t.Errorf("config lacks the prompt hashes: %s", b)
	}
}

func TestEvalCommandErrors(t *testing.T) {
	data := sharedDataDir(t)
	base := []string{"eval", "--data-dir", data, "--no-download", "--model", "m", "--base-url", "http://127.0.0.1:1", "--out", t.TempDir()}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing to evaluate", nil, "--task T[,T...] or --suite"},
		{"task and suite", []string{"--task", "gsm8k", "--suite", "ood"}, "exclude each other"},
		{"samples with greedy", []string{"--task", "gsm8k", "--samples", "4"}, "--samples needs --mode maj"},
		{"maj without samples", []string{"--task", "gsm8k", "--mode", "maj"}, "needs --samples K"},
		{"unknown mode", []string{"--task", "gsm8k", "--mode", "beam"}, `--mode "beam"`},
		{"unknown task", []string{"--task", "gsm9k"}, "gsm9k"},
		{"unknown suite", []string{"--suite", "odd"}, `unknown suite "odd"`},
		{"missing split", []string{"--task", "gsm8k", "--split", "validation"}, `task gsm8k has no split "validation" (it has: `},
		{"bad shard", []string{"--task", "gsm8k", "--shard", "1/x"}, `--shard: shard "1/x": count "x"`},
		{"unknown protocol", []string{"--task", "gsm8k", "--protocol", "fewshot"}, `--protocol "fewshot"`},
		{"prompts with the BBH protocol", []string{"--protocol", "bbh-3shot", "--prompts", t.TempDir()}, "official prompt files"},
		{"BBH protocol on a non-BBH task", []string{"--protocol", "bbh-3shot", "--task", "gsm8k"}, "not a BIG-Bench Hard question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(append(append([]string{}, base...), tt.args...), &stdout, &stderr)
			if code == 0 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want failure mentioning %q", code, stderr.String(), tt.want)
			}
		})
	}
}

// TestShardFromEnvironment: --shard defaults to $REGENESIS_SHARD, named
// as such in its errors.
func TestShardFromEnvironment(t *testing.T) {
	t.Setenv("REGENESIS_SHARD", "JOB_COMPLETION_INDEX/8")
	t.Setenv("JOB_COMPLETION_INDEX", "9")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"eval", "--task", "gsm8k", "--data-dir", sharedDataDir(t), "--no-download", "--model", "m", "--base-url", "http://127.0.0.1:1", "--out", t.TempDir()}, &stdout, &stderr)
	if want := `$REGENESIS_SHARD: shard "JOB_COMPLETION_INDEX/8": index 9 out of range [0, 8)`; code == 0 || !strings.Contains(stderr.String(), want) {
		t.Errorf("exit %d, stderr %q; want %q", code, stderr.String(), want)
	}
}

func TestReportCommand(t *testing.T) {
	dirs := []string{"../report/testdata/base", "../report/testdata/regenesis"}
	var stdout, stderr bytes.Buffer
	if code := Main(append([]string{"report", "--baseline", dirs[0]}, dirs...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "| llama-3-8b-regenesis | greedy | 60.0 (±0.0) | 70.0 (+20.0) |") {
		t.Errorf("Markdown lacks the expected row:\n%s", stdout.String())
	}
	tmp := t.TempDir()
	tests := []struct {
		name    string
		flags   []string
		want    []string // files written
		warning string   // on stderr; "" for none
	}{
		{"out dir", []string{"--out", filepath.Join(tmp, "a")}, []string{"a/report.md", "a/report.html"}, ""},
		{"out file", []string{"--out-file", filepath.Join(tmp, "b", "cmp")}, []string{"b/cmp.md", "b/cmp.html"}, ""},
		{"old spelling", []string{"--out", filepath.Join(tmp, "c", "cmp.md")}, []string{"c/cmp.md", "c/cmp.html"}, "use --out-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(append(append([]string{"report", "--baseline", dirs[0]}, tt.flags...), dirs...), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			for _, p := range tt.want {
				if _, err := os.Stat(filepath.Join(tmp, p)); err != nil {
					t.Error(err)
				}
			}
			if got := stderr.String(); tt.warning == "" && got != "" || !strings.Contains(got, tt.warning) {
				t.Errorf("stderr %q, want %q", got, tt.warning)
			}
		})
	}

	// A re-run that fails leaves the earlier report byte-identical.
	before := readDir(t, filepath.Join(tmp, "a"))
	var stdout2, stderr2 bytes.Buffer
	if code := Main([]string{"report", "--out", filepath.Join(tmp, "a"), dirs[0], filepath.Join(tmp, "no-such-eval")}, &stdout2, &stderr2); code == 0 {
		t.Fatal("report of a missing directory succeeded")
	}
	if after := readDir(t, filepath.Join(tmp, "a")); !maps.EqualFunc(before, after, bytes.Equal) {
		t.Errorf("failed re-run changed the report: %v -> %v", slices.Collect(maps.Keys(before)), slices.Collect(maps.Keys(after)))
	}
}

// TestEvalBBHProtocol runs eval --protocol bbh-3shot: by default the
// paper's six subtasks, 2,048 tokens, the official prompts before each
// question.
func TestEvalBBHProtocol(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	reg := task.NewRegistry(data)
	var key []simserver.Entry
	for _, name := range task.BBHReferenceSubtasks() {
		for _, ex := range firstExamples(t, reg, name, 3) {
			key = append(key, simserver.EntryFor(ex))
		}
	}
	srv := simserver.New(simserver.Config{Seed: 3}, key)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"eval", "--data-dir", data, "--no-download", "--protocol", "bbh-3shot", "--limit", "3",
		"--model", srv.Model(), "--base-url", ts.URL, "--out", out}
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	res, err := eval.ReadResults(filepath.Join(out, eval.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if res.Protocol != eval.ProtocolBBH || res.MaxTokens != eval.BBHMaxTokens || len(res.Tasks) != 6 {
		t.Fatalf("protocol %q, max tokens %d, %d tasks", res.Protocol, res.MaxTokens, len(res.Tasks))
	}
	for _, name := range task.BBHReferenceSubtasks() {
		if r := res.Tasks[name]; r == nil || r.N != 3 {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if g := res.Groups["ood"]; g == nil || g.N != 18 {
		t.Errorf("ood group %+v", g)
	}
}

// readDir returns every file under dir by relative path.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
