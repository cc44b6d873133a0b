package report

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regenesis-ai/regenesis/internal/compare"
	"github.com/regenesis-ai/regenesis/internal/cost"
)

// synthPage is what synth.html.tmpl renders.
type synthPage struct {
	Title     string
	Generated string
	Labels    []string
	// LabelHeader names the answer candidates were checked against: "Gold
	// answer", or "Label" when a run used the majority answer.
	LabelHeader string
	// Summary is the table of manifest numbers: a row per metric, a cell
	// per run.
	Summary []tableRow
	// Compare is compare's summary table.
	Compare []tableRow
	// Guidelines, Rounds and Dropped count per guideline, per round and
	// per drop reason.
	Guidelines []tableRow
	Rounds     []tableRow
	Dropped    []tableRow
	// Charts holds one section per kind of chart, each a chart per run.
	Charts []chartSection
	Config synthConfig
}

type tableRow struct {
	Key   string
	Label string
	Cells []string
}

type chartSection struct {
	ID, Title, Note string
	Legend          []legendItem
	Charts          []Chart
}

type legendItem struct{ Class, Text string }

// synthConfig is embedded in the page as JSON for the question browser.
type synthConfig struct {
	DataDir string         `json:"data_dir"`
	Verdict []string       `json:"verdicts"`
	Runs    []synthPageRun `json:"runs"`
}

func buildSynthPage(runs []*SynthRun, data []synthPageRun, dataDir string, opts SynthOptions) synthPage {
	p := synthPage{Title: opts.Title, Config: synthConfig{DataDir: dataDir, Verdict: verdictBits, Runs: data}}
	if p.Title == "" {
		p.Title = "Synthesis report"
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	p.Generated = now.UTC().Format(time.RFC3339)
	p.LabelHeader = "Gold answer"
	for _, d := range data {
		if d.LabelName != "gold answer" {
			p.LabelHeader = "Label"
		}
	}
	stats := make([]*compare.Stats, len(runs))
	for i, r := range runs {
		p.Labels = append(p.Labels, r.Label)
		stats[i] = r.Stats
	}
	p.Summary = summaryRows(runs)
	for i, row := range compare.Table(stats) {
		p.Compare = append(p.Compare, tableRow{Key: strconv.Itoa(i), Label: row[0], Cells: row[1:]})
	}
	p.Guidelines = yieldRows(runs, func(r *SynthRun) map[string]*GuidelineYield { return r.Agg.Guidelines })
	p.Rounds = yieldRows(runs, func(r *SynthRun) map[string]*GuidelineYield { return r.Agg.Rounds })
	p.Dropped = countRows(runs, func(r *SynthRun) map[string]int { return r.Agg.Dropped })

	yield := chartSection{ID: "guideline-charts", Title: "Yield per guideline",
		Note:   "Candidates made with each guideline (a set of several counts for each): attempted, correct and kept.",
		Legend: []legendItem{{"att", "attempted"}, {"cor", "correct"}, {"kept", "kept"}}}
	drops := chartSection{ID: "drop-charts", Title: "Drop reasons", Note: "Candidates not kept, per reason; stage failures per stage."}
	perQ := chartSection{ID: "kept-charts", Title: "Kept paths per question", Note: "Questions by their number of kept paths."}
	lengths := chartSection{ID: "length-charts", Title: "Path length (words)",
		Note: "Paths by length in words; dropped candidates without a path are not counted.", Legend: []legendItem{{"kept", "kept"}, {"drop", "dropped"}}}
	for _, r := range runs {
		a := &r.Agg
		var g []barGroup
		for _, id := range guidelineOrder(r) {
			y := a.Guidelines[id]
			g = append(g, barGroup{Label: id, Bars: []countBar{
				{y.Attempted, "att", fmt.Sprintf("%s: %d attempted", id, y.Attempted)},
				{y.Correct, "cor", fmt.Sprintf("%s: %d correct (%s)", id, y.Correct, share(y.Correct, y.Attempted))},
				{y.Kept, "kept", fmt.Sprintf("%s: %d kept (%s)", id, y.Kept, share(y.Kept, y.Attempted))},
			}})
		}
		yield.Charts = append(yield.Charts, countChart(r.Label, g))

		g = nil
		reasons := slices.SortedFunc(maps.Keys(a.Dropped), func(x, y string) int {
			return cmp.Or(cmp.Compare(a.Dropped[y], a.Dropped[x]), strings.Compare(x, y))
		})
		for _, k := range reasons {
			g = append(g, barGroup{Label: k, Bars: []countBar{{a.Dropped[k], "drop", fmt.Sprintf("%s: %d candidates", k, a.Dropped[k])}}})
		}
		drops.Charts = append(drops.Charts, countChart(r.Label, g))

		g = nil
		top := 0
		for k := range a.KeptPerQuestion {
			top = max(top, k)
		}
		for k := 0; k <= top; k++ {
			n := a.KeptPerQuestion[k]
			g = append(g, barGroup{Label: strconv.Itoa(k), Bars: []countBar{{n, "kept", fmt.Sprintf("%d questions with %d kept paths (%s)", n, k, share(n, a.Questions))}}})
		}
		perQ.Charts = append(perQ.Charts, countChart(r.Label, g))

		g = nil
		last := 0
		for i := range pathBins {
			if a.KeptLength[i]+a.DroppedLength[i] > 0 {
				last = i
			}
		}
		for i := 0; i <= last; i++ {
			label := fmt.Sprintf("%d+", pathBins[i])
			if i+1 < len(pathBins) {
				label = fmt.Sprintf("%d–%d", pathBins[i], pathBins[i+1]-1)
			}
			g = append(g, barGroup{Label: label, Bars: []countBar{
				{a.KeptLength[i], "kept", fmt.Sprintf("%s words: %d kept paths", label, a.KeptLength[i])},
				{a.DroppedLength[i], "drop", fmt.Sprintf("%s words: %d dropped paths", label, a.DroppedLength[i])},
			}})
		}
		lengths.Charts = append(lengths.Charts, countChart(r.Label, g))
	}
	p.Charts = []chartSection{yield, drops, perQ, lengths}
	return p
}

// guidelineOrder lists a run's guidelines: the manifest's pool order first,
// then any others seen, sorted.
func guidelineOrder(r *SynthRun) []string {
	var ids []string
	if r.Manifest != nil {
		for _, id := range r.Manifest.Guidelines {
			if r.Agg.Guidelines[id] != nil {
				ids = append(ids, id)
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(r.Agg.Guidelines)) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// summaryRows are the manifest's numbers per run, with the cost per kept
// path; a run without a manifest shows what candidates.jsonl tells.
func summaryRows(runs []*SynthRun) []tableRow {
	type metric struct {
		key, label string
		cell       func(r *SynthRun) string
	}
	man := func(f func(r *SynthRun) string) func(r *SynthRun) string {
		return func(r *SynthRun) string {
			if r.Manifest == nil {
				return "–"
			}
			return f(r)
		}
	}
	// counts are the run's counts from its manifest, or from its
	// candidates when it has none.
	type runCounts struct{ questions, covered, candidates, kept, keptHinted, hintBase int }
	counts := func(r *SynthRun) runCounts {
		if r.Manifest != nil {
			c := r.Manifest.Counts
			return runCounts{c.Questions, c.QuestionsWithPath, c.Candidates, c.Kept, c.KeptHinted, c.Kept}
		}
		return runCounts{r.Agg.Questions, r.Agg.Covered, r.Agg.Candidates, r.Agg.Kept, r.Stats.HintedKept, r.Stats.Kept}
	}
	kept := func(r *SynthRun) int { return counts(r).kept }
	perKept := func(v int64, r *SynthRun) string {
		k := kept(r)
		if k == 0 {
			return "n/a"
		}
		return strconv.FormatFloat(float64(v)/float64(k), 'f', 1, 64)
	}
	metrics := []metric{
		{"method", "method", man(func(r *SynthRun) string { return r.Manifest.Method })},
		{"task", "task", func(r *SynthRun) string {
			if r.Manifest != nil && r.Manifest.Task != "" {
				return r.Manifest.Task
			}
			return strings.Join(r.Stats.Tasks, ", ")
		}},
		{"split", "split", man(func(r *SynthRun) string { return r.Manifest.Split })},
		{"model", "model", man(func(r *SynthRun) string { return r.Manifest.Model })},
		{"questions", "questions", func(r *SynthRun) string { return strconv.Itoa(counts(r).questions) }},
		{"with_path", "questions with a kept path", func(r *SynthRun) string {
			c := counts(r)
			return fmt.Sprintf("%d (%s)", c.covered, share(c.covered, c.questions))
		}},
		{"rescued", "rescued by the hint round", man(func(r *SynthRun) string { return strconv.Itoa(r.Manifest.Counts.RescuedByHint) })},
		{"candidates", "candidates", func(r *SynthRun) string { return strconv.Itoa(counts(r).candidates) }},
		{"kept", "kept paths", func(r *SynthRun) string {
			c := counts(r)
			return fmt.Sprintf("%d (%s)", c.kept, share(c.kept, c.candidates))
		}},
		{"hinted", "hinted kept paths", func(r *SynthRun) string {
			c := counts(r)
			return fmt.Sprintf("%d (%s)", c.keptHinted, share(c.keptHinted, c.hintBase))
		}},
		{"requests", "requests", man(func(r *SynthRun) string { return strconv.FormatInt(r.Manifest.Run.Usage.Requests, 10) })},
		{"samples", "samples (from the store)", man(func(r *SynthRun) string {
			u := r.Manifest.Run.Usage
			return fmt.Sprintf("%d (%d)", u.Samples, u.CachedSamples)
		})},
		{"prompt_tokens", "prompt tokens (from the store)", man(func(r *SynthRun) string {
			u := r.Manifest.Run.Usage
			return fmt.Sprintf("%d (%d)", u.PromptTokens+u.CachedPromptTokens, u.CachedPromptTokens)
		})},
		{"completion_tokens", "completion tokens (from the store)", man(func(r *SynthRun) string {
			u := r.Manifest.Run.Usage
			return fmt.Sprintf("%d (%d)", u.CompletionTokens+u.CachedCompletionTokens, u.CachedCompletionTokens)
		})},
		{"requests_per_kept", "requests per kept path", man(func(r *SynthRun) string { return perKept(r.Manifest.Run.Usage.Requests, r) })},
		{"samples_per_kept", "samples per kept path", man(func(r *SynthRun) string {
			u := r.Manifest.Run.Usage
			return perKept(u.Samples, r)
		})},
		{"tokens_per_kept", "tokens per kept path (prompt + completion)", man(func(r *SynthRun) string {
			u := r.Manifest.Run.Usage
			return perKept(u.PromptTokens+u.CachedPromptTokens+u.CompletionTokens+u.CachedCompletionTokens, r)
		})},
		{"money", "cost (USD; price basis)", man(func(r *SynthRun) string {
			m := r.Manifest.Cost.Money
			if m == nil {
				return "n/a"
			}
			return cost.Format(m.Total) + " (" + string(m.Pricing.Basis) + ")"
		})},
		{"money_per_kept", "cost per kept path (USD)", man(func(r *SynthRun) string {
			if m := r.Manifest.Cost.Money; m != nil {
				return cost.Format(m.PerKeptPath)
			}
			return "n/a"
		})},
		{"path_tokens", "completion tokens of a kept path (mean)", func(r *SynthRun) string {
			if r.Agg.Kept == 0 {
				return "n/a"
			}
			return strconv.FormatFloat(float64(r.Agg.KeptCompletionTokens)/float64(r.Agg.Kept), 'f', 1, 64)
		}},
		{"guideline_sets", "distinct guideline sets per covered question", func(r *SynthRun) string {
			if r.Agg.Covered == 0 {
				return "n/a"
			}
			return strconv.FormatFloat(float64(r.Agg.DistinctSets)/float64(r.Agg.Covered), 'f', 2, 64)
		}},
		{"wall", "wall time (s)", man(func(r *SynthRun) string { return strconv.FormatFloat(r.Manifest.Run.WallSeconds, 'f', 1, 64) })},
	}
	var rows []tableRow
	for _, m := range metrics {
		row := tableRow{Key: m.key, Label: m.label}
		for _, r := range runs {
			row.Cells = append(row.Cells, m.cell(r))
		}
		rows = append(rows, row)
	}
	return rows
}

// yieldRows are "attempted / correct / kept" per key (guideline or
// round) and run.
func yieldRows(runs []*SynthRun, get func(*SynthRun) map[string]*GuidelineYield) []tableRow {
	ids := map[string]bool{}
	for _, r := range runs {
		for id := range get(r) {
			ids[id] = true
		}
	}
	var rows []tableRow
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		row := tableRow{Key: id, Label: id}
		for _, r := range runs {
			if y := get(r)[id]; y != nil {
				row.Cells = append(row.Cells, fmt.Sprintf("%d / %d / %d", y.Attempted, y.Correct, y.Kept))
			} else {
				row.Cells = append(row.Cells, "–")
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// countRows is a table of counts per key, a column per run.
func countRows(runs []*SynthRun, get func(*SynthRun) map[string]int) []tableRow {
	keys := map[string]bool{}
	for _, r := range runs {
		for k := range get(r) {
			keys[k] = true
		}
	}
	var rows []tableRow
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		row := tableRow{Key: k, Label: k}
		for _, r := range runs {
			row.Cells = append(row.Cells, strconv.Itoa(get(r)[k]))
		}
		rows = append(rows, row)
	}
	return rows
}

func share(n, of int) string {
	if of == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64) + "%"
}

// barGroup is one labelled row of a count chart: one bar or several.
type barGroup struct {
	Label string
	Bars  []countBar
}

type countBar struct {
	N     int
	Class string
	Title string
}

// countChart draws horizontal bars of counts, scaled to the largest.
func countChart(title string, groups []barGroup) Chart {
	top := 1
	for _, g := range groups {
		for _, b := range g.Bars {
			top = max(top, b.N)
		}
	}
	// Four axis steps of 1, 2 or 5 times a power of ten (2.5 from 10 up).
	raw := float64(top) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw && (m != 2.5 || mag >= 10) {
			step = m * mag
			break
		}
	}
	step = max(step, 1)
	hi := 4 * step
	scale := chartPlotW / hi
	ch := Chart{Title: title, ZeroX: chartLabelW}
	y := chartTop
	for _, g := range groups {
		h := chartBarH
		if len(g.Bars) > 1 {
			h = 10
		}
		for i, b := range g.Bars {
			bar := Bar{LabelX: chartLabelW - 6, X: chartLabelW, Y: y, H: h, TextY: y + h - 2, Class: b.Class,
				W: float64(b.N) * scale, Value: strconv.Itoa(b.N), Title: b.Title}
			if i == 0 {
				bar.Label = shorten(g.Label)
			}
			bar.ValueX = chartLabelW + bar.W + 4
			ch.Bars = append(ch.Bars, bar)
			y += h + 1
		}
		y += chartGap
	}
	ch.AxisY = y
	ch.Height = y + chartBottom
	ch.Width = chartLabelW + chartPlotW + chartValueW
	for i := range 5 {
		v := hi * float64(i) / 4
		ch.Ticks = append(ch.Ticks, Tick{X: chartLabelW + v*scale, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ch
}
