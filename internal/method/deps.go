package method

import (
	"errors"
	"fmt"
	"maps"
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

// Constructor builds a method registered as name from its dependencies
// and configuration (validated by the registry before it is called).
type Constructor func(name string, d Deps, cfg Config) (Method, error)

// FanOuter is what every registered method implements besides Method.
type FanOuter interface {
	// FanOut is the most requests one question keeps in flight at once
	// in its main round, from the method's configuration: the whole round
	// under the paper budget, a wave under the adaptive one (a question's
	// hint round runs only when its main round kept nothing). The CLI
	// sizes the questions in flight with it (synth.InFlightFor).
	FanOut() int
}

// FanOut returns m's per-question fan-out (FanOuter), or 1 for a method
// that does not report one.
func FanOut(m Method) int {
	if f, ok := m.(FanOuter); ok {
		return f.FanOut()
	}
	return 1
}

// Registry maps method names to their constructors.
type Registry struct {
	ctors map[string]Constructor
}

// builtins lists the built-in methods, one line each.
func builtins() map[string]Constructor {
	return map[string]Constructor{
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
		"gold-answer":  newGold,
	}
}

// Builtins returns a new registry of the built-in methods; Register adds
// more to it.
func Builtins() *Registry { return &Registry{ctors: builtins()} }

// Register adds a method under name; a name already taken is an error.
func (r *Registry) Register(name string, c Constructor) error {
	switch {
	case strings.TrimSpace(name) == "" || c == nil:
		return errors.New("register method: a name and a constructor are required")
	case r.ctors[name] != nil:
		return fmt.Errorf("register method %q: the name is taken", name)
	}
	r.ctors[name] = c
	return nil
}

// Names returns the registered method names, sorted.
func (r *Registry) Names() []string {
	return slices.Sorted(maps.Keys(r.ctors))
}

// New returns the method called name (resolved under cfg.Profile, see
// Resolve), configured by cfg. Under the reference profile, d.System
// defaults to the reference system turn. A method must report its fan-out
// (FanOuter).
func (r *Registry) New(name string, d Deps, cfg Config) (Method, error) {
	name = Resolve(name, cfg.Profile)
	ctor, ok := r.ctors[name]
	if !ok {
		return nil, fmt.Errorf("unknown method %q (known: %s)", name, strings.Join(r.Names(), ", "))
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
	m, err := ctor(name, d, cfg)
	if err != nil {
		return nil, fmt.Errorf("method %s: %w", name, err)
	}
	if _, ok := m.(FanOuter); !ok {
		return nil, fmt.Errorf("method %s: %T does not report its per-question fan-out (FanOut() int)", name, m)
	}
	return m, nil
}

// Names returns the built-in method names, sorted.
func Names() []string { return Builtins().Names() }

// New returns the built-in method called name (Registry.New).
func New(name string, d Deps, cfg Config) (Method, error) {
	return Builtins().New(name, d, cfg)
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
