package task

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTask writes files into a fresh data directory under the task's folder.
func writeTask(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// firstError returns the first error of a split's stream and how many
// examples came before it.
func firstError(t *testing.T, r *Registry, task, split string) (int, error) {
	t.Helper()
	tk, err := r.Get(task)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range tk.Examples(context.Background(), split) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		dir, task   string
		split       string
		files       map[string]string
		wantN       int
		wantLine    int
		wantField   string
		wantMessage string
	}{
		{
			name: "malformed JSONL", dir: "gsm8k", task: "gsm8k", split: "test",
			files: map[string]string{"test.jsonl": `{"question": "q1", "answer": "x\n#### 1"}` + "\n\n" + `{"question": "q2", "answer": ` + "\n"},
			wantN: 1, wantLine: 3, wantMessage: "malformed JSON",
		},
		{
			name: "missing answer field", dir: "gsm8k", task: "gsm8k", split: "test",
			files: map[string]string{"test.jsonl": `{"question": "q1", "answer": "x\n#### 1,234"}` + "\n" + `{"question": "q2"}` + "\n"},
			wantN: 1, wantLine: 2, wantField: "answer", wantMessage: "missing",
		},
		{
			name: "gsm8k answer without ####", dir: "gsm8k", task: "gsm8k", split: "test",
			files:    map[string]string{"test.jsonl": `{"question": "q1", "answer": "42"}` + "\n"},
			wantLine: 1, wantField: "answer", wantMessage: "####",
		},
		{
			name: "JSON array element missing a field", dir: "svamp", task: "svamp", split: "test",
			files: map[string]string{"SVAMP.json": "[\n  {\"ID\": \"a\", \"Body\": \"b\", \"Question\": \"q\", \"Answer\": 1.0},\n  {\"ID\": \"b\",\n   \"Body\": \"b\", \"Question\": \"q\"}\n]"},
			wantN: 1, wantLine: 3, wantField: "Answer", wantMessage: "missing",
		},
		{
			name: "malformed JSON array", dir: "svamp", task: "svamp", split: "test",
			files: map[string]string{"SVAMP.json": "[\n  {\"ID\": \"a\", \"Body\": \"b\", \"Question\": \"q\", \"Answer\": 1.0},\n  {\"ID\": \"b\" \"Body\": 1}\n]"},
			wantN: 1, wantLine: 3, wantMessage: "malformed JSON",
		},
		{
			name: "answer key not among the labels", dir: "arc_challenge", task: "arc_challenge", split: "test",
			files:    map[string]string{"ARC-Challenge-Test.jsonl": `{"id":"x","question":{"stem":"s","choices":[{"text":"a","label":"A"},{"text":"b","label":"B"}]},"answerKey":"C"}` + "\n"},
			wantLine: 1, wantField: "answerKey", wantMessage: "not one of the choice labels",
		},
		{
			name: "ANLI label", dir: "anli", task: "anli", split: "test_r1",
			files:    map[string]string{"anli_v1.0/R1/test.jsonl": `{"uid":"u","context":"c","hypothesis":"h","label":"x"}` + "\n"},
			wantLine: 1, wantField: "label", wantMessage: `"x" is not e, n or c`,
		},
		{
			name: "bad XML", dir: "asdiv", task: "asdiv", split: "test",
			files: map[string]string{"ASDiv.xml": "<ProblemSet>\n<Problem ID=\"a\"><Body>b</Body><Question>q</Question><Answer>1 (x)</Answer></Problem>\n<Problem ID=\"b\"><Body>b</Body>\n</ProblemSet>"},
			wantN: 1, wantLine: 3, wantField: "Problem", wantMessage: "XML syntax error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry(writeTask(t, tt.dir, tt.files))
			n, err := firstError(t, r, tt.task, tt.split)
			if err == nil {
				t.Fatal("no error")
			}
			if n != tt.wantN {
				t.Errorf("%d examples before the error, want %d", n, tt.wantN)
			}
			var re *RecordError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RecordError", err)
			}
			if re.Line != tt.wantLine || re.Field != tt.wantField {
				t.Errorf("line %d field %q, want line %d field %q (%v)", re.Line, re.Field, tt.wantLine, tt.wantField, err)
			}
			if !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("error %q does not say %q", err, tt.wantMessage)
			}
			if want := tt.dir + string(filepath.Separator); !strings.Contains(re.File, want) {
				t.Errorf("error file %q does not name the task folder", re.File)
			}
		})
	}
}

func TestUnknownTaskAndSplit(t *testing.T) {
	t.Parallel()
	r := NewRegistry(t.TempDir())
	_, err := r.Get("gsm9k")
	if !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("Get: %v, want ErrUnknownTask", err)
	}
	for _, name := range []string{"gsm8k", "arc_challenge", "bbh.navigate", "commonsenseqa"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %s", err, name)
		}
	}
	_, err = firstError(t, r, "gsm8k", "validation")
	if !errors.Is(err, ErrUnknownSplit) || !strings.Contains(err.Error(), "have train, test") {
		t.Errorf("unknown split: %v", err)
	}
	_, err = firstError(t, r, "gsm8k", "test")
	if err == nil || !strings.Contains(err.Error(), filepath.Join("gsm8k", "test.jsonl")) || !strings.Contains(err.Error(), "REGENESIS_DATA_DIR") {
		t.Errorf("missing file without Hub: %v", err)
	}
}

func TestANLIZip(t *testing.T) {
	t.Parallel()
	// The distribution's zip, unextracted, serves as well as its folders.
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "anli"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeZip(t, filepath.Join(root, "anli", "anli_v1.0.zip"), map[string]string{
		"anli_v1.0/R2/dev.jsonl": `{"uid":"u1","context":"c","hypothesis":"h","label":"n"}` + "\n" + `{"uid":"u2","context":"c","hypothesis":"h","label":"e"}` + "\n",
	})
	exs := collect(t, NewRegistry(root), "anli", "dev_r2")
	if len(exs) != 2 || exs[0].Answer != "B" || exs[1].Answer != "A" || exs[1].ID != "u2" {
		t.Errorf("got %+v", exs)
	}
}
