package method

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

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
	calls := &counter{m: out.Calls}
	main := round{
		name: RoundMain, temperature: m.cfg.Temperature, pool: m.deps.Guidelines,
		picks: m.cfg.SelectSamples, singles: m.cfg.SingleGuidelines,
	}
	cands, err := m.run(ctx, ex, main, calls)
	if err != nil {
		return out, err
	}
	share, err := m.filter.Apply(ctx, ex, cands, "cap/"+RoundMain, out.Calls)
	if err != nil {
		return out, err
	}
	out.Candidates = cands
	if m.cfg.Filter == FilterMajority {
		out.Agreement = share
	}
	if !m.cfg.Hint || m.cfg.Filter != FilterGold || ex.Answer == "" || len(out.Kept()) > 0 {
		return out, nil
	}
	hint := round{
		name: RoundHint, temperature: m.cfg.HintTemperature, pool: m.hintPool,
		picks: m.cfg.HintSelectSamples, hint: ex.Answer, firstIndex: len(cands),
	}
	hcands, err := m.run(ctx, ex, hint, calls)
	if err != nil {
		return out, err
	}
	if _, err := m.filter.Apply(ctx, ex, hcands, "cap/"+RoundHint, out.Calls); err != nil {
		return out, err
	}
	out.Candidates = append(out.Candidates, hcands...)
	return out, nil
}

// run does one round: the selection request (n samples at once) and one
// chain per guideline set. Chains of the single guidelines start at once;
// each picked chain starts as soon as the selection returns, and each chain
// moves to its next stage as soon as its previous stage returns.
func (m *reGenesis) run(ctx context.Context, ex task.Example, r round, calls *counter) ([]Candidate, error) {
	cands := make([]Candidate, r.size())
	for i := range cands {
		cands[i] = Candidate{
			Task: ex.Task, QuestionID: ex.ID, Method: m.Name(), Index: r.firstIndex + i,
			Round: r.name, Hinted: r.hint != "", Verdict: VerdictUnchecked,
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	if r.picks > 0 {
		g.Go(func() error {
			sets, err := m.pick(gctx, ex, r, calls)
			if err != nil {
				return err
			}
			for i, s := range sets {
				if s.why != "" {
					cands[i].Reason = StageFailed("select", s.why)
					continue
				}
				g.Go(func() error { return m.chain(gctx, ex, r, s.set, &cands[i], calls) })
			}
			return nil
		})
	}
	if r.singles {
		for j, gl := range r.pool {
			c := &cands[r.picks+j]
			g.Go(func() error { return m.chain(gctx, ex, r, []guideline.Guideline{gl}, c, calls) })
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return cands, nil
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
	calls.add(stage, r.picks)
	resp, err := m.deps.Sample(ctx, text, m.sampling(r), r.picks, SeedFor(m.cfg.Seed, ex.ID, stage, 0))
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
	text, err := m.deps.Prompts.Render(tmplPath, data)
	if err != nil {
		return err
	}
	stage := r.stage("path")
	calls.add(stage, 1)
	resp, err := m.deps.Sample(ctx, text, m.sampling(r), 1, SeedFor(m.cfg.Seed, ex.ID, stage, c.Index))
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
	calls.add(stage, 1)
	resp, err := m.deps.Sample(ctx, text, m.sampling(r), 1, SeedFor(m.cfg.Seed, ex.ID, stage, c.Index))
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

func (m *reGenesis) sampling(r round) Sampling {
	return Sampling{Temperature: r.temperature, TopP: m.cfg.TopP, MaxTokens: m.cfg.MaxTokens}
}

// counter counts requested samples per stage; chains run concurrently.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) add(stage string, n int) {
	c.mu.Lock()
	c.m[stage] += n
	c.mu.Unlock()
}
