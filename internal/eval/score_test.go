package eval

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// numsTask returns a custom number task whose test split holds records
// (JSON Lines with "id", "q" and "a").
func numsTask(t *testing.T, records ...string) *task.Task {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.jsonl"), []byte(strings.Join(records, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := task.NewCustom(task.CustomSpec{
		Name: "nums", AnswerType: answer.Number, Splits: map[string]string{"test": "test.jsonl"},
		Fields: task.Fields{ID: "id", Question: "q", Answer: "a"},
	}, dir)
	if err != nil {
		t.Fatal(err)
	}
	r := task.NewRegistry(t.TempDir())
	if err := r.Add(c); err != nil {
		t.Fatal(err)
	}
	tk, err := r.Get("nums")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// writePredictions writes lines into a fresh predictions file.
func writePredictions(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "preds.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScore(t *testing.T) {
	tk := numsTask(t,
		`{"id": "a", "q": "1+1", "a": "2"}`,
		`{"id": 7, "q": "2+2", "a": "4"}`,
		`{"id": "c", "q": "3 + 3", "a": "6"}`,
		`{"id": "d", "q": "4+4", "a": "8"}`,
		`{"id": "e", "q": "5+5", "a": "10"}`,
	)
	preds := writePredictions(t,
		`{"id": "a", "prediction": "1 + 1 = 2, so \\boxed{2}"}`,                                                           // boxed: right in both modes
		`{"id": 7, "prediction": "The answer is 4."}`,                                                                     // numeric id; a phrase: lenient only
		`{"question": "3   +\n3", "samples": [{"text": "\\boxed{5}"}, {"text": "\\boxed{6}"}, {"text": "\\boxed{6.0}"}]}`, // by question; majority right
		`{"question_id": "d", "prediction": "4 + 4 = 8 and then", "finish_reason": "length"}`,                             // cut off: no answer
		`{"id": "e", "samples": [{"text": "\\boxed{11}"}]}`,                                                               // one sample, wrong
	)
	for _, tt := range []struct {
		name  string
		mode  answer.Mode
		want  ScoreResult
		lines string
	}{
		{"lenient", answer.Lenient, ScoreResult{N: 5, Correct: 3}, `{"index":0,"task":"nums","question_id":"a","extracted":"2","correct":true}
{"index":1,"task":"nums","question_id":"7","extracted":"4","correct":true}
{"index":2,"task":"nums","question_id":"c","extracted":"6","correct":true}
{"index":3,"task":"nums","question_id":"d","extracted":"","correct":false}
{"index":4,"task":"nums","question_id":"e","extracted":"11","correct":false}
`},
		{"strict", answer.Strict, ScoreResult{N: 5, Correct: 2}, `{"index":0,"task":"nums","question_id":"a","extracted":"2","correct":true}
{"index":1,"task":"nums","question_id":"7","extracted":"","correct":false}
{"index":2,"task":"nums","question_id":"c","extracted":"6","correct":true}
{"index":3,"task":"nums","question_id":"d","extracted":"","correct":false}
{"index":4,"task":"nums","question_id":"e","extracted":"11","correct":false}
`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "scored", VerdictsFile)
			var warn bytes.Buffer
			got, err := Score(context.Background(), ScoreOptions{Tasks: []*task.Task{tk}, Predictions: preds, Mode: tt.mode, Out: out, Warn: &warn})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Score = %+v, want %+v", got, tt.want)
			}
			if warn.Len() != 0 {
				t.Errorf("warnings %q, want none", warn.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.lines, string(b)); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreResultAccuracy(t *testing.T) {
	for _, tt := range []struct {
		r    ScoreResult
		want float64
	}{{ScoreResult{N: 4, Correct: 3}, 0.75}, {ScoreResult{}, 0}} {
		if got := tt.r.Accuracy(); got != tt.want {
			t.Errorf("%+v.Accuracy() = %g, want %g", tt.r, got, tt.want)
		}
	}
}

// TestScoreErrors checks the errors of Score: a bad line is a
// *fileio.LineError naming its line and field, missing and duplicated
// predictions fail unless AllowPartial, and no verdicts file is left.
func TestScoreErrors(t *testing.T) {
	tk := numsTask(t,
		`{"id": "a", "q": "same question", "a": "1"}`,
		`{"id": "b", "q": "same  question", "a": "2"}`,
		`{"id": "c", "q": "other", "a": "3"}`,
	)
	all := []string{`{"id": "a", "prediction": "1"}`, `{"id": "b", "prediction": "2"}`, `{"id": "c", "prediction": "3"}`}
	tests := []struct {
		name    string
		lines   []string
		partial bool
		line    int    // of the *fileio.LineError; 0: none
		field   string // of the *fileio.LineError
		want    string // in the message
	}{
		{"ambiguous question", []string{all[0], `{"question": "same question", "prediction": "1"}`}, false, 2, "question", "with different answers share this question"},
		{"no reply", []string{`{"id": "a"}`}, false, 1, "prediction", `missing (want the model's reply`},
		{"task of a line not given", []string{`{"task": "gsm8k", "id": "a", "prediction": "1"}`}, false, 1, "task", `"gsm8k" is not one of --task nums`},
		{"unknown id", []string{`{"id": 99, "prediction": "1"}`}, false, 1, "id", `unknown id "99" in task nums split test`},
		{"missing", all[:2], false, 0, "", "1 of 3 questions of nums split test have no prediction (c); pass --allow-partial"},
		{"duplicate, even partial, is no line error", append(all, all[0]), false, 0, "", "1 questions predicted more than once (nums/a on lines 1 and 4)"},
		{"no predictions", []string{""}, true, 0, "", ": no predictions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			preds := writePredictions(t, tt.lines...)
			out := filepath.Join(t.TempDir(), VerdictsFile)
			_, err := Score(context.Background(), ScoreOptions{Tasks: []*task.Task{tk}, Predictions: preds, Mode: answer.Lenient, Out: out, AllowPartial: tt.partial})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			var le *fileio.LineError
			if isLine := errors.As(err, &le); isLine != (tt.line > 0) || isLine && (le.File != preds || le.Line != tt.line || le.Field != tt.field) {
				t.Errorf("error %#v: want a line error at line %d field %q (0: none)", err, tt.line, tt.field)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a failed run left %s (stat: %v)", out, err)
			}
		})
	}
}

// TestScoreAllowPartial scores what is given, reports the rest, and keeps
// the first of two predictions of one question.
func TestScoreAllowPartial(t *testing.T) {
	tk := numsTask(t, `{"id": "a", "q": "x", "a": "1"}`, `{"id": "b", "q": "y", "a": "2"}`)
	preds := writePredictions(t, `{"id": "a", "prediction": "\\boxed{1}"}`, `{"id": "a", "prediction": "\\boxed{5}"}`)
	var warn bytes.Buffer
	got, err := Score(context.Background(), ScoreOptions{Tasks: []*task.Task{tk}, Predictions: preds, AllowPartial: true, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if got != (ScoreResult{N: 1, Correct: 1}) {
		t.Errorf("Score = %+v, want 1 of 1 correct", got)
	}
	want := "warning: " + preds + ": 1 questions predicted more than once (nums/a on lines 1 and 2); 1 of 2 questions of nums split test have no prediction (b); scoring the 1 predictions given (--allow-partial)\n"
	if warn.String() != want {
		t.Errorf("warnings %q, want %q", warn.String(), want)
	}
}

func TestScoreCancelled(t *testing.T) {
	tk := numsTask(t, `{"id": "a", "q": "x", "a": "1"}`)
	preds := writePredictions(t, `{"id": "a", "prediction": "\\boxed{1}"}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(t.TempDir(), VerdictsFile)
	if _, err := Score(ctx, ScoreOptions{Tasks: []*task.Task{tk}, Predictions: preds, Out: out}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a cancelled run left %s", out)
	}
}
