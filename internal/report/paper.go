package report

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// Layouts of the evaluation report.
const (
	// LayoutRuns is the default: the runs in the order given.
	LayoutRuns = "runs"
	// LayoutPaper is the paper's table: one row per method in the paper's
	// order (base model, STaR, LMSI, fine-tuning on gold, ReGenesis, then
	// any other), in-domain tasks then OOD tasks with their averages and
	// the change against the base model, and each method's synthesis cost.
	LayoutPaper = "paper"
)

// paperRank orders a row label as the paper's tables do.
func paperRank(label string) int {
	l := strings.ToLower(label)
	for i, keys := range [][]string{
		{"base"},
		{"star"},
		{"lmsi"},
		{"gold", "sft", "fine-tune", "finetune"},
		{"regenesis"},
	} {
		for _, k := range keys {
			if strings.Contains(l, k) {
				return i
			}
		}
	}
	return 5
}

// SortPaper orders the rows as the paper's tables do; the baseline row
// stays first. The order of rows of the same rank is kept.
func (c *Comparison) SortPaper() {
	start := 0
	if c.HasBaseline {
		start = 1
	}
	slices.SortStableFunc(c.Rows[start:], func(a, b Row) int { return paperRank(a.Label) - paperRank(b.Label) })
}

// AttachSynthesis reads the synthesis cost of the rows: synthDirs maps a
// row label to the synthesis directory whose data trained that row's model
// (its manifest.json's cost). A label that names no row is an error.
func (c *Comparison) AttachSynthesis(synthDirs map[string]string) error {
	for label, dir := range synthDirs {
		i := slices.IndexFunc(c.Rows, func(r Row) bool { return r.Label == label })
		if i < 0 {
			var labels []string
			for _, r := range c.Rows {
				labels = append(labels, r.Label)
			}
			return fmt.Errorf("report: --synth %s=%s: no row labelled %q (rows: %s)", label, dir, label, strings.Join(labels, ", "))
		}
		path := filepath.Join(dir, rundir.ManifestFile)
		m, err := synth.ReadManifest(dir)
		if err != nil {
			return fmt.Errorf("report: synthesis cost of %s: %w", label, err)
		}
		if !m.HasCost() {
			return fmt.Errorf("report: %s has no cost section (written before costs were recorded; re-run synthesize to replay it)", path)
		}
		c.Rows[i].Synth = &m.Cost
	}
	return nil
}

// PaperMarkdown writes the comparison as the paper's table.
func (c *Comparison) PaperMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("# Results\n\n")
	bw.WriteString("Cells: accuracy in %")
	if c.HasBaseline {
		fmt.Fprintf(bw, " (change against %s in points)", mdEscape(c.Rows[0].Label))
	}
	bw.WriteString(". Averages are unweighted means over a group's tasks. " +
		"Synthesis cost: samples and tokens (prompt + completion) per training question and per kept path, from the synthesis run's manifest.json; " +
		"docs/METHOD.md says what \"same budget\" means for each baseline.\n\n")
	header := []string{"Method"}
	align := []string{"---"}
	for _, g := range c.Groups {
		for _, col := range c.Columns {
			if col.Group == g {
				header = append(header, mdEscape(col.Task))
				align = append(align, "---:")
			}
		}
		header = append(header, GroupTitle(g)+" avg")
		align = append(align, "---:")
	}
	header = append(header, "Samples / question", "Tokens / question", "Samples / kept path", "Tokens / kept path")
	align = append(align, "---:", "---:", "---:", "---:")
	mdRow(bw, header)
	mdRow(bw, align)
	for _, row := range c.Rows {
		cells := []string{mdEscape(row.Label)}
		for gi, g := range c.Groups {
			for j, col := range c.Columns {
				if col.Group == g {
					cells = append(cells, cellText(row.Cells[j]))
				}
			}
			cells = append(cells, averageText(row.Averages[gi]))
		}
		cells = append(cells, costCells(row.Synth)...)
		mdRow(bw, cells)
	}
	return bw.Flush()
}

// costCells are the synthesis cost cells of a row ("–" without one).
func costCells(c *synth.Cost) []string {
	out := []string{"–", "–", "–", "–"}
	if c == nil {
		return out
	}
	if u := c.PerQuestion; u != nil {
		out[0], out[1] = fmt.Sprintf("%.1f", u.Samples), fmt.Sprintf("%.0f", u.Tokens)
	}
	if u := c.PerKeptPath; u != nil {
		out[2], out[3] = fmt.Sprintf("%.1f", u.Samples), fmt.Sprintf("%.0f", u.Tokens)
	}
	return out
}
