package task

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCustomTask(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"quiz.yaml": `name: quiz
description: a quiz
answer_type: choice
splits:
  test: test.csv
fields:
  id: qid
  question: prompt
  answer: gold
  choice_fields: [a, b, c]
  rationale: why
`,
		"test.csv": "qid,prompt,a,b,c,gold,why\nq1,Pick one,red,green,blue,B,because\nq2,\"Pick, again\",x,y,z,z,\n",
		"nums.yaml": `name: nums
answer_type: number
answer_index_base: 0
splits: {train: train.jsonl, test: test.jsonl}
fields: {question: q.text, answer: a}
`,
		"train.jsonl": `{"q": {"text": "1+1"}, "a": "2"}` + "\n",
		"test.jsonl":  `{"q": {"text": "1000+234"}, "a": "1,234"}` + "\n" + `{"q": {"text": "x"}, "a": 3.50}` + "\n",
	})
	c, err := LoadCustom(filepath.Join(dir, "quiz.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(t.TempDir())
	if err := r.Add(c); err != nil {
		t.Fatal(err)
	}
	got := collect(t, r, "quiz", "test")
	opts := func(s ...string) []answer.Option {
		var o []answer.Option
		for i, x := range s {
			o = append(o, answer.Option{Label: letter(i), Text: x})
		}
		return o
	}
	want := []Example{
		{ID: "q1", Task: "quiz", Question: "Pick one\nAnswer Choices: (A) red (B) green (C) blue", Spec: answer.Spec{Type: answer.Choice, Options: opts("red", "green", "blue")}, Answer: "B", Rationale: "because"},
		{ID: "q2", Task: "quiz", Question: "Pick, again\nAnswer Choices: (A) x (B) y (C) z", Spec: answer.Spec{Type: answer.Choice, Options: opts("x", "y", "z")}, Answer: "C"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	info, _ := r.Get("quiz")
	if i := info.Info(); i.TestSplit != "test" || i.Group != Extra || !i.Splits[0].Local {
		t.Errorf("info %+v", i)
	}

	c, err = LoadCustom(filepath.Join(dir, "nums.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Add(c); err != nil {
		t.Fatal(err)
	}
	nums := collect(t, r, "nums", "test")
	if len(nums) != 2 || nums[0].Answer != "1234" || nums[1].Answer != "3.5" || nums[0].ID != "test-0" || nums[0].Question != "1000+234" {
		t.Errorf("nums %+v", nums)
	}
	if tk, _ := r.Get("nums"); tk.Info().TrainSplit != "train" {
		t.Errorf("train split %q", tk.Info().TrainSplit)
	}
	if err := r.Add(c); err == nil {
		t.Error("adding a task twice: no error")
	}
}

func TestCustomTaskErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "name: x\nanswer_type: text\nsplits: {test: a.jsonl}\nfields:\n  question: q\n  answr: a\n", "x.yaml:6:3: unknown field \"answr\""},
		{"bad type", "name: x\nanswer_type: letter\nsplits: {test: a.jsonl}\nfields: {question: q, answer: a}\n", `"answer_type": "letter" is not`},
		{"no answer field", "name: x\nanswer_type: text\nsplits: {test: a.jsonl}\nfields: {question: q}\n", `"fields.answer": missing`},
		{"choice without options", "name: x\nanswer_type: choice\nsplits: {test: a.jsonl}\nfields: {question: q, answer: a}\n", `needs "fields.choices"`},
		{"bad extension", "name: x\nanswer_type: text\nsplits: {test: a.txt}\nfields: {question: q, answer: a}\n", "cannot tell the format"},
		{"syntax", "name: [x\n", "x.yaml:"},
		{"test split", "name: x\nanswer_type: text\ntest_split: eval\nsplits: {test: a.jsonl}\nfields: {question: q, answer: a}\n", `no split "eval"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"x.yaml": tt.yaml})
			_, err := LoadCustom(filepath.Join(dir, "x.yaml"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCustomRecordErrors(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"a.jsonl": `{"q": "one", "a": "A", "opts": ["x", "y"]}` + "\n" + `{"q": "two", "a": "Z", "opts": ["x", "y"]}` + "\n",
		"b.jsonl": `{"q": "one", "a": "A", "opts": ["x", "y"]}` + "\n" + `{"q": "two", "opts": ["x", "y"]}` + "\n",
	})
	for file, want := range map[string]struct {
		field, msg string
	}{
		"a.jsonl": {"a", "neither an option label nor an option's text"},
		"b.jsonl": {"a", "missing"},
	} {
		c, err := NewCustom(CustomSpec{Name: "c", AnswerType: answer.Choice, Splits: map[string]string{"test": file},
			Fields: Fields{Question: "q", Answer: "a", Choices: "opts"}}, dir)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRegistry(t.TempDir())
		if err := r.Add(c); err != nil {
			t.Fatal(err)
		}
		tk, _ := r.Get("c")
		var got error
		for _, err := range tk.Examples(context.Background(), "test") {
			if err != nil {
				got = err
			}
		}
		var re *RecordError
		if !errors.As(got, &re) || re.Line != 2 || re.Field != want.field || !strings.Contains(got.Error(), want.msg) || !strings.HasSuffix(re.File, file) {
			t.Errorf("%s: err = %v, want line 2 field %q %q", file, got, want.field, want.msg)
		}
	}
}

func TestCustomCSVErrors(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"short.csv": "q,a\none,1\ntwo\n",
		"quote.csv": "q,a\none,1\n\"two,2\n",
	})
	for file, wantLine := range map[string]int{"short.csv": 3, "quote.csv": 3} {
		c, err := NewCustom(CustomSpec{Name: "c", AnswerType: answer.Number, Splits: map[string]string{"test": file},
			Fields: Fields{Question: "q", Answer: "a"}}, dir)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRegistry(t.TempDir())
		if err := r.Add(c); err != nil {
			t.Fatal(err)
		}
		n, err := firstError(t, r, "c", "test")
		var re *RecordError
		if !errors.As(err, &re) || re.Line != wantLine || n != 1 {
			t.Errorf("%s: %d examples then %v, want one example then an error on line %d", file, n, err, wantLine)
		}
	}
}
