package task

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// TestTextInputChecks covers, in every text format, a UTF-8 byte order mark
// (skipped), invalid UTF-8, an empty file and duplicate question IDs
// (refused naming the file and line).
func TestTextInputChecks(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 70<<10) // crosses the reader's buffer
	files := map[string]string{
		"bom.jsonl":   "\ufeff{\"id\":\"1\",\"q\":\"one\",\"a\":\"1\"}\n{\"id\":\"2\",\"q\":\"two\",\"a\":\"2\"}\n",
		"bom.json":    "\ufeff[{\"id\":\"1\",\"q\":\"one\",\"a\":\"1\"}]",
		"bom.csv":     "\ufeffid,q,a\n1,one,1\n2,two,2\n",
		"utf8.jsonl":  "{\"id\":\"1\",\"q\":\"caf\u00e9 " + long + "\",\"a\":\"1\"}\n{\"id\":\"2\",\"q\":\"\u00e9t\u00e9\",\"a\":\"2\"}\n",
		"bad.jsonl":   "{\"id\":\"1\",\"q\":\"one\",\"a\":\"1\"}\n{\"id\":\"2\",\"q\":\"t\xc3w\xff\",\"a\":\"2\"}\n",
		"bad.json":    "[\n{\"id\":\"1\",\"q\":\"one\",\"a\":\"1\"},\n{\"id\":\"2\",\"q\":\"t\xffo\",\"a\":\"2\"}\n]",
		"bad.csv":     "id,q,a\n1,one,1\n2," + long + "\xfe,2\n",
		"cut.jsonl":   "{\"id\":\"1\",\"q\":\"one\",\"a\":\"1\"}\n{\"id\":\"2\",\"q\":\"x\xe2\x82",
		"empty.jsonl": "\n  \n",
		"empty.json":  "[]",
		"dup.jsonl":   "{\"id\":\"1\",\"q\":\"one\",\"a\":\"1\"}\n{\"id\":\"2\",\"q\":\"two\",\"a\":\"2\"}\n\n{\"id\":\"1\",\"q\":\"three\",\"a\":\"3\"}\n",
		"dup.csv":     "id,q,a\n7,one,1\n7,two,2\n",
	}
	dir := writeFiles(t, files)
	tests := []struct {
		file  string
		n     int    // examples before the end or the error
		line  int    // of the error; 0 for none
		field string // of the error
		msg   string // in the error
	}{
		{file: "bom.jsonl", n: 2},
		{file: "bom.json", n: 1},
		{file: "bom.csv", n: 2},
		{file: "utf8.jsonl", n: 2},
		{file: "bad.jsonl", n: 1, line: 2, msg: "invalid UTF-8"},
		{file: "bad.json", n: 1, line: 3, msg: "invalid UTF-8"},
		{file: "bad.csv", n: 1, line: 3, msg: "invalid UTF-8"},
		{file: "cut.jsonl", n: 1, line: 2, msg: "invalid UTF-8"},
		{file: "empty.jsonl", msg: "no records: the file is empty"},
		{file: "empty.json", msg: "no records: the file is empty"},
		{file: "dup.jsonl", n: 2, line: 4, field: "id", msg: `duplicate question id "1"`},
		{file: "dup.csv", n: 1, line: 3, field: "id", msg: `duplicate question id "7"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := NewCustom(CustomSpec{Name: "c", AnswerType: answer.Number, Splits: map[string]string{"test": tt.file},
				Fields: Fields{ID: "id", Question: "q", Answer: "a"}}, dir)
			if err != nil {
				t.Fatal(err)
			}
			r := NewRegistry(t.TempDir())
			if err := r.Add(c); err != nil {
				t.Fatal(err)
			}
			tk, _ := r.Get("c")
			n := 0
			var got error
			for ex, err := range tk.Examples(context.Background(), "test") {
				if err != nil {
					got = err
					break
				}
				if strings.ContainsRune(ex.Question, '\ufeff') || strings.ContainsRune(ex.ID, '\ufeff') {
					t.Errorf("example %+v kept the byte order mark", ex)
				}
				n++
			}
			if n != tt.n {
				t.Errorf("%d examples, want %d (err %v)", n, tt.n, got)
			}
			if tt.msg == "" {
				if got != nil {
					t.Fatalf("error %v", got)
				}
				return
			}
			var re *RecordError
			if !errors.As(got, &re) || re.Line != tt.line || re.Field != tt.field || !strings.HasSuffix(re.File, tt.file) || !strings.Contains(got.Error(), tt.msg) {
				t.Errorf("error %v (%#v), want %s line %d field %q %q", got, re, tt.file, tt.line, tt.field, tt.msg)
			}
		})
	}
}
