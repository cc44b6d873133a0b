package method

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// chainPlan is one round of a question as independent chains: chain i fills
// candidate i. Every sampling method runs its rounds through it, so that
// the budget (paper or adaptive) works alike for all.
type chainPlan struct {
	cfg Config
	ex  task.Example
	// adaptive lets the round stop early; the hint rounds always run whole.
	adaptive bool
	// orderStage seeds the adaptive order of the chains.
	orderStage string
	// n is the number of chains; run fills chain i.
	n   int
	run func(ctx context.Context, i int) error
	// settle filters the candidates of the chains in ran (ascending) and
	// returns them; it may be called after every wave, so it must not
	// depend on earlier calls.
	settle func(ctx context.Context, ran []int) ([]Candidate, error)
	// distinctSets asks, before stopping, for kept paths from as many
	// distinct guideline sets as KeepPerQuestion (ReGenesis).
	distinctSets bool
	// spec is the question's answer spec (the majority stop rule).
	spec answer.Spec
}

// execute runs the plan. Under the paper budget every chain starts at once
// and the candidates are settled once. Under the adaptive budget the chains
// run in a seeded random order, a wave at a time; after each wave the chains
// run so far are settled, and the round stops when they are enough (see
// enough). A round that never gets there has run every chain, exactly as
// under the paper budget, and its settled candidates are the same.
func (p chainPlan) execute(ctx context.Context) ([]Candidate, error) {
	all := make([]int, p.n)
	for i := range all {
		all[i] = i
	}
	if !p.adaptive || p.cfg.Budget != BudgetAdaptive {
		if err := p.runAll(ctx, all); err != nil {
			return nil, err
		}
		return p.settle(ctx, all)
	}
	order := slices.Clone(all)
	r := RandFor(p.cfg.Seed, p.ex.ID, p.orderStage, 0)
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	wave := p.cfg.wave()
	ran := make([]int, 0, p.n)
	for start := 0; ; start += wave {
		next := order[start:min(start+wave, p.n)]
		if err := p.runAll(ctx, next); err != nil {
			return nil, err
		}
		ran = append(ran, next...)
		sorted := slices.Sorted(slices.Values(ran))
		out, err := p.settle(ctx, sorted)
		if err != nil || len(ran) == p.n || p.enough(out, p.n-len(ran)) {
			return out, err
		}
	}
}

func (p chainPlan) runAll(ctx context.Context, idx []int) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, i := range idx {
		g.Go(func() error { return p.run(gctx, i) })
	}
	return g.Wait()
}

// enough reports whether settled candidates let an adaptive round stop:
// KeepPerQuestion kept paths (from as many distinct guideline sets when
// distinctSets), and KeepPerQuestion+BudgetHeadroom paths that passed every
// filter but the cap. Under the majority filter the majority answer must
// also be beyond reach of the remaining chains, so that it is the answer
// the whole budget would have voted for.
func (p chainPlan) enough(cands []Candidate, remaining int) bool {
	k := p.cfg.KeepPerQuestion
	kept, passing := 0, 0
	sets := make(map[string]bool)
	for _, c := range cands {
		switch {
		case c.Kept:
			kept++
			passing++
			sets[guidelineKey(c.GuidelineIDs)] = true
		case c.Reason == ReasonOverCap:
			passing++
		}
	}
	if kept < k || passing < k+p.cfg.BudgetHeadroom {
		return false
	}
	if p.distinctSets && len(sets) < k {
		return false
	}
	if p.cfg.Filter == FilterMajority {
		return majorityFixed(cands, p.spec, remaining)
	}
	return true
}

// majorityFixed reports whether the leading answer among cands leads the
// runner-up by more than remaining votes.
func majorityFixed(cands []Candidate, spec answer.Spec, remaining int) bool {
	counts := make(map[string]int)
	for _, c := range cands {
		if IsStageFailure(c.Reason) || c.Extracted == "" {
			continue
		}
		counts[answer.Canonical(c.Extracted, spec)]++
	}
	first, second := 0, 0
	for _, n := range counts {
		switch {
		case n > first:
			first, second = n, first
		case n > second:
			second = n
		}
	}
	return first-second > remaining
}

// pickCandidates returns copies of the candidates at idx, in order.
func pickCandidates(cands []Candidate, idx []int) []Candidate {
	out := make([]Candidate, len(idx))
	for j, i := range idx {
		out[j] = cands[i]
	}
	return out
}
