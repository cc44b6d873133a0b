package method

import (
	"context"
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// The CoT prompt template.
const tmplCoTSample = "cot/sample"

// StageSample is the stage of paths sampled straight from the question
// (CoT, STaR, LMSI).
const StageSample = "sample"

// cot is the zero-shot chain-of-thought baseline: Samples paths sampled
// straight from a "let's think step by step" prompt, then the shared filter
// chain (by default against the gold answer).
type cot struct{ Base }

func newCoT(name string, d Deps, cfg Config) (Method, error) {
	b, err := NewBase(name, d, cfg, false, tmplCoTSample)
	if err != nil {
		return nil, err
	}
	return &cot{b}, nil
}

// FanOut is the main round's: Samples paths, or a wave of them.
func (m *cot) FanOut() int { return m.RoundFanOut(m.Config.Samples) }

// Synthesize samples cfg.Samples paths and filters them.
func (m *cot) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	q := m.Begin(ex)
	_, share, err := q.Sample(ctx, Round{
		Template: tmplCoTSample, Temperature: m.Config.Temperature, N: m.Config.Samples, Adaptive: true,
	}, q.Data())
	q.Out.Agreement = share
	return q.Done(), err
}

// promptData is the template data of a question without guidelines.
func promptData(ex task.Example) prompts.Data {
	return prompts.Data{Task: ex.Task, Question: ex.Question, AnswerFormat: AnswerFormat(ex.Spec)}
}

// requireTemplates reports the first of names missing from d.Prompts.
func requireTemplates(d Deps, names ...string) error {
	for _, name := range names {
		if !d.Prompts.Has(name) {
			return fmt.Errorf("prompt template %q is missing", name)
		}
	}
	return nil
}
