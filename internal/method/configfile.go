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
		if err := yaml.Unmarshal(data, &probe); err != nil {
			return DefaultConfig(), fmt.Errorf("config %s: %s", path, yaml.FormatError(err, false, true))
		}
		profile = probe.Profile
	}
	cfg, err := ProfileConfig(profile)
	if err != nil {
		if path != "" && profile != "" {
			return cfg, fmt.Errorf("config %s: field profile: %w", path, err)
		}
		return cfg, fmt.Errorf("--profile: %w", err)
	}
	if len(data) == 0 {
		return cfg, nil
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
