package rundir

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
)

// Record is one line of sft.jsonl: a kept reasoning path as a chat, and
// where it came from. It is the only definition of the kept-path record:
// synth writes it (built by Kept), and export, train, report and merge read
// it through ReadSFT.
//
// To add a field: add it to Meta (with its json and parquet tags) and fill
// it in Kept; the writer, the reader, the Parquet export and the round-trip
// test (record_test.go) follow from the type.
type Record struct {
	Messages []llm.Message `json:"messages"`
	Meta
}

// Meta is everything a Record says besides the conversation. Its fields are
// inlined in the JSON line and are the metadata columns of the Parquet
// export.
type Meta struct {
	Task         string   `json:"task" parquet:"task"`
	QuestionID   string   `json:"question_id" parquet:"question_id"`
	Method       string   `json:"method" parquet:"method"`
	GuidelineIDs []string `json:"guideline_ids" parquet:"guideline_ids,list"`
	Hinted       bool     `json:"hinted" parquet:"hinted"`
}

// Key identifies the record's question across files.
func (r Record) Key() QuestionKey { return QuestionKey{Task: r.Task, QuestionID: r.QuestionID} }

// Kept is the record of kept candidate c: the user turn user, then target
// (the cleaned path, with any prefix) as the assistant's reply.
func Kept(c method.Candidate, user, target string) Record {
	ids := c.GuidelineIDs
	if ids == nil {
		ids = []string{}
	}
	return Record{
		Messages: []llm.Message{
			{Role: "user", Content: user},
			{Role: "assistant", Content: target},
		},
		Meta: Meta{
			Task: c.Task, QuestionID: c.QuestionID, Method: c.Method,
			GuidelineIDs: ids, Hinted: c.Hinted,
		},
	}
}

// Validate checks that r is a training example: at least a user and an
// assistant turn; every role system, user or assistant, and every content
// non-blank; the last turn the assistant's; a system turn only first; a user
// turn before the first assistant turn. It returns the field at fault
// (messages, messages[i].role, messages[i].content) and the cause.
func (r Record) Validate() (field string, err error) {
	ms := r.Messages
	switch len(ms) {
	case 0:
		return "messages", errors.New("missing or empty")
	case 1:
		return "messages", errors.New("want at least a user and an assistant turn, got 1 turn")
	}
	for i, m := range ms {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			return fmt.Sprintf("messages[%d].role", i), fmt.Errorf("%q is not system, user or assistant", m.Role)
		}
		if strings.TrimSpace(m.Content) == "" {
			return fmt.Sprintf("messages[%d].content", i), errors.New("empty")
		}
	}
	if last := ms[len(ms)-1]; last.Role != "assistant" {
		return fmt.Sprintf("messages[%d].role", len(ms)-1), fmt.Errorf("the last turn is %q, want assistant", last.Role)
	}
	user := false
	for i, m := range ms {
		switch {
		case m.Role == "system" && i > 0:
			return fmt.Sprintf("messages[%d].role", i), errors.New("a system turn may only come first")
		case m.Role == "user":
			user = true
		case m.Role == "assistant" && !user:
			return fmt.Sprintf("messages[%d].role", i), errors.New("an assistant turn before any user turn")
		}
	}
	return "", nil
}

// ReadSFT streams the records of an sft.jsonl file, or of any JSON Lines
// file of {"messages": [...]} records (other fields may be missing; unknown
// ones are ignored), each checked by Record.Validate. Blank lines are
// skipped. A bad line ends the stream with a *fileio.LineError naming the
// file, line and field; so does ctx's end, with ctx's error.
func ReadSFT(ctx context.Context, path string) iter.Seq2[fileio.Line[Record], error] {
	return func(yield func(fileio.Line[Record], error) bool) {
		for l, err := range readLines[Record](ctx, path) {
			if err == nil {
				if field, verr := l.Value.Validate(); verr != nil {
					err = &fileio.LineError{File: path, Line: l.N, Field: field, Err: verr}
				}
			}
			if err != nil {
				yield(fileio.Line[Record]{}, err)
				return
			}
			if !yield(l, nil) {
				return
			}
		}
	}
}
