package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// runScore runs "regenesis score" on the shared data and returns stdout,
// stderr and the exit status.
func runScore(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("HF_HUB_OFFLINE", "1")
	var out, errOut bytes.Buffer
	args = append([]string{"score", "--data-dir", sharedDataDir(t)}, args...)
	code := Main(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// gsm8kTest returns the first n examples of GSM8K's test split.
func gsm8kTest(t *testing.T, n int) []task.Example {
	t.Helper()
	tk, err := task.NewRegistry(sharedDataDir(t)).Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(context.Background(), "test", n)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// writeLines writes lines to a file in a fresh temporary directory.
func writeLines(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func jsonLine(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestScoreGSM8K(t *testing.T) {
	exs := gsm8kTest(t, 6)
	lines := []string{
		// by id, boxed, right
		jsonLine(t, map[string]any{"id": exs[0].ID, "prediction": "So she makes 9 * 2 = 18 dollars.\n\\boxed{18}"}),
		// by question (whitespace differs), answer phrase with currency, right
		jsonLine(t, map[string]any{"question": "  " + strings.ReplaceAll(exs[1].Question, " ", "  "), "prediction": "The answer is $" + exs[1].Answer + "."}),
		"",
		// by id, wrong number
		jsonLine(t, map[string]any{"id": exs[2].ID, "prediction": "#### 1.05", "extra": true}),
		// by id, GSM8K style, right
		jsonLine(t, map[string]any{"id": exs[3].ID, "prediction": "Step one.\n#### " + exs[3].Answer}),
		// no answer at all
		jsonLine(t, map[string]any{"id": exs[4].ID, "prediction": "I am not sure."}),
		// by id, right, last number in prose
		jsonLine(t, map[string]any{"id": exs[5].ID, "prediction": "Adding up, the total comes to " + exs[5].Answer}),
	}
	preds := writeLines(t, "preds.jsonl", lines...)

	for _, tt := range []struct {
		mode    string
		stdout  string
		correct []bool
		boxed   bool
	}{
		{"lenient", "accuracy: 0.6667 (n=6)\n", []bool{true, true, false, true, false, true}, false},
		{"strict", "accuracy: 0.1667 (n=6)\n", []bool{true, false, false, false, false, false}, true},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "verdicts.jsonl")
			stdout, stderr, code := runScore(t, "--task", "gsm8k", "--predictions", preds, "--mode", tt.mode, "--out-file", out, "--allow-partial")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stderr, "1313 of 1319 questions of gsm8k split test have no prediction") {
				t.Errorf("stderr %q does not report the missing predictions", stderr)
			}
			if stdout != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout, tt.stdout)
			}
			lenient := []string{"18", exs[1].Answer, "1.05", exs[3].Answer, "", exs[5].Answer}
			var want strings.Builder
			for i, c := range tt.correct {
				extracted := lenient[i]
				if tt.boxed && i != 0 {
					extracted = ""
				}
				fmt.Fprintf(&want, `{"index":%d,"task":"gsm8k","question_id":%q,"extracted":%q,"correct":%v}`+"\n", i, exs[i].ID, extracted, c)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), string(got)); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScoreGSM8KFullTestSet scores the reference solutions of the whole
// GSM8K test split, matched by question, without --out.
func TestScoreGSM8KFullTestSet(t *testing.T) {
	var lines []string
	for l, err := range fileio.ReadFile[struct{ Question, Answer string }](filepath.Join(sharedDataDir(t), "gsm8k", "test.jsonl")) {
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, jsonLine(t, map[string]string{"question": l.Value.Question, "prediction": l.Value.Answer}))
	}
	preds := writeLines(t, "preds.jsonl", lines...)
	stdout, stderr, code := runScore(t, "--task", "gsm8k", "--predictions", preds)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "accuracy: 1.0000 (n=1319)\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

func TestScoreErrors(t *testing.T) {
	exs := gsm8kTest(t, 1)
	good := jsonLine(t, map[string]any{"id": exs[0].ID, "prediction": "\\boxed{18}"})
	tests := []struct {
		name  string
		lines []string
		args  []string
		want  string // in stderr, after the file name
	}{
		{"malformed JSON", []string{good, `{"id": "x", "prediction": `}, nil, `:2: malformed JSON`},
		{"missing prediction", []string{good, good, `{"id": "` + exs[0].ID + `"}`}, nil, `:3: field "prediction": missing`},
		{"prediction not a string", []string{`{"id": "` + exs[0].ID + `", "prediction": 18}`}, nil, `:1: field "prediction": want string, got a JSON number`},
		{"unknown id", []string{`{"id": "test-99999", "prediction": "1"}`}, nil, `:1: field "id": unknown id "test-99999" in task gsm8k split test`},
		{"unknown question", []string{good, `{"question": "How many moons has Mars?", "prediction": "2"}`}, nil, `:2: field "question": unknown question "How many moons has Mars?"`},
		{"neither id nor question", []string{`{"prediction": "2"}`}, nil, `:1: fields "id", "question_id" and "question": all missing`},
		{"missing predictions", []string{good}, nil, `: 1318 of 1319 questions of gsm8k split test have no prediction (test-1, test-2, test-3, test-4, test-5, and 1313 more); pass --allow-partial`},
		{"duplicated prediction", []string{good, good}, []string{"--allow-partial=false"}, `: 1 questions predicted more than once (gsm8k/` + exs[0].ID + ` on lines 1 and 2)`},
		{"task not given", []string{`{"task": "svamp", "id": "` + exs[0].ID + `", "prediction": "1"}`}, nil, `:1: field "task": "svamp" is not one of --task gsm8k`},
		{"invalid UTF-8", []string{"{\"id\": \"" + exs[0].ID + "\", \"prediction\": \"\xff\"}"}, nil, `:1: invalid UTF-8`},
		{"id of a wrong type", []string{`{"id": {"a": 1}, "prediction": "2"}`}, nil, `:1: field "id": want a string or a number`},
		{"empty file", []string{""}, nil, `: no predictions`},
		{"bad mode", []string{good}, []string{"--mode", "loose"}, `--mode "loose": want lenient or strict`},
		{"unknown split", []string{good}, []string{"--split", "dev"}, `unknown split "dev"`},
		{"unknown task", []string{good}, []string{"--task", "gsm9k"}, `unknown task`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			preds := writeLines(t, "preds.jsonl", tt.lines...)
			out := filepath.Join(filepath.Dir(preds), "verdicts.jsonl")
			args := append([]string{"--task", "gsm8k", "--predictions", preds, "--out-file", out}, tt.args...)
			stdout, stderr, code := runScore(t, args...)
			if code == 0 {
				t.Fatalf("exit 0, stdout %q; want an error", stdout)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if strings.HasPrefix(tt.want, ":") && !strings.Contains(stderr, preds+tt.want) {
				t.Errorf("stderr = %q, want the error to start with the file name %s", stderr, preds)
			}
			entries, err := os.ReadDir(filepath.Dir(preds))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Errorf("a failed run left files behind: %v", entries)
			}
		})
	}
}

// TestScoreEvalPredictions scores eval's own predictions.jsonl (records
// keyed question_id, replies in "samples") for two tasks at once, checks
// --out DIR, the report of a duplicate under --allow-partial, and that a
// failed re-run leaves the earlier verdicts byte-identical.
func TestScoreEvalPredictions(t *testing.T) {
	gsm := gsm8kTest(t, 2)
	reg := task.NewRegistry(sharedDataDir(t))
	sv, err := reg.Get("svamp")
	if err != nil {
		t.Fatal(err)
	}
	svs, err := sv.First(context.Background(), sv.Info().TestSplit, 1)
	if err != nil {
		t.Fatal(err)
	}
	line := func(taskName, id string, texts ...string) string {
		var samples []map[string]string
		for _, x := range texts {
			samples = append(samples, map[string]string{"text": x, "extracted": "ignored"})
		}
		return jsonLine(t, map[string]any{"task": taskName, "question_id": id, "question": "ignored when the id is given", "samples": samples, "verdict": "correct"})
	}
	preds := writeLines(t, "predictions.jsonl",
		line("gsm8k", gsm[0].ID, `\boxed{`+gsm[0].Answer+`}`),
		line("gsm8k", gsm[1].ID, `\boxed{1}`, `\boxed{`+gsm[1].Answer+`}`, `\boxed{`+gsm[1].Answer+`}`), // majority right
		line("svamp", svs[0].ID, `\boxed{-1}`),
		line("gsm8k", gsm[0].ID, `\boxed{0}`), // duplicate: skipped
	)
	outDir := filepath.Join(t.TempDir(), "scored")
	stdout, stderr, code := runScore(t, "--task", "gsm8k,svamp", "--predictions", preds, "--out", outDir, "--allow-partial")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "accuracy: 0.6667 (n=3)\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	if !strings.Contains(stderr, "1 questions predicted more than once (gsm8k/"+gsm[0].ID+" on lines 1 and 4)") {
		t.Errorf("stderr %q does not report the duplicate", stderr)
	}
	got, err := os.ReadFile(filepath.Join(outDir, "verdicts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"index":0,"task":"gsm8k","question_id":%q,"extracted":%q,"correct":true}
{"index":1,"task":"gsm8k","question_id":%q,"extracted":%q,"correct":true}
{"index":2,"task":"svamp","question_id":%q,"extracted":"-1","correct":false}
`, gsm[0].ID, gsm[0].Answer, gsm[1].ID, gsm[1].Answer, svs[0].ID)
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	// Without --allow-partial the same file fails and the verdicts stay.
	if _, stderr, code := runScore(t, "--task", "gsm8k,svamp", "--predictions", preds, "--out", outDir); code == 0 || !strings.Contains(stderr, "have no prediction") {
		t.Fatalf("exit %d, stderr %q; want a failure naming the missing predictions", code, stderr)
	}
	if again, _ := os.ReadFile(filepath.Join(outDir, "verdicts.jsonl")); string(again) != string(got) {
		t.Errorf("a failed re-run changed verdicts.jsonl")
	}
}
