package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	Tags       map[string]string `json:"tags,omitempty"`
}

func datasetEntry(fileName string, f Format) datasetInfoEntry {
	if f == Alpaca {
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
	}
	return datasetInfoEntry{
		FileName:   fileName,
		Formatting: "sharegpt",
		Columns:    map[string]string{"messages": "conversations"},
		Tags: map[string]string{
			"role_tag":      "from",
			"content_tag":   "value",
			"user_tag":      shareGPTUser,
			"assistant_tag": shareGPTAssistant,
			"system_tag":    shareGPTSystem,
		},
	}
}

// writeDatasetInfo adds (or replaces) the entry for out in the
// dataset_info.json beside it, keeping the other entries, and returns the
// file and the entry name (out's base name without extension).
func writeDatasetInfo(out string, f Format) (path, name string, err error) {
	dir := filepath.Dir(out)
	path = filepath.Join(dir, DatasetInfoFile)
	base := filepath.Base(out)
	name = strings.TrimSuffix(base, filepath.Ext(base))

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
	entries[name] = e
	b, err = json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return "", "", fmt.Errorf("encode %s: %w", path, err)
	}
	af, err := createAtomic(path)
	if err != nil {
		return "", "", err
	}
	defer af.Abort()
	if _, err := af.Write(append(b, '\n')); err != nil {
		return "", "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, name, af.Commit()
}
