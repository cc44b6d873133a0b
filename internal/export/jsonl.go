package export

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
)

// maxLine is the longest JSONL line the readers accept.
const maxLine = 64 << 20

// LineError is a problem with one line of a JSONL file.
type LineError struct {
	Path string // the file
	Line int    // 1-based line number; 0 when the problem is the file itself
	Err  error
}

// Error returns "path:line: err".
func (e *LineError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// readJSONL streams the non-blank lines of a JSONL file decoded into T,
// together with their 1-based line numbers. Unknown fields are ignored, so
// that files from newer versions still read; malformed JSON is a
// *LineError. The sequence stops after the first error.
func readJSONL[T any](ctx context.Context, path string) iter.Seq2[numbered[T], error] {
	return func(yield func(numbered[T], error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(numbered[T]{}, err)
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), maxLine)
		line := 0
		for sc.Scan() {
			line++
			if line%1024 == 0 {
				if err := ctx.Err(); err != nil {
					yield(numbered[T]{}, err)
					return
				}
			}
			b := sc.Bytes()
			if isBlank(b) {
				continue
			}
			var v T
			if err := json.Unmarshal(b, &v); err != nil {
				yield(numbered[T]{}, &LineError{Path: path, Line: line, Err: fmt.Errorf("malformed JSON: %w", err)})
				return
			}
			if !yield(numbered[T]{Line: line, Value: v}, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("line longer than %d MiB: %w", maxLine>>20, err)
			}
			yield(numbered[T]{}, &LineError{Path: path, Line: line + 1, Err: err})
		}
	}
}

// numbered is a decoded line and its 1-based line number.
type numbered[T any] struct {
	Line  int
	Value T
}

func isBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}
