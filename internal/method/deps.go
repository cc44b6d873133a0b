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
	// System, when set, is sent as the system turn of every request. New
	// sets it from the reference profile's template when it is empty.
	System string
	// Exemplars are the worked examples of the few-shot baselines
	// (star-fewshot, lmsi-fewshot) per task name; a task without any uses
	// the built-in ones for the question's answer type (BuiltinExemplars).
	Exemplars map[string][]Exemplar
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
		STaRZeroShot:   newSTaR,
		STaRFewShot:    newSTaRFewShot,
		"lmsi":         newLMSI,
		LMSIZeroShot:   newLMSI,
		LMSIFewShot:    newLMSIFewShot,
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
	name = Resolve(name, cfg.Profile)
	ctor, ok := constructors()[name]
	if !ok {
		return nil, fmt.Errorf("unknown method %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("method %s: %w", name, err)
	}
	if cfg.Profile == ProfileReference && d.System == "" && d.Prompts != nil {
		sys, err := d.Prompts.Render(tmplRefSystem, prompts.Data{})
		if err != nil {
			return nil, fmt.Errorf("method %s: system turn: %w", name, err)
		}
		d.System = strings.TrimSpace(sys)
	}
	m, err := ctor(d, cfg)
	if err != nil {
		return nil, fmt.Errorf("method %s: %w", name, err)
	}
	if n, ok := m.(interface{ setName(string) }); ok {
		n.setName(name)
	}
	return m, nil
}

// Resolve returns the method a name runs under a profile: under the
// reference profile "star" and "lmsi" are the papers' versions
// (star-fewshot, lmsi-fewshot); elsewhere they are the zero-shot variants,
// as before.
func Resolve(name, profile string) string {
	if profile == ProfileReference {
		switch name {
		case "star":
			return STaRFewShot
		case "lmsi":
			return LMSIFewShot
		}
	}
	return name
}

// TemplateDir returns the folder of a method's prompt templates: the
// variants of a method share its templates ("star-fewshot" uses "star/").
func TemplateDir(name string) string {
	if i := strings.IndexByte(name, '-'); i > 0 && name != "gold-answer" {
		return name[:i]
	}
	return name
}
