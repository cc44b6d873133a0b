package method

import (
	"context"

	"github.com/regenesis-ai/regenesis/internal/task"
)

// RoundRationalize is the round of STaR's rationalization: paths sampled
// with the gold answer as a hint.
const RoundRationalize = "rationalize"

// The STaR prompt templates.
const (
	tmplSTaRSample      = "star/sample"
	tmplSTaRRationalize = "star/rationalize"
)

// star is STaR (Zelikman et al., 2022): sample paths straight from the
// question and keep those reaching the gold answer; for a question with
// none, rationalize: sample again with the gold answer as a hint (marked
// Hinted) and keep those that reach it. It always filters by the gold
// answer, whatever cfg.Filter says. Rationalization runs when cfg.Hint is on,
// with the hint round's budget (HintSelectSamples paths at HintTemperature),
// so that STaR and ReGenesis spend alike on the questions they fail.
type star struct{ Base }

func newSTaR(name string, d Deps, cfg Config) (Method, error) {
	cfg.Filter = FilterGold
	b, err := NewBase(name, d, cfg, false, tmplSTaRSample, tmplSTaRRationalize)
	if err != nil {
		return nil, err
	}
	return &star{b}, nil
}

// FanOut is the main round's: Samples paths, or a wave of them.
func (m *star) FanOut() int { return m.RoundFanOut(m.Config.Samples) }

// Synthesize samples, filters, and rationalizes a question left without a
// kept path.
func (m *star) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	q := m.Begin(ex)
	cfg := m.Config
	_, share, err := q.Sample(ctx, Round{
		Template: tmplSTaRSample, Temperature: cfg.Temperature, N: cfg.Samples, Adaptive: true,
	}, q.Data())
	q.Out.Agreement = share
	if err != nil || !q.NeedsHint() {
		return q.Done(), err
	}
	data := q.Data()
	data.Hint = ex.Answer
	_, _, err = q.Sample(ctx, Round{
		Name: RoundRationalize, Stage: RoundRationalize, Template: tmplSTaRRationalize,
		Temperature: cfg.HintTemperature, N: cfg.HintSelectSamples, First: cfg.Samples, Hinted: true,
	}, data)
	return q.Done(), err
}
