package cli

import (
	"cmp"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/export"
)

func newExportCmd() *cobra.Command {
	var (
		format     string
		out        *outFlags
		tokenLimit int
		dpo        export.DPOOptions
	)
	names := make([]string, 0, len(export.Formats()))
	for _, f := range export.Formats() {
		names = append(names, string(f))
	}
	cmd := &cobra.Command{
		Use:   "export DIR",
		Short: "Convert a synthesis directory to a trainer's data format",
		Long: `export converts the kept paths of a synthesis directory (DIR/sft.jsonl) into
the format a trainer reads:

  messages  {"messages": [...]} JSONL for TRL's SFTTrainer and axolotl (chat_template)
  alpaca    LLaMA-Factory alpaca JSONL, plus its entry in dataset_info.json
  sharegpt  LLaMA-Factory sharegpt JSONL, plus its entry in dataset_info.json
            (role tags written out explicitly)
  openai    the OpenAI fine-tuning API's chat JSONL
  parquet   Parquet for the Hugging Face datasets library (messages column plus
            task, question_id, method, guideline_ids, hinted)
  dpo       preference pairs for TRL's DPOTrainer from DIR/candidates.jsonl:
            every wrong-answer path once (near duplicates dropped), against the
            question's kept paths in turn; each line also carries task,
            question_id, both guideline_ids, hinted flags and rejected_reason
  prompt-completion
            TRL's conversational {"prompt": [...], "completion": [...]} JSONL
            (the loss on the reply only; what train --engine trl writes)

The output file is named after the format (sft_<format>.jsonl,
sft_prompt_completion.jsonl, sft.parquet, dpo.jsonl) and goes into --out DIR, by default the synthesis directory itself;
--out-file FILE names the file instead. It is written to a temporary file and
renamed when complete, so a failed export leaves an earlier file as it was. Examples longer than about --token-limit tokens are
reported, since TRL truncates at 1024 tokens by default.`,
		Example: `  regenesis export runs/gsm8k --format messages
  regenesis export runs/gsm8k --format sharegpt --out data/
  regenesis export runs/gsm8k --format openai --out-file data/gsm8k_openai.jsonl
  regenesis export runs/gsm8k --format dpo`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := export.ParseFormat(format)
			if err != nil {
				return err
			}
			dir, file, err := out.resolve(cmd)
			if err != nil {
				return err
			}
			if file == "" {
				file = export.DefaultOut(cmp.Or(dir, args[0]), f)
			}
			release, err := lockRunDir(cmd, filepath.Dir(file))
			if err != nil {
				return err
			}
			defer release()
			sum, err := export.Run(cmd.Context(), export.Options{Dir: args[0], Format: f, Out: file, TokenLimit: tokenLimit, DPO: dpo})
			if err != nil {
				return err
			}
			for _, w := range sum.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
			}
			unit := "examples"
			if f == export.DPO {
				unit = "preference pairs"
			}
			stdout := cmd.OutOrStdout()
			fmt.Fprintf(stdout, "wrote %d %s to %s\n", sum.Examples, unit, sum.Out)
			if sum.DatasetInfo != "" {
				fmt.Fprintf(stdout, "registered dataset %q in %s; for LLaMA-Factory set dataset_dir: %s and dataset: %s\n",
					sum.DatasetName, sum.DatasetInfo, filepath.Dir(sum.DatasetInfo), sum.DatasetName)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", string(export.Messages), "output format: "+strings.Join(names, ", "))
	out = addOutFlags(cmd, "output directory; the file is named after the format (default: the synthesis directory DIR)",
		"output file instead of a name chosen after the format", ".jsonl", ".json", ".parquet")
	cmd.Flags().IntVar(&tokenLimit, "token-limit", export.DefaultTokenLimit, "report examples longer than about this many tokens")
	cmd.Flags().BoolVar(&dpo.NoAnswer, "dpo-no-answer", false, "dpo: also use paths without a final answer as rejected")
	cmd.Flags().BoolVar(&dpo.MixHinted, "dpo-mix-hinted", false, "dpo: allow a hinted chosen path against an unhinted rejected one")
	cmd.Flags().Float64Var(&dpo.DedupThreshold, "dpo-dedup-threshold", export.DefaultDPODedup, "dpo: drop a rejected path this similar to an earlier one of its question (above 1: keep all)")
	return cmd
}
