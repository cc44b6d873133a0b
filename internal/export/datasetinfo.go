package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// DatasetInfoFile is LLaMA-Factory's dataset registry, read from its dataset_dir.
const DatasetInfoFile = "dataset_info.json"

// datasetInfoEntry is one dataset in dataset_info.json. Columns and role tags
// are always written out: mismatched tags are LLaMA-Factory's most common
// user error, and its defaults differ between versions.
type datasetInfoEntry struct {
	FileName   string            `json:"file_name"`
	Formatting string            `json:"formatting"`
	Columns    map[string]string `json:"columns"`
	Tags       tags              `json:"tags,omitempty"`
}

// tag is one role tag of a dataset_info.json entry.
type tag struct{ Name, Value string }

// tags are an entry's role tags, written as a JSON object in their order.
type tags []tag

// MarshalJSON writes the tags as one object, keys in order.
func (t tags) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, tg := range t {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(tg.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(tg.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object of string tags, keeping the file's order.
func (t *tags) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("tags: want a JSON object")
	}
	*t = nil
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("tags.%v: %w", k, err)
		}
		*t = append(*t, tag{Name: k.(string), Value: v})
	}
	_, err := dec.Token()
	return err
}

// datasetEntry is the dataset_info.json entry of a file of format f: alpaca's
// columns; sharegpt's from/value turns with its human/gpt tags; or, for
// messages, sharegpt formatting over OpenAI-style role/content turns (what
// train hands LLaMA-Factory).
func datasetEntry(fileName string, f Format) datasetInfoEntry {
	switch f {
	case Alpaca:
		return datasetInfoEntry{
			FileName:   fileName,
			Formatting: "alpaca",
			Columns: map[string]string{
				"prompt":   "instruction",
				"query":    "input",
				"response": "output",
				"system":   "system",
			},
		}
	case Messages:
		return datasetInfoEntry{
			FileName:   fileName,
			Formatting: "sharegpt",
			Columns:    map[string]string{"messages": "messages"},
			Tags: tags{{"role_tag", "role"}, {"content_tag", "content"}, {"user_tag", "user"},
				{"assistant_tag", "assistant"}, {"system_tag", "system"}},
		}
	}
	return datasetInfoEntry{
		FileName:   fileName,
		Formatting: "sharegpt",
		Columns:    map[string]string{"messages": "conversations"},
		Tags: tags{{"assistant_tag", shareGPTAssistant}, {"content_tag", "value"}, {"role_tag", "from"},
			{"system_tag", shareGPTSystem}, {"user_tag", shareGPTUser}},
	}
}

// writeDatasetInfo adds (or replaces) the entry for out in the
// dataset_info.json beside it, keeping the other entries, and returns the
// file and the entry name (name, or out's base name without extension).
func writeDatasetInfo(out string, f Format, name string) (path, entry string, err error) {
	dir := filepath.Dir(out)
	path = filepath.Join(dir, DatasetInfoFile)
	base := filepath.Base(out)
	entry = cmp.Or(name, strings.TrimSuffix(base, filepath.Ext(base)))

	entries := map[string]json.RawMessage{}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", "", fmt.Errorf("read %s: %w", path, err)
	case len(bytes.TrimSpace(b)) > 0:
		if err := json.Unmarshal(b, &entries); err != nil {
			return "", "", fmt.Errorf("%s: existing file is not a JSON object of datasets: %w", path, err)
		}
	}
	e, err := json.Marshal(datasetEntry(base, f))
	if err != nil {
		return "", "", err
	}
	entries[entry] = e
	if err := fileio.WriteJSON(path, entries); err != nil {
		return "", "", err
	}
	return path, entry, nil
}
