package task

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// format is how a dataset file is laid out.
type format string

const (
	formatJSONL   format = "jsonl"   // one JSON object per line
	formatJSON    format = "json"    // a JSON array of objects, or an object holding one (see fileRef.key)
	formatCSV     format = "csv"     // a header row, then one record per row
	formatParquet format = "parquet" // one record per row
	formatASDiv   format = "asdiv"   // ASDiv's XML: <Problem> elements
)

// formatOf guesses a file's format from its name.
func formatOf(name string) (format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return formatJSONL, nil
	case ".json":
		return formatJSON, nil
	case ".csv":
		return formatCSV, nil
	case ".parquet":
		return formatParquet, nil
	case ".xml":
		return formatASDiv, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format from the extension (want .jsonl, .json, .csv or .parquet)", name)
}

// fileRef names one file to read and how.
type fileRef struct {
	path   string // file on disk; for a zip member, the archive
	member string // member inside the zip archive at path, or ""
	format format
	key    string // formatJSON: the top-level object key holding the array ("" for a top-level array)
}

// name is the file's name in messages: the path, or "archive.zip/member".
func (f fileRef) name() string {
	if f.member != "" {
		return f.path + "/" + f.member
	}
	return f.path
}

// readRecords streams the records of one file.
func readRecords(ctx context.Context, f fileRef) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		rc, err := f.open()
		if err != nil {
			yield(record{}, err)
			return
		}
		defer rc.Close()
		var seq iter.Seq2[record, error]
		switch f.format {
		case formatJSONL:
			seq = readJSONL(f.name(), skipBOM(rc))
		case formatJSON:
			seq = readJSONArray(f.name(), skipBOM(rc), f.key)
		case formatCSV:
			seq = readCSV(f.name(), skipBOM(rc))
		case formatASDiv:
			seq = readASDiv(f.name(), rc)
		case formatParquet:
			file, ok := rc.(*os.File)
			if !ok {
				yield(record{}, fmt.Errorf("%s: Parquet inside an archive is not supported", f.name()))
				return
			}
			seq = readParquet(file)
		default:
			yield(record{}, fmt.Errorf("%s: unknown format %q", f.name(), f.format))
			return
		}
		n := 0
		for rec, err := range seq {
			if err == nil {
				err = ctx.Err()
			}
			if !yield(rec, err) || err != nil {
				return
			}
			n++
		}
		if n == 0 {
			yield(record{}, &RecordError{File: f.name(), Err: errEmptyFile})
		}
	}
}

// open opens the file, or the member of a zip archive.
func (f fileRef) open() (io.ReadCloser, error) {
	if f.member == "" {
		return os.Open(f.path)
	}
	zr, err := zip.OpenReader(f.path)
	if err != nil {
		return nil, err
	}
	m, err := zr.Open(f.member)
	if err != nil {
		zr.Close()
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return &zipMember{File: m, archive: zr}, nil
}

// zipMember closes its archive with itself.
type zipMember struct {
	fs.File
	archive *zip.ReadCloser
}

func (z *zipMember) Close() error {
	return errors.Join(z.File.Close(), z.archive.Close())
}

// readJSONL streams a JSON Lines file, skipping blank lines (the lines are
// read by fileio.ScanLines; each is decoded keeping numbers as written).
func readJSONL(name string, r io.Reader) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		index := 0
		for l, err := range fileio.ScanLines(name, r) {
			if err != nil {
				yield(record{}, err)
				return
			}
			pos := position{file: name, line: l.N, offset: -1}
			if err := checkUTF8(name, l.N, l.Bytes); err != nil {
				yield(record{pos: pos}, err)
				return
			}
			m, derr := decodeObject(l.Bytes)
			if derr != nil {
				yield(record{pos: pos}, &RecordError{File: name, Line: l.N, Err: derr})
				return
			}
			if !yield(record{fields: m, pos: pos, index: index}, nil) {
				return
			}
			index++
		}
	}
}

// decodeObject decodes one JSON object, keeping numbers as written.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("malformed JSON: more than one value on the line")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", kindOf(v))
	}
	return m, nil
}

// readJSONArray streams the elements of a JSON array, one decoded object at
// a time: the top-level array when key is "", else the array under that key
// of the top-level object.
func readJSONArray(name string, r io.Reader, key string) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		watch := newUTF8Watch(name, r)
		dec := json.NewDecoder(bufio.NewReaderSize(watch, 64<<10))
		dec.UseNumber()
		fail := func(off int64, err error) {
			yield(record{}, &RecordError{File: name, Line: position{file: name, offset: off}.resolveLine(), Err: fmt.Errorf("malformed JSON: %w", err)})
		}
		if key != "" {
			if err := expectDelim(dec, '{'); err != nil {
				fail(dec.InputOffset(), err)
				return
			}
			for {
				if !dec.More() {
					fail(dec.InputOffset(), fmt.Errorf("no %q key in the top-level object", key))
					return
				}
				tok, err := dec.Token()
				if err != nil {
					fail(dec.InputOffset(), err)
					return
				}
				if tok == key {
					break
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					fail(dec.InputOffset(), err)
					return
				}
			}
		}
		if err := expectDelim(dec, '['); err != nil {
			fail(dec.InputOffset(), err)
			return
		}
		for index := 0; dec.More(); index++ {
			pos := position{file: name, offset: dec.InputOffset()}
			var v any
			if err := dec.Decode(&v); err != nil {
				fail(pos.offset, err)
				return
			}
			if err := watch.before(dec.InputOffset()); err != nil {
				yield(record{}, err)
				return
			}
			m, ok := v.(map[string]any)
			if !ok {
				yield(record{}, &RecordError{File: name, Line: pos.resolveLine(), Err: fmt.Errorf("array element %d: want a JSON object, got %s", index, kindOf(v))})
				return
			}
			if !yield(record{fields: m, pos: pos, index: index}, nil) {
				return
			}
		}
		if err := expectDelim(dec, ']'); err != nil {
			fail(dec.InputOffset(), err)
		}
	}
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}

// resolveLine returns the record's line, computing it from the byte offset
// by reading the file again: done only for errors, so reading stays one pass.
func (p position) resolveLine() int {
	if p.offset < 0 || p.line > 0 {
		return p.line
	}
	f, err := os.Open(p.file)
	if err != nil {
		return 0
	}
	defer f.Close()
	br := bufio.NewReader(f)
	line := 1
	for n := int64(0); ; n++ {
		c, err := br.ReadByte()
		if err != nil {
			return line
		}
		if n >= p.offset && !strings.ContainsRune(" \t\r\n,", rune(c)) {
			return line
		}
		if c == '\n' {
			line++
		}
	}
}

// readCSV streams a CSV file with a header row; each record maps the header
// names to the row's cells.
func readCSV(name string, r io.Reader) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
		header, err := cr.Read()
		if err != nil {
			yield(record{}, csvError(name, err))
			return
		}
		for index := 0; ; index++ {
			row, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(record{}, csvError(name, err))
				return
			}
			line, _ := cr.FieldPos(0)
			for i, cell := range row {
				if !utf8.ValidString(cell) {
					l, _ := cr.FieldPos(i)
					yield(record{}, checkUTF8(name, l, []byte(cell)))
					return
				}
			}
			m := make(map[string]any, len(header))
			for i, h := range header {
				m[h] = row[i]
			}
			if !yield(record{fields: m, pos: position{file: name, line: line, offset: -1}, index: index}, nil) {
				return
			}
		}
	}
}

func csvError(name string, err error) error {
	if errors.Is(err, io.EOF) {
		return &RecordError{File: name, Line: 1, Err: errors.New("empty CSV file: want a header row")}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RecordError{File: name, Line: pe.Line, Err: pe.Err}
	}
	return fmt.Errorf("%s: %w", name, err)
}
