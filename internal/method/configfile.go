package method

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
)

// LoadConfig reads a YAML (or JSON, a subset of YAML) config file over
// DefaultConfig: omitted keys keep their defaults, unknown keys are errors
// that name the file, line and column. A file with no settings (empty, or
// only comments) is an error, not a silent set of zeros; a .json file (or
// one that starts with "{") must be strict JSON, so a trailing comma is an
// error naming its line. The result is validated.
func LoadConfig(path string) (Config, error) {
	return LoadProfileConfig(path, "")
}

// LoadProfileConfig reads a config file over a profile's settings
// (ProfileConfig): profile "" takes the file's own "profile" key (default
// "default"); any other profile overrides the file's key. path "" reads no
// file.
func LoadProfileConfig(path, profile string) (Config, error) {
	var data []byte
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return DefaultConfig(), fmt.Errorf("read config: %w", err)
		}
	}
	if profile == "" && len(data) > 0 {
		var probe struct {
			Profile string `yaml:"profile"`
		}
		// A file that does not parse is reported by the strict reading below.
		if yaml.Unmarshal(data, &probe) == nil {
			profile = probe.Profile
		}
	}
	cfg, err := ProfileConfig(profile)
	if err != nil {
		if path != "" && profile != "" {
			return cfg, fmt.Errorf("config %s: field profile: %w", path, err)
		}
		return cfg, fmt.Errorf("--profile: %w", err)
	}
	if path == "" {
		return cfg, nil
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !hasContent(data) {
		return cfg, fmt.Errorf("config %s: no settings in the file (it is empty or only comments); give at least one key, or leave out --config for the defaults", path)
	}
	trimmed := bytes.TrimSpace(data)
	if strings.EqualFold(filepath.Ext(path), ".json") || bytes.HasPrefix(trimmed, []byte("{")) {
		if err := checkJSON(data); err != nil {
			return cfg, fmt.Errorf("config %s:%w", path, err)
		}
	}
	if err := yaml.UnmarshalWithOptions(data, &cfg, yaml.Strict()); err != nil {
		return cfg, fmt.Errorf("config %s: %s", path, yaml.FormatError(err, false, true))
	}
	if profile != "" {
		cfg.Profile = profile
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// hasContent reports whether a YAML file holds anything besides blank
// lines, comments and document markers.
func hasContent(data []byte) bool {
	for line := range strings.Lines(string(data)) {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") && t != "---" && t != "..." {
			return true
		}
	}
	return false
}

// checkJSON reports where strict JSON parsing of data fails, as
// "line:column: cause".
func checkJSON(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		if _, ok := v.(map[string]any); !ok {
			return errors.New(" want a JSON object of settings")
		}
		return nil
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf(" %w", err)
	}
	line, col := 1, 1
	for _, c := range data[:max(0, min(int(se.Offset)-1, len(data)))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%d:%d: malformed JSON: %v", line, col, se)
}
