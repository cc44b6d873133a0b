package method

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/regenesis-ai/regenesis/internal/answer"
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
	deps     Deps
	cfg      Config
	filter   *Filter
	hintPool []guideline.Guideline
}

func newReGenesis(d Deps, cfg Config) (Method, error) {
	if err := d.Validate(true); err != nil {
		return nil, err
	}
	for _, name := range []string{tmplSelect, tmplAdapt, tmplStructure, tmplPath, tmplJudge} {
		if !d.Prompts.Has(name) {
			return nil, fmt.Errorf("prompt template %q is missing", name)
		}
	}
	m := &reGenesis{deps: d, cfg: cfg, filter: NewFilter(d, cfg), hintPool: guideline.ForHint(d.Guidelines)}
	if cfg.Hint && len(m.hintPool) == 0 {
		return nil, fmt.Errorf("hint round is on but every guideline assumes a current solution")
	}
	return m, nil
}

func (m *reGenesis) Name() string { return "regenesis" }

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

// Synthesize runs the main round and, when it keeps nothing, the hint round.
func (m *reGenesis) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	calls := newCounter(&out)
	defer func() { out.Usage = calls.total() }()
	main := round{
		name: RoundMain, temperature: m.cfg.Temperature, pool: m.deps.Guidelines,
		picks: m.cfg.SelectSamples, singles: m.cfg.SingleGuidelines,
	}
	cands, share, err := m.run(ctx, ex, main, calls, true)
	if err != nil {
		return out, err
	}
	out.Candidates = cands
	out.StoppedEarly = len(cands) < main.size()
	if m.cfg.Filter == FilterMajority {
		out.Agreement = share
	}
	if !m.cfg.Hint || m.cfg.Filter != FilterGold || ex.Answer == "" || len(out.Kept()) > 0 {
		out.Usage = calls.total()
		return out, nil
	}
	hint := round{
		name: RoundHint, temperature: m.cfg.HintTemperature, pool: m.hintPool,
		picks: m.cfg.HintSelectSamples, hint: ex.Answer, firstIndex: main.size(),
	}
	hcands, _, err := m.run(ctx, ex, hint, calls, false)
	if err != nil {
		return out, err
	}
	out.Candidates = append(out.Candidates, hcands...)
	out.Usage = calls.total()
	return out, nil
}

// run does one round and filters it: one chain per guideline set, the
// single guidelines' chains first (their indices and seeds do not depend on
// the number of picked sets, so raising select_samples reuses them), then
// the picked sets' chains. The picked sets come from one selection request
// (n samples at once), sent when the first picked chain needs it; each chain
// moves to its next stage as soon as its previous stage returns. Under the
// adaptive budget (adaptive rounds only) the chains run a wave at a time
// and the round may stop early; only the chains that ran are returned.
func (m *reGenesis) run(ctx context.Context, ex task.Example, r round, calls *counter, adaptive bool) ([]Candidate, float64, error) {
	cands := make([]Candidate, r.size())
	for i := range cands {
		cands[i] = Candidate{
			Task: ex.Task, QuestionID: ex.ID, Method: m.Name(), Index: r.firstIndex + i,
			Round: r.name, Hinted: r.hint != "", Verdict: answer.Unchecked,
		}
	}
	singles := 0
	if r.singles {
		singles = len(r.pool)
	}
	picks := sync.OnceValues(func() ([]picked, error) { return m.pick(ctx, ex, r, calls) })
	memo := newJudgeMemo()
	var share float64
	plan := chainPlan{
		cfg: m.cfg, ex: ex, adaptive: adaptive, orderStage: "budget/" + r.stage("order"),
		n: len(cands), distinctSets: true, spec: ex.Spec,
		run: func(ctx context.Context, i int) error {
			if i < singles {
				return m.chain(ctx, ex, r, []guideline.Guideline{r.pool[i]}, &cands[i], calls)
			}
			sets, err := picks()
			if err != nil {
				return err
			}
			s := sets[i-singles]
			if s.why != "" {
				cands[i].Reason = StageFailed("select", s.why)
				return nil
			}
			return m.chain(ctx, ex, r, s.set, &cands[i], calls)
		},
		settle: func(ctx context.Context, ran []int) ([]Candidate, error) {
			out := pickCandidates(cands, ran)
			var err error
			share, err = m.filter.apply(ctx, ex, out, "cap/"+r.name, calls, memo)
			return out, err
		},
	}
	out, err := plan.execute(ctx)
	if err != nil {
		return nil, 0, err
	}
	return out, share, nil
}

// picked is one sampled guideline set, or why the sample is unusable.
type picked struct {
	set []guideline.Guideline
	why string
}

// pick asks for r.picks guideline selections in one request.
func (m *reGenesis) pick(ctx context.Context, ex task.Example, r round, calls *counter) ([]picked, error) {
	text, err := m.deps.Prompts.Render(tmplSelect, m.data(ex, r, nil))
	if err != nil {
		return nil, err
	}
	stage := r.stage("select")
	resp, err := calls.sample(ctx, m.deps, stage, text, m.sampling(r, "select"), r.picks, SeedFor(m.cfg.Seed, ex.ID, stage, 0))
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
func (m *reGenesis) chain(ctx context.Context, ex task.Example, r round, set []guideline.Guideline, c *Candidate, calls *counter) error {
	c.GuidelineIDs = guideline.IDs(set)
	data := m.data(ex, r, set)
	adapted, why, err := m.step(ctx, ex, r, "adapt", tmplAdapt, data, c, calls)
	if err != nil || why != "" {
		return err
	}
	c.AdaptedGuidelines = adapted
	data.Adapted = adapted
	structure, why, err := m.step(ctx, ex, r, "structure", tmplStructure, data, c, calls)
	if err != nil || why != "" {
		return err
	}
	c.Structure = structure
	data.Structure = structure
	pathTmpl := tmplPath
	if r.hint != "" && m.cfg.Profile == ProfileReference {
		pathTmpl = tmplRefHintPath
	}
	text, err := m.deps.Prompts.Render(pathTmpl, data)
	if err != nil {
		return err
	}
	stage := r.stage("path")
	resp, err := calls.sample(ctx, m.deps, stage, text, m.sampling(r, "path"), 1, SeedFor(m.cfg.Seed, ex.ID, stage, c.Index))
	if err != nil {
		return fmt.Errorf("%s %d: %w", stage, c.Index, err)
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

// step runs one intermediate stage and returns its trimmed reply, or why
// the reply is unusable (recorded in c.Reason).
func (m *reGenesis) step(ctx context.Context, ex task.Example, r round, name, tmpl string, data prompts.Data, c *Candidate, calls *counter) (string, string, error) {
	text, err := m.deps.Prompts.Render(tmpl, data)
	if err != nil {
		return "", "", err
	}
	stage := r.stage(name)
	resp, err := calls.sample(ctx, m.deps, stage, text, m.sampling(r, name), 1, SeedFor(m.cfg.Seed, ex.ID, stage, c.Index))
	if err != nil {
		return "", "", fmt.Errorf("%s %d: %w", stage, c.Index, err)
	}
	why := ""
	reply := ""
	switch {
	case len(resp.Choices) == 0:
		why = "server returned no sample"
	case strings.TrimSpace(resp.Choices[0].Text) == "":
		why = "empty reply"
	default:
		reply = strings.TrimSpace(resp.Choices[0].Text)
	}
	if why != "" {
		c.Reason = StageFailed(name, why)
	}
	return reply, why, nil
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

func (m *reGenesis) sampling(r round, stage string) Sampling {
	return Sampling{Temperature: r.temperature, TopP: m.cfg.TopP, MaxTokens: m.cfg.stageTokens(stage)}
}
