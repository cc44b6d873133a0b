package synth

import (
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/shard"
)

// Manifest describes a synthesis run. Everything but Run is a function of
// the inputs, the seed and the model's responses, so two runs over the same
// store write the same bytes outside Run.
type Manifest struct {
	Version string `json:"version"`
	// Command is the command line, with secrets removed by the caller.
	Command []string `json:"command"`
	Method  string   `json:"method"`
	Task    string   `json:"task,omitempty"`
	Split   string   `json:"split,omitempty"`
	Model   string   `json:"model,omitempty"`
	// Config is the method configuration in effect.
	Config method.Config `json:"config"`
	// Guidelines are the IDs of the guideline pool in effect.
	Guidelines []string `json:"guidelines,omitempty"`
	// PromptHashes maps each prompt template to the SHA-256 of its text.
	PromptHashes map[string]string `json:"prompt_hashes"`
	Counts       Counts            `json:"counts"`
	// Cost is what the run's questions cost, as the server reported it.
	Cost Cost `json:"cost"`
	// Diversity describes the kept paths.
	Diversity Diversity `json:"diversity"`
	// GuidelineYield counts, per guideline id, the candidates made with it.
	GuidelineYield map[string]*Yield `json:"guideline_yield"`
	// QuestionsWithoutPath lists, in input order, the questions with no kept path.
	QuestionsWithoutPath []string `json:"questions_without_path"`
	// Shard is set on a shard's manifest (--shard I/N); a merged or
	// unsharded run has none.
	Shard *shard.Info `json:"shard,omitempty"`
	// Run holds what changes from run to run: timing and usage.
	Run RunInfo `json:"run"`

	// hasCost is set by Run and ParseManifest (see HasCost).
	hasCost bool
}

// Counts sums a run's outcomes.
type Counts struct {
	Questions         int `json:"questions"`
	QuestionsWithPath int `json:"questions_with_path"`
	// RescuedByHint counts questions whose only kept paths are hinted.
	RescuedByHint int `json:"rescued_by_hint"`
	Candidates    int `json:"candidates"`
	Kept          int `json:"kept"`
	KeptHinted    int `json:"kept_hinted"`
	// KeptRate is Kept / Candidates.
	KeptRate float64 `json:"kept_rate"`
	// Calls counts requested LLM samples per stage.
	Calls map[string]int `json:"calls"`
	// Verdicts counts candidates per verdict.
	Verdicts map[string]int `json:"verdicts"`
	// Dropped counts candidates not kept, per reason (stage failures per
	// stage, the detail cut off).
	Dropped map[string]int `json:"dropped"`
}

// RunInfo is the volatile part of a manifest.
type RunInfo struct {
	WallSeconds float64 `json:"wall_seconds"`
	Usage       Usage   `json:"usage"`
	// Servers is what each model server did for this invocation (merged:
	// the shards' sums per server), URLs without credentials.
	Servers []llm.ServerStats `json:"servers,omitempty"`
}

// Cost is a run's cost: totals over its questions and the same divided by
// the questions and by the kept paths. Samples replayed from the run store
// count what they cost when they were generated, so that a resumed run
// reports what the whole run cost; RunInfo.Usage says what this invocation
// sent.
type Cost struct {
	method.Usage
	// Tokens is PromptTokens + CompletionTokens.
	Tokens int64 `json:"tokens"`
	// PerQuestion and PerKeptPath divide the totals (nil with no question
	// or no kept path).
	PerQuestion *UnitCost `json:"per_question"`
	PerKeptPath *UnitCost `json:"per_kept_path"`
	// StoppedEarly counts questions the adaptive budget stopped before their
	// last main-round chain.
	StoppedEarly int `json:"questions_stopped_early"`
	// Money prices the totals (nil when the run was given no pricing; its
	// amounts are nil when the model's price is unknown).
	Money *cost.Money `json:"money,omitempty"`
}

// UnitCost is a Cost divided by a count.
type UnitCost struct {
	Requests         float64 `json:"requests"`
	Samples          float64 `json:"samples"`
	PromptTokens     float64 `json:"prompt_tokens"`
	CompletionTokens float64 `json:"completion_tokens"`
	Tokens           float64 `json:"tokens"`
}

func (c Cost) per(n int) *UnitCost {
	if n == 0 {
		return nil
	}
	d := float64(n)
	return &UnitCost{
		Requests: float64(c.Requests) / d, Samples: float64(c.Samples) / d,
		PromptTokens: float64(c.PromptTokens) / d, CompletionTokens: float64(c.CompletionTokens) / d,
		Tokens: float64(c.Tokens) / d,
	}
}

// Diversity describes the kept paths of a run, per question.
type Diversity struct {
	// GuidelineSets is the number of distinct guideline sets (as sorted id
	// lists) among each question's kept paths, summed over questions.
	GuidelineSets int `json:"kept_guideline_sets"`
	// GuidelineSetsPerQuestion is GuidelineSets over the questions with a
	// kept path (nil with none).
	GuidelineSetsPerQuestion *float64 `json:"kept_guideline_sets_per_question"`
	// MeanPairwiseSimilarity is the mean, over questions with two or more
	// kept paths, of the mean estimated Jaccard similarity of the word
	// 3-shingles of every pair of their kept paths, as near-duplicate
	// removal measures it (lower: more varied; nil with no such question).
	MeanPairwiseSimilarity *float64 `json:"mean_pairwise_similarity"`
	// MultiPathQuestions is the number of questions with two or more kept paths.
	MultiPathQuestions int `json:"multi_path_questions"`

	simSum float64
}

// Yield counts the candidates of one guideline: made with it (attempted),
// with a correct final answer, and kept.
type Yield struct {
	Attempted int `json:"attempted"`
	Correct   int `json:"correct"`
	Kept      int `json:"kept"`
}

// Begin readies m to count a run of method: it zeroes the counts, cost,
// diversity, yields and questions without path, keeping the static part.
func (m *Manifest) Begin(method string) {
	m.Method = method
	m.Counts = Counts{Calls: map[string]int{}, Verdicts: map[string]int{}, Dropped: map[string]int{}}
	m.Cost = Cost{}
	m.Diversity = Diversity{}
	m.QuestionsWithoutPath = []string{}
	m.GuidelineYield = map[string]*Yield{}
}

// Record counts one question's outcome, as Run does in input order (the
// mean similarity is a running mean: the order matters to the last bit).
func (m *Manifest) Record(o method.Outcome) {
	m.add(o)
	if len(o.Kept()) == 0 {
		m.QuestionsWithoutPath = append(m.QuestionsWithoutPath, o.Example.ID)
	}
}

// add adds one question's outcome to the cost, diversity and yield.
func (m *Manifest) add(o method.Outcome) {
	m.Counts.add(o)
	m.Cost.Usage.Add(o.Usage)
	m.Cost.Tokens = m.Cost.PromptTokens + m.Cost.CompletionTokens
	m.Cost.PerQuestion = m.Cost.per(m.Counts.Questions)
	m.Cost.PerKeptPath = m.Cost.per(m.Counts.Kept)
	if o.StoppedEarly {
		m.Cost.StoppedEarly++
	}
	if m.GuidelineYield == nil {
		m.GuidelineYield = map[string]*Yield{}
	}
	var kept []string
	sets := map[string]bool{}
	for _, c := range o.Candidates {
		for _, id := range c.GuidelineIDs {
			y := m.GuidelineYield[id]
			if y == nil {
				y = &Yield{}
				m.GuidelineYield[id] = y
			}
			y.Attempted++
			if c.Verdict == answer.Correct {
				y.Correct++
			}
			if c.Kept {
				y.Kept++
			}
		}
		if c.Kept {
			kept = append(kept, c.Path)
			ids := slices.Clone(c.GuidelineIDs)
			slices.Sort(ids)
			sets[strings.Join(ids, "\x00")] = true
		}
	}
	d := &m.Diversity
	d.GuidelineSets += len(sets)
	if m.Counts.QuestionsWithPath > 0 {
		v := float64(d.GuidelineSets) / float64(m.Counts.QuestionsWithPath)
		d.GuidelineSetsPerQuestion = &v
	}
	if sim, ok := method.MeanPairwiseSimilarity(kept); ok {
		d.MultiPathQuestions++
		d.simSum += sim
		v := d.simSum / float64(d.MultiPathQuestions)
		d.MeanPairwiseSimilarity = &v
	}
}

func (c *Counts) add(o method.Outcome) {
	c.Questions++
	kept, hinted := 0, 0
	for _, cand := range o.Candidates {
		c.Candidates++
		c.Verdicts[string(cand.Verdict)]++
		if cand.Kept {
			kept++
			if cand.Hinted {
				hinted++
			}
			continue
		}
		c.Dropped[reasonKey(cand.Reason)]++
	}
	for stage, n := range o.Calls {
		c.Calls[stage] += n
	}
	c.Kept += kept
	c.KeptHinted += hinted
	if kept > 0 {
		c.QuestionsWithPath++
		if hinted == kept {
			c.RescuedByHint++
		}
	}
	if c.Candidates > 0 {
		c.KeptRate = float64(c.Kept) / float64(c.Candidates)
	}
}

// reasonKey groups reasons: "stage_failed: adapt: empty reply" counts as
// "stage_failed: adapt", "judge_rejected: unclear reply" as "judge_rejected".
func reasonKey(r string) string {
	if method.IsStageFailure(r) {
		parts := strings.SplitN(r, ": ", 3)
		return parts[0] + ": " + parts[1]
	}
	if i := strings.Index(r, ":"); i >= 0 {
		return r[:i]
	}
	if r == "" {
		return "unknown"
	}
	return r
}
