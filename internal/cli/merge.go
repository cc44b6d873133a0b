package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/merge"
)

func newMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge DIR... --out DIR",
		Short: "Combine the shard directories of a sharded synthesize or eval run",
		Long: `merge combines the directories of a run split with --shard I/N into the
directory the unsharded run would have written: for a synthesis sft.jsonl,
candidates.jsonl, synth-index.jsonl and manifest.json; for an evaluation
predictions.jsonl, eval-index.jsonl and results.json; every line in input
order, the counts recomputed from the lines.

It refuses, naming the shard and the questions, shards that disagree in
settings (model, method configuration, prompts, task, split, limit), that
overlap, that are missing, or whose run did not finish (re-run that shard's
command: it resumes from its store). Merging a merged directory again writes
the same bytes. Run-specific fields (command line, wall time, this
invocation's usage) are described in docs/SCALING.md.`,
		Example: `  regenesis merge runs/gsm8k-shard-0 runs/gsm8k-shard-1 runs/gsm8k-shard-2 runs/gsm8k-shard-3 --out runs/gsm8k
  regenesis merge runs/eval-shard-* --out runs/eval`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("merge needs the shard directories")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out is required")
			}
			release, err := lockRunDir(cmd, out)
			if err != nil {
				return err
			}
			defer release()
			sum, err := merge.Run(cmd.Context(), args, out)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "merged %d %s shards, %d questions, into %s\n", sum.Shards, sum.Kind, sum.Questions, sum.Out)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the merged run to")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
