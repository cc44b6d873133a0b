package method

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name, file, content string
		check               func(Config) bool
		wantErr             string
	}{
		{"yaml over defaults", "c.yaml", "temperature: 1.0\nkeep_per_question: 3\njudge: true\n",
			func(c Config) bool {
				return c.Temperature == 1.0 && c.KeepPerQuestion == 3 && c.Judge && c.TopP == 0.9 && c.SelectSamples == 20
			}, ""},
		{"json", "c.json", `{"filter": "majority", "seed": 9}`,
			func(c Config) bool { return c.Filter == FilterMajority && c.Seed == 9 && c.Hint }, ""},
		{"unknown key", "c.yaml", "temperature: 1.0\ntemprature: 2\n", nil, "[2:1]"},
		{"wrong type", "c.yaml", "max_tokens: many\n", nil, "c.yaml"},
		{"invalid value", "c.yaml", "top_p: 1.5\n", nil, "config field top_p"},
		{"reference profile", "c.yaml", "profile: reference\nkeep_per_question: 3\n",
			func(c Config) bool {
				return c.Profile == ProfileReference && c.Judge && !c.Dedup && c.KeepPerQuestion == 3 && c.AdaptMaxTokens == 2048
			}, ""},
		{"reference profile, file overrides a profile value", "c.yaml", "profile: reference\njudge: false\n",
			func(c Config) bool { return c.Profile == ProfileReference && !c.Judge && !c.Dedup }, ""},
		{"unknown profile", "c.yaml", "profile: paper\n", nil, "field profile: unknown profile \"paper\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadConfig: %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config %+v", c)
			}
		})
	}
}

func TestLoadProfileConfigFlagWins(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("profile: default\nseed: 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadProfileConfig(p, ProfileReference)
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != ProfileReference || !c.Judge || c.Seed != 4 {
		t.Errorf("got %+v", c)
	}
	c, err = LoadProfileConfig("", ProfileReference)
	if err != nil || !c.Judge || c.Profile != ProfileReference {
		t.Errorf("no file: %+v %v", c, err)
	}
	if _, err := LoadProfileConfig("", "nope"); err == nil || !strings.Contains(err.Error(), "--profile") {
		t.Errorf("bad flag: %v", err)
	}
}
