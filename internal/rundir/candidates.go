package rundir

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/method"
)

// CandidateKey returns the question key of a candidate.
func CandidateKey(c method.Candidate) QuestionKey {
	return QuestionKey{Task: c.Task, QuestionID: c.QuestionID}
}

// ReadCandidates streams the candidates of a candidates.jsonl file with
// their line numbers. A line without task or question_id is a
// *fileio.LineError naming the field.
func ReadCandidates(ctx context.Context, path string) iter.Seq2[fileio.Line[method.Candidate], error] {
	return func(yield func(fileio.Line[method.Candidate], error) bool) {
		for l, err := range readLines[method.Candidate](ctx, path) {
			if err == nil {
				switch {
				case l.Value.Task == "":
					err = &fileio.LineError{File: path, Line: l.N, Field: "task", Err: errors.New("missing or empty")}
				case l.Value.QuestionID == "":
					err = &fileio.LineError{File: path, Line: l.N, Field: "question_id", Err: errors.New("missing or empty")}
				}
			}
			if err != nil {
				yield(fileio.Line[method.Candidate]{}, err)
				return
			}
			if !yield(l, nil) {
				return
			}
		}
	}
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
		for l, err := range ReadCandidates(ctx, path) {
			if err != nil {
				yield(QuestionGroup{}, err)
				return
			}
			k := CandidateKey(l.Value)
			if len(cur.Candidates) > 0 && k == cur.Key {
				cur.Candidates = append(cur.Candidates, l.Value)
				continue
			}
			if seen[k] {
				yield(QuestionGroup{}, &fileio.LineError{File: path, Line: l.N,
					Err: fmt.Errorf("question %s appears again after other questions: candidates must be grouped by question", k)})
				return
			}
			seen[k] = true
			if len(cur.Candidates) > 0 && !yield(cur, nil) {
				return
			}
			cur = QuestionGroup{Key: k, Line: l.N, Candidates: []method.Candidate{l.Value}}
		}
		if len(cur.Candidates) > 0 {
			yield(cur, nil)
		}
	}
}
