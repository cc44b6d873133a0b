package synth

import (
	"strings"

	"github.com/regenesis-ai/regenesis/internal/method"
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
	// QuestionsWithoutPath lists, in input order, the questions with no kept path.
	QuestionsWithoutPath []string `json:"questions_without_path"`
	// Run holds what changes from run to run: timing and usage.
	Run RunInfo `json:"run"`
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
}

func (c *Counts) add(o method.Outcome) {
	c.Questions++
	kept, hinted := 0, 0
	for _, cand := range o.Candidates {
		c.Candidates++
		c.Verdicts[cand.Verdict]++
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
