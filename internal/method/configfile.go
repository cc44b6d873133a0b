package method

import (
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
)

// LoadConfig reads a YAML (or JSON, a subset of YAML) config file over
// DefaultConfig: omitted keys keep their defaults, unknown keys are errors
// that name the file, line and column. The result is validated.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	if err := yaml.UnmarshalWithOptions(data, &cfg, yaml.Strict()); err != nil {
		return cfg, fmt.Errorf("config %s: %s", path, yaml.FormatError(err, false, true))
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}
