package export

import (
	"context"
	"iter"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// LineError is a problem with one line of a JSONL file: the project's one
// line-error type (file:line, field).
type LineError = fileio.LineError

// readJSONL streams the non-blank lines of a JSONL file decoded into T,
// together with their 1-based line numbers. Unknown fields are ignored, so
// that files from newer versions still read; malformed JSON is a
// *LineError. The sequence stops after the first error or when ctx ends.
func readJSONL[T any](ctx context.Context, path string) iter.Seq2[numbered[T], error] {
	return func(yield func(numbered[T], error) bool) {
		for l, err := range fileio.ReadFile[T](path) {
			if err == nil && l.N%1024 == 0 {
				err = ctx.Err()
			}
			if !yield(numbered[T]{Line: l.N, Value: l.Value}, err) || err != nil {
				return
			}
		}
	}
}

// numbered is a decoded line and its 1-based line number.
type numbered[T any] struct {
	Line  int
	Value T
}
