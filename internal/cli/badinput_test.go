package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput runs the binary's entry point on each kind of bad input and
// checks that it is refused with a message naming the flag, or the file,
// line and field, and a non-zero exit, before any request is sent (the
// model server address is a closed port); or accepted where that is right.
func TestBadInput(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emptyCfg := write("empty.yaml", "")
	commentCfg := write("comments.yaml", "# settings\n\n# none yet\n")
	commaCfg := write("comma.json", "{\n  \"temperature\": 0.5,\n}\n")
	badUTF8 := write("bad.jsonl", "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"1\"}\n{\"id\":\"b\",\"question\":\"caf\xe9\",\"answer\":\"2\"}\n")
	bom := write("bom.jsonl", "\ufeff{\"id\":\"a\",\"question\":\"q\",\"answer\":\"1\"}\n")
	dup := write("dup.jsonl", "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"1\"}\n{\"id\":\"a\",\"question\":\"r\",\"answer\":\"2\"}\n")
	empty := write("empty.jsonl", "\n\n")
	preds := write("preds.jsonl", `{"id":"a","prediction":"\\boxed{1}"}`+"\n")
	twice := write("twice.jsonl", `{"id":"a","prediction":"\\boxed{1}"}`+"\n"+`{"id":"a","prediction":"\\boxed{2}"}`+"\n")
	none := write("none.jsonl", `{"id":"a","prediction":"\\boxed{1}"}`+"\n")
	two := write("two.jsonl", "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"1\"}\n{\"id\":\"b\",\"question\":\"r\",\"answer\":\"2\"}\n")

	server := []string{"--model", "m", "--base-url", "http://127.0.0.1:1/v1", "--max-retries", "0", "--data-dir", data}
	synth := func(extra ...string) []string {
		return append(append([]string{"synthesize", "--task", "gsm8k", "--out", filepath.Join(dir, "synth")}, server...), extra...)
	}
	eval := func(extra ...string) []string {
		return append(append([]string{"eval", "--task", "gsm8k", "--out", filepath.Join(dir, "eval")}, server...), extra...)
	}
	custom := func(file string) []string {
		return []string{"--custom-task", "c", "--custom-answer-type", "number", "--custom-split", "test=" + file,
			"--custom-field", "id=id", "--custom-field", "question=question", "--custom-field", "answer=answer"}
	}
	score := func(file, predictions string, extra ...string) []string {
		return append(append([]string{"score", "--task", "c", "--predictions", predictions}, custom(file)...), extra...)
	}
	tests := []struct {
		name   string
		args   []string
		ok     bool   // accepted
		stdout string // in stdout when accepted
		stderr string // in stderr
	}{
		{"synthesize --limit -1", synth("--limit", "-1"), false, "", "--limit -1: want 0 (all) or more"},
		{"eval --limit -1", eval("--limit", "-1"), false, "", "--limit -1: want 0 (all) or more"},
		{"synthesize --concurrency -5", synth("--concurrency", "-5"), false, "", "--concurrency -5: want 0 (automatic) or more"},
		{"eval --concurrency -5", eval("--concurrency", "-5"), false, "", "--concurrency -5: want 0 (automatic) or more"},
		{"empty --config", synth("--config", emptyCfg), false, "", "config " + emptyCfg + ": no settings in the file"},
		{"comment-only --config", synth("--config", commentCfg), false, "", "config " + commentCfg + ": no settings in the file"},
		{"JSON --config with a trailing comma", synth("--config", commaCfg), false, "", "config " + commaCfg + ":3:1: malformed JSON"},
		{"invalid UTF-8 in a task file", score(badUTF8, preds, "--allow-partial"), false, "", badUTF8 + ":2: byte 0xe9: invalid UTF-8"},
		{"UTF-8 BOM is skipped", score(bom, preds), true, "accuracy: 1.0000 (n=1)", ""},
		{"duplicate question ids", score(dup, preds, "--allow-partial"), false, "", dup + `:2: field "id": duplicate question id "a"`},
		{"empty task file", score(empty, preds), false, "", empty + ": no records: the file is empty"},
		{"score: missing predictions", score(two, none), false, "", none + ": 1 of 2 questions of c split test have no prediction (b); pass --allow-partial"},
		{"score: missing predictions allowed", score(two, none, "--allow-partial"), true, "accuracy: 1.0000 (n=1)", "warning: " + none + ": 1 of 2 questions"},
		{"score: duplicated predictions", score(bom, twice), false, "", twice + ": 1 questions predicted more than once (c/a on lines 1 and 2)"},
		{"synthesize: unknown split", synth("--split", "dev"), false, "", `task gsm8k has no split "dev"`},
		{"eval --suite with a task not on disk", []string{"eval", "--suite", "in-domain", "--no-download", "--out", filepath.Join(dir, "suite"), "--model", "m", "--base-url", "http://127.0.0.1:1/v1", "--data-dir", data},
			false, "", "--suite in-domain: 1 of 5 tasks cannot be read, so nothing was sent to the server: numglue/test\n  task numglue split test: " + filepath.Join(data, "numglue", "NumGLUE_test.json") + " does not exist (looked in --data-dir " + data + " for numglue/) and Hub downloads are off"},
		{"wrong --data-dir names the file looked for", []string{"eval", "--task", "gsm8k,svamp", "--out", filepath.Join(dir, "wrong"), "--model", "m", "--base-url", "http://127.0.0.1:1/v1", "--data-dir", filepath.Join(dir, "no-such-data")},
			false, "", "2 of 2 tasks cannot be read, so nothing was sent to the server: gsm8k/test, svamp/test\n  task gsm8k split test: " + filepath.Join(dir, "no-such-data", "gsm8k", "test.jsonl") + " does not exist (looked in --data-dir " + filepath.Join(dir, "no-such-data") + " for gsm8k/), and the Hugging Face Hub download failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, &stdout, &stderr)
			if (code == 0) != tt.ok {
				t.Fatalf("exit %d, want ok=%v\nstdout: %s\nstderr: %s", code, tt.ok, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.stderr)
			}
			if strings.Contains(stderr.String(), "connection refused") {
				t.Errorf("a request was sent before the input was refused: %s", stderr.String())
			}
		})
	}
}
