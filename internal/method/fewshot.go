package method

import (
	"context"

	"github.com/regenesis-ai/regenesis/internal/task"
)

// The baselines as their papers define them. The zero-shot variants
// (star-zeroshot, lmsi-zeroshot; "star" and "lmsi" are their old names)
// sample many paths from an instruction alone; these put worked examples
// before the question, as STaR and LMSI do.
const (
	// STaRFewShot is STaR (Zelikman et al., 2022) as the paper runs it.
	STaRFewShot = "star-fewshot"
	// LMSIFewShot is LMSI (Huang et al., 2022) with its original settings.
	LMSIFewShot = "lmsi-fewshot"
	// STaRZeroShot is STaR's filter and rationalization over many
	// zero-shot samples (the old "star").
	STaRZeroShot = "star-zeroshot"
	// LMSIZeroShot is LMSI's majority filter over zero-shot samples at the
	// run's temperature (the old "lmsi").
	LMSIZeroShot = "lmsi-zeroshot"
)

// LMSI's original settings (Huang et al., 2022): 32 sampled paths per
// question at temperature 0.7.
const (
	lmsiPaperSamples     = 32
	lmsiPaperTemperature = 0.7
)

// starFewShot is STaR as Zelikman et al. (2022) define it: a few-shot prompt
// (the task's own training rationales where it has them, else the built-in
// worked examples of the answer type), ONE greedy path per question, kept
// when it reaches the gold answer; a question whose path fails is
// rationalized: the same few-shot prompt with the answer given as a hint,
// in the examples and in the question, one greedy path, kept when it
// reaches the answer. The paper iterates: fine-tune, generate again with
// the new model, fine-tune the base model again on the new data
// (regenesis run --rounds). Rationalization runs when cfg.Hint is on.
type starFewShot struct{ Base }

func newSTaRFewShot(name string, d Deps, cfg Config) (Method, error) {
	cfg.Filter = FilterGold
	cfg.Temperature, cfg.HintTemperature = 0, 0
	cfg.Samples, cfg.HintSelectSamples = 1, 1
	cfg.Budget = BudgetPaper
	b, err := NewBase(name, d, cfg, false, tmplSTaRSample, tmplSTaRRationalize)
	if err != nil {
		return nil, err
	}
	return &starFewShot{b}, nil
}

// FanOut is 1: one greedy path per question.
func (m *starFewShot) FanOut() int { return 1 }

// Synthesize samples one greedy few-shot path and rationalizes a failure.
func (m *starFewShot) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	q := m.Begin(ex)
	shots, err := fewShot(m.Deps, ex, tmplSTaRSample, false, m.Config.Shots)
	if err != nil {
		return q.Done(), err
	}
	_, _, err = q.Sample(ctx, Round{Template: tmplSTaRSample, N: 1, Shots: shots}, q.Data())
	if err != nil || !q.NeedsHint() {
		return q.Done(), err
	}
	hshots, err := fewShot(m.Deps, ex, tmplSTaRRationalize, true, m.Config.Shots)
	if err != nil {
		return q.Done(), err
	}
	data := q.Data()
	data.Hint = ex.Answer
	_, _, err = q.Sample(ctx, Round{
		Name: RoundRationalize, Stage: RoundRationalize, Template: tmplSTaRRationalize,
		N: 1, First: 1, Hinted: true, Shots: hshots,
	}, data)
	return q.Done(), err
}

// lmsiFewShot is LMSI with its original settings (Huang et al., 2022):
// a few-shot chain-of-thought prompt (fixed worked examples; the CLI gives
// it the built-in ones, since the task's rationales carry gold answers and
// LMSI uses none), 32 sampled paths at temperature 0.7,
// the majority answer as the pseudo-label (no gold answer is used), and
// every path that agrees with it kept: no cap, no near-duplicate removal.
type lmsiFewShot struct{ Base }

func newLMSIFewShot(name string, d Deps, cfg Config) (Method, error) {
	cfg.Filter = FilterMajority
	cfg.Hint, cfg.Judge, cfg.Dedup = false, false, false
	cfg.Samples, cfg.Temperature = lmsiPaperSamples, lmsiPaperTemperature
	cfg.KeepPerQuestion = lmsiPaperSamples
	cfg.Budget = BudgetPaper
	b, err := NewBase(name, d, cfg, false, tmplLMSISample)
	if err != nil {
		return nil, err
	}
	return &lmsiFewShot{b}, nil
}

// FanOut is the 32 paths of the paper's settings, all at once.
func (m *lmsiFewShot) FanOut() int { return m.Config.Samples }

// Synthesize samples 32 few-shot paths and keeps those agreeing with the
// majority. The stages see the example without its gold answer and
// rationale; its exemplars are other questions'.
func (m *lmsiFewShot) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	q := m.BeginBlind(ex)
	shots, err := fewShot(m.Deps, q.Example, tmplLMSISample, false, m.Config.Shots)
	if err != nil {
		return q.Done(), err
	}
	_, share, err := q.Sample(ctx, Round{
		Template: tmplLMSISample, Temperature: m.Config.Temperature, N: m.Config.Samples, Shots: shots,
	}, q.Data())
	q.Out.Agreement = share
	return q.Done(), err
}
