package method

import (
	"context"
	"fmt"
	"sync"

	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Round names.
const (
	RoundMain = "main"
	RoundHint = "hint"
)

// The ReGenesis prompt templates.
const (
	tmplSelect    = "regenesis/select"
	tmplAdapt     = "regenesis/adapt"
	tmplStructure = "regenesis/structure"
	tmplPath      = "regenesis/path"
	tmplJudge     = "shared/judge"
)

// reGenesis implements ReGenesis (Peng et al., ICLR 2025): per question,
// guideline sets -> adapted guidelines -> reasoning structure -> reasoning
// path, filtered by the final answer, with a hinted round for questions left
// without a path.
type reGenesis struct {
	Base
	hintPool []guideline.Guideline
}

func newReGenesis(name string, d Deps, cfg Config) (Method, error) {
	b, err := NewBase(name, d, cfg, true, tmplSelect, tmplAdapt, tmplStructure, tmplPath)
	if err != nil {
		return nil, err
	}
	m := &reGenesis{Base: b, hintPool: guideline.ForHint(d.Guidelines)}
	if cfg.Hint && len(m.hintPool) == 0 {
		return nil, fmt.Errorf("hint round is on but every guideline assumes a current solution")
	}
	return m, nil
}

// FanOut is the main round's: one chain per guideline set (each pool
// guideline alone, and the picked sets), or a wave of them.
func (m *reGenesis) FanOut() int { return m.RoundFanOut(m.mainRound().size()) }

// round describes one pass of the stages over a question.
type round struct {
	name        string
	temperature float64
	pool        []guideline.Guideline
	picks       int  // sampled guideline sets
	singles     bool // plus each pool guideline alone
	hint        string
	firstIndex  int // candidate index of the round's first chain
}

// stage returns the stage name as counted and seeded: "adapt" in the main
// round, "hint/adapt" in the hint round.
func (r round) stage(s string) string {
	if r.name == RoundMain {
		return s
	}
	return r.name + "/" + s
}

func (r round) size() int {
	if r.singles {
		return r.picks + len(r.pool)
	}
	return r.picks
}

func (m *reGenesis) mainRound() round {
	return round{
		name: RoundMain, temperature: m.Config.Temperature, pool: m.Deps.Guidelines,
		picks: m.Config.SelectSamples, singles: m.Config.SingleGuidelines,
	}
}

// Synthesize runs the main round and, when it keeps nothing, the hint round.
func (m *reGenesis) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	q := m.Begin(ex)
	main := m.mainRound()
	_, share, err := m.run(ctx, q, main, true)
	if err != nil {
		return q.Done(), err
	}
	if m.Config.Filter == FilterMajority {
		q.Out.Agreement = share
	}
	if !q.NeedsHint() {
		return q.Done(), nil
	}
	hint := round{
		name: RoundHint, temperature: m.Config.HintTemperature, pool: m.hintPool,
		picks: m.Config.HintSelectSamples, hint: ex.Answer, firstIndex: main.size(),
	}
	_, _, err = m.run(ctx, q, hint, false)
	return q.Done(), err
}

// run does one round and filters it: one chain per guideline set, the
// single guidelines' chains first (their indices and seeds do not depend on
// the number of picked sets, so raising select_samples reuses them), then
// the picked sets' chains. The picked sets come from one selection request
// (n samples at once), sent when the first picked chain needs it; each chain
// moves to its next stage as soon as its previous stage returns. Under the
// adaptive budget (adaptive rounds only) the chains run a wave at a time
// and the round may stop early; only the chains that ran are returned.
func (m *reGenesis) run(ctx context.Context, q *Question, r round, adaptive bool) ([]Candidate, float64, error) {
	singles := 0
	if r.singles {
		singles = len(r.pool)
	}
	picks := sync.OnceValues(func() ([]picked, error) { return m.pick(ctx, q, r) })
	return q.chains(ctx, chains{
		round: r.name, orderStage: "budget/" + r.stage("order"), n: r.size(), first: r.firstIndex,
		hinted: r.hint != "", adaptive: adaptive, distinctSets: true,
		fill: func(ctx context.Context, c *Candidate) error {
			i := c.Index - r.firstIndex
			if i < singles {
				return m.chain(ctx, q, r, []guideline.Guideline{r.pool[i]}, c)
			}
			sets, err := picks()
			if err != nil {
				return err
			}
			s := sets[i-singles]
			if s.why != "" {
				c.Reason = StageFailed("select", s.why)
				return nil
			}
			return m.chain(ctx, q, r, s.set, c)
		},
	})
}

// picked is one sampled guideline set, or why the sample is unusable.
type picked struct {
	set []guideline.Guideline
	why string
}

// pick asks for r.picks guideline selections in one request.
func (m *reGenesis) pick(ctx context.Context, q *Question, r round) ([]picked, error) {
	text, err := m.Deps.Prompts.Render(tmplSelect, m.data(q.Example, r, nil))
	if err != nil {
		return nil, err
	}
	stage := r.stage("select")
	resp, err := q.Request(ctx, stage, nil, text, m.Sampling("select", r.temperature), r.picks, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stage, err)
	}
	out := make([]picked, r.picks)
	for i := range out {
		if i >= len(resp.Choices) {
			out[i].why = "server returned no sample"
			continue
		}
		nums := ParseGuidelinePicks(resp.Choices[i].Text, r.pool, maxPicks)
		if len(nums) == 0 {
			out[i].why = "no guideline number or name in reply"
			continue
		}
		for _, n := range nums {
			out[i].set = append(out[i].set, r.pool[n-1])
		}
	}
	return out, nil
}

// chain runs adapt -> structure -> path for one guideline set and fills c.
func (m *reGenesis) chain(ctx context.Context, q *Question, r round, set []guideline.Guideline, c *Candidate) error {
	c.GuidelineIDs = guideline.IDs(set)
	data := m.data(q.Example, r, set)
	for _, st := range []struct {
		name, tmpl string
		dst, kept  *string
	}{
		{"adapt", tmplAdapt, &data.Adapted, &c.AdaptedGuidelines},
		{"structure", tmplStructure, &data.Structure, &c.Structure},
	} {
		stage := r.stage(st.name)
		reply, why, err := q.Step(ctx, stage, st.tmpl, data, m.Sampling(st.name, r.temperature), c.Index)
		if err != nil {
			return wrapIndexed(stage, c.Index, err)
		}
		if why != "" {
			c.Reason = StageFailed(st.name, why)
			return nil
		}
		*st.dst, *st.kept = reply, reply
	}
	pathTmpl := tmplPath
	if r.hint != "" && m.Config.Profile == ProfileReference {
		pathTmpl = tmplRefHintPath
	}
	text, err := m.Deps.Prompts.Render(pathTmpl, data)
	if err != nil {
		return err
	}
	stage := r.stage("path")
	resp, err := q.Request(ctx, stage, nil, text, m.Sampling("path", r.temperature), 1, c.Index)
	if err != nil {
		return wrapIndexed(stage, c.Index, err)
	}
	if len(resp.Choices) == 0 {
		c.Reason = StageFailed("path", "server returned no sample")
		return nil
	}
	c.Path = resp.Choices[0].Text
	c.FinishReason = resp.Choices[0].FinishReason
	c.CompletionTokens = resp.Usage.CompletionTokens
	return nil
}

func (m *reGenesis) data(ex task.Example, r round, set []guideline.Guideline) prompts.Data {
	if set == nil {
		set = r.pool
	}
	return prompts.Data{
		Task: ex.Task, Question: ex.Question, AnswerFormat: AnswerFormat(ex.Spec),
		Guidelines: set, Hint: r.hint,
	}
}
