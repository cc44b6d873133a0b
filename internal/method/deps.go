package method

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/prompts"
)

// Deps is what a method needs from outside.
type Deps struct {
	// LLM serves every request; wrap it in the run store's cached completer.
	LLM llm.Completer
	// Model is the model name sent with each request.
	Model string
	// Prompts are the prompt templates.
	Prompts *prompts.Set
	// Guidelines is the general guideline pool (ReGenesis, Self-Discover).
	Guidelines []guideline.Guideline
}

// Validate reports what is missing from d; needGuidelines also requires a
// valid guideline pool.
func (d Deps) Validate(needGuidelines bool) error {
	var errs []error
	if d.LLM == nil {
		errs = append(errs, errors.New("no LLM completer"))
	}
	if strings.TrimSpace(d.Model) == "" {
		errs = append(errs, errors.New("no model name"))
	}
	if d.Prompts == nil {
		errs = append(errs, errors.New("no prompt set"))
	}
	if needGuidelines {
		if err := guideline.Validate(d.Guidelines); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// constructors maps each method name to its constructor.
func constructors() map[string]func(Deps, Config) (Method, error) {
	return map[string]func(Deps, Config) (Method, error){
		"regenesis":    newReGenesis,
		"star":         newSTaR,
		"lmsi":         newLMSI,
		"cot":          newCoT,
		"selfdiscover": newSelfDiscover,
		"gold":         newGold,
		"gold-answer":  newGoldAnswer,
	}
}

// Names returns the known method names, sorted.
func Names() []string {
	names := make([]string, 0)
	for n := range constructors() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// New returns the method called name, configured by cfg.
func New(name string, d Deps, cfg Config) (Method, error) {
	ctor, ok := constructors()[name]
	if !ok {
		return nil, fmt.Errorf("unknown method %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("method %s: %w", name, err)
	}
	m, err := ctor(d, cfg)
	if err != nil {
		return nil, fmt.Errorf("method %s: %w", name, err)
	}
	return m, nil
}
