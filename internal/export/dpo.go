package export

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// dpoLine is TRL's conversational preference line, with where each path
// came from (extra columns TRL ignores).
type dpoLine struct {
	Prompt   []llm.Message `json:"prompt"`
	Chosen   []llm.Message `json:"chosen"`
	Rejected []llm.Message `json:"rejected"`

	Task                 string   `json:"task"`
	QuestionID           string   `json:"question_id"`
	ChosenGuidelineIDs   []string `json:"chosen_guideline_ids"`
	RejectedGuidelineIDs []string `json:"rejected_guideline_ids"`
	ChosenHinted         bool     `json:"chosen_hinted"`
	RejectedHinted       bool     `json:"rejected_hinted"`
	// RejectedReason is why the rejected path was not kept
	// ("wrong_answer", "no_answer", "too_long", "disagrees_with_majority", ...).
	RejectedReason string `json:"rejected_reason"`
}

// DPOOptions shape the preference pairs.
type DPOOptions struct {
	// NoAnswer also counts paths without a final answer as rejected.
	NoAnswer bool
	// MixHinted allows pairing a hinted chosen path (made with the gold
	// answer as a hint) with an unhinted rejected one; by default an
	// unhinted rejected path is paired only with unhinted chosen paths.
	MixHinted bool
	// DedupThreshold drops a rejected path whose estimated Jaccard
	// similarity to an earlier rejected path of its question is at least
	// this (as synthesis de-duplicates paths); 0 means DefaultDPODedup,
	// a value above 1 keeps them all.
	DedupThreshold float64
}

// DefaultDPODedup is the near-duplicate threshold of rejected paths, the
// synthesis default.
const DefaultDPODedup = 0.8

// Pair is one preference pair of a question.
type Pair struct {
	Chosen, Rejected method.Candidate
}

// Pairs returns the preference pairs of one question: every rejected path
// once, in candidate order, each against the next kept path in turn
// (cycling through the kept paths). Rejected are the paths with a wrong
// final answer (against the gold answer, or the majority answer for LMSI),
// and with opt.NoAnswer those with none; near duplicates of an earlier
// rejected path are dropped. An unhinted rejected path is paired only with
// unhinted kept paths unless opt.MixHinted. The pairing is reproducible.
func Pairs(cands []method.Candidate, opt DPOOptions) []Pair {
	var kept, plain, rejected []method.Candidate
	for _, c := range cands {
		switch {
		case strings.TrimSpace(c.Path) == "" || method.IsStageFailure(c.Reason):
		case c.Kept:
			kept = append(kept, c)
			if !c.Hinted {
				plain = append(plain, c)
			}
		case c.Verdict == answer.Wrong, opt.NoAnswer && c.Verdict == answer.NoAnswer:
			rejected = append(rejected, c)
		}
	}
	if len(kept) == 0 || len(rejected) == 0 {
		return nil
	}
	threshold := opt.DedupThreshold
	if threshold == 0 {
		threshold = DefaultDPODedup
	}
	texts := make([]string, len(rejected))
	for i, r := range rejected {
		texts[i] = r.Path
	}
	dup := method.NearDuplicates(texts, threshold)
	pairs := make([]Pair, 0, len(rejected))
	nextAll, nextPlain := 0, 0
	for i, r := range rejected {
		if dup[i] {
			continue
		}
		switch {
		case r.Hinted || opt.MixHinted:
			pairs = append(pairs, Pair{kept[nextAll%len(kept)], r})
			nextAll++
		case len(plain) > 0:
			pairs = append(pairs, Pair{plain[nextPlain%len(plain)], r})
			nextPlain++
		}
	}
	return pairs
}

// writeDPO streams candidates.jsonl one question at a time and sft.jsonl in
// step with it (both are in input order), taking the prompt from the
// question's sft line and both paths from its candidates, each cleaned as
// synth cleans training targets (method.Clean), so that chosen and rejected
// texts are treated alike.
func writeDPO(ctx context.Context, sft, candidates string, out *output, opt DPOOptions, lc *lengthCheck) (int, error) {
	return out.write(func(af *fileio.File) (int, error) {
		return writePairs(ctx, sft, candidates, af, opt, lc)
	})
}

func writePairs(ctx context.Context, sft, candidates string, af *fileio.File, opt DPOOptions, lc *lengthCheck) (int, error) {
	enc := json.NewEncoder(af)
	enc.SetEscapeHTML(false)

	next, stop := iter.Pull2(rundir.ReadSFT(ctx, sft))
	defer stop()
	var last fileio.Line[rundir.Record]
	prompt := func(g rundir.QuestionGroup) ([]llm.Message, error) {
		for last.Value.Key() != g.Key || last.N == 0 {
			l, err, ok := next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, &fileio.LineError{File: candidates, Line: g.Line, Err: fmt.Errorf(
					"question %s has kept paths but no line in %s at or after the previous question's; are both files from the same run?", g.Key, sft)}
			}
			last = l
		}
		ms := last.Value.Messages
		return ms[:len(ms)-1], nil
	}
	// targetPrefix is what synthesis put before the question's first kept
	// path in its training target (the reference profile's "Let's think
	// step by step."), so that chosen and rejected read as the SFT targets.
	targetPrefix := func(g rundir.QuestionGroup) string {
		for _, c := range g.Candidates {
			if !c.Kept {
				continue
			}
			ms := last.Value.Messages
			target := ms[len(ms)-1].Content
			if body := method.Clean(c.Path); body != "" && strings.HasSuffix(target, body) {
				return strings.TrimSuffix(target, body)
			}
			return ""
		}
		return ""
	}

	n := 0
	for g, err := range rundir.GroupCandidates(ctx, candidates) {
		if err != nil {
			return 0, err
		}
		pairs := Pairs(g.Candidates, opt)
		if len(pairs) == 0 {
			continue
		}
		p, err := prompt(g)
		if err != nil {
			return 0, err
		}
		pre := targetPrefix(g)
		for _, pr := range pairs {
			reason := pr.Rejected.Reason
			if reason == "" {
				reason = string(pr.Rejected.Verdict)
			}
			line := dpoLine{
				Prompt:   p,
				Chosen:   []llm.Message{{Role: "assistant", Content: pre + method.Clean(pr.Chosen.Path)}},
				Rejected: []llm.Message{{Role: "assistant", Content: pre + method.Clean(pr.Rejected.Path)}},
				Task:     pr.Rejected.Task, QuestionID: pr.Rejected.QuestionID,
				ChosenGuidelineIDs: ids(pr.Chosen.GuidelineIDs), RejectedGuidelineIDs: ids(pr.Rejected.GuidelineIDs),
				ChosenHinted: pr.Chosen.Hinted, RejectedHinted: pr.Rejected.Hinted,
				RejectedReason: reason,
			}
			if err := enc.Encode(line); err != nil {
				return 0, fmt.Errorf("write %s: %w", af.Path(), err)
			}
			longer := line.Chosen
			if len(line.Rejected[0].Content) > len(line.Chosen[0].Content) {
				longer = line.Rejected
			}
			lc.add(p, longer)
			n++
		}
	}
	return n, nil
}

func ids(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
