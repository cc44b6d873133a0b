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

// utf8Watch passes a stream through unchanged and notes where its first
// byte that is not UTF-8 is, for a decoder that reads ahead of the record
// it returns (a JSON array): before tells whether that byte lies before an
// offset, i.e. inside the records decoded so far.
type utf8Watch struct {
	name string
	r    io.Reader
	off  int64  // bytes passed through
	line int    // 1-based line at off
	tail []byte // an incomplete rune at the end of the last read
	bad  int64  // offset of the first invalid byte; -1 while none
	err  *RecordError
}

func newUTF8Watch(name string, r io.Reader) *utf8Watch {
	return &utf8Watch{name: name, r: r, line: 1, bad: -1}
}

func (w *utf8Watch) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if w.bad < 0 {
		w.scan(p[:n], errors.Is(err, io.EOF))
	}
	w.off += int64(n)
	return n, err
}

// scan checks b, the bytes at w.off, carrying an incomplete final rune over
// to the next read unless at EOF.
func (w *utf8Watch) scan(b []byte, eof bool) {
	start := w.off - int64(len(w.tail))
	data := b
	if len(w.tail) > 0 {
		data = append(w.tail, b...)
		w.tail = nil
	}
	// Fast path: all valid but for an incomplete rune at the end.
	cut := len(data)
	for k := 1; k <= 3 && k <= len(data); k++ {
		if utf8.RuneStart(data[len(data)-k]) {
			if !utf8.FullRune(data[len(data)-k:]) {
				cut = len(data) - k
			}
			break
		}
	}
	if utf8.Valid(data[:cut]) && (cut == len(data) || !eof) {
		w.line += bytes.Count(data[:cut], []byte("\n"))
		if cut < len(data) {
			w.tail = append([]byte(nil), data[cut:]...)
		}
		return
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				w.line++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			if !eof && !utf8.FullRune(data[i:]) {
				w.tail = append([]byte(nil), data[i:]...)
				return
			}
			w.bad = start + int64(i)
			w.err = &RecordError{File: w.name, Line: w.line, Err: fmt.Errorf("byte %#x: %w", c, errInvalidUTF8)}
			return
		}
		i += size
	}
}

// before returns the encoding error when the first invalid byte lies
// before offset end.
func (w *utf8Watch) before(end int64) error {
	if w.bad >= 0 && w.bad < end {
		return w.err
	}
	return nil
}
