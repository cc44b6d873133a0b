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
type star struct {
	deps   Deps
	cfg    Config
	filter *Filter
	// name is the name the method was asked for ("star" or "star-zeroshot").
	name string
}

func newSTaR(d Deps, cfg Config) (Method, error) {
	if err := d.Validate(false); err != nil {
		return nil, err
	}
	if err := requireTemplates(d, tmplSTaRSample, tmplSTaRRationalize, tmplJudge); err != nil {
		return nil, err
	}
	cfg.Filter = FilterGold
	return &star{deps: d, cfg: cfg, filter: NewFilter(d, cfg)}, nil
}

func (m *star) Name() string {
	if m.name != "" {
		return m.name
	}
	return "star"
}

func (m *star) setName(n string) { m.name = n }

// Synthesize samples, filters, and rationalizes a question left without a
// kept path.
func (m *star) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	calls := newCounter(&out)
	defer func() { out.Usage = calls.total() }()
	main := sampleRound{
		method: m.Name(), round: RoundMain, stage: StageSample, tmpl: tmplSTaRSample,
		sampling: pathSampling(m.cfg, m.cfg.Temperature), n: m.cfg.Samples,
		adaptive: true, filter: m.filter, cfg: m.cfg,
	}
	cands, share, err := main.run(ctx, m.deps, ex, promptData(ex), calls)
	out.Candidates, out.Agreement, out.Usage = cands, share, calls.total()
	out.StoppedEarly = err == nil && len(cands) < main.n
	if err != nil || !m.cfg.Hint || ex.Answer == "" || len(out.Kept()) > 0 {
		return out, err
	}
	rat := sampleRound{
		method: m.Name(), round: RoundRationalize, stage: RoundRationalize, tmpl: tmplSTaRRationalize,
		sampling: pathSampling(m.cfg, m.cfg.HintTemperature), n: m.cfg.HintSelectSamples,
		first: m.cfg.Samples, hinted: true, filter: m.filter, cfg: m.cfg,
	}
	data := promptData(ex)
	data.Hint = ex.Answer
	rcands, _, err := rat.run(ctx, m.deps, ex, data, calls)
	out.Candidates = append(out.Candidates, rcands...)
	out.Usage = calls.total()
	return out, err
}
