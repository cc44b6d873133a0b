package method

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

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
type cot struct {
	deps   Deps
	cfg    Config
	filter *Filter
}

func newCoT(d Deps, cfg Config) (Method, error) {
	if err := d.Validate(false); err != nil {
		return nil, err
	}
	if err := requireTemplates(d, tmplCoTSample, tmplJudge); err != nil {
		return nil, err
	}
	return &cot{deps: d, cfg: cfg, filter: NewFilter(d, cfg)}, nil
}

func (m *cot) Name() string { return "cot" }

// Synthesize samples cfg.Samples paths and filters them.
func (m *cot) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	r := sampleRound{
		method: m.Name(), round: RoundMain, stage: StageSample, tmpl: tmplCoTSample,
		sampling: Sampling{Temperature: m.cfg.Temperature, TopP: m.cfg.TopP, MaxTokens: m.cfg.MaxTokens},
		n:        m.cfg.Samples,
	}
	cands, err := r.run(ctx, m.deps, m.cfg.Seed, ex, promptData(ex), &counter{m: out.Calls})
	if err != nil {
		return out, err
	}
	share, err := m.filter.Apply(ctx, ex, cands, "cap/"+RoundMain, out.Calls)
	out.Candidates, out.Agreement = cands, share
	return out, err
}

// sampleRound draws n independent paths for one question from one prompt:
// n single-sample requests, sample i seeded by (question, stage, i), so each
// path's completion-token count is exact (the too_long filter needs it) and
// raising n later replays the first paths from the store.
type sampleRound struct {
	method   string
	round    string // Candidate.Round
	stage    string // counted in Outcome.Calls and seeded
	tmpl     string
	sampling Sampling
	n        int
	first    int  // Index of the round's first candidate
	hinted   bool // the prompt carries the gold answer
}

// run renders the prompt once and samples the paths concurrently. A missing
// sample is recorded as a stage failure; errors are the client's.
func (r sampleRound) run(ctx context.Context, d Deps, seed int64, ex task.Example, data prompts.Data, calls *counter) ([]Candidate, error) {
	text, err := d.Prompts.Render(r.tmpl, data)
	if err != nil {
		return nil, err
	}
	cands := make([]Candidate, r.n)
	g, gctx := errgroup.WithContext(ctx)
	for i := range cands {
		c := &cands[i]
		*c = Candidate{
			Task: ex.Task, QuestionID: ex.ID, Method: r.method, Index: r.first + i,
			Round: r.round, Hinted: r.hinted, Verdict: VerdictUnchecked,
		}
		g.Go(func() error {
			calls.add(r.stage, 1)
			resp, err := d.Sample(gctx, text, r.sampling, 1, SeedFor(seed, ex.ID, r.stage, c.Index))
			if err != nil {
				return fmt.Errorf("%s %d: %w", r.stage, c.Index, err)
			}
			if len(resp.Choices) == 0 {
				c.Reason = StageFailed(r.stage, "server returned no sample")
				return nil
			}
			c.Path = resp.Choices[0].Text
			c.FinishReason = resp.Choices[0].FinishReason
			c.CompletionTokens = resp.Usage.CompletionTokens
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return cands, nil
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
