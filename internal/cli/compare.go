package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/compare"
)

func newCompareCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "compare DIR...",
		Short: "Compare synthesized datasets side by side",
		Long: `compare reads each synthesis directory's candidates.jsonl and prints, side by
side: questions covered, kept / total paths, paths per question, the share of
kept paths made with a hint, mean path length, answer diversity (distinct final
answers per question, majority share), lexical diversity of the kept paths of a
question (distinct-2, mean pairwise Jaccard) and which guidelines the kept paths
came from. Markdown by default; --json for machines.`,
		Example: `  regenesis compare runs/gsm8k-regenesis runs/gsm8k-star runs/gsm8k-lmsi
  regenesis compare --json runs/* > compare.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("compare needs at least one synthesis directory")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			stats := make([]*compare.Stats, 0, len(args))
			for _, dir := range args {
				s, err := compare.Load(cmd.Context(), dir)
				if err != nil {
					return err
				}
				stats = append(stats, s)
			}
			if asJSON {
				return compare.WriteJSON(cmd.OutOrStdout(), stats)
			}
			return compare.WriteMarkdown(cmd.OutOrStdout(), stats)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON instead of Markdown")
	return cmd
}
