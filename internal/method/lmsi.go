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
type lmsi struct {
	deps   Deps
	cfg    Config
	filter *Filter
	// name is the name the method was asked for ("lmsi" or "lmsi-zeroshot").
	name string
}

func newLMSI(d Deps, cfg Config) (Method, error) {
	if err := d.Validate(false); err != nil {
		return nil, err
	}
	if err := requireTemplates(d, tmplLMSISample, tmplJudge); err != nil {
		return nil, err
	}
	cfg.Filter = FilterMajority
	cfg.Hint = false
	return &lmsi{deps: d, cfg: cfg, filter: NewFilter(d, cfg)}, nil
}

func (m *lmsi) Name() string {
	if m.name != "" {
		return m.name
	}
	return "lmsi"
}

func (m *lmsi) setName(n string) { m.name = n }

// Synthesize samples and keeps the paths agreeing with the majority. The
// stages see the example with its gold answer and rationale removed; the
// Outcome still carries the example as given.
func (m *lmsi) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	blind := ex
	blind.Answer, blind.Rationale = "", ""
	calls := newCounter(&out)
	r := sampleRound{
		method: m.Name(), round: RoundMain, stage: StageSample, tmpl: tmplLMSISample,
		sampling: pathSampling(m.cfg, m.cfg.Temperature), n: m.cfg.Samples,
		adaptive: true, filter: m.filter, cfg: m.cfg,
	}
	cands, share, err := r.run(ctx, m.deps, blind, promptData(blind), calls)
	out.Candidates, out.Agreement, out.Usage = cands, share, calls.total()
	out.StoppedEarly = err == nil && len(cands) < r.n
	return out, err
}
