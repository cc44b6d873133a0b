package method

import (
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// Reasons a candidate is not kept.
const (
	ReasonNoAnswer      = "no_answer"
	ReasonWrongAnswer   = "wrong_answer"
	ReasonTooLong       = "too_long"
	ReasonTruncated     = "truncated"
	ReasonJudge         = "judge_rejected"
	ReasonDuplicate     = "duplicate"
	ReasonOverCap       = "over_cap"
	ReasonMajority      = "disagrees_with_majority"
	ReasonNoLabel       = "no_label"
	ReasonMentionsHint  = "mentions_hint"
	reasonStagePrefix   = "stage_failed: "
	finishReasonTooLong = "length"
)

// StageFailed is the Reason of a candidate whose stage produced no usable
// output, e.g. StageFailed("select", "no guideline number in reply").
func StageFailed(stage, why string) string {
	return reasonStagePrefix + stage + ": " + why
}

// IsStageFailure reports whether reason is a StageFailed reason.
func IsStageFailure(reason string) bool {
	return strings.HasPrefix(reason, reasonStagePrefix)
}

// Check grades c.Path against label (the gold answer, or a majority answer)
// with answer.GradeReply in Strict mode (the last \boxed{}), and sets
// c.Extracted, c.Label, c.Verdict and, when c should be dropped, c.Reason.
// It leaves a candidate with a stage failure as it is. Drops, in order of
// precedence: truncated (the server stopped at max_tokens), no_answer,
// too_long (more than maxPathTokens completion tokens as counted by the
// server), no_label (nothing to check against), wrong_answer.
func Check(c *Candidate, spec answer.Spec, label string, maxPathTokens int) {
	if IsStageFailure(c.Reason) {
		return
	}
	c.Label = label
	g := answer.GradeReply(c.Path, c.FinishReason, label, spec, answer.Strict)
	c.Extracted, c.Verdict = g.Extracted, g.Verdict
	tooLong := maxPathTokens > 0 && c.CompletionTokens > int64(maxPathTokens)
	switch {
	case c.FinishReason == finishReasonTooLong && tooLong:
		// Cut at max_path_tokens+1: it would have been too long anyway.
		c.Reason = ReasonTooLong
	case c.FinishReason == finishReasonTooLong:
		c.Reason = ReasonTruncated
	case c.Verdict == answer.NoAnswer:
		c.Reason = ReasonNoAnswer
	case tooLong:
		c.Reason = ReasonTooLong
	case c.Verdict == answer.Unchecked:
		c.Reason = ReasonNoLabel
	case c.Verdict == answer.Wrong:
		c.Reason = ReasonWrongAnswer
	default:
		c.Reason = ""
	}
}

// MajorityLabel votes over the final answers of the candidates that have
// one and no stage failure, and returns the winning answer and its share.
// It returns "", 0 when no candidate has an answer.
func MajorityLabel(cands []Candidate, spec answer.Spec) (string, float64) {
	answers := make([]string, 0, len(cands))
	for _, c := range cands {
		if IsStageFailure(c.Reason) {
			continue
		}
		if ext, ok := answer.Extract(c.Path, spec, answer.Strict); ok {
			answers = append(answers, ext)
		}
	}
	if len(answers) == 0 {
		return "", 0
	}
	return answer.Vote(answers, spec)
}

// AnswerFormat describes, for prompts, what belongs in \boxed{} for spec.
func AnswerFormat(spec answer.Spec) string {
	switch spec.Type {
	case answer.Number:
		return "a single number"
	case answer.Choice:
		return "the letter of the correct choice"
	case answer.YesNo:
		return "yes or no"
	case answer.Math:
		return "a simplified mathematical expression"
	default:
		return "a short answer"
	}
}
