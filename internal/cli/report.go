package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/report"
)

func newReportCmd() *cobra.Command {
	var (
		opts  report.Options
		out   string
		title string
	)
	cmd := &cobra.Command{
		Use:   "report DIR... [--baseline DIR] [--out FILE]",
		Short: "Compare evaluation runs: Markdown table and a self-contained HTML page",
		Long: `report reads the results.json and predictions.jsonl of evaluation directories
(written by regenesis eval) and prints the paper's comparison: one row per run,
one column per task, each cell the accuracy with its change against the baseline
run in points, plus in-domain and OOD averages and their changes.

Without --out the Markdown goes to standard output. With --out FILE it writes
FILE.md and FILE.html: a page that works offline (inline CSS, JavaScript and
SVG, data embedded) with a bar chart per task, a chart of the changes against
the baseline, and a browser for the predictions (filter by run, task and
verdict; click a row for the full generation). The page keeps at most
--max-predictions predictions of each task and verdict per run.`,
		Example: `  regenesis report runs/eval-base runs/eval-regenesis --baseline runs/eval-base
  regenesis report runs/eval-* --baseline runs/eval-base --out reports/ood`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
			c, runs, err := report.Build(opts)
			if err != nil {
				return err
			}
			if out == "" {
				return c.Markdown(cmd.OutOrStdout())
			}
			md, html, err := report.WriteFiles(out, c, runs, report.HTMLOptions{Title: title})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s\n", md, html)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Baseline, "baseline", "", "evaluation directory of the baseline run (its own row; changes are against it)")
	f.StringVarP(&out, "out", "o", "", "write FILE.md and FILE.html instead of Markdown on standard output")
	f.StringSliceVar(&opts.Labels, "label", nil, "row labels for the DIRs, in order (default: the model name, with the mode when not greedy)")
	f.StringVar(&title, "title", "", `title of the HTML page (default "Evaluation report")`)
	f.IntVar(&opts.Load.MaxPredictions, "max-predictions", report.DefaultMaxPredictions, "predictions kept per run, task and verdict for the HTML page")
	f.IntVar(&opts.Load.MaxTextChars, "max-text", report.DefaultMaxTextChars, "characters of generated text kept per prediction for the HTML page")
	return cmd
}
