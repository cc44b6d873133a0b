package method

import (
	"fmt"
	"strings"
)

// Profiles.
const (
	// ProfileDefault is our own protocol (DefaultConfig).
	ProfileDefault = "default"
	// ProfileReference reproduces the authors' released protocol wherever
	// it is known (docs/METHOD.md lists every difference).
	ProfileReference = "reference"
)

// ProfileNames returns the known profiles.
func ProfileNames() []string { return []string{ProfileDefault, ProfileReference} }

// ProfileConfig returns the settings a profile starts from. The reference
// profile differs from the default one where the authors' code does: it
// judges every path that passed the answer check (there, always, at the
// sampling temperature; here at temperature 0), does not remove near
// duplicates, and lets every intermediate stage write up to max_tokens.
// Its system turn, guideline pool, hint-round path prompt, training format
// and task variants are set where they are used (SystemTurn, the CLI,
// TrainingFormat, task.ReferenceVariant).
func ProfileConfig(name string) (Config, error) {
	cfg := DefaultConfig()
	switch name {
	case ProfileDefault, "":
		return cfg, nil
	case ProfileReference:
		cfg.Profile = ProfileReference
		cfg.Judge = true
		cfg.Dedup = false
		cfg.SelectMaxTokens = cfg.MaxTokens
		cfg.AdaptMaxTokens = cfg.MaxTokens
		cfg.StructureMaxTokens = cfg.MaxTokens
		return cfg, nil
	}
	return cfg, fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
}

// The prompt templates of the reference profile.
const (
	tmplRefSystem   = "reference/system"
	tmplRefHintPath = "reference/hint_path"
	tmplRefSolve    = "reference/solve"
	tmplSharedSolve = "shared/solve"
)

// TrainingFormat returns how a profile writes a training example: the
// template of the user turn and the text put before each kept path in the
// assistant turn. The reference profile uses one solving instruction for
// every answer type and starts every target with "Let's think step by
// step.", as the authors' training data does.
func TrainingFormat(profile string) (userTemplate, targetPrefix string) {
	if profile == ProfileReference {
		return tmplRefSolve, "Let's think step by step.\n\n"
	}
	return tmplSharedSolve, ""
}

// ProfileTemplates returns the prompt-template folders a profile uses
// besides the method's own and "shared/" (for the manifest's hashes).
func ProfileTemplates(profile string) []string {
	if profile == ProfileReference {
		return []string{"reference/"}
	}
	return nil
}
