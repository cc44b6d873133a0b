package task

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// errInvalidUTF8 is the cause of a RecordError for bytes that are not UTF-8.
var errInvalidUTF8 = errors.New("invalid UTF-8 (re-encode the file as UTF-8)")

// errEmptyFile is the cause of a RecordError for a data file with no records.
var errEmptyFile = errors.New("no records: the file is empty (or holds only blank lines or an empty array)")

// skipBOM returns r without a leading UTF-8 byte order mark.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	return br
}

// checkUTF8 returns a *RecordError for the first byte of b that is not
// UTF-8, b being the text of a record that starts on line of file; nil when
// b is valid. The JSON and CSV decoders would otherwise turn such bytes
// silently into U+FFFD.
func checkUTF8(file string, line int, b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return &RecordError{File: file, Line: line + bytes.Count(b[:i], []byte("\n")),
				Err: fmt.Errorf("byte %#x: %w", b[i], errInvalidUTF8)}
		}
		i += size
	}
	return nil
}
