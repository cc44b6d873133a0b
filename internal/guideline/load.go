package guideline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/goccy/go-yaml"
)

// Load reads a guideline pool from path. By extension:
//   - .json: a JSON array of objects with id, name, text (and optionally
//     assumes_solution);
//   - .yaml, .yml: the same as a YAML list;
//   - anything else: plain text, one guideline per non-blank line; lines
//     starting with '#' are comments. A line's ID is "u-" and the first 8 hex
//     digits of the xxhash of its text, so IDs do not change when lines move.
//
// A guideline without a name is named after its ID. Errors name the file and
// the line or entry at fault.
func Load(path string) ([]Guideline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read guidelines: %w", err)
	}
	var gs []Guideline
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&gs); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	case ".yaml", ".yml":
		if err := yaml.UnmarshalWithOptions(data, &gs, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	default:
		gs, err = parseLines(path, data)
		if err != nil {
			return nil, err
		}
	}
	for i := range gs {
		gs[i].ID = strings.TrimSpace(gs[i].ID)
		gs[i].Text = strings.TrimSpace(gs[i].Text)
		if gs[i].Name == "" {
			gs[i].Name = gs[i].ID
		}
	}
	if err := Validate(gs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gs, nil
}

func parseLines(path string, data []byte) ([]Guideline, error) {
	var gs []Guideline
	seen := make(map[string]int)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id := fmt.Sprintf("u-%08x", uint32(xxhash.Sum64String(line)))
		if first, dup := seen[id]; dup {
			return nil, fmt.Errorf("%s:%d: same guideline as line %d", path, n, first)
		}
		seen[id] = n
		gs = append(gs, Guideline{ID: id, Name: id, Text: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gs, nil
}
