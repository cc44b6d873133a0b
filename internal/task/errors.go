package task

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownTask is wrapped by the error that Get returns for a name that
// is not registered.
var ErrUnknownTask = errors.New("unknown task")

// ErrUnknownSplit is wrapped by the error Examples yields for a split the
// task does not have.
var ErrUnknownSplit = errors.New("unknown split")

// RecordError reports a bad record: the file and line it starts on, and the
// field at fault when there is one.
type RecordError struct {
	File  string // path of the file (or archive member) read
	Line  int    // 1-based line the record starts on; 0 when unknown
	Field string // the field at fault, empty when the record as a whole is
	Err   error
}

// Error formats the error as "file:line: field \"name\": cause".
func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// errMissing is the cause of a RecordError for a field that is absent or empty.
var errMissing = errors.New("missing or empty")
