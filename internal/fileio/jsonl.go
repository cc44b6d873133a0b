package fileio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"unicode/utf8"
)

// LineError is a bad line of a text file: the file, the 1-based line, and
// the field at fault when there is one.
type LineError struct {
	File  string
	Line  int    // 0 when the error concerns the file as a whole
	Field string // empty when the line as a whole is at fault
	Err   error
}

// Error formats the error as `file:line: field "name": cause`.
func (e *LineError) Error() string {
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
func (e *LineError) Unwrap() error { return e.Err }

// MaxLine is the longest line the JSON Lines reader accepts.
const MaxLine = 64 << 20

// bom is the UTF-8 byte order mark, skipped at the start of a file.
var bom = []byte{0xEF, 0xBB, 0xBF}

// Line is one decoded line of a JSON Lines file.
type Line[T any] struct {
	N     int // 1-based line number
	Value T
}

// Decode decodes one JSON object into v, rejecting trailing data and (with
// strict) unknown fields; a type error names its field. The error is meant
// to be wrapped in a LineError by the caller that knows the line.
func Decode(data []byte, v any, strict bool) (field string, err error) {
	if !utf8.Valid(data) {
		return "", errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
			return te.Field, fmt.Errorf("want %s, got a JSON %s", te.Type, te.Value)
		}
		if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
			return strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`), errors.New("unknown field")
		}
		return "", fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return "", errors.New("malformed JSON: more than one value on the line")
	}
	return "", nil
}

// RawLine is one non-blank line of a text file: its 1-based number and its
// bytes without the line break and surrounding white space. Bytes is only
// valid until the next line is read.
type RawLine struct {
	N     int
	Bytes []byte
}

// ScanLines streams the non-blank lines of r (named name in errors),
// skipping a leading UTF-8 byte order mark; a line longer than MaxLine or a
// read error ends the stream with a *LineError. It is the line reading
// under ReadLines, for readers that decode lines their own way.
func ScanLines(name string, r io.Reader) iter.Seq2[RawLine, error] {
	return func(yield func(RawLine, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		n := 0
		for {
			b, err := br.ReadSlice('\n')
			var long []byte
			for errors.Is(err, bufio.ErrBufferFull) {
				long = append(long, b...)
				if len(long) > MaxLine {
					yield(RawLine{}, &LineError{File: name, Line: n + 1, Err: fmt.Errorf("line longer than %d bytes", MaxLine)})
					return
				}
				b, err = br.ReadSlice('\n')
			}
			if long != nil {
				b = append(long, b...)
			}
			if len(bytes.TrimRight(b, "\r\n")) > MaxLine {
				yield(RawLine{}, &LineError{File: name, Line: n + 1, Err: fmt.Errorf("line longer than %d bytes", MaxLine)})
				return
			}
			if len(b) > 0 {
				n++
				if n == 1 {
					b = bytes.TrimPrefix(b, bom)
				}
				if t := bytes.TrimSpace(b); len(t) > 0 {
					if !yield(RawLine{N: n, Bytes: t}, nil) {
						return
					}
				}
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(RawLine{}, &LineError{File: name, Line: n + 1, Err: err})
				return
			}
		}
	}
}

// ReadLines streams the JSON Lines of r (named name in errors) decoded as
// T, skipping blank lines and a leading UTF-8 byte order mark. A bad line
// ends the stream with a *LineError.
func ReadLines[T any](name string, r io.Reader) iter.Seq2[Line[T], error] {
	return func(yield func(Line[T], error) bool) {
		for l, err := range ScanLines(name, r) {
			if err != nil {
				yield(Line[T]{}, err)
				return
			}
			var v T
			if field, derr := Decode(l.Bytes, &v, false); derr != nil {
				yield(Line[T]{}, &LineError{File: name, Line: l.N, Field: field, Err: derr})
				return
			}
			if !yield(Line[T]{N: l.N, Value: v}, nil) {
				return
			}
		}
	}
}

// ReadFile streams the JSON Lines file at path decoded as T (see ReadLines).
func ReadFile[T any](path string) iter.Seq2[Line[T], error] {
	return func(yield func(Line[T], error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(Line[T]{}, err)
			return
		}
		defer f.Close()
		for l, err := range ReadLines[T](path, f) {
			if !yield(l, err) || err != nil {
				return
			}
		}
	}
}
