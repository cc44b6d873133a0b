package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// WriteJSON writes stats as an indented JSON array.
func WriteJSON(w io.Writer, stats []*Stats) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(stats)
}

// row is one line of the Markdown table: a label and a cell per directory.
type row struct {
	label string
	cell  func(*Stats) string
}

func rows() []row {
	return []row{
		{"method", func(s *Stats) string { return strings.Join(s.Methods, ", ") }},
		{"task", func(s *Stats) string { return strings.Join(s.Tasks, ", ") }},
		{"questions", func(s *Stats) string { return strconv.Itoa(s.Questions) }},
		{"questions covered", func(s *Stats) string { return fmt.Sprintf("%d (%s)", s.Covered, pct(s.Coverage)) }},
		{"kept / total paths", func(s *Stats) string {
			return fmt.Sprintf("%d / %d (%s)", s.Kept, s.Candidates, pct(s.KeepRate))
		}},
		{"candidates per question", func(s *Stats) string { return num(s.CandidatesPerQuestion, 2) }},
		{"kept paths per covered question", func(s *Stats) string { return num(s.PathsPerQuestion, 2) }},
		{"hint share of kept paths", func(s *Stats) string { return pct(s.HintShare) }},
		{"mean kept path length (words)", func(s *Stats) string { return num(s.MeanPathWords, 1) }},
		{"distinct final answers per question (all candidates)", func(s *Stats) string { return num(s.DistinctAnswers, 2) }},
		{"majority answer share (all candidates)", func(s *Stats) string { return pct(s.MajorityShare) }},
		{"distinct-2 of kept paths ↑", func(s *Stats) string { return num(s.Distinct2, 3) }},
		{"mean pairwise Jaccard of kept paths ↓", func(s *Stats) string { return num(s.PairwiseJaccard, 3) }},
		{"mean pairwise similarity of kept paths (shingles) ↓", func(s *Stats) string { return num(s.KeptSimilarity, 3) }},
		{"questions with 2+ kept paths", func(s *Stats) string { return strconv.Itoa(s.MultiPathQuestions) }},
		{"distinct guideline sets per covered question (kept paths)", func(s *Stats) string { return num(s.GuidelineSetsPerCovered, 2) }},
		{"guidelines used", func(s *Stats) string { return strconv.Itoa(len(s.Guidelines)) }},
		{"budget", func(s *Stats) string { return orNA(s.Budget) }},
		{"requests / samples per question", func(s *Stats) string {
			return costCell(s, func(c *synth.Cost) *synth.UnitCost { return c.PerQuestion }, func(u *synth.UnitCost) string {
				return fmt.Sprintf("%.1f / %.1f", u.Requests, u.Samples)
			})
		}},
		{"tokens per question (prompt + completion)", func(s *Stats) string {
			return costCell(s, func(c *synth.Cost) *synth.UnitCost { return c.PerQuestion }, tokensCell)
		}},
		{"requests / samples per kept path", func(s *Stats) string {
			return costCell(s, func(c *synth.Cost) *synth.UnitCost { return c.PerKeptPath }, func(u *synth.UnitCost) string {
				return fmt.Sprintf("%.1f / %.1f", u.Requests, u.Samples)
			})
		}},
		{"tokens per kept path (prompt + completion)", func(s *Stats) string {
			return costCell(s, func(c *synth.Cost) *synth.UnitCost { return c.PerKeptPath }, tokensCell)
		}},
		{"questions stopped early (adaptive)", func(s *Stats) string {
			if s.Cost == nil {
				return "n/a"
			}
			return strconv.Itoa(s.Cost.StoppedEarly)
		}},
		{"cost in money (USD; price basis)", func(s *Stats) string {
			return moneyCell(s, func(m *cost.Money) *float64 { return m.Total }, true)
		}},
		{"cost per kept path (USD)", func(s *Stats) string {
			return moneyCell(s, func(m *cost.Money) *float64 { return m.PerKeptPath }, false)
		}},
	}
}

// moneyCell formats one amount of s's manifest money section: "n/a" for a
// run priced by none (an older manifest), "unknown" for a model without a
// price; withBasis adds where the price came from.
func moneyCell(s *Stats, get func(*cost.Money) *float64, withBasis bool) string {
	if s.Cost == nil || s.Cost.Money == nil {
		return "n/a"
	}
	m := s.Cost.Money
	v := cost.Format(get(m))
	if withBasis {
		v += " (" + string(m.Pricing.Basis)
		if m.Pricing.Batch {
			v += ", batch"
		}
		v += ")"
	}
	return v
}

func orNA(v string) string {
	if v == "" {
		return "n/a"
	}
	return v
}

// costCell formats one unit cost of s's manifest, or "n/a".
func costCell(s *Stats, get func(*synth.Cost) *synth.UnitCost, format func(*synth.UnitCost) string) string {
	if s.Cost == nil {
		return "n/a"
	}
	u := get(s.Cost)
	if u == nil {
		return "n/a"
	}
	return format(u)
}

func tokensCell(u *synth.UnitCost) string {
	return fmt.Sprintf("%.0f (%.0f + %.0f)", u.Tokens, u.PromptTokens, u.CompletionTokens)
}

// WriteMarkdown writes a side-by-side comparison: the summary table, then
// guideline usage and drop reasons, each a table with a column per directory.
func WriteMarkdown(w io.Writer, stats []*Stats) error {
	var b strings.Builder
	header(&b, "metric", stats)
	for _, r := range rows() {
		cells := make([]string, len(stats))
		for i, s := range stats {
			cells[i] = r.cell(s)
		}
		line(&b, r.label, cells)
	}
	b.WriteString("\nAnswer diversity counts all candidates of a question, kept or not. " +
		"Path diversity is measured among the kept paths of each question, averaged over questions with two or more; " +
		"distinct-2 is distinct word bigrams over all bigrams, Jaccard compares the word sets of two paths, " +
		"shingle similarity is the MinHash estimate near-duplicate removal uses. " +
		"Cost comes from each directory's manifest.json (samples replayed from the run store count what they cost when generated).\n")
	counts(&b, "Guideline usage (kept paths)", "guideline", stats, func(s *Stats) map[string]int { return s.Guidelines })
	yields(&b, stats)
	counts(&b, "Dropped candidates", "reason", stats, func(s *Stats) map[string]int { return s.Dropped })
	_, err := io.WriteString(w, b.String())
	return err
}

// counts writes a table of per-key counts with a column per directory, or
// nothing when every directory's map is empty.
func counts(b *strings.Builder, title, key string, stats []*Stats, get func(*Stats) map[string]int) {
	keys := map[string]bool{}
	for _, s := range stats {
		for k := range get(s) {
			keys[k] = true
		}
	}
	if len(keys) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### %s\n\n", title)
	header(b, key, stats)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		cells := make([]string, len(stats))
		for i, s := range stats {
			cells[i] = strconv.Itoa(get(s)[k])
		}
		line(b, k, cells)
	}
}

// yields writes the per-guideline yield table, "attempted / correct / kept"
// per directory, or nothing when no candidate has a guideline.
func yields(b *strings.Builder, stats []*Stats) {
	keys := map[string]bool{}
	for _, s := range stats {
		for k := range s.GuidelineYield {
			keys[k] = true
		}
	}
	if len(keys) == 0 {
		return
	}
	b.WriteString("\n### Guideline yield (candidates made with it: attempted / correct / kept)\n\n")
	header(b, "guideline", stats)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		cells := make([]string, len(stats))
		for i, s := range stats {
			y := s.GuidelineYield[k]
			if y == nil {
				cells[i] = "0 / 0 / 0"
				continue
			}
			cells[i] = fmt.Sprintf("%d / %d / %d", y.Attempted, y.Correct, y.Kept)
		}
		line(b, k, cells)
	}
}

func header(b *strings.Builder, first string, stats []*Stats) {
	cells := make([]string, len(stats))
	align := make([]string, len(stats))
	for i, s := range stats {
		cells[i] = s.Dir
		align[i] = "---:"
	}
	line(b, first, cells)
	line(b, "---", align)
}

func line(b *strings.Builder, first string, cells []string) {
	b.WriteString("| ")
	b.WriteString(escape(first))
	for _, c := range cells {
		b.WriteString(" | ")
		b.WriteString(escape(c))
	}
	b.WriteString(" |\n")
}

// escape keeps a cell inside its column.
func escape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func pct(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(100**v, 'f', 1, 64) + "%"
}

func num(v *float64, prec int) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}
