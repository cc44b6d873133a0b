package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestScoreFinishReason checks that score reads a cut-off reply (finish
// reason "length") only where it states an answer, as eval does.
func TestScoreFinishReason(t *testing.T) {
	exs := gsm8kTest(t, 4)
	rambling := func(ans string) string { return "She has 5 + 7 = 12, then 12 * 3 = " + ans + " and then" }
	lines := []string{
		// cut off mid-reasoning: its last number is no answer
		jsonLine(t, map[string]any{"id": exs[0].ID, "prediction": rambling(exs[0].Answer), "finish_reason": "length"}),
		// the same text, finished: the last number is read
		jsonLine(t, map[string]any{"id": exs[3].ID, "prediction": rambling(exs[3].Answer), "finish_reason": "stop"}),
		// cut off after it stated its answer
		jsonLine(t, map[string]any{"id": exs[1].ID, "prediction": "The answer is " + exs[1].Answer + ". To check, 1 + 1 =", "finish_reason": "length"}),
		// no finish reason: read as a finished reply
		jsonLine(t, map[string]any{"id": exs[2].ID, "prediction": "So the total comes to " + exs[2].Answer}),
	}
	preds := writeLines(t, "preds.jsonl", lines...)
	out := filepath.Join(t.TempDir(), "verdicts.jsonl")
	stdout, stderr, code := runScore(t, "--task", "gsm8k", "--predictions", preds, "--out-file", out, "--allow-partial")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "accuracy: 0.7500 (n=4)\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`{"index":0,"task":"gsm8k","question_id":"` + exs[0].ID + `","extracted":"","correct":false}`,
		`{"index":1,"task":"gsm8k","question_id":"` + exs[3].ID + `","extracted":"` + exs[3].Answer + `","correct":true}`,
		`{"index":2,"task":"gsm8k","question_id":"` + exs[1].ID + `","extracted":"` + exs[1].Answer + `","correct":true}`,
		`{"index":3,"task":"gsm8k","question_id":"` + exs[2].ID + `","extracted":"` + exs[2].Answer + `","correct":true}`,
	}, "\n") + "\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}

	bad := writeLines(t, "bad.jsonl", `{"id": "`+exs[0].ID+`", "prediction": "1", "finish_reason": 3}`)
	if _, stderr, code := runScore(t, "--task", "gsm8k", "--predictions", bad, "--allow-partial"); code == 0 || !strings.Contains(stderr, bad+`:1: field "finish_reason": want string`) {
		t.Errorf("finish_reason 3: exit %d, stderr %q; want an error naming the file, line and field", code, stderr)
	}
}
