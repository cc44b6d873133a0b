package task

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// record is one raw row of a dataset file, before normalization: a JSON
// object, a CSV row keyed by its header, a Parquet row or an XML element's
// children, with the position it was read from.
type record struct {
	fields map[string]any
	pos    position
	index  int // 0-based position of the record within its file
}

// position locates a record. JSON-array readers know only the byte offset;
// the line is computed from it when an error needs it.
type position struct {
	file   string
	line   int
	offset int64 // byte offset of the record, -1 when line is set
}

// errorf returns a RecordError for field at the record's position.
func (r record) errorf(field, format string, args ...any) error {
	return &RecordError{File: r.pos.file, Line: r.pos.resolveLine(), Field: field, Err: fmt.Errorf(format, args...)}
}

// missing returns a RecordError for an absent or empty field.
func (r record) missing(field string) error {
	return &RecordError{File: r.pos.file, Line: r.pos.resolveLine(), Field: field, Err: errMissing}
}

// lookup follows a dotted path ("question.stem") through nested objects.
func (r record) lookup(path string) (any, bool) {
	var cur any = r.fields
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[part]
		if !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// str returns the field at path as text, or a RecordError when it is
// absent, empty or not a scalar.
func (r record) str(path string) (string, error) {
	v, ok := r.lookup(path)
	if !ok {
		return "", r.missing(path)
	}
	s, ok := scalarText(v)
	if !ok {
		return "", r.errorf(path, "want a string or number, got %s", kindOf(v))
	}
	if strings.TrimSpace(s) == "" {
		return "", r.missing(path)
	}
	return s, nil
}

// strs is str for several fields: their texts in the order of paths, or the
// error of the first one that str rejects.
func (r record) strs(paths ...string) ([]string, error) {
	out := make([]string, len(paths))
	for i, path := range paths {
		s, err := r.str(path)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// optStr returns the field at path as text, or "" when it is absent.
func (r record) optStr(path string) (string, error) {
	v, ok := r.lookup(path)
	if !ok {
		return "", nil
	}
	s, ok := scalarText(v)
	if !ok {
		return "", r.errorf(path, "want a string or number, got %s", kindOf(v))
	}
	return s, nil
}

// strOr is optStr with def in place of an absent or empty field.
func (r record) strOr(path, def string) (string, error) {
	s, err := r.optStr(path)
	if err != nil {
		return "", err
	}
	if s == "" {
		return def, nil
	}
	return s, nil
}

// list returns the field at path as a list.
func (r record) list(path string) ([]any, error) {
	v, ok := r.lookup(path)
	if !ok {
		return nil, r.missing(path)
	}
	l, ok := v.([]any)
	if !ok {
		return nil, r.errorf(path, "want a list, got %s", kindOf(v))
	}
	return l, nil
}

// scalarText renders a JSON, CSV or Parquet scalar as text. Numbers keep the
// form they were written in where the reader preserved it (json.Number).
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case []byte:
		return string(v), true
	case bool:
		return strconv.FormatBool(v), true
	case int:
		return strconv.Itoa(v), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// kindOf names a decoded value's kind for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	}
	return fmt.Sprintf("%T", v)
}
