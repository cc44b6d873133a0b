package report

import (
	"fmt"
	"math"
)

// Chart geometry, in SVG user units.
const (
	chartLabelW   = 200.0 // room for row labels
	chartLabelMax = 32    // longer labels are shortened (the tooltip has them whole)
	chartPlotW    = 300.0 // the plot area
	chartValueW   = 70.0  // room for value labels
	chartBarH     = 16.0
	chartGap      = 6.0
	chartTop      = 8.0
	chartBottom   = 22.0 // axis labels
)

// Chart is one horizontal bar chart, laid out for the page template.
type Chart struct {
	Title  string
	Width  float64
	Height float64
	// ZeroX is the x of the value 0; AxisY the y of the axis line.
	ZeroX, AxisY float64
	Ticks        []Tick
	Bars         []Bar
}

// Tick is one axis label.
type Tick struct {
	X     float64
	Label string
}

// Bar is one bar with its label, value text and optional interval whisker.
type Bar struct {
	Label  string
	LabelX float64
	Value  string
	Title  string // tooltip
	Class  string // "acc", "base", "up", "down"
	X, Y   float64
	W, H   float64
	TextY  float64
	ValueX float64
	HasCI  bool
	CIX1   float64
	CIX2   float64
	CIY    float64
}

// accuracyCharts draws one chart per task: a bar per run with its 95% interval.
func accuracyCharts(c *Comparison) []Chart {
	scale := chartPlotW // accuracy 1.0 spans the plot
	var charts []Chart
	for j, col := range c.Columns {
		ch := Chart{Title: col.Task + " (" + GroupTitle(col.Group) + ")", ZeroX: chartLabelW}
		y := chartTop
		for _, row := range c.Rows {
			cl := row.Cells[j]
			b := Bar{Label: shorten(row.Label), LabelX: chartLabelW - 6, Y: y, H: chartBarH, TextY: y + chartBarH - 4, X: chartLabelW, Class: "acc"}
			if row.Baseline {
				b.Class = "base"
			}
			if cl.Present {
				b.W = cl.Accuracy * scale
				b.Value = pct(cl.Accuracy)
				b.Title = fmt.Sprintf("%s on %s: %s%% (95%% CI %s–%s, n=%d)", row.Label, col.Task, pct(cl.Accuracy), pct(cl.CILow), pct(cl.CIHigh), cl.N)
				b.HasCI = true
				b.CIX1 = chartLabelW + cl.CILow*scale
				b.CIX2 = chartLabelW + cl.CIHigh*scale
				b.CIY = y + chartBarH/2
				b.ValueX = chartLabelW + math.Max(b.W, b.CIX2-chartLabelW) + 4
			} else {
				b.Value = "–"
				b.Title = row.Label + " did not evaluate " + col.Task
				b.ValueX = chartLabelW + 4
			}
			ch.Bars = append(ch.Bars, b)
			y += chartBarH + chartGap
		}
		ch.finish(y, 0, 1, chartLabelW, scale)
		charts = append(charts, ch)
	}
	return charts
}

// deltaCharts draws, per non-baseline run, its change against the baseline
// on every task and group average, around a zero axis.
func deltaCharts(c *Comparison) []Chart {
	if !c.HasBaseline {
		return nil
	}
	// One symmetric scale for all charts, in whole 5-point steps.
	maxAbs := 0.05
	for _, row := range c.Rows[1:] {
		for _, cl := range row.Cells {
			if cl.HasDelta {
				maxAbs = math.Max(maxAbs, math.Abs(cl.Delta))
			}
		}
	}
	maxAbs = math.Ceil(maxAbs*20-1e-9) / 20
	half := chartPlotW / 2
	zero := chartLabelW + half
	scale := half / maxAbs
	var charts []Chart
	for _, row := range c.Rows[1:] {
		ch := Chart{Title: row.Label + " vs " + c.Rows[0].Label, ZeroX: zero}
		y := chartTop
		add := func(label string, has bool, d float64, avg bool) {
			b := Bar{Label: label, LabelX: chartLabelW - 6, Y: y, H: chartBarH, TextY: y + chartBarH - 4}
			if has {
				b.Value = signed(d)
				b.Title = fmt.Sprintf("%s, %s: %s points", row.Label, label, signed(d))
				w := math.Abs(d) * scale
				b.W = w
				b.X = zero
				b.Class = "up"
				if d < 0 {
					b.X = zero - w
					b.Class = "down"
				}
				b.ValueX = zero + w + 4
				if d < 0 {
					b.ValueX = zero + 4
				}
			} else {
				b.Value = "–"
				b.Title = label + ": no common score with the baseline"
				b.X, b.ValueX = zero, zero+4
			}
			if avg {
				b.Class += " avg"
			}
			ch.Bars = append(ch.Bars, b)
			y += chartBarH + chartGap
		}
		for gi, g := range c.Groups {
			for j, col := range c.Columns {
				if col.Group == g {
					add(col.Task, row.Cells[j].HasDelta, row.Cells[j].Delta, false)
				}
			}
			a := row.Averages[gi]
			add(GroupTitle(g)+" avg", a.HasDelta, a.Delta, true)
		}
		ch.finish(y, -maxAbs, maxAbs, zero, scale)
		charts = append(charts, ch)
	}
	return charts
}

// finish sets the chart's size and five axis ticks from lo to hi.
func (ch *Chart) finish(y, lo, hi, zero, scale float64) {
	ch.AxisY = y
	ch.Height = y + chartBottom
	ch.Width = chartLabelW + chartPlotW + chartValueW
	for i := range 5 {
		v := lo + (hi-lo)*float64(i)/4
		label := fmt.Sprintf("%.0f", 100*v)
		if lo < 0 && v != 0 {
			label = fmt.Sprintf("%+.1f", 100*v)
		}
		ch.Ticks = append(ch.Ticks, Tick{X: zero + v*scale, Label: label})
	}
}

// shorten cuts a label to chartLabelMax runes.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= chartLabelMax {
		return s
	}
	return string(r[:chartLabelMax-1]) + "…"
}
