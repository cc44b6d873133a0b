package method

import (
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/prompts"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Temperature != 1.2 || c.TopP != 0.9 || c.MaxTokens != 2048 || c.HintTemperature != 0.85 ||
		c.SelectSamples != 20 || !c.SingleGuidelines || !c.Hint || c.HintSelectSamples != 20 ||
		c.MaxPathTokens != 800 || c.KeepPerQuestion != 5 || c.Filter != FilterGold || c.Judge || !c.Dedup ||
		c.Samples != 45 {
		t.Errorf("defaults differ from the reference run: %+v", c)
	}
	if c.SelectSamples+len(guideline.Default()) != c.Samples {
		t.Errorf("ReGenesis chains %d != baseline samples %d: budgets differ", c.SelectSamples+len(guideline.Default()), c.Samples)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"temperature", func(c *Config) { c.Temperature = 3 }, "temperature: 3 is outside"},
		{"top_p", func(c *Config) { c.TopP = 0 }, "top_p: 0 is outside"},
		{"filter", func(c *Config) { c.Filter = "best" }, `filter: "best" is not`},
		{"no sets", func(c *Config) { c.SelectSamples = 0; c.SingleGuidelines = false }, "select_samples: 0 with single_guidelines off"},
		{"keep", func(c *Config) { c.KeepPerQuestion = 0 }, "keep_per_question: 0 is not positive"},
		{"hint samples", func(c *Config) { c.HintSelectSamples = 0 }, "hint_select_samples"},
		{"hint samples unused", func(c *Config) { c.HintSelectSamples = 0; c.Hint = false }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mod(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "config field "+tt.wantErr) {
				t.Errorf("Validate: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestNew(t *testing.T) {
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{LLM: &fakeLLM{}, Model: "m", Prompts: p, Guidelines: guideline.Default()}
	if _, err := New("nope", d, DefaultConfig()); err == nil || !strings.Contains(err.Error(), "regenesis") {
		t.Errorf("unknown method: %v, want error listing known names", err)
	}
	bad := DefaultConfig()
	bad.TopP = 2
	if _, err := New("regenesis", d, bad); err == nil || !strings.Contains(err.Error(), "top_p") {
		t.Errorf("bad config: %v", err)
	}
	noModel := d
	noModel.Model = ""
	if _, err := New("regenesis", noModel, DefaultConfig()); err == nil || !strings.Contains(err.Error(), "no model name") {
		t.Errorf("no model: %v", err)
	}
}
