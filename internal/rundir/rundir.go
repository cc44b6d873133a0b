// Package rundir owns the files of a synthesis directory: their names, the
// one record type of sft.jsonl (Record, built from a kept candidate by Kept),
// the records of candidates.jsonl and synth-index.jsonl, and the one reader
// and validator of each. synth writes through these types; export, compare,
// report, merge, hubpush and train read through them.
//
// Errors about a line are *fileio.LineError values: file, line and field.
package rundir

import (
	"context"
	"iter"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// The files of a synthesis directory.
const (
	// SFTFile holds one Record per kept path, in input order.
	SFTFile = "sft.jsonl"
	// CandidatesFile holds every candidate path (a method.Candidate per
	// line), kept or not, grouped by question in input order.
	CandidatesFile = "candidates.jsonl"
	// IndexFile has one IndexRecord per question, in output order: where
	// the question stood in the input and what it wrote, which is what
	// regenesis merge needs to put shards back in input order.
	IndexFile = "synth-index.jsonl"
	// ManifestFile is the run's settings, prompt hashes, counts and cost.
	ManifestFile = "manifest.json"
	// PartialSuffix ends the name of an output of an unfinished run
	// (sft.jsonl.partial, ...), kept for inspection and replaced by the
	// next run.
	PartialSuffix = fileio.PartialSuffix
)

// QuestionKey identifies one question of one task.
type QuestionKey struct {
	Task       string
	QuestionID string
}

// String returns "task/question_id".
func (k QuestionKey) String() string { return k.Task + "/" + k.QuestionID }

// ctxEvery is how many lines a reader reads between checks of its context.
const ctxEvery = 1024

// readLines streams path's JSON Lines as T, ending with ctx's error when
// ctx ends.
func readLines[T any](ctx context.Context, path string) iter.Seq2[fileio.Line[T], error] {
	return func(yield func(fileio.Line[T], error) bool) {
		for l, err := range fileio.ReadFile[T](path) {
			if err == nil && l.N%ctxEvery == 0 {
				err = ctx.Err()
			}
			if !yield(l, err) || err != nil {
				return
			}
		}
	}
}
