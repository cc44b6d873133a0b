package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/report"
)

// reportName is the base name of the files report writes into --out.
const reportName = "report"

func newReportCmd() *cobra.Command {
	var (
		opts  report.Options
		out   *outFlags
		title string
	)
	cmd := &cobra.Command{
		Use:   "report DIR... [--baseline DIR] [--out OUTDIR | --out-file FILE]",
		Short: "Compare evaluation runs: Markdown table and a self-contained HTML page",
		Long: `report reads the results.json and predictions.jsonl of evaluation directories
(written by regenesis eval) and prints the paper's comparison: one row per run,
one column per task, each cell the accuracy with its change against the baseline
run in points, plus in-domain and OOD averages and their changes.

Without --out the Markdown goes to standard output. With --out OUTDIR it writes
OUTDIR/report.md and OUTDIR/report.html (--out-file FILE writes FILE.md and
FILE.html instead), each complete before it replaces an earlier one: a page that works offline (inline CSS, JavaScript and
SVG, data embedded) with a bar chart per task, a chart of the changes against
the baseline, and a browser for the predictions (filter by run, task and
verdict; click a row for the full generation). The page keeps at most
--max-predictions predictions of each task and verdict per run.`,
		Example: `  regenesis report runs/eval-base runs/eval-regenesis --baseline runs/eval-base
  regenesis report runs/eval-* --baseline runs/eval-base --out reports/ood
  regenesis report runs/eval-* --baseline runs/eval-base --out-file reports/ood-2026-12`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
			c, runs, err := report.Build(opts)
			if err != nil {
				return err
			}
			dir, file, err := out.resolve(cmd)
			if err != nil {
				return err
			}
			if dir != "" {
				file = filepath.Join(dir, reportName)
			}
			if file == "" {
				return c.Markdown(cmd.OutOrStdout())
			}
			md, html, err := report.WriteFiles(file, c, runs, report.HTMLOptions{Title: title})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s\n", md, html)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Baseline, "baseline", "", "evaluation directory of the baseline run (its own row; changes are against it)")
	out = addOutFlags(cmd, "write OUTDIR/report.md and OUTDIR/report.html instead of Markdown on standard output",
		"write FILE.md and FILE.html instead of Markdown on standard output", ".md", ".html", ".htm")
	f.StringSliceVar(&opts.Labels, "label", nil, "row labels for the DIRs, in order (default: the model name, with the mode when not greedy)")
	f.StringVar(&title, "title", "", `title of the HTML page (default "Evaluation report")`)
	f.IntVar(&opts.Load.MaxPredictions, "max-predictions", report.DefaultMaxPredictions, "predictions kept per run, task and verdict for the HTML page")
	f.IntVar(&opts.Load.MaxTextChars, "max-text", report.DefaultMaxTextChars, "characters of generated text kept per prediction for the HTML page")
	return cmd
}
