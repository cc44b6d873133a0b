// Package compare summarizes synthesis directories side by side: coverage,
// yield, hint share, path length, answer diversity, lexical diversity and
// guideline usage. It streams each directory's candidates.jsonl one question
// at a time, so memory stays flat in the number of candidates.
package compare

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// Stats describes one synthesis directory. Ratios whose denominator is zero
// (no kept path, no question with two kept paths, ...) are nil.
type Stats struct {
	// Dir is the directory as given.
	Dir string `json:"dir"`
	// Methods and Tasks are the distinct names seen, sorted.
	Methods []string `json:"methods"`
	Tasks   []string `json:"tasks"`

	// Questions is the number of questions with at least one candidate.
	Questions int `json:"questions"`
	// Covered is the number of questions with at least one kept path.
	Covered  int      `json:"covered"`
	Coverage *float64 `json:"coverage"`

	Candidates int      `json:"candidates"`
	Kept       int      `json:"kept"`
	KeepRate   *float64 `json:"keep_rate"`
	// CandidatesPerQuestion is Candidates / Questions.
	CandidatesPerQuestion *float64 `json:"candidates_per_question"`
	// PathsPerQuestion is Kept / Covered.
	PathsPerQuestion *float64 `json:"paths_per_question"`
	// HintedKept counts kept paths made with the gold answer as a hint
	// (ReGenesis' hint round, STaR's rationalization).
	HintedKept int      `json:"hinted_kept"`
	HintShare  *float64 `json:"hint_share"`
	// MeanPathWords is the mean length of the kept paths in words.
	MeanPathWords *float64 `json:"mean_path_words"`

	// DistinctAnswers is the mean, over questions with an answered
	// candidate, of the number of distinct final answers among all their
	// candidates (kept or not).
	DistinctAnswers *float64 `json:"distinct_answers"`
	// MajorityShare is the mean, over the same questions, of the most
	// frequent final answer's share of all their answered candidates.
	MajorityShare *float64 `json:"majority_share"`
	// Distinct2 is the mean, over questions with two or more kept paths, of
	// the distinct word bigrams among their kept paths divided by all
	// bigrams (higher: more varied wording).
	Distinct2 *float64 `json:"distinct_2"`
	// PairwiseJaccard is the mean, over questions with two or more kept
	// paths, of the mean Jaccard similarity of the word sets of every pair
	// of kept paths (lower: more varied paths).
	PairwiseJaccard *float64 `json:"pairwise_jaccard"`
	// MultiPathQuestions is the number of questions the two lexical
	// measures are averaged over.
	MultiPathQuestions int `json:"multi_path_questions"`

	// KeptGuidelineSets is the number of distinct guideline sets (sorted id
	// lists) among each question's kept paths, summed over questions;
	// GuidelineSetsPerCovered divides it by Covered.
	KeptGuidelineSets       int      `json:"kept_guideline_sets"`
	GuidelineSetsPerCovered *float64 `json:"kept_guideline_sets_per_question"`
	// KeptSimilarity is the mean, over questions with two or more kept
	// paths, of their mean pairwise estimated Jaccard similarity of word
	// 3-shingles, as near-duplicate removal measures it (lower: more varied).
	KeptSimilarity *float64 `json:"kept_similarity"`
	// GuidelineYield counts per guideline ID the candidates made with it:
	// attempted, correct final answer, kept.
	GuidelineYield map[string]*synth.Yield `json:"guideline_yield"`

	// Budget is the manifest's budget ("paper" or "adaptive"), and Cost its
	// cost section; both are empty when the directory has no manifest.json
	// or it predates them.
	Budget string      `json:"budget,omitempty"`
	Cost   *synth.Cost `json:"cost,omitempty"`

	// Guidelines counts kept paths per guideline ID (a path made from a set
	// of three guidelines counts for each).
	Guidelines map[string]int `json:"guidelines"`
	// Dropped counts candidates not kept, per reason; stage failures are
	// counted per stage ("stage_failed: path").
	Dropped map[string]int `json:"dropped"`
}

// accumulator gathers sums while the questions stream past.
type accumulator struct {
	s                        Stats
	methods, tasks           map[string]bool
	pathWords                int
	answered                 int
	distinctSum, majoritySum float64
	distinct2Sum, jaccardSum float64
	similaritySum            float64
}

// Load reads dir's candidates.jsonl and returns its statistics.
func Load(ctx context.Context, dir string) (*Stats, error) {
	a := accumulator{
		s:       Stats{Dir: dir, Guidelines: map[string]int{}, Dropped: map[string]int{}, GuidelineYield: map[string]*synth.Yield{}},
		methods: map[string]bool{},
		tasks:   map[string]bool{},
	}
	path := filepath.Join(dir, rundir.CandidatesFile)
	for g, err := range rundir.GroupCandidates(ctx, path) {
		if err != nil {
			return nil, fmt.Errorf("compare %s: %w", dir, err)
		}
		a.add(g.Candidates)
	}
	s := a.finish()
	if err := readManifest(dir, s); err != nil {
		return nil, fmt.Errorf("compare %s: %w", dir, err)
	}
	return s, nil
}

// readManifest fills s.Budget and s.Cost from dir's manifest.json, if any.
func readManifest(dir string, s *Stats) error {
	m, err := synth.ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	s.Budget = m.Config.Budget
	if m.HasCost() {
		s.Cost = &m.Cost
	}
	return nil
}

func (a *accumulator) add(cands []method.Candidate) {
	s := &a.s
	s.Questions++
	s.Candidates += len(cands)
	var kept []method.Candidate
	var answers []string
	sets := map[string]bool{}
	for _, c := range cands {
		a.methods[c.Method] = true
		a.tasks[c.Task] = true
		for _, id := range c.GuidelineIDs {
			y := s.GuidelineYield[id]
			if y == nil {
				y = &synth.Yield{}
				s.GuidelineYield[id] = y
			}
			y.Attempted++
			if c.Verdict == answer.Correct {
				y.Correct++
			}
			if c.Kept {
				y.Kept++
			}
		}
		if c.Extracted != "" {
			answers = append(answers, c.Extracted)
		}
		if !c.Kept {
			s.Dropped[dropReason(c)]++
			continue
		}
		kept = append(kept, c)
		ids := slices.Clone(c.GuidelineIDs)
		slices.Sort(ids)
		sets[strings.Join(ids, "\x00")] = true
		if c.Hinted {
			s.HintedKept++
		}
		a.pathWords += len(strings.Fields(c.Path))
		for _, id := range c.GuidelineIDs {
			s.Guidelines[id]++
		}
	}
	s.Kept += len(kept)
	s.KeptGuidelineSets += len(sets)
	if len(kept) > 0 {
		s.Covered++
	}
	if len(answers) > 0 {
		distinct, top := answerSpread(answers)
		a.answered++
		a.distinctSum += float64(distinct)
		a.majoritySum += float64(top) / float64(len(answers))
	}
	if len(kept) >= 2 {
		words := make([][]string, len(kept))
		for i, c := range kept {
			words[i] = Words(c.Path)
		}
		s.MultiPathQuestions++
		a.distinct2Sum += distinct2(words)
		a.jaccardSum += meanPairwiseJaccard(words)
		paths := make([]string, len(kept))
		for i, c := range kept {
			paths[i] = c.Path
		}
		sim, _ := method.MeanPairwiseSimilarity(paths)
		a.similaritySum += sim
	}
}

func (a *accumulator) finish() *Stats {
	s := &a.s
	s.Methods = sortedKeys(a.methods)
	s.Tasks = sortedKeys(a.tasks)
	s.Coverage = ratio(float64(s.Covered), s.Questions)
	s.KeepRate = ratio(float64(s.Kept), s.Candidates)
	s.CandidatesPerQuestion = ratio(float64(s.Candidates), s.Questions)
	s.PathsPerQuestion = ratio(float64(s.Kept), s.Covered)
	s.HintShare = ratio(float64(s.HintedKept), s.Kept)
	s.MeanPathWords = ratio(float64(a.pathWords), s.Kept)
	s.DistinctAnswers = ratio(a.distinctSum, a.answered)
	s.MajorityShare = ratio(a.majoritySum, a.answered)
	s.Distinct2 = ratio(a.distinct2Sum, s.MultiPathQuestions)
	s.PairwiseJaccard = ratio(a.jaccardSum, s.MultiPathQuestions)
	s.KeptSimilarity = ratio(a.similaritySum, s.MultiPathQuestions)
	s.GuidelineSetsPerCovered = ratio(float64(s.KeptGuidelineSets), s.Covered)
	return s
}

// dropReason is c's reason with a stage failure's free-text cause removed,
// so that failures group by stage.
func dropReason(c method.Candidate) string {
	r := c.Reason
	if r == "" {
		return "not kept"
	}
	if rest, ok := strings.CutPrefix(r, "stage_failed: "); ok {
		stage, _, _ := strings.Cut(rest, ":")
		return "stage_failed: " + stage
	}
	if base, _, ok := strings.Cut(r, ":"); ok {
		return base // "judge_rejected: unclear reply"
	}
	return r
}

// answerSpread returns the number of distinct answers and the count of the
// most frequent one.
func answerSpread(answers []string) (distinct, top int) {
	counts := make(map[string]int, len(answers))
	for _, a := range answers {
		counts[a]++
		top = max(top, counts[a])
	}
	return len(counts), top
}

func ratio(num float64, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := num / float64(den)
	return &v
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
