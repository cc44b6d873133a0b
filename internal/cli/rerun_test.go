package cli

import (
	"bytes"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// appendLine appends a line to a file.
func appendLine(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}

// mustRun runs args through Main and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
	}
}

// mustFail runs args through Main, fails the test if it exits 0, and
// returns what it printed on stderr.
func mustFail(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := Main(args, &stdout, &stderr); code == 0 {
		t.Fatalf("%v: exit 0, want a failure\n%s", args, stdout.String())
	}
	return stderr.String()
}

// sameFiles fails the test unless dir holds exactly the files of before,
// byte for byte (no file changed, none added, none left behind).
func sameFiles(t *testing.T, what string, before, after map[string][]byte) {
	t.Helper()
	if !maps.EqualFunc(before, after, bytes.Equal) {
		var changed []string
		for name := range maps.Keys(before) {
			if !bytes.Equal(before[name], after[name]) {
				changed = append(changed, name)
			}
		}
		for name := range maps.Keys(after) {
			if _, ok := before[name]; !ok {
				changed = append(changed, name+" (new)")
			}
		}
		slices.Sort(changed)
		t.Errorf("%s: a failed re-run changed %v", what, changed)
	}
}

// TestFailedRerunKeepsOutputs fails a re-run of eval, export and train
// halfway, after part of their new output was written, and checks that
// the earlier outputs are byte-identical.
func TestFailedRerunKeepsOutputs(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")

	t.Run("eval", func(t *testing.T) {
		data := sharedDataDir(t)
		var key []simserver.Entry
		for _, ex := range firstExamples(t, task.NewRegistry(data), "gsm8k", 6) {
			key = append(key, simserver.EntryFor(ex))
		}
		srv := simserver.New(simserver.Config{Seed: 4}, key)
		ts := httptest.NewServer(srv)
		defer ts.Close()
		out := t.TempDir()
		base := []string{"eval", "--data-dir", data, "--task", "gsm8k", "--model", srv.Model(), "--out", out, "--concurrency", "1", "--max-retries", "0"}
		mustRun(t, append(base, "--limit", "4", "--base-url", ts.URL)...)
		before := readDir(t, out)
		delete(before, "store.db") // the store is the run's cache and grows
		// The re-run replays the first 4 questions from the store, writes
		// them, and fails at the 5th: the server is gone.
		stderr := mustFail(t, append(base, "--limit", "6", "--base-url", "http://127.0.0.1:1")...)
		if !strings.Contains(stderr, "connection refused") {
			t.Errorf("stderr %q does not give the cause", stderr)
		}
		after := readDir(t, out)
		delete(after, "store.db")
		delete(after, "store.db-wal")
		delete(after, "store.db-shm")
		delete(before, "store.db-wal")
		delete(before, "store.db-shm")
		sameFiles(t, "eval", before, after)
	})

	t.Run("export", func(t *testing.T) {
		dir := copySynthDir(t)
		mustRun(t, "export", dir, "--format", "messages")
		mustRun(t, "export", dir, "--format", "sharegpt")
		before := readDir(t, dir)
		appendLine(t, filepath.Join(dir, "sft.jsonl"), `{"messages": [`)
		before["sft.jsonl"] = mustRead(t, filepath.Join(dir, "sft.jsonl"))
		for _, f := range []string{"messages", "sharegpt"} {
			if stderr := mustFail(t, "export", dir, "--format", f); !strings.Contains(stderr, "malformed JSON") {
				t.Errorf("export %s: stderr %q", f, stderr)
			}
		}
		sameFiles(t, "export", before, readDir(t, dir))
	})

	t.Run("train", func(t *testing.T) {
		data := writeTrainSFT(t)
		out := t.TempDir()
		args := []string{"train", "--engine", "axolotl", "--data", data, "--base-model", "org/m", "--out", out, "--skip-checks"}
		mustRun(t, args...)
		before := readDir(t, out)
		// New data: a different first example, then a bad record.
		bad := `{"messages":[{"role":"user","content":"What is 4+4?"},{"role":"assistant","content":"8."}]}` + "\n" + `{"messages": "not a list"}` + "\n"
		if err := os.WriteFile(filepath.Join(data, "sft.jsonl"), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		mustFail(t, args...)
		after := readDir(t, out)
		sameFiles(t, "train", before, after)
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
