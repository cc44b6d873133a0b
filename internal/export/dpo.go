package export

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
)

// dpoLine is TRL's conversational preference line.
type dpoLine struct {
	Prompt   []llm.Message `json:"prompt"`
	Chosen   []llm.Message `json:"chosen"`
	Rejected []llm.Message `json:"rejected"`
}

// Pairs returns the preference pairs of one question: its i-th kept path
// against its i-th wrong-answer path (verdict "wrong": against the gold
// answer, or against the majority answer for LMSI), in candidate order, so
// each rejected path is used once and the pairing is reproducible.
func Pairs(cands []method.Candidate) [][2]method.Candidate {
	var kept, wrong []method.Candidate
	for _, c := range cands {
		switch {
		case strings.TrimSpace(c.Path) == "":
		case c.Kept:
			kept = append(kept, c)
		case c.Verdict == "wrong":
			wrong = append(wrong, c)
		}
	}
	pairs := make([][2]method.Candidate, 0, min(len(kept), len(wrong)))
	for i := range min(len(kept), len(wrong)) {
		pairs = append(pairs, [2]method.Candidate{kept[i], wrong[i]})
	}
	return pairs
}

// writeDPO streams candidates.jsonl one question at a time and sft.jsonl in
// step with it (both are in input order), taking the prompt from the
// question's sft line and both paths from its candidates, each cleaned as
// synth cleans training targets (method.Clean), so that chosen and rejected
// texts are treated alike.
func writeDPO(ctx context.Context, sft, candidates, out string, lc *lengthCheck) (int, error) {
	af, err := createAtomic(out)
	if err != nil {
		return 0, err
	}
	defer af.Abort()
	enc := json.NewEncoder(af)
	enc.SetEscapeHTML(false)

	next, stop := iter.Pull2(ReadSFT(ctx, sft))
	defer stop()
	var last Record
	prompt := func(g QuestionGroup) ([]llm.Message, error) {
		for last.Key() != g.Key || last.Line == 0 {
			r, err, ok := next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, &LineError{File: candidates, Line: g.Line, Err: fmt.Errorf(
					"question %s has kept paths but no line in %s at or after the previous question's; are both files from the same run?", g.Key, sft)}
			}
			last = r
		}
		return last.Messages[:len(last.Messages)-1], nil
	}

	n := 0
	for g, err := range GroupCandidates(ctx, candidates) {
		if err != nil {
			return 0, err
		}
		pairs := Pairs(g.Candidates)
		if len(pairs) == 0 {
			continue
		}
		p, err := prompt(g)
		if err != nil {
			return 0, err
		}
		for _, pr := range pairs {
			line := dpoLine{
				Prompt:   p,
				Chosen:   []llm.Message{{Role: "assistant", Content: method.Clean(pr[0].Path)}},
				Rejected: []llm.Message{{Role: "assistant", Content: method.Clean(pr[1].Path)}},
			}
			if err := enc.Encode(line); err != nil {
				return 0, fmt.Errorf("write %s: %w", out, err)
			}
			longer := line.Chosen
			if len(line.Rejected[0].Content) > len(line.Chosen[0].Content) {
				longer = line.Rejected
			}
			lc.add(p, longer)
			n++
		}
	}
	return n, af.Commit()
}
