package method

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/sync/errgroup"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// judgeMaxTokens bounds the judge's reply; it is asked for one word.
const judgeMaxTokens = 64

// Filter is the filter chain every method shares: the strict answer check
// (against the gold answer or the majority answer), the optional LLM judge,
// near-duplicate removal and the diversity-first cap.
type Filter struct {
	deps Deps
	cfg  Config
}

// NewFilter returns the filter chain for d and cfg.
func NewFilter(d Deps, cfg Config) *Filter {
	return &Filter{deps: d, cfg: cfg}
}

// Apply decides every candidate's verdict and which are kept, in place.
// A hinted path that mentions its hint is dropped ("mentions_hint").
// cands are one question's candidates of one round; stage failures are left
// as they are. With Filter "gold" the label is ex.Answer; with "majority" it
// is the majority answer over cands, whose share Apply returns (in gold mode
// the share of the gold answer among the answers). Judge calls are counted
// in calls["judge"] (calls may be nil). capStage names the cap's random
// choice, so that rounds get independent draws. Errors come only from the
// LLM client or ctx.
func (f *Filter) Apply(ctx context.Context, ex task.Example, cands []Candidate, capStage string, calls map[string]int) (float64, error) {
	if calls == nil {
		calls = map[string]int{}
	}
	return f.apply(ctx, ex, cands, capStage, &counter{m: calls}, nil)
}

// judgeMemo remembers the judge's verdicts of one question's round, so that
// settling the round again after another wave asks nothing twice.
type judgeMemo struct {
	mu sync.Mutex
	m  map[judgeKey]judged
}

type judgeKey struct {
	index int
	label string
}

type judged struct {
	ok  bool
	why string
}

func newJudgeMemo() *judgeMemo { return &judgeMemo{m: make(map[judgeKey]judged)} }

// apply is Apply counting into calls, with the judge's verdicts remembered
// in memo (nil: none).
func (f *Filter) apply(ctx context.Context, ex task.Example, cands []Candidate, capStage string, calls *counter, memo *judgeMemo) (float64, error) {
	var label string
	var share float64
	if f.cfg.Filter == FilterMajority {
		label, share = MajorityLabel(cands, ex.Spec)
	} else {
		label = ex.Answer
	}
	for i := range cands {
		Check(&cands[i], ex.Spec, label, f.cfg.MaxPathTokens)
		c := &cands[i]
		switch {
		case f.cfg.Filter == FilterMajority && c.Reason == ReasonWrongAnswer:
			c.Reason = ReasonMajority
		case c.Hinted && c.Reason == "" && mentionsHint(c.Path):
			c.Reason = ReasonMentionsHint
		}
	}
	if f.cfg.Filter == FilterGold {
		share = correctShare(cands)
	}
	if f.cfg.Judge && label != "" {
		if err := f.judge(ctx, ex, label, cands, calls, memo); err != nil {
			return share, err
		}
	}
	if f.cfg.Dedup {
		Dedup(cands, f.cfg.DedupThreshold)
	}
	CapDiverse(cands, f.cfg.KeepPerQuestion, f.cfg.DedupThreshold, RandFor(f.cfg.Seed, ex.ID, capStage, 0))
	for i := range cands {
		cands[i].Kept = cands[i].Reason == ""
	}
	return share, nil
}

// mentionsHint reports whether a hinted path refers to its hint ("the hint
// says ..."): as a training target it would cite something the user turn
// does not contain.
func mentionsHint(path string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(path), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if w == "hint" || w == "hints" || w == "hinted" {
			return true
		}
	}
	return false
}

func correctShare(cands []Candidate) float64 {
	answered, correct := 0, 0
	for _, c := range cands {
		switch c.Verdict {
		case answer.Correct:
			correct++
			answered++
		case answer.Wrong:
			answered++
		}
	}
	if answered == 0 {
		return 0
	}
	return float64(correct) / float64(answered)
}

// judge asks the model, at temperature 0, whether each still-passing path
// reaches label, and rejects those it does not confirm. Verdicts in memo
// are reused; new ones are added to it.
func (f *Filter) judge(ctx context.Context, ex task.Example, label string, cands []Candidate, calls *counter, memo *judgeMemo) error {
	g, ctx := errgroup.WithContext(ctx)
	for i := range cands {
		if cands[i].Reason != "" {
			continue
		}
		c := &cands[i]
		g.Go(func() error {
			key := judgeKey{c.Index, label}
			var v judged
			var found bool
			if memo != nil {
				memo.mu.Lock()
				v, found = memo.m[key]
				memo.mu.Unlock()
			}
			if !found {
				ok, why, err := f.judgeOne(ctx, ex, label, c, calls)
				if err != nil {
					return err
				}
				v = judged{ok, why}
				if memo != nil {
					memo.mu.Lock()
					memo.m[key] = v
					memo.mu.Unlock()
				}
			}
			ok, why := v.ok, v.why
			if !ok {
				c.Reason = ReasonJudge
				if why != "" {
					c.Reason += ": " + why
				}
			}
			return nil
		})
	}
	return g.Wait()
}

func (f *Filter) judgeOne(ctx context.Context, ex task.Example, label string, c *Candidate, calls *counter) (bool, string, error) {
	text, err := f.deps.Prompts.Render("shared/judge", prompts.Data{
		Task: ex.Task, Question: ex.Question, AnswerFormat: AnswerFormat(ex.Spec),
		Reference: label, Path: c.Path,
	})
	if err != nil {
		return false, "", err
	}
	seed := SeedFor(f.cfg.Seed, ex.ID, "judge/"+c.Round, c.Index)
	resp, err := calls.sample(ctx, f.deps, "judge", text, Sampling{Temperature: 0, TopP: 1, MaxTokens: judgeMaxTokens}, 1, seed)
	if err != nil {
		return false, "", fmt.Errorf("judge question %s candidate %d: %w", ex.ID, c.Index, err)
	}
	if len(resp.Choices) == 0 {
		return false, "empty reply", nil
	}
	switch parseYesNo(resp.Choices[0].Text) {
	case "yes":
		return true, "", nil
	case "no":
		return false, "", nil
	default:
		return false, "unclear reply", nil
	}
}

// parseYesNo returns "yes" or "no" when the reply's first word says so, or
// else when exactly one of the two words occurs in it; "" otherwise.
func parseYesNo(reply string) string {
	words := strings.FieldsFunc(strings.ToLower(reply), func(r rune) bool {
		return !unicode.IsLetter(r)
	})
	if len(words) == 0 {
		return ""
	}
	if words[0] == "yes" || words[0] == "no" {
		return words[0]
	}
	var yes, no bool
	for _, w := range words {
		yes = yes || w == "yes"
		no = no || w == "no"
	}
	switch {
	case yes && !no:
		return "yes"
	case no && !yes:
		return "no"
	}
	return ""
}
