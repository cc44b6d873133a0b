package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/regenesis-ai/regenesis/internal/eval"
)

//go:embed page.html.tmpl
var pageTemplate string

//go:embed chart.html.tmpl
var chartTemplate string

// page is what page.html.tmpl renders.
type page struct {
	Title       string
	Generated   string
	Comparison  *Comparison
	Spans       []span
	Runs        []runInfo
	Accuracy    []Chart
	Deltas      []Chart
	Data        pageData
	MaxPerTask  int
	MaxText     int
	Truncations bool
}

// span is a group's header over its task columns and its average column.
type span struct {
	Group   string
	Columns int
}

// runInfo describes one run in the page header.
type runInfo struct {
	Label, Dir, Model, Mode, Split string
	MaxTokens                      int
	Temperature                    float64
}

// pageData is embedded in the page as JSON for the predictions browser.
type pageData struct {
	Runs []pageRun `json:"runs"`
}

type pageRun struct {
	Label string              `json:"label"`
	Tasks map[string]pageTask `json:"tasks"`
}

type pageTask struct {
	// Counts is the number of predictions per verdict in the run.
	Counts      map[string]int    `json:"counts"`
	Predictions []eval.Prediction `json:"predictions"`
}

// HTMLOptions configures the HTML page.
type HTMLOptions struct {
	// Title heads the page; empty means "Evaluation report".
	Title string
	// Now stamps the page; zero means the current time.
	Now time.Time
}

// HTML writes a self-contained page: the comparison table, a bar chart per
// task, charts of the changes against the baseline, and a browser for the
// predictions kept in runs. Nothing is loaded from the network when it is
// viewed: CSS, JavaScript and SVG are inline and the data is embedded as
// JSON. Every value from a run is escaped by html/template.
func HTML(w io.Writer, c *Comparison, runs []*Run, opts HTMLOptions) error {
	t, err := template.New("page").Funcs(template.FuncMap{
		"cell":    cellText,
		"average": averageText,
		"pct":     pct,
		"f1":      func(v float64) string { return fmt.Sprintf("%.1f", v) },
		"group":   GroupTitle,
		"costs":   costCells,
		"hasSynth": func(c *Comparison) bool {
			for _, r := range c.Rows {
				if r.Synth != nil {
					return true
				}
			}
			return false
		},
	}).Parse(pageTemplate + chartTemplate)
	if err != nil {
		return fmt.Errorf("report: parse page template: %w", err)
	}
	p := page{
		Title:      opts.Title,
		Comparison: c,
		Accuracy:   accuracyCharts(c),
		Deltas:     deltaCharts(c),
	}
	for _, g := range c.Groups {
		n := 1
		for _, col := range c.Columns {
			if col.Group == g {
				n++
			}
		}
		p.Spans = append(p.Spans, span{Group: g, Columns: n})
	}
	if p.Title == "" {
		p.Title = "Evaluation report"
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	p.Generated = now.UTC().Format(time.RFC3339)
	for _, r := range runs {
		res := r.Results
		p.Runs = append(p.Runs, runInfo{
			Label: r.Label, Dir: r.Dir, Model: res.Model, Mode: res.Mode, Split: runSplit(res),
			MaxTokens: res.MaxTokens, Temperature: res.Temperature,
		})
		pr := pageRun{Label: r.Label, Tasks: map[string]pageTask{}}
		for task, counts := range r.Counts {
			preds := r.Predictions[task]
			if preds == nil {
				preds = []eval.Prediction{}
			}
			pr.Tasks[task] = pageTask{Counts: counts, Predictions: preds}
		}
		p.Data.Runs = append(p.Data.Runs, pr)
		p.MaxPerTask = max(p.MaxPerTask, r.Limits.MaxPredictions)
		p.MaxText = max(p.MaxText, r.Limits.MaxTextChars)
	}
	if err := t.Execute(w, p); err != nil {
		return fmt.Errorf("report: render HTML: %w", err)
	}
	return nil
}

// runSplit names the split a run evaluated: the one --split gave, or else
// the tasks' own default splits ("test", or "test, dev" when they differ).
func runSplit(res *eval.Results) string {
	if res.Split != "" {
		return res.Split
	}
	var splits []string
	for _, t := range res.Tasks {
		if t.Split != "" && !slices.Contains(splits, t.Split) {
			splits = append(splits, t.Split)
		}
	}
	slices.Sort(splits)
	return strings.Join(splits, ", ")
}
