package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/compare"
	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// Kind says what a run directory holds.
type Kind int

// The kinds of run directory report reads.
const (
	// KindEval is an evaluation directory: results.json (regenesis eval).
	KindEval Kind = iota + 1
	// KindSynthesis is a synthesis directory: candidates.jsonl and
	// manifest.json (regenesis synthesize).
	KindSynthesis
)

// String names the kind as the CLI's messages do.
func (k Kind) String() string {
	switch k {
	case KindEval:
		return "evaluation"
	case KindSynthesis:
		return "synthesis"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// DetectKind tells an evaluation directory (results.json) from a synthesis
// directory (candidates.jsonl; its manifest.json is read when present).
func DetectKind(dir string) (Kind, error) {
	has := func(name string) (bool, error) {
		_, err := os.Stat(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	if !st.IsDir() {
		return 0, fmt.Errorf("report: %s is not a directory", dir)
	}
	isEval, err := has(eval.ResultsFile)
	if err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	isSynth, err := has(rundir.CandidatesFile)
	if err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	switch {
	case isEval && isSynth:
		return 0, fmt.Errorf("report: %s holds both %s and %s; give an evaluation or a synthesis directory", dir, eval.ResultsFile, rundir.CandidatesFile)
	case isEval:
		return KindEval, nil
	case isSynth:
		return KindSynthesis, nil
	}
	return 0, fmt.Errorf("report: %s is neither an evaluation directory (no %s, written by regenesis eval) nor a synthesis directory (no %s, written by regenesis synthesize)",
		dir, eval.ResultsFile, rundir.CandidatesFile)
}

// DetectKinds returns the one kind all dirs share, or an error naming a
// directory of the other kind.
func DetectKinds(dirs []string) (Kind, error) {
	var kind Kind
	first := ""
	for _, d := range dirs {
		k, err := DetectKind(d)
		if err != nil {
			return 0, err
		}
		if kind != 0 && k != kind {
			return 0, fmt.Errorf("report: %s holds %s results but %s holds %s results; report one kind at a time", first, kind, d, k)
		}
		if kind == 0 {
			kind, first = k, d
		}
	}
	if kind == 0 {
		return 0, errors.New("report: no directories given")
	}
	return kind, nil
}

// SynthRun is what the page shows of one synthesis directory: everything
// but the questions, which are streamed to the page's data files.
type SynthRun struct {
	// Label names the run in tables and charts.
	Label string
	// Dir is the directory it was read from.
	Dir string
	// Manifest is the run's manifest.json, nil when the directory has none.
	Manifest *synth.Manifest
	// Stats are compare's statistics of candidates.jsonl.
	Stats *compare.Stats
	// Agg holds what the charts and filters need, gathered while streaming.
	Agg SynthAgg
}

// GuidelineYield counts candidates, their correct ones and their kept ones:
// of one guideline (a candidate made from a set of guidelines counts for
// each) or of one round.
type GuidelineYield struct {
	Attempted int `json:"attempted"`
	Correct   int `json:"correct"`
	Kept      int `json:"kept"`
}

func (y *GuidelineYield) count(c method.Candidate) {
	y.Attempted++
	if c.Verdict == "correct" {
		y.Correct++
	}
	if c.Kept {
		y.Kept++
	}
}

// pathBins are the lower edges, in words, of the path length histogram.
var pathBins = [...]int{0, 10, 20, 50, 100, 200, 500, 1000, 2000}

// SynthAgg is gathered while a run's questions stream past; its size
// depends on the number of distinct guidelines, reasons and tasks, never
// on the number of questions.
type SynthAgg struct {
	Questions  int
	Candidates int
	Kept       int
	// Verdicts counts candidates per verdict.
	Verdicts map[string]int
	// Guidelines is the yield per guideline ID.
	Guidelines map[string]*GuidelineYield
	// Rounds is the yield per round ("main", "hint", "rationalize"; a
	// hinted candidate of another round counts as "<round>, hinted").
	Rounds map[string]*GuidelineYield
	// Dropped counts dropped candidates per compare.DropReason.
	Dropped map[string]int
	// KeptPerQuestion counts questions per number of kept paths.
	KeptPerQuestion map[int]int
	// KeptLength and DroppedLength count paths per bin of pathBins by
	// their length in words (dropped paths that are empty are not counted).
	KeptLength, DroppedLength [len(pathBins)]int
	// KeptCompletionTokens sums the completion tokens of kept paths.
	KeptCompletionTokens int64
	// DistinctSets sums, over covered questions, the distinct guideline
	// sets among their kept paths.
	DistinctSets int
	// Covered counts questions with a kept path.
	Covered int

	tasks, guidelines, reasons indexer
}

// indexer numbers strings in the order they are first seen.
type indexer struct {
	ids   map[string]int
	names []string
}

func (x *indexer) id(s string) int {
	if i, ok := x.ids[s]; ok {
		return i
	}
	if x.ids == nil {
		x.ids = map[string]int{}
	}
	x.ids[s] = len(x.names)
	x.names = append(x.names, s)
	return len(x.names) - 1
}

// verdictBit numbers the verdicts for the question index's bit mask.
var verdictBits = []string{"correct", "wrong", "no_answer", "unchecked"}

func verdictBit(v string) int {
	if i := slices.Index(verdictBits, v); i >= 0 {
		return 1 << i
	}
	return 1 << len(verdictBits) // any other verdict
}

func pathBin(words int) int {
	b := 0
	for i, lo := range pathBins {
		if words >= lo {
			b = i
		}
	}
	return b
}

// questionDetail is one question as the page's data files hold it.
type questionDetail struct {
	ID     string        `json:"id"`
	Task   string        `json:"task"`
	Label  string        `json:"label,omitempty"`
	Prompt string        `json:"prompt,omitempty"`
	Chains []chainDetail `json:"chains"`
}

// chainDetail is one candidate: every stage's text and its verdict.
type chainDetail struct {
	Index        int      `json:"index"`
	Round        string   `json:"round,omitempty"`
	Hinted       bool     `json:"hinted,omitempty"`
	Guidelines   []string `json:"guidelines,omitempty"`
	Adapted      string   `json:"adapted,omitempty"`
	Structure    string   `json:"structure,omitempty"`
	Path         string   `json:"path"`
	Extracted    string   `json:"extracted"`
	Label        string   `json:"label,omitempty"`
	Verdict      string   `json:"verdict"`
	Kept         bool     `json:"kept,omitempty"`
	Reason       string   `json:"reason,omitempty"`
	FinishReason string   `json:"finish,omitempty"`
	Tokens       int64    `json:"tokens,omitempty"`
}

// indexRow is one question in the page's index, as a compact JSON array:
// [id, task, candidates, kept, hinted kept, verdict mask, hinted chains,
// guideline numbers, drop reason numbers, label, prompt snippet, chunk,
// position in chunk].
type indexRow [13]any

// snippetChars bounds the prompt text kept in the index for the search.
const snippetChars = 160

// add counts one question and returns its detail and index row.
func (a *SynthAgg) add(g rundir.QuestionGroup, prompt string, maxText int) (questionDetail, indexRow) {
	a.Questions++
	a.Candidates += len(g.Candidates)
	d := questionDetail{ID: g.Key.QuestionID, Task: g.Key.Task, Prompt: truncate(prompt, maxText)}
	mask, kept, hintedKept, hinted := 0, 0, 0, 0
	gl := map[int]bool{}
	rs := map[int]bool{}
	sets := map[string]bool{}
	for _, c := range g.Candidates {
		a.Verdicts[string(c.Verdict)]++
		mask |= verdictBit(string(c.Verdict))
		if d.Label == "" {
			d.Label = c.Label
		}
		if c.Hinted {
			hinted++
		}
		words := len(strings.Fields(c.Path))
		round := cmp.Or(c.Round, "main")
		if c.Hinted && round == "main" {
			round += ", hinted"
		}
		ry := a.Rounds[round]
		if ry == nil {
			ry = &GuidelineYield{}
			a.Rounds[round] = ry
		}
		ry.count(c)
		for _, id := range c.GuidelineIDs {
			y := a.Guidelines[id]
			if y == nil {
				y = &GuidelineYield{}
				a.Guidelines[id] = y
			}
			y.count(c)
			gl[a.guidelines.id(id)] = true
		}
		if c.Kept {
			kept++
			if c.Hinted {
				hintedKept++
			}
			a.KeptLength[pathBin(words)]++
			a.KeptCompletionTokens += c.CompletionTokens
			sets[strings.Join(slices.Sorted(slices.Values(c.GuidelineIDs)), "\x00")] = true
		} else {
			r := compare.DropReason(c)
			a.Dropped[r]++
			rs[a.reasons.id(r)] = true
			if words > 0 {
				a.DroppedLength[pathBin(words)]++
			}
		}
		d.Chains = append(d.Chains, chainFor(c, maxText))
	}
	a.Kept += kept
	a.KeptPerQuestion[kept]++
	if kept > 0 {
		a.Covered++
		a.DistinctSets += len(sets)
	}
	snippet := []rune(strings.Join(strings.Fields(prompt), " "))
	if len(snippet) > snippetChars {
		snippet = append(snippet[:snippetChars-1], '…')
	}
	row := indexRow{d.ID, a.tasks.id(d.Task), len(g.Candidates), kept, hintedKept, mask, hinted,
		sortedInts(gl), sortedInts(rs), d.Label, string(snippet), 0, 0}
	return d, row
}

// sortedInts returns the keys of m in order, never nil (the page reads an
// empty list).
func sortedInts(m map[int]bool) []int {
	out := slices.AppendSeq(make([]int, 0, len(m)), maps.Keys(m))
	slices.Sort(out)
	return out
}

func chainFor(c method.Candidate, maxText int) chainDetail {
	return chainDetail{
		Index: c.Index, Round: c.Round, Hinted: c.Hinted, Guidelines: c.GuidelineIDs,
		Adapted: truncate(c.AdaptedGuidelines, maxText), Structure: truncate(c.Structure, maxText),
		Path: truncate(c.Path, maxText), Extracted: truncate(c.Extracted, maxText), Label: c.Label,
		Verdict: string(c.Verdict), Kept: c.Kept, Reason: c.Reason, FinishReason: c.FinishReason, Tokens: c.CompletionTokens,
	}
}

// readManifest reads dir/manifest.json; a directory without one has nil.
// Fields added by later versions are ignored; missing ones stay zero.
func readManifest(dir string) (*synth.Manifest, error) {
	m, err := synth.ReadManifest(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return m, nil
}

// promptReader yields, for each question in candidates order, the user turn of
// its first record in sft.jsonl, which holds only questions with a kept
// path and in the same order: a merge join that holds one record.
type promptReader struct {
	next func() (fileio.Line[rundir.Record], error, bool)
	stop func()
	head *rundir.Record
	err  error
}

func openPrompts(ctx context.Context, dir string) *promptReader {
	path := filepath.Join(dir, rundir.SFTFile)
	if _, err := os.Stat(path); err != nil {
		return &promptReader{}
	}
	next, stop := iter.Pull2(rundir.ReadSFT(ctx, path))
	return &promptReader{next: next, stop: stop}
}

// prompt returns the user turn recorded for key, or "" when sft.jsonl has
// none at its current position.
func (p *promptReader) prompt(key rundir.QuestionKey) (string, error) {
	if p.next == nil || p.err != nil {
		return "", p.err
	}
	if p.head == nil {
		l, err, ok := p.next()
		if err != nil {
			p.err = err
			return "", err
		}
		if !ok {
			p.next = nil
			return "", nil
		}
		p.head = &l.Value
	}
	if p.head.Key() != key {
		return "", nil
	}
	text := ""
	for _, m := range p.head.Messages {
		if m.Role == "user" {
			text = m.Content
		}
		if m.Role == "assistant" {
			break
		}
	}
	// Skip the question's other records.
	for {
		l, err, ok := p.next()
		if err != nil {
			p.err = err
			return text, err
		}
		if !ok {
			p.next, p.head = nil, nil
			return text, nil
		}
		if l.Value.Key() != key {
			p.head = &l.Value
			return text, nil
		}
	}
}

func (p *promptReader) close() {
	if p.stop != nil {
		p.stop()
	}
}
