package task

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/parquet-go/parquet-go"
)

// readParquet streams the rows of a Parquet file as records. Nested groups
// become objects and LIST columns become lists, as in the JSON files.
func readParquet(f *os.File) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		st, err := f.Stat()
		if err != nil {
			yield(record{}, err)
			return
		}
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			yield(record{}, fmt.Errorf("%s: not a readable Parquet file: %w", f.Name(), err))
			return
		}
		r := parquet.NewReader(pf)
		defer r.Close()
		for index := 0; ; index++ {
			row := map[string]any{}
			if err := r.Read(&row); err != nil {
				if !errors.Is(err, io.EOF) {
					yield(record{}, &RecordError{File: f.Name(), Line: index + 1, Err: fmt.Errorf("row %d: %w", index, err)})
				}
				return
			}
			// Parquet has no lines; the row number (1-based) stands in for one.
			if !yield(record{fields: normalizeParquet(row).(map[string]any), pos: position{file: f.Name(), line: index + 1, offset: -1}, index: index}, nil) {
				return
			}
		}
	}
}

// normalizeParquet turns byte strings into strings and typed slices into
// []any, so records from Parquet look like records from JSON.
func normalizeParquet(v any) any {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case map[string]any:
		for k, x := range v {
			v[k] = normalizeParquet(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = normalizeParquet(x)
		}
		return v
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	}
	return v
}
