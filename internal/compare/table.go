package compare

import "github.com/regenesis-ai/regenesis/internal/method"

// Table returns the summary table that WriteMarkdown writes, for other
// renderers (the HTML report): one row per metric, its label first, then a
// cell per directory in the order of stats.
func Table(stats []*Stats) [][]string {
	var out [][]string
	for _, r := range rows() {
		cells := make([]string, 0, len(stats)+1)
		cells = append(cells, r.label)
		for _, s := range stats {
			cells = append(cells, r.cell(s))
		}
		out = append(out, cells)
	}
	return out
}

// DropReason is the key under which Stats.Dropped counts a candidate that
// was not kept: its reason, with a stage failure's or a judge's free-text
// cause cut off ("stage_failed: path", "judge_rejected").
func DropReason(c method.Candidate) string { return dropReason(c) }
