package method

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Base is the part every method shares: its registered name, its
// dependencies and configuration, and the filter chain. A method embeds it
// and adds Synthesize and FanOut; NewBase checks its dependencies, Begin
// starts one question.
type Base struct {
	name string
	// Deps are the method's dependencies.
	Deps Deps
	// Config is the method's configuration, with the method's own
	// overrides applied before NewBase (STaR's gold filter, say).
	Config Config
	// Filter is the filter chain of Deps and Config.
	Filter *Filter
}

// NewBase returns the Base of a method registered as name. It checks that
// d has a completer, a model name and prompts (and, with needGuidelines, a
// valid guideline pool), and that every template the method renders exists:
// templates and the judge's.
func NewBase(name string, d Deps, cfg Config, needGuidelines bool, templates ...string) (Base, error) {
	if err := d.Validate(needGuidelines); err != nil {
		return Base{}, err
	}
	if err := requireTemplates(d, slices.Concat(templates, []string{tmplJudge})...); err != nil {
		return Base{}, err
	}
	return Base{name: name, Deps: d, Config: cfg, Filter: NewFilter(d, cfg)}, nil
}

// Name is the name the method was registered and asked for (the
// candidates' Method).
func (b *Base) Name() string { return b.name }

// Sampling is the sampling of stage ("select", "adapt", "structure",
// "path", ...) at temperature t: the run's top_p and the stage's token cap.
func (b *Base) Sampling(stage string, t float64) Sampling {
	return Sampling{Temperature: t, TopP: b.Config.TopP, MaxTokens: b.Config.stageTokens(stage)}
}

// RoundFanOut is how many of the n chains of an adaptive round run at once:
// all n under the paper budget, a wave under the adaptive one. A method's
// FanOut is usually that of its main round.
func (b *Base) RoundFanOut(n int) int {
	if b.Config.Budget == BudgetAdaptive {
		return min(b.Config.wave(), n)
	}
	return n
}

// Begin starts the synthesis of one question.
func (b *Base) Begin(ex task.Example) *Question {
	q := &Question{base: b, Example: ex, Out: Outcome{Example: ex, Calls: make(map[string]int)}}
	q.calls = newCounter(&q.Out)
	return q
}

// BeginBlind is Begin for a method that uses no label: the stages see ex
// without its gold answer and rationale; the outcome carries ex as given.
func (b *Base) BeginBlind(ex task.Example) *Question {
	q := b.Begin(ex)
	q.Example.Answer, q.Example.Rationale = "", ""
	return q
}

// Question is one question's synthesis under way: the outcome being built,
// every request counted per stage and its usage summed. Request and Step
// are safe for concurrent use by the question's chains; its rounds
// (Sample) run one after the other.
type Question struct {
	base *Base
	// Example is the question as the stages see it.
	Example task.Example
	// Out is the outcome so far; Sample appends each round's candidates.
	Out   Outcome
	calls *counter
}

// Data is the template data of the question, without guidelines.
func (q *Question) Data() prompts.Data { return promptData(q.Example) }

// NeedsHint reports whether a hint round should follow: the hint round is
// on, the filter is gold, the question has a gold answer and no kept path.
func (q *Question) NeedsHint() bool {
	c := q.base.Config
	return c.Hint && c.Filter == FilterGold && q.Example.Answer != "" && len(q.Out.Kept()) == 0
}

// Request sends prompt (after shots) as stage, asking for n samples seeded
// by (question, stage, index), and counts them.
func (q *Question) Request(ctx context.Context, stage string, shots []llm.Message, prompt string, s Sampling, n, index int) (*llm.Response, error) {
	return q.calls.sampleAfter(ctx, q.base.Deps, stage, shots, prompt, s, n, SeedFor(q.base.Config.Seed, q.Example.ID, stage, index))
}

// Step runs one single-sample stage: it renders tmpl with data, asks for
// one sample (seeded by stage and index) and returns the trimmed reply, or
// why it is unusable ("server returned no sample", "empty reply"). Errors
// are the template's or the client's.
func (q *Question) Step(ctx context.Context, stage, tmpl string, data prompts.Data, s Sampling, index int) (reply, why string, err error) {
	text, err := q.base.Deps.Prompts.Render(tmpl, data)
	if err != nil {
		return "", "", err
	}
	resp, err := q.Request(ctx, stage, nil, text, s, 1, index)
	if err != nil {
		return "", "", err
	}
	switch {
	case len(resp.Choices) == 0:
		return "", "server returned no sample", nil
	case strings.TrimSpace(resp.Choices[0].Text) == "":
		return "", "empty reply", nil
	}
	return strings.TrimSpace(resp.Choices[0].Text), "", nil
}

// Done returns the outcome with the question's usage.
func (q *Question) Done() Outcome {
	q.Out.Usage = q.calls.total()
	return q.Out
}

// Round is one round of paths sampled from one prompt: N single-sample
// requests, path i seeded by (question, Stage, First+i), so that each
// path's completion-token count is exact (the too_long filter needs it) and
// raising N later replays the first paths from the store.
type Round struct {
	// Name is the candidates' Round; "" means RoundMain.
	Name string
	// Stage is counted in Outcome.Calls and seeds the requests; ""
	// means StageSample.
	Stage string
	// Template is the prompt template, rendered once.
	Template string
	// Temperature is the paths' sampling temperature.
	Temperature float64
	// N is the number of paths; First is the Index of the first.
	N, First int
	// Hinted marks a prompt that carries the gold answer.
	Hinted bool
	// Adaptive lets the adaptive budget stop the round early (main rounds).
	Adaptive bool
	// Shots are turns sent before the prompt (a few-shot method's worked
	// examples).
	Shots []llm.Message
	// Decorate, when set, completes each candidate (Self-Discover's shared
	// guidelines and structure).
	Decorate func(*Candidate)
}

// Sample runs r with the template data data: it samples the paths
// concurrently (a wave at a time when adaptive), filters them with the
// method's Filter, appends the candidates to q.Out (StoppedEarly when the
// adaptive budget stopped the round) and returns them with
// the filter's answer share. A missing sample is a stage failure; errors
// are the template's or the client's.
func (q *Question) Sample(ctx context.Context, r Round, data prompts.Data) ([]Candidate, float64, error) {
	r.Name = cmp.Or(r.Name, RoundMain)
	r.Stage = cmp.Or(r.Stage, StageSample)
	text, err := q.base.Deps.Prompts.Render(r.Template, data)
	if err != nil {
		return nil, 0, err
	}
	s := q.base.Sampling("path", r.Temperature)
	cands, share, err := q.chains(ctx, chains{
		round: r.Name, orderStage: "budget/" + r.Stage + "/order", n: r.N, first: r.First,
		hinted: r.Hinted, adaptive: r.Adaptive, decorate: r.Decorate,
		fill: func(ctx context.Context, c *Candidate) error {
			resp, err := q.Request(ctx, r.Stage, r.Shots, text, s, 1, c.Index)
			if err != nil {
				return err
			}
			if len(resp.Choices) == 0 {
				c.Reason = StageFailed(r.Stage, "server returned no sample")
				return nil
			}
			c.Path = resp.Choices[0].Text
			c.FinishReason = resp.Choices[0].FinishReason
			c.CompletionTokens = resp.Usage.CompletionTokens
			return nil
		},
		wrap: r.Stage,
	})
	return cands, share, err
}

// wrapIndexed names the stage and candidate an error of a chain came from.
func wrapIndexed(stage string, index int, err error) error {
	return fmt.Errorf("%s %d: %w", stage, index, err)
}

// chains is one round of independent chains: chain i fills candidate i.
type chains struct {
	round      string // Candidate.Round; names the cap's random choice
	orderStage string // seeds the adaptive order
	n, first   int
	hinted     bool
	adaptive   bool
	// distinctSets asks an adaptive round for kept paths from as many
	// distinct guideline sets as KeepPerQuestion (ReGenesis).
	distinctSets bool
	decorate     func(*Candidate)
	fill         func(ctx context.Context, c *Candidate) error
	// wrap, when set, prefixes fill's errors with "wrap INDEX: ".
	wrap string
}

// chains runs a round through the budget (chainPlan) and the filter,
// appends the candidates of the chains that ran to q.Out (marking it
// StoppedEarly when the budget stopped the round) and returns them with the
// filter's share.
func (q *Question) chains(ctx context.Context, c chains) ([]Candidate, float64, error) {
	ex := q.Example
	cands := make([]Candidate, c.n)
	for i := range cands {
		cands[i] = Candidate{
			Task: ex.Task, QuestionID: ex.ID, Method: q.base.name, Index: c.first + i,
			Round: c.round, Hinted: c.hinted, Verdict: answer.Unchecked,
		}
		if c.decorate != nil {
			c.decorate(&cands[i])
		}
	}
	memo := newJudgeMemo()
	var share float64
	plan := chainPlan{
		cfg: q.base.Config, ex: ex, adaptive: c.adaptive, orderStage: c.orderStage,
		n: c.n, distinctSets: c.distinctSets, spec: ex.Spec,
		run: func(ctx context.Context, i int) error {
			err := c.fill(ctx, &cands[i])
			if err != nil && c.wrap != "" {
				return wrapIndexed(c.wrap, cands[i].Index, err)
			}
			return err
		},
		settle: func(ctx context.Context, ran []int) ([]Candidate, error) {
			out := pickCandidates(cands, ran)
			var err error
			share, err = q.base.Filter.apply(ctx, ex, out, "cap/"+c.round, q.calls, memo)
			return out, err
		},
	}
	out, err := plan.execute(ctx)
	if err != nil {
		return nil, 0, err
	}
	q.Out.Candidates = append(q.Out.Candidates, out...)
	if len(out) < c.n {
		q.Out.StoppedEarly = true
	}
	return out, share, nil
}
