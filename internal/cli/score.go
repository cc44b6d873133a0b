package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/eval"
)

func newScoreCmd() *cobra.Command {
	var o scoreOptions
	cmd := &cobra.Command{
		Use:   "score --task T[,T...] --predictions FILE",
		Short: "Score model predictions against a task's gold answers",
		Long: `score reads a JSONL file of model predictions, finds each one's final answer,
and compares it with the task's gold answer (type-aware: numbers by value,
choice labels in any written form, yes/no/true/false, normalized text, LaTeX).

Each line is an object with the model's reply and the example it answers:
  - the reply: "prediction" (the full reply as a string), or "samples" as in
    eval's predictions.jsonl ([{"text": ...}, ...]; several samples are scored
    by their majority answer);
  - the example: "id" or "question_id" (an example ID of the task, a string
    or a number), or "question" (the question text exactly as the task
    renders it; whitespace does not matter);
  - "task": which task of --task the line answers (needed with several);
  - optionally "finish_reason" (the server's, e.g. "stop" or "length"; inside
    each sample in eval's file): a reply cut off by the token limit has an
    answer only where it states one (a \boxed{} or an answer phrase), never
    from its last line or last number.
Other fields are ignored, so eval's own predictions.jsonl scores as it is.

Every question of the split must be predicted exactly once: missing and
duplicated predictions are listed and the command fails, unless
--allow-partial (then the first prediction of a question counts and the rest
are reported and skipped).

--mode lenient (the default) reads the last \boxed{} and, failing that, answer
phrases, "####", the last line and the last number; --mode strict reads only
the last \boxed{} (the synthesis filter). score prints "accuracy: A (n=N)";
with --out DIR it also writes DIR/verdicts.jsonl (or --out-file FILE), one
verdict per scored prediction, in input order:
{"index": i, "task": "...", "question_id": "...", "extracted": "...", "correct": true|false},
i counting the scored predictions from 0.`,
		Example: `  regenesis score --task gsm8k --predictions runs/eval-base/predictions.jsonl
  regenesis score --task gsm8k,svamp --predictions runs/eval-base/predictions.jsonl --out runs/eval-base/strict --mode strict
  regenesis score --task arc_challenge --predictions preds.jsonl --allow-partial --out-file verdicts.jsonl`,
		Args: cobra.NoArgs,
	}
	tf := addTaskFlags(cmd)
	fs := cmd.Flags()
	fs.StringSliceVar(&o.tasks, "task", nil, "tasks the predictions answer, comma-separated or repeated (see regenesis tasks)")
	fs.StringVar(&o.predictions, "predictions", "", "JSONL file of predictions (eval's predictions.jsonl, or lines with \"prediction\" and \"id\" or \"question\")")
	fs.StringVar(&o.split, "split", "", "split of the tasks (default: each task's test split)")
	out := addOutFlags(cmd, "write verdicts.jsonl, one verdict per prediction, into this directory",
		"write the verdicts to this file instead", ".jsonl", ".json")
	fs.StringVar(&o.mode, "mode", "lenient", "answer extraction: lenient (evaluation) or strict (last \\boxed{} only)")
	fs.BoolVar(&o.allowPartial, "allow-partial", false, "score the predictions given even when questions are missing or predicted twice (reported on standard error)")
	_ = cmd.MarkFlagRequired("task")
	_ = cmd.MarkFlagRequired("predictions")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		mode, err := parseMode(o.mode)
		if err != nil {
			return err
		}
		dir, file, err := out.resolve(cmd)
		if err != nil {
			return err
		}
		if dir != "" {
			file = filepath.Join(dir, eval.VerdictsFile)
		}
		reg, err := tf.registry()
		if err != nil {
			return err
		}
		so := eval.ScoreOptions{Split: o.split, Predictions: o.predictions, Mode: mode, Out: file, AllowPartial: o.allowPartial, Warn: cmd.ErrOrStderr()}
		for _, name := range o.tasks {
			t, err := reg.Get(strings.TrimSpace(name))
			if err != nil {
				return fmt.Errorf("--task: %w", err)
			}
			so.Tasks = append(so.Tasks, t)
		}
		if len(so.Tasks) == 0 {
			return errors.New("--task: no task given")
		}
		if so.Out != "" {
			release, err := lockRunDir(cmd, filepath.Dir(so.Out))
			if err != nil {
				return err
			}
			defer release()
		}
		res, err := eval.Score(cmd.Context(), so)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "accuracy: %.4f (n=%d)\n", res.Accuracy(), res.N)
		return err
	}
	return cmd
}

// scoreOptions are the flags of the score command.
type scoreOptions struct {
	tasks                    []string
	predictions, split, mode string
	allowPartial             bool
}

// parseMode reads the --mode flag.
func parseMode(s string) (answer.Mode, error) {
	switch s {
	case "lenient":
		return answer.Lenient, nil
	case "strict":
		return answer.Strict, nil
	}
	return 0, fmt.Errorf("--mode %q: want lenient or strict", s)
}
