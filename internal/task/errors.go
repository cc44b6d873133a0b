package task

import (
	"errors"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// ErrUnknownTask is wrapped by the error that Get returns for a name that
// is not registered.
var ErrUnknownTask = errors.New("unknown task")

// ErrUnknownSplit is wrapped by the error Examples yields for a split the
// task does not have.
var ErrUnknownSplit = errors.New("unknown split")

// RecordError reports a bad record: the file and line it starts on (0 when
// unknown), and the field at fault when there is one. It is the project's
// one line-error type, fileio.LineError, formatted as
// "file:line: field \"name\": cause".
type RecordError = fileio.LineError

// errMissing is the cause of a RecordError for a field that is absent or empty.
var errMissing = errors.New("missing or empty")
