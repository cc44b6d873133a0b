// Package method holds the synthesis methods (ReGenesis and the baselines)
// behind one interface. A method turns one example into candidate reasoning
// paths, each with a verdict; the synth runner streams examples through it.
package method

import (
	"context"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Method synthesizes reasoning paths for one question at a time.
// Implementations are safe for concurrent use by many questions.
type Method interface {
	// Name is the method's name as given to --method.
	Name() string
	// Synthesize runs every stage for ex and returns all candidates with
	// their verdicts and which are kept. Unusable model output is recorded
	// in a candidate's Reason, never returned as an error; errors are for
	// cancellation and failures of the LLM client after its retries.
	Synthesize(ctx context.Context, ex task.Example) (Outcome, error)
}

// Candidate is one synthesized reasoning path and what became of it.
type Candidate struct {
	Task       string `json:"task"`
	QuestionID string `json:"question_id"`
	Method     string `json:"method"`
	// Index is the candidate's stable position within its question.
	Index int `json:"index"`
	// Round is "main", or "hint" (ReGenesis hint round) / "rationalize" (STaR).
	Round  string `json:"round"`
	Hinted bool   `json:"hinted"`

	GuidelineIDs      []string `json:"guideline_ids,omitempty"`
	AdaptedGuidelines string   `json:"adapted_guidelines,omitempty"`
	Structure         string   `json:"structure,omitempty"`
	Path              string   `json:"path"`
	FinishReason      string   `json:"finish_reason,omitempty"`
	CompletionTokens  int64    `json:"completion_tokens"`

	// Extracted is the final answer read from Path ("" when none).
	Extracted string `json:"extracted"`
	// Label is the answer Path was checked against: the gold answer, or the
	// majority answer when no gold answer is used.
	Label string `json:"label,omitempty"`
	// Verdict is the strict check's answer.Verdict ("correct", "wrong",
	// "no_answer" or "unchecked").
	Verdict answer.Verdict `json:"verdict"`
	Kept    bool           `json:"kept"`
	// Reason says why a candidate was not kept: "no_answer",
	// "wrong_answer", "too_long", "truncated", "judge_rejected",
	// "duplicate", "over_cap", "disagrees_with_majority", "no_label",
	// "mentions_hint" (a hinted path that cites its hint),
	// "stage_failed: <stage>: <why>".
	Reason string `json:"reason,omitempty"`
}

// Outcome is everything a method produced for one question.
type Outcome struct {
	Example    task.Example
	Candidates []Candidate
	// Calls counts LLM samples requested per stage ("select", "adapt",
	// "structure", "path", "judge", "sample", ...), served from the store or not.
	Calls map[string]int
	// Agreement is the majority answer's share of the answers (LMSI, majority filter).
	Agreement float64
	// Usage is what the question's requests cost.
	Usage Usage
	// StoppedEarly is set when the adaptive budget stopped the question's
	// main round before its last chain.
	StoppedEarly bool
}

// Kept returns the kept candidates in order.
func (o Outcome) Kept() []Candidate {
	var kept []Candidate
	for _, c := range o.Candidates {
		if c.Kept {
			kept = append(kept, c)
		}
	}
	return kept
}
