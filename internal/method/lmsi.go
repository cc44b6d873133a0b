package method

import (
	"context"

	"github.com/regenesis-ai/regenesis/internal/task"
)

// The LMSI prompt template.
const tmplLMSISample = "lmsi/sample"

// lmsi is LMSI (Huang et al., 2022, "Large Language Models Can
// Self-Improve"): no gold answer is used at all. It samples Samples paths,
// takes the majority final answer as the pseudo-label (each candidate's
// Label), keeps the paths that agree with it, and records the majority's
// share of the answers as the Outcome's Agreement. It always filters by
// majority, whatever cfg.Filter says, and never runs a hint round.
type lmsi struct{ Base }

func newLMSI(name string, d Deps, cfg Config) (Method, error) {
	cfg.Filter = FilterMajority
	cfg.Hint = false
	b, err := NewBase(name, d, cfg, false, tmplLMSISample)
	if err != nil {
		return nil, err
	}
	return &lmsi{b}, nil
}

// FanOut is the main round's: Samples paths, or a wave of them.
func (m *lmsi) FanOut() int { return m.RoundFanOut(m.Config.Samples) }

// Synthesize samples and keeps the paths agreeing with the majority. The
// stages see the example with its gold answer and rationale removed; the
// Outcome still carries the example as given.
func (m *lmsi) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	q := m.BeginBlind(ex)
	_, share, err := q.Sample(ctx, Round{
		Template: tmplLMSISample, Temperature: m.Config.Temperature, N: m.Config.Samples, Adaptive: true,
	}, q.Data())
	q.Out.Agreement = share
	return q.Done(), err
}
