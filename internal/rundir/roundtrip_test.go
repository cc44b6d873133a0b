package rundir_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/export"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
	"github.com/regenesis-ai/regenesis/internal/train"
)

// keepOne is a method that keeps one candidate per question: c, with the
// question's task and id.
type keepOne struct{ c method.Candidate }

func (keepOne) Name() string { return "keep-one" }

func (m keepOne) Synthesize(_ context.Context, ex task.Example) (method.Outcome, error) {
	c := m.c
	c.Task, c.QuestionID = ex.Task, ex.ID
	return method.Outcome{Example: ex, Candidates: []method.Candidate{c}}, nil
}

// filledCandidate is a kept candidate with every field set to a value
// that is not its zero value and names the field.
func filledCandidate(t *testing.T) method.Candidate {
	t.Helper()
	var c method.Candidate
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString("value of " + name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{name + "-1", name + "-2"}))
		default:
			t.Fatalf("method.Candidate.%s: kind %s has no test value; add one here", name, f.Kind())
		}
	}
	return c
}

// TestKeptRecordRoundTrip writes a kept path through synth (Run, its
// writer and rundir.Kept) and reads it back through rundir, export (every
// line format and Parquet) and train. It walks rundir.Meta by reflection,
// so a field added there is checked without a change here: it must be
// filled by rundir.Kept from the candidate field of the same name (or,
// with no such field, from somewhere: not left zero), written to
// sft.jsonl, read back, and carried to the Parquet columns.
func TestKeptRecordRoundTrip(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	c := filledCandidate(t)
	ex := task.Example{Task: "toy", ID: "q-1", Question: "What is 3 + 4?", Spec: answer.Spec{Type: answer.Number}, Answer: "7"}
	c.Task, c.QuestionID = ex.Task, ex.ID
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	examples := func(yield func(task.Example, error) bool) { yield(ex, nil) }
	if _, err := synth.Run(ctx, synth.Options{Method: keepOne{c}, Examples: examples, Prompts: p, OutDir: dir}); err != nil {
		t.Fatal(err)
	}

	// Through rundir.
	var got []rundir.Record
	for l, err := range rundir.ReadSFT(ctx, filepath.Join(dir, rundir.SFTFile)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l.Value)
	}
	if len(got) != 1 {
		t.Fatalf("read %d records, want 1", len(got))
	}
	rec := got[0]
	cv := reflect.ValueOf(c)
	mv := reflect.ValueOf(rec.Meta)
	for i := range mv.NumField() {
		f := mv.Type().Field(i)
		if mv.Field(i).IsZero() {
			t.Errorf("rundir.Meta.%s is zero after the round trip: fill it in rundir.Kept", f.Name)
			continue
		}
		if want := cv.FieldByName(f.Name); want.IsValid() && !reflect.DeepEqual(mv.Field(i).Interface(), want.Interface()) {
			t.Errorf("rundir.Meta.%s = %v, want the candidate's %v", f.Name, mv.Field(i).Interface(), want.Interface())
		}
	}
	if rec.Messages[1].Content != method.Clean(c.Path) {
		t.Errorf("assistant turn %q, want the cleaned path %q", rec.Messages[1].Content, method.Clean(c.Path))
	}

	// Through export: the line formats carry the conversation, Parquet
	// also every Meta field.
	for _, f := range []export.Format{export.Messages, export.OpenAI, export.ShareGPT, export.Alpaca, export.PromptCompletion} {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		if _, err := export.Run(ctx, export.Options{Dir: dir, Format: f, Out: out}); err != nil {
			t.Fatalf("export %s: %v", f, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rec.Messages {
			text, _ := json.Marshal(m.Content)
			if !strings.Contains(string(b), string(text)) {
				t.Errorf("export %s lacks the %s turn %s:\n%s", f, m.Role, text, b)
			}
		}
	}
	out := filepath.Join(t.TempDir(), "sft.parquet")
	if _, err := export.Run(ctx, export.Options{Dir: dir, Format: export.Parquet, Out: out}); err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.ReadFile[export.ParquetRow](out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("parquet has %d rows, want 1", len(rows))
	}
	if diff := cmp.Diff(rec.Meta, rows[0].Meta); diff != "" {
		t.Errorf("parquet metadata columns (-sft.jsonl +parquet):\n%s", diff)
	}

	// Through train: the engine's data is the conversation.
	for _, engine := range []string{train.EngineHF, train.EngineTRL} {
		tout := t.TempDir()
		plan, err := train.Prepare(ctx, train.Options{Engine: engine, Data: dir, BaseModel: "base", Output: tout, Hyper: train.DefaultHyper()})
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(plan.Data)
		if err != nil {
			t.Fatal(err)
		}
		var line struct {
			Messages   []llm.Message `json:"messages"`
			Prompt     []llm.Message `json:"prompt"`
			Completion []llm.Message `json:"completion"`
		}
		if err := json.Unmarshal(b, &line); err != nil {
			t.Fatal(err)
		}
		msgs := append(line.Messages, append(line.Prompt, line.Completion...)...)
		if diff := cmp.Diff(rec.Messages, msgs); diff != "" {
			t.Errorf("train %s data (-sft.jsonl +train):\n%s", engine, diff)
		}
		if plan.Stats.Examples != 1 {
			t.Errorf("train %s: %d examples, want 1", engine, plan.Stats.Examples)
		}
	}
}

func Example_validate() {
	r := rundir.Record{Messages: []llm.Message{{Role: "assistant", Content: "7"}, {Role: "user", Content: "3 + 4?"}}}
	field, err := r.Validate()
	fmt.Printf("%s: %v\n", field, err)
	// Output: messages[1].role: the last turn is "user", want assistant
}
