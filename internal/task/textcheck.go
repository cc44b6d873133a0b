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

// textReader passes a text file through, without a leading UTF-8 byte
// order mark, and fails with a *RecordError naming the file and line at
// the first byte sequence that is not UTF-8 (which the JSON and CSV
// decoders would otherwise turn silently into U+FFFD).
type textReader struct {
	name  string
	br    *bufio.Reader
	start bool
	line  int
	tail  []byte // an incomplete rune carried over from the last read
	err   *RecordError
}

func newTextReader(name string, r io.Reader) *textReader {
	return &textReader{name: name, br: bufio.NewReaderSize(r, 64<<10), start: true, line: 1}
}

func (t *textReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if t.start {
		t.start = false
		if b, err := t.br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
			t.br.Discard(3)
		}
	}
	n, err := t.br.Read(p)
	if verr := t.check(p[:n], errors.Is(err, io.EOF)); verr != nil {
		return n, verr
	}
	return n, err
}

// check validates b, the next bytes of the file, keeping an incomplete
// rune at its end for the next call unless at is EOF.
func (t *textReader) check(b []byte, eof bool) error {
	data := b
	if len(t.tail) > 0 {
		data = append(t.tail, b...)
		t.tail = nil
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				t.line++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			if !eof && !utf8.FullRune(data[i:]) {
				t.tail = append([]byte(nil), data[i:]...)
				return nil
			}
			t.err = &RecordError{File: t.name, Line: t.line, Err: fmt.Errorf("byte %#x: %w", data[i], errInvalidUTF8)}
			return t.err
		}
		i += size
	}
	if eof && len(t.tail) > 0 {
		t.err = &RecordError{File: t.name, Line: t.line, Err: errInvalidUTF8}
		return t.err
	}
	return nil
}

// textError returns the encoding error of t when a decoder's error came
// from it, so that the message names the file and line once.
func textError(t *textReader, err error) error {
	if t != nil && t.err != nil {
		return t.err
	}
	return err
}
