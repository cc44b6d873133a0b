package report

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// Column is one task of the comparison.
type Column struct {
	Task  string
	Group string
}

// Cell is one run's score on one task.
type Cell struct {
	// Present is false when the run did not evaluate the task.
	Present  bool
	N        int
	Accuracy float64
	CILow    float64
	CIHigh   float64
	// Delta is the accuracy change against the baseline's, in [-1, 1];
	// HasDelta is false without a baseline score to compare with.
	Delta    float64
	HasDelta bool
}

// Average is one run's unweighted mean accuracy over the tasks of a group
// it evaluated. Delta is the mean of its per-task changes over the tasks
// both it and the baseline evaluated, so that runs over different task sets
// are compared on common ground.
type Average struct {
	Present  bool
	Tasks    int
	Accuracy float64
	Delta    float64
	HasDelta bool
}

// Row is one run of the comparison.
type Row struct {
	Label string
	Model string
	Mode  string
	// Baseline marks the baseline row.
	Baseline bool
	// Cells are aligned with Comparison.Columns.
	Cells []Cell
	// Averages are aligned with Comparison.Groups.
	Averages []Average
	// Synth is the cost of the synthesis run whose data trained the row's
	// model, when given (AttachSynthesis).
	Synth *synth.Cost
}

// Comparison is the paper's table: runs by tasks.
type Comparison struct {
	// Columns are the tasks, in-domain first, then OOD, then the others.
	Columns []Column
	// Groups are the groups of Columns, in the same order.
	Groups []string
	// Rows are the runs; the baseline, when given, comes first.
	Rows []Row
	// HasBaseline is true when Rows[0] is the baseline.
	HasBaseline bool
	// Layout is LayoutRuns ("") or LayoutPaper (Markdown writes the
	// paper's table; SortPaper orders the rows).
	Layout string
}

// Compare builds the comparison of runs against baseline (nil for none).
func Compare(runs []*Run, baseline *Run) *Comparison {
	all := runs
	if baseline != nil {
		all = append([]*Run{baseline}, runs...)
	}
	c := &Comparison{HasBaseline: baseline != nil}
	seen := map[string]bool{}
	for _, r := range all {
		for _, name := range r.Results.TaskNames() {
			if !seen[name] {
				seen[name] = true
				c.Columns = append(c.Columns, Column{Task: name, Group: r.Results.Tasks[name].Group})
			}
		}
	}
	slices.SortStableFunc(c.Columns, func(a, b Column) int {
		return cmp.Or(eval.CompareGroups(a.Group, b.Group), cmp.Compare(a.Task, b.Task))
	})
	for _, col := range c.Columns {
		if len(c.Groups) == 0 || c.Groups[len(c.Groups)-1] != col.Group {
			c.Groups = append(c.Groups, col.Group)
		}
	}
	var base []Cell
	for i, r := range all {
		row := Row{Label: r.Label, Model: r.Results.Model, Mode: r.Results.Mode, Baseline: baseline != nil && i == 0}
		for _, col := range c.Columns {
			row.Cells = append(row.Cells, cell(r.Results, col.Task))
		}
		if row.Baseline {
			base = row.Cells
		} else if base != nil {
			for j := range row.Cells {
				if row.Cells[j].Present && base[j].Present {
					row.Cells[j].Delta = row.Cells[j].Accuracy - base[j].Accuracy
					row.Cells[j].HasDelta = true
				}
			}
		}
		for _, g := range c.Groups {
			row.Averages = append(row.Averages, c.average(row.Cells, g))
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// cell reads one task's score; tasks without scored questions are absent.
func cell(res *eval.Results, name string) Cell {
	t, ok := res.Tasks[name]
	if !ok || t.N == 0 {
		return Cell{}
	}
	return Cell{Present: true, N: t.N, Accuracy: t.Accuracy, CILow: t.CILow, CIHigh: t.CIHigh}
}

// average computes a row's average over the group g.
func (c *Comparison) average(cells []Cell, g string) Average {
	var a Average
	deltas := 0
	for j, col := range c.Columns {
		if col.Group != g || !cells[j].Present {
			continue
		}
		a.Present = true
		a.Tasks++
		a.Accuracy += cells[j].Accuracy
		if cells[j].HasDelta {
			deltas++
			a.Delta += cells[j].Delta
		}
	}
	if a.Tasks > 0 {
		a.Accuracy /= float64(a.Tasks)
	}
	if deltas > 0 {
		a.Delta /= float64(deltas)
		a.HasDelta = true
	}
	return a
}

// GroupTitle is a group's name in table headers.
func GroupTitle(g string) string {
	switch g {
	case "in-domain":
		return "In-domain"
	case "ood":
		return "OOD"
	case "":
		return "Other"
	}
	return g
}

// pct formats a fraction as a percentage with one decimal.
func pct(v float64) string { return fmt.Sprintf("%.1f", 100*v) }

// signed formats a change in points with its sign.
func signed(v float64) string {
	s := fmt.Sprintf("%+.1f", 100*v)
	if s == "-0.0" || s == "+0.0" {
		return "±0.0"
	}
	return s
}

// UniqueLabels makes run labels distinct by appending the mode when it is
// not greedy and, if still ambiguous, the directory name.
func UniqueLabels(runs []*Run) {
	count := map[string]int{}
	for _, r := range runs {
		if r.Results.Mode != "" && r.Results.Mode != eval.Greedy && r.Label == r.Results.Model {
			r.Label += " (" + r.Results.Mode + ")"
		}
		count[r.Label]++
	}
	for _, r := range runs {
		if count[r.Label] > 1 {
			r.Label += " [" + r.Dir + "]"
		}
	}
}
