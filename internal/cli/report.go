package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/compare"

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
		Short: "Compare evaluation or synthesis runs: Markdown table and an offline HTML page",
		Long: `report reads evaluation directories (results.json, written by regenesis eval)
or synthesis directories (candidates.jsonl and manifest.json, written by
regenesis synthesize); it tells them apart by these files, and reports one
kind at a time.

Evaluation directories: report reads the results.json and predictions.jsonl
(written by regenesis eval) and prints the paper's comparison: one row per run,
one column per task, each cell the accuracy with its change against the baseline
run in points, plus in-domain and OOD averages and their changes.

Without --out the Markdown goes to standard output. With --out OUTDIR it writes
OUTDIR/report.md and OUTDIR/report.html (--out-file FILE writes FILE.md and
FILE.html instead), each complete before it replaces an earlier one: a page that works offline (inline CSS, JavaScript and
SVG, data embedded) with a bar chart per task, a chart of the changes against
the baseline, and a browser for the predictions (filter by run, task and
verdict; click a row for the full generation). The page keeps at most
--max-predictions predictions of each task and verdict per run.

Synthesis directories: without --out it prints regenesis compare's table. With
--out OUTDIR it writes OUTDIR/report.md (that table), OUTDIR/report.html and
the folder OUTDIR/report_files (--out-file FILE: FILE.md, FILE.html and
FILE_files), which the page reads its questions from and which must stay next
to it. The page works offline: per run the manifest's counts, requests and
tokens per kept path, the compare table, attempted / correct / kept per
guideline and drop reasons; charts of these, of kept paths per question and of
path lengths, side by side for several runs; and a question browser (search,
filter by run, task, verdict, kept, hinted, guideline and drop reason; a
question shows every candidate: guideline set, adapted guidelines, structure,
path, extracted answer, verdict and reason, kept ones marked). Building it
streams candidates.jsonl, so runs of any size take little memory; --max-text
bounds each text of a candidate (default 20000 characters).`,
		Example: `  regenesis report runs/eval-base runs/eval-regenesis --baseline runs/eval-base
  regenesis report runs/eval-* --baseline runs/eval-base --out reports/ood
  regenesis report runs/eval-* --baseline runs/eval-base --out-file reports/ood-2026-12
  regenesis report runs/synth-regenesis runs/synth-star --out reports/synthesis`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := report.DetectKinds(args)
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
			if kind == report.KindSynthesis {
				return reportSynthesis(cmd, args, opts, file, title)
			}
			opts.Dirs = args
			c, runs, err := report.Build(opts)
			if err != nil {
				return err
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
	f.StringVar(&opts.Layout, "layout", report.LayoutRuns, "evaluation table layout: runs (in the order given) or paper (rows base, STaR, LMSI, gold fine-tune, ReGenesis by their labels; in-domain then OOD tasks; synthesis cost per method)")
	f.StringToStringVar(&opts.Synth, "synth", nil, "LABEL=DIR: the synthesis directory whose data trained row LABEL; the paper layout shows its samples and tokens (repeatable)")
	f.StringVar(&title, "title", "", `title of the HTML page (default "Evaluation report" or "Synthesis report")`)
	f.IntVar(&opts.Load.MaxPredictions, "max-predictions", report.DefaultMaxPredictions, "predictions kept per run, task and verdict for the HTML page (0: none)")
	f.IntVar(&opts.Load.MaxTextChars, "max-text", report.DefaultMaxTextChars, "characters of generated text kept per prediction for the HTML page (synthesis: per text of a candidate, default 20000)")
	return cmd
}

// reportSynthesis reports synthesis directories: compare's table on
// standard output, or with out the Markdown, the HTML page and its data.
func reportSynthesis(cmd *cobra.Command, dirs []string, opts report.Options, out, title string) error {
	for _, name := range []string{"baseline", "max-predictions", "layout", "synth"} {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("report: --%s is for evaluation directories; %s is a synthesis directory", name, dirs[0])
		}
	}
	if out == "" {
		stats := make([]*compare.Stats, len(dirs))
		for i, d := range dirs {
			s, err := compare.Load(cmd.Context(), d)
			if err != nil {
				return err
			}
			if i < len(opts.Labels) && opts.Labels[i] != "" {
				s.Dir = opts.Labels[i]
			}
			stats[i] = s
		}
		return compare.WriteMarkdown(cmd.OutOrStdout(), stats)
	}
	so := report.SynthOptions{Dirs: dirs, Labels: opts.Labels, Title: title}
	if cmd.Flags().Changed("max-text") {
		so.MaxTextChars = opts.Load.MaxTextChars
	}
	files, _, err := report.WriteSynth(cmd.Context(), out, so)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s and the folder %s (keep it next to the page)\n", files.Markdown, files.HTML, files.DataDir)
	return err
}
