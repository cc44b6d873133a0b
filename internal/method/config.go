package method

import (
	"errors"
	"fmt"
)

// Filter modes.
const (
	// FilterGold keeps paths whose final answer equals the gold answer.
	FilterGold = "gold"
	// FilterMajority keeps paths whose final answer equals the majority
	// answer over the question's paths (no gold answer used).
	FilterMajority = "majority"
)

// Config holds every synthesis setting. DefaultConfig gives the reference
// run's values (docs/METHOD.md says where each comes from). A YAML or JSON
// config file is decoded over DefaultConfig, so omitted fields keep their
// defaults.
type Config struct {
	// Profile names the set of defaults the settings start from:
	// "default" (ours) or "reference" (the authors' released protocol where
	// it is known: system turn, guideline pool, hint-round path prompt,
	// training format, judge; see ProfileConfig and docs/METHOD.md).
	Profile string `json:"profile" yaml:"profile"`

	// Temperature is the sampling temperature of every stage (paper: 1.2).
	Temperature float64 `json:"temperature" yaml:"temperature"`
	// TopP is the nucleus sampling mass (paper: 0.9).
	TopP float64 `json:"top_p" yaml:"top_p"`
	// MaxTokens caps each generated reply (paper: 2048).
	MaxTokens int `json:"max_tokens" yaml:"max_tokens"`

	// SelectSamples is how many guideline sets the model picks per question,
	// sent as one request with n samples (paper: 20).
	SelectSamples int `json:"select_samples" yaml:"select_samples"`
	// SingleGuidelines adds each pool guideline on its own as a set
	// (paper: yes, 25 more sets).
	SingleGuidelines bool `json:"single_guidelines" yaml:"single_guidelines"`

	// Hint runs the hint round for questions with no kept path (paper: yes).
	// It needs the gold answer, so it runs only with Filter "gold".
	Hint bool `json:"hint" yaml:"hint"`
	// HintTemperature is the temperature of every hint-round stage (0.85).
	HintTemperature float64 `json:"hint_temperature" yaml:"hint_temperature"`
	// HintSelectSamples is the number of picked sets in the hint round (20).
	HintSelectSamples int `json:"hint_select_samples" yaml:"hint_select_samples"`

	// MaxPathTokens drops paths longer than this many completion tokens,
	// as counted by the server (the model's own tokenizer) (paper: ~800).
	MaxPathTokens int `json:"max_path_tokens" yaml:"max_path_tokens"`
	// KeepPerQuestion caps the kept paths per question (paper: 5).
	KeepPerQuestion int `json:"keep_per_question" yaml:"keep_per_question"`
	// Filter is "gold" (strict answer check against the gold answer) or
	// "majority" (self-consistency; no gold answer used).
	Filter string `json:"filter" yaml:"filter"`
	// Judge adds a deterministic (temperature 0) LLM check of each path
	// that passed the answer check (the reference's judge, made optional).
	Judge bool `json:"judge" yaml:"judge"`
	// Dedup removes near-duplicate paths of a question.
	Dedup bool `json:"dedup" yaml:"dedup"`
	// DedupThreshold is the estimated Jaccard similarity of word shingles at
	// or above which a path counts as a near duplicate of an earlier one.
	DedupThreshold float64 `json:"dedup_threshold" yaml:"dedup_threshold"`

	// Samples is the number of paths per question of the sampling baselines
	// (STaR, LMSI): 45 matches ReGenesis' main-round budget.
	Samples int `json:"samples" yaml:"samples"`

	// Shots is the number of worked examples of the few-shot baselines
	// (star-fewshot, lmsi-fewshot); default 4.
	Shots int `json:"shots" yaml:"shots"`

	// Seed drives every random choice and the per-request seeds.
	Seed int64 `json:"seed" yaml:"seed"`

	// Budget is how much a question may spend: "paper" runs every chain of
	// the paper's budget; "adaptive" runs a question's chains in a seeded
	// random order, BudgetWave at a time, and stops once the kept paths are
	// enough (see docs/METHOD.md). Default "paper".
	Budget string `json:"budget" yaml:"budget"`
	// BudgetWave is the number of chains an adaptive question runs between
	// two checks (default 2; 0 means KeepPerQuestion).
	BudgetWave int `json:"budget_wave" yaml:"budget_wave"`
	// BudgetHeadroom is how many passing paths beyond KeepPerQuestion an
	// adaptive question needs before it stops, so that the diversity-first
	// cap has a choice (default 0).
	BudgetHeadroom int `json:"budget_headroom" yaml:"budget_headroom"`

	// SelectMaxTokens caps the reply of a guideline selection (default 512).
	SelectMaxTokens int `json:"select_max_tokens" yaml:"select_max_tokens"`
	// AdaptMaxTokens caps the adapted guidelines (default 1024).
	AdaptMaxTokens int `json:"adapt_max_tokens" yaml:"adapt_max_tokens"`
	// StructureMaxTokens caps a reasoning structure (default 1024).
	StructureMaxTokens int `json:"structure_max_tokens" yaml:"structure_max_tokens"`
}

// Budgets.
const (
	// BudgetPaper runs every chain of the paper's budget.
	BudgetPaper = "paper"
	// BudgetAdaptive stops a question's chains once it has enough kept paths.
	BudgetAdaptive = "adaptive"
)

// wave returns the number of chains an adaptive question runs at a time.
func (c Config) wave() int {
	if c.BudgetWave > 0 {
		return c.BudgetWave
	}
	return c.KeepPerQuestion
}

// stageTokens returns the max_tokens of a stage: its cap, never above
// MaxTokens. The path stages ask for MaxPathTokens+1: a longer path is
// dropped anyway, and a runaway one stops early.
func (c Config) stageTokens(stage string) int {
	limit := c.MaxTokens
	switch stage {
	case "select":
		limit = c.SelectMaxTokens
	case "adapt":
		limit = c.AdaptMaxTokens
	case "structure":
		limit = c.StructureMaxTokens
	case "path":
		limit = c.MaxPathTokens + 1
	}
	if limit <= 0 || limit > c.MaxTokens {
		return c.MaxTokens
	}
	return limit
}

// DefaultConfig returns the reference run's settings.
func DefaultConfig() Config {
	return Config{
		Profile:           ProfileDefault,
		Temperature:       1.2,
		TopP:              0.9,
		MaxTokens:         2048,
		SelectSamples:     20,
		SingleGuidelines:  true,
		Hint:              true,
		HintTemperature:   0.85,
		HintSelectSamples: 20,
		MaxPathTokens:     800,
		KeepPerQuestion:   5,
		Filter:            FilterGold,
		Judge:             false,
		Dedup:             true,
		DedupThreshold:    0.8,
		Samples:           45,
		Shots:             DefaultShots,
		Seed:              0,

		Budget:             BudgetPaper,
		BudgetWave:         2,
		BudgetHeadroom:     0,
		SelectMaxTokens:    512,
		AdaptMaxTokens:     1024,
		StructureMaxTokens: 1024,
	}
}

// Validate reports every invalid field, naming it by its config-file key.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config field %s: "+format, append([]any{field}, args...)...))
	}
	if c.Profile != ProfileDefault && c.Profile != ProfileReference {
		bad("profile", "%q is not %q or %q", c.Profile, ProfileDefault, ProfileReference)
	}
	if c.Temperature < 0 || c.Temperature > 2 {
		bad("temperature", "%g is outside [0, 2]", c.Temperature)
	}
	if c.HintTemperature < 0 || c.HintTemperature > 2 {
		bad("hint_temperature", "%g is outside [0, 2]", c.HintTemperature)
	}
	if c.TopP <= 0 || c.TopP > 1 {
		bad("top_p", "%g is outside (0, 1]", c.TopP)
	}
	if c.MaxTokens < 1 {
		bad("max_tokens", "%d is not positive", c.MaxTokens)
	}
	if c.SelectSamples < 0 {
		bad("select_samples", "%d is negative", c.SelectSamples)
	}
	if c.SelectSamples == 0 && !c.SingleGuidelines {
		bad("select_samples", "0 with single_guidelines off leaves no guideline set")
	}
	if c.Hint && c.HintSelectSamples < 1 {
		bad("hint_select_samples", "%d is not positive while hint is on", c.HintSelectSamples)
	}
	if c.MaxPathTokens < 1 {
		bad("max_path_tokens", "%d is not positive", c.MaxPathTokens)
	}
	if c.KeepPerQuestion < 1 {
		bad("keep_per_question", "%d is not positive", c.KeepPerQuestion)
	}
	if c.Filter != FilterGold && c.Filter != FilterMajority {
		bad("filter", "%q is not %q or %q", c.Filter, FilterGold, FilterMajority)
	}
	if c.DedupThreshold <= 0 || c.DedupThreshold > 1 {
		bad("dedup_threshold", "%g is outside (0, 1]", c.DedupThreshold)
	}
	if c.Samples < 1 {
		bad("samples", "%d is not positive", c.Samples)
	}
	if c.Shots < 1 {
		bad("shots", "%d is not positive", c.Shots)
	}
	if c.Budget != BudgetPaper && c.Budget != BudgetAdaptive {
		bad("budget", "%q is not %q or %q", c.Budget, BudgetPaper, BudgetAdaptive)
	}
	if c.BudgetWave < 0 {
		bad("budget_wave", "%d is negative (0 means keep_per_question)", c.BudgetWave)
	}
	if c.BudgetHeadroom < 0 {
		bad("budget_headroom", "%d is negative", c.BudgetHeadroom)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"select_max_tokens", c.SelectMaxTokens}, {"adapt_max_tokens", c.AdaptMaxTokens}, {"structure_max_tokens", c.StructureMaxTokens}} {
		if f.v < 1 {
			bad(f.name, "%d is not positive", f.v)
		}
	}
	return errors.Join(errs...)
}
