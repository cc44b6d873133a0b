package method

import (
	"context"
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/llm"
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
	calls := newCounter(&out)
	r := sampleRound{
		method: m.Name(), round: RoundMain, stage: StageSample, tmpl: tmplCoTSample,
		sampling: pathSampling(m.cfg, m.cfg.Temperature), n: m.cfg.Samples,
		adaptive: true, filter: m.filter, cfg: m.cfg,
	}
	cands, share, err := r.run(ctx, m.deps, ex, promptData(ex), calls)
	out.Candidates, out.Agreement, out.Usage = cands, share, calls.total()
	out.StoppedEarly = err == nil && len(cands) < r.n
	return out, err
}

// sampleRound draws n independent paths for one question from one prompt:
// n single-sample requests, sample i seeded by (question, stage, i), so each
// path's completion-token count is exact (the too_long filter needs it) and
// raising n later replays the first paths from the store. The round's
// candidates are filtered by filter; an adaptive round (under the adaptive
// budget) samples a wave at a time and stops once it keeps enough.
type sampleRound struct {
	method   string
	round    string // Candidate.Round
	stage    string // counted in Outcome.Calls and seeded
	tmpl     string
	sampling Sampling
	n        int
	first    int  // Index of the round's first candidate
	hinted   bool // the prompt carries the gold answer
	adaptive bool
	filter   *Filter
	cfg      Config
	// shots are turns sent before the prompt (a few-shot method's worked
	// examples).
	shots []llm.Message
	// decorate, when set, completes a candidate after sampling
	// (Self-Discover's shared guidelines and structure).
	decorate func(*Candidate)
}

// run renders the prompt once, samples the paths concurrently and filters
// them; it returns the candidates of the paths sampled and the filter's
// answer share. A missing sample is recorded as a stage failure; errors are
// the client's.
func (r sampleRound) run(ctx context.Context, d Deps, ex task.Example, data prompts.Data, calls *counter) ([]Candidate, float64, error) {
	text, err := d.Prompts.Render(r.tmpl, data)
	if err != nil {
		return nil, 0, err
	}
	cands := make([]Candidate, r.n)
	for i := range cands {
		cands[i] = Candidate{
			Task: ex.Task, QuestionID: ex.ID, Method: r.method, Index: r.first + i,
			Round: r.round, Hinted: r.hinted, Verdict: answer.Unchecked,
		}
		if r.decorate != nil {
			r.decorate(&cands[i])
		}
	}
	seed := r.cfg.Seed
	memo := newJudgeMemo()
	var share float64
	plan := chainPlan{
		cfg: r.cfg, ex: ex, adaptive: r.adaptive, orderStage: "budget/" + r.stage + "/order",
		n: r.n, spec: ex.Spec,
		run: func(ctx context.Context, i int) error {
			c := &cands[i]
			resp, err := calls.sampleAfter(ctx, d, r.stage, r.shots, text, r.sampling, 1, SeedFor(seed, ex.ID, r.stage, c.Index))
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
		},
		settle: func(ctx context.Context, ran []int) ([]Candidate, error) {
			out := pickCandidates(cands, ran)
			var err error
			share, err = r.filter.apply(ctx, ex, out, "cap/"+r.round, calls, memo)
			return out, err
		},
	}
	out, err := plan.execute(ctx)
	if err != nil {
		return nil, 0, err
	}
	return out, share, nil
}

// pathSampling is the sampling of a method's path stage at temperature t.
func pathSampling(cfg Config, t float64) Sampling {
	return Sampling{Temperature: t, TopP: cfg.TopP, MaxTokens: cfg.stageTokens("path")}
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
