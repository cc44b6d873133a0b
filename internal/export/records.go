package export

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
)

// The files of a synthesis directory.
const (
	SFTFile        = "sft.jsonl"
	CandidatesFile = "candidates.jsonl"
)

// Record is one line of sft.jsonl: a kept reasoning path as a chat.
type Record struct {
	Messages     []llm.Message `json:"messages"`
	Task         string        `json:"task"`
	QuestionID   string        `json:"question_id"`
	Method       string        `json:"method"`
	GuidelineIDs []string      `json:"guideline_ids"`
	Hinted       bool          `json:"hinted"`

	// Line is the record's 1-based line number in its file.
	Line int `json:"-"`
}

// Key identifies the record's question across files.
func (r Record) Key() QuestionKey { return QuestionKey{Task: r.Task, QuestionID: r.QuestionID} }

// QuestionKey identifies one question of one task.
type QuestionKey struct {
	Task       string
	QuestionID string
}

// String returns "task/question_id".
func (k QuestionKey) String() string { return k.Task + "/" + k.QuestionID }

// CandidateKey returns the question key of a candidate.
func CandidateKey(c method.Candidate) QuestionKey {
	return QuestionKey{Task: c.Task, QuestionID: c.QuestionID}
}

// ReadSFT streams the records of an sft.jsonl file, checking each: roles are
// "system", "user" or "assistant", contents are not empty, there is a user
// turn, and the last turn is the assistant's. Errors are *LineError values
// naming the file, line and field.
func ReadSFT(ctx context.Context, path string) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for n, err := range readJSONL[Record](ctx, path) {
			if err != nil {
				yield(Record{}, err)
				return
			}
			r := n.Value
			r.Line = n.Line
			if err := r.validate(); err != nil {
				yield(Record{}, &LineError{File: path, Line: n.Line, Err: err})
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func (r Record) validate() error {
	if len(r.Messages) == 0 {
		return errors.New("field messages: missing or empty")
	}
	hasUser := false
	for i, m := range r.Messages {
		switch m.Role {
		case "system":
		case "user":
			hasUser = true
		case "assistant":
		default:
			return fmt.Errorf("field messages[%d].role: %q is not system, user or assistant", i, m.Role)
		}
		if strings.TrimSpace(m.Content) == "" {
			return fmt.Errorf("field messages[%d].content: empty", i)
		}
	}
	if !hasUser {
		return errors.New("field messages: no user turn")
	}
	if last := r.Messages[len(r.Messages)-1]; last.Role != "assistant" {
		return fmt.Errorf("field messages[%d].role: the last turn is %q, want assistant", len(r.Messages)-1, last.Role)
	}
	return nil
}

// ReadCandidates streams the candidates of a candidates.jsonl file with
// their line numbers. A line without task or question_id is a *LineError.
func ReadCandidates(ctx context.Context, path string) iter.Seq2[LineCandidate, error] {
	return func(yield func(LineCandidate, error) bool) {
		for n, err := range readJSONL[method.Candidate](ctx, path) {
			if err != nil {
				yield(LineCandidate{}, err)
				return
			}
			c := n.Value
			var ferr error
			switch {
			case c.Task == "":
				ferr = errors.New("field task: missing or empty")
			case c.QuestionID == "":
				ferr = errors.New("field question_id: missing or empty")
			}
			if ferr != nil {
				yield(LineCandidate{}, &LineError{File: path, Line: n.Line, Err: ferr})
				return
			}
			if !yield(LineCandidate{Candidate: c, Line: n.Line}, nil) {
				return
			}
		}
	}
}

// LineCandidate is a candidate and its 1-based line number.
type LineCandidate struct {
	method.Candidate
	Line int
}

// QuestionGroup is the run of consecutive candidates of one question.
type QuestionGroup struct {
	Key        QuestionKey
	Line       int // line of the group's first candidate
	Candidates []method.Candidate
}

// GroupCandidates streams candidates.jsonl one question at a time; synth
// writes a question's candidates together, so only one question is held in
// memory. A question that reappears after another question is an error,
// which makes the grouping trustworthy; remembering the keys seen costs a
// few bytes per question, never the candidates.
func GroupCandidates(ctx context.Context, path string) iter.Seq2[QuestionGroup, error] {
	return func(yield func(QuestionGroup, error) bool) {
		seen := make(map[QuestionKey]bool)
		var cur QuestionGroup
		for lc, err := range ReadCandidates(ctx, path) {
			if err != nil {
				yield(QuestionGroup{}, err)
				return
			}
			k := CandidateKey(lc.Candidate)
			if len(cur.Candidates) > 0 && k == cur.Key {
				cur.Candidates = append(cur.Candidates, lc.Candidate)
				continue
			}
			if seen[k] {
				yield(QuestionGroup{}, &LineError{File: path, Line: lc.Line,
					Err: fmt.Errorf("question %s appears again after other questions: candidates must be grouped by question", k)})
				return
			}
			seen[k] = true
			if len(cur.Candidates) > 0 && !yield(cur, nil) {
				return
			}
			cur = QuestionGroup{Key: k, Line: lc.Line, Candidates: []method.Candidate{lc.Candidate}}
		}
		if len(cur.Candidates) > 0 {
			yield(cur, nil)
		}
	}
}
