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
type starFewShot struct {
	deps   Deps
	cfg    Config
	filter *Filter
}

func newSTaRFewShot(d Deps, cfg Config) (Method, error) {
	if err := d.Validate(false); err != nil {
		return nil, err
	}
	if err := requireTemplates(d, tmplSTaRSample, tmplSTaRRationalize, tmplJudge); err != nil {
		return nil, err
	}
	cfg.Filter = FilterGold
	cfg.Temperature, cfg.HintTemperature = 0, 0
	cfg.Samples, cfg.HintSelectSamples = 1, 1
	cfg.Budget = BudgetPaper
	return &starFewShot{deps: d, cfg: cfg, filter: NewFilter(d, cfg)}, nil
}

func (m *starFewShot) Name() string { return STaRFewShot }

// Synthesize samples one greedy few-shot path and rationalizes a failure.
func (m *starFewShot) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	calls := newCounter(&out)
	defer func() { out.Usage = calls.total() }()
	shots, err := fewShot(m.deps, ex, tmplSTaRSample, false, m.cfg.Shots)
	if err != nil {
		return out, err
	}
	main := sampleRound{
		method: m.Name(), round: RoundMain, stage: StageSample, tmpl: tmplSTaRSample,
		sampling: pathSampling(m.cfg, 0), n: 1, shots: shots, filter: m.filter, cfg: m.cfg,
	}
	cands, _, err := main.run(ctx, m.deps, ex, promptData(ex), calls)
	out.Candidates = cands
	if err != nil || !m.cfg.Hint || ex.Answer == "" || len(out.Kept()) > 0 {
		return out, err
	}
	hshots, err := fewShot(m.deps, ex, tmplSTaRRationalize, true, m.cfg.Shots)
	if err != nil {
		return out, err
	}
	rat := sampleRound{
		method: m.Name(), round: RoundRationalize, stage: RoundRationalize, tmpl: tmplSTaRRationalize,
		sampling: pathSampling(m.cfg, 0), n: 1, first: 1, hinted: true, shots: hshots,
		filter: m.filter, cfg: m.cfg,
	}
	data := promptData(ex)
	data.Hint = ex.Answer
	rcands, _, err := rat.run(ctx, m.deps, ex, data, calls)
	out.Candidates = append(out.Candidates, rcands...)
	return out, err
}

// lmsiFewShot is LMSI with its original settings (Huang et al., 2022):
// a few-shot chain-of-thought prompt (fixed worked examples; the CLI gives
// it the built-in ones, since the task's rationales carry gold answers and
// LMSI uses none), 32 sampled paths at temperature 0.7,
// the majority answer as the pseudo-label (no gold answer is used), and
// every path that agrees with it kept: no cap, no near-duplicate removal.
type lmsiFewShot struct {
	deps   Deps
	cfg    Config
	filter *Filter
}

func newLMSIFewShot(d Deps, cfg Config) (Method, error) {
	if err := d.Validate(false); err != nil {
		return nil, err
	}
	if err := requireTemplates(d, tmplLMSISample, tmplJudge); err != nil {
		return nil, err
	}
	cfg.Filter = FilterMajority
	cfg.Hint, cfg.Judge, cfg.Dedup = false, false, false
	cfg.Samples, cfg.Temperature = lmsiPaperSamples, lmsiPaperTemperature
	cfg.KeepPerQuestion = lmsiPaperSamples
	cfg.Budget = BudgetPaper
	return &lmsiFewShot{deps: d, cfg: cfg, filter: NewFilter(d, cfg)}, nil
}

func (m *lmsiFewShot) Name() string { return LMSIFewShot }

// Synthesize samples 32 few-shot paths and keeps those agreeing with the
// majority. The stages see the example without its gold answer and
// rationale; its exemplars are other questions'.
func (m *lmsiFewShot) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	blind := ex
	blind.Answer, blind.Rationale = "", ""
	calls := newCounter(&out)
	defer func() { out.Usage = calls.total() }()
	shots, err := fewShot(m.deps, blind, tmplLMSISample, false, m.cfg.Shots)
	if err != nil {
		return out, err
	}
	r := sampleRound{
		method: m.Name(), round: RoundMain, stage: StageSample, tmpl: tmplLMSISample,
		sampling: pathSampling(m.cfg, m.cfg.Temperature), n: m.cfg.Samples, shots: shots,
		filter: m.filter, cfg: m.cfg,
	}
	cands, share, err := r.run(ctx, m.deps, blind, promptData(blind), calls)
	out.Candidates, out.Agreement = cands, share
	return out, err
}
