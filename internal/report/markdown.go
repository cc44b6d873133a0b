package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Markdown writes the comparison as Markdown: the accuracy table with
// changes against the baseline and group averages, then the per-task
// details (questions, accuracy, 95% Wilson interval).
func (c *Comparison) Markdown(w io.Writer) error {
	if c.Layout == LayoutPaper {
		return c.PaperMarkdown(w)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("# Evaluation report\n\n")
	if c.HasBaseline {
		fmt.Fprintf(bw, "Baseline: %s. ", mdEscape(c.Rows[0].Label))
		bw.WriteString("Cells: accuracy in % (change against the baseline in points). ")
	} else {
		bw.WriteString("Cells: accuracy in %. ")
	}
	bw.WriteString("Averages are unweighted means over a group's tasks; their change is the mean of the per-task changes over the tasks both runs evaluated.\n\n")

	header := []string{"Model", "Mode"}
	align := []string{"---", "---"}
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
	mdRow(bw, header)
	mdRow(bw, align)
	for _, row := range c.Rows {
		label := mdEscape(row.Label)
		if row.Baseline {
			label += " (baseline)"
		}
		cells := []string{label, row.Mode}
		for gi, g := range c.Groups {
			for j, col := range c.Columns {
				if col.Group == g {
					cells = append(cells, cellText(row.Cells[j]))
				}
			}
			cells = append(cells, averageText(row.Averages[gi]))
		}
		mdRow(bw, cells)
	}

	bw.WriteString("\n## Details\n\n")
	mdRow(bw, []string{"Model", "Task", "Group", "n", "Accuracy %", "95% CI"})
	mdRow(bw, []string{"---", "---", "---", "---:", "---:", "---:"})
	for _, row := range c.Rows {
		for j, col := range c.Columns {
			cl := row.Cells[j]
			if !cl.Present {
				continue
			}
			mdRow(bw, []string{
				mdEscape(row.Label), mdEscape(col.Task), GroupTitle(col.Group),
				fmt.Sprint(cl.N), pct(cl.Accuracy), pct(cl.CILow) + "–" + pct(cl.CIHigh),
			})
		}
	}
	return bw.Flush()
}

// cellText is a task cell: "74.2 (+3.1)", "74.2" or "–".
func cellText(c Cell) string {
	if !c.Present {
		return "–"
	}
	if c.HasDelta {
		return pct(c.Accuracy) + " (" + signed(c.Delta) + ")"
	}
	return pct(c.Accuracy)
}

// averageText is a group average cell.
func averageText(a Average) string {
	if !a.Present {
		return "–"
	}
	if a.HasDelta {
		return pct(a.Accuracy) + " (" + signed(a.Delta) + ")"
	}
	return pct(a.Accuracy)
}

func mdRow(w *bufio.Writer, cells []string) {
	w.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

// mdEscape keeps a label from breaking the table.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
