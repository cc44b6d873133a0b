package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/task"
)

var updateTasksGolden = flag.Bool("update-tasks", false, "rewrite testdata/tasks.golden")

// sharedDataDir is the project's benchmark data, relative to this package.
func sharedDataDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../shared/data")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Fatalf("shared data not found: %v", err)
	}
	return dir
}

// runTasks runs "regenesis tasks args..." and returns stdout and the exit status.
func runTasks(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("HF_HUB_OFFLINE", "1")
	var out, errOut bytes.Buffer
	code := Main(append([]string{"tasks"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestTasksTable(t *testing.T) {
	out, stderr, code := runTasks(t, "--data-dir", sharedDataDir(t), "--no-download")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden := filepath.Join("testdata", "tasks.golden")
	if *updateTasksGolden {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestTasksJSON(t *testing.T) {
	out, stderr, code := runTasks(t, "--data-dir", sharedDataDir(t), "--json", "--group", "in-domain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var infos []task.Info
	if err := json.Unmarshal([]byte(out), &infos); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
	}
	if diff := cmp.Diff([]string{"gsm8k", "numglue", "arc_challenge", "reclor", "strategyqa"}, names); diff != "" {
		t.Errorf("in-domain tasks (-want +got):\n%s", diff)
	}
	want := task.Split{Name: "test", Count: 1319, Local: true, Hub: true,
		Files:    []string{filepath.Join(sharedDataDir(t), "gsm8k", "test.jsonl")},
		HubFiles: []task.HubFile{{Repo: "openai/gsm8k", Revision: "740312add88f781978c0658806c59bc2815b9866", Path: "main/test-00000-of-00001.parquet"}}}
	if diff := cmp.Diff(want, infos[0].Splits[1]); diff != "" {
		t.Errorf("gsm8k test split (-want +got):\n%s", diff)
	}
	if infos[0].Revision != "740312add88f781978c0658806c59bc2815b9866" || !infos[0].Pinned {
		t.Errorf("gsm8k revision %q pinned %v", infos[0].Revision, infos[0].Pinned)
	}
	if infos[1].Name != "numglue" || infos[1].Revision != "main" || infos[1].Pinned {
		t.Errorf("numglue: revision %q pinned %v, want main, unpinned", infos[1].Revision, infos[1].Pinned)
	}
}

// TestTasksRevision overrides the pinned revisions, for one task and for all.
func TestTasksRevision(t *testing.T) {
	const other = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		args       []string
		gsm8k, arc string
	}{
		{nil, "740312add88f781978c0658806c59bc2815b9866", "210d026faf9955653af8916fad021475a3f00453"},
		{[]string{"--revision", "gsm8k=" + other}, other, "210d026faf9955653af8916fad021475a3f00453"},
		{[]string{"--revision", "main"}, "main", "main"},
	}
	for _, tt := range tests {
		out, stderr, code := runTasks(t, append([]string{"--data-dir", t.TempDir(), "--json", "--group", "in-domain"}, tt.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		var infos []task.Info
		if err := json.Unmarshal([]byte(out), &infos); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, i := range infos {
			got[i.Name] = i.Revision
			for _, s := range i.Splits {
				for _, f := range s.HubFiles {
					if f.Revision != i.Revision {
						t.Errorf("%v: %s file %s at %s, task at %s", tt.args, i.Name, f.Path, f.Revision, i.Revision)
					}
				}
			}
		}
		if got["gsm8k"] != tt.gsm8k || got["arc_challenge"] != tt.arc {
			t.Errorf("%v: revisions %v", tt.args, got)
		}
	}
	_, stderr, code := runTasks(t, "--revision", "nosuch=main")
	if code == 0 || !strings.Contains(stderr, `no built-in task "nosuch"`) {
		t.Errorf("unknown task: exit %d, %q", code, stderr)
	}
}

func TestTasksCustom(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "q.jsonl")
	if err := os.WriteFile(data, []byte(`{"q":"1+1","a":"2"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	yml := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(yml, []byte("name: fromfile\nanswer_type: number\nsplits: {test: q.jsonl}\nfields: {question: q, answer: a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runTasks(t, "--data-dir", dir, "--no-download", "--task-file", yml,
		"--custom-task", "fromflags", "--custom-answer-type", "number", "--custom-split", "test="+data,
		"--custom-field", "question=q", "--custom-field", "answer=a", "--group", "extra")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		rows = append(rows, strings.Join(strings.Fields(line), " "))
	}
	want := []string{
		"commonsenseqa extra choice dev train tau/commonsense_qa@94630fe30dad47192a8546eb75f094926d47e155 train 9,741 [hub], dev 1,221 [hub]",
		"strategyqa.facts extra yesno dev train voidful/StrategyQA@main (unpinned) train 2,061 [missing], dev 229 [missing], all 2,290 [hub]",
		"arc_challenge.traindev extra choice test train allenai/ai2_arc@210d026faf9955653af8916fad021475a3f00453 train 1,418 [hub], test 1,172 [hub]",
		"numglue.types1258 extra number test train metaeval/num-glue@main (unpinned) train ? [hub], dev ? [hub], test ? [hub], sample ? [missing]",
		"fromfile extra number test - - test ?",
		"fromflags extra number test - - test ?",
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestTasksErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nanswer_typ: number\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--group", "indomain"}, `--group "indomain"`},
		{[]string{"--task-file", bad}, bad + ":2:1: unknown field \"answer_typ\""},
		{[]string{"--custom-answer-type", "number"}, "need --custom-task"},
		{[]string{"--custom-task", "c", "--custom-field", "answer"}, `want FIELD=PATH`},
		{[]string{"--custom-task", "c", "--custom-answer-type", "number", "--custom-split", "test=x.jsonl", "--custom-field", "question=q"}, `"fields.answer": missing`},
	}
	for _, tt := range tests {
		_, stderr, code := runTasks(t, append([]string{"--no-download"}, tt.args...)...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to contain %q", tt.args, code, stderr, tt.want)
		}
	}
}
