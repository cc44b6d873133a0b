package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/runloop"
)

func newRunCmd() *cobra.Command {
	var (
		config string
		rounds int
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "run --config FILE",
		Short: "Run the whole loop: synthesize, export, train, evaluate, report",
		Long: `run reads a YAML run file and runs the ReGenesis loop: synthesize reasoning
paths with the generator, export them, train the base model on them, evaluate
the base and the trained model (served by your server: an endpoint, or a
command that starts one), and report the comparison. --rounds repeats the loop
with the trained model as the new generator.

Each step is the matching regenesis subcommand, run in-process with the
arguments printed in the log. A state file in the run directory marks the
finished steps: run the same command again after a failure or Ctrl-C and it
resumes, each step replaying its own store. A step whose arguments changed
runs again, with every step after it. docs/TRAINING.md has a full run file.

--dry-run prints the resolved settings and every step with the exact command
it would run (and the model server it would start), and runs nothing.

configs/simulated-loop.yaml runs the whole loop without a GPU against
'regenesis simulate-server' (a TEST DOUBLE: its "fine-tuned" model is the
simulated model with higher accuracy; nothing is learnt).`,
		Example: `  regenesis run --config configs/gsm8k-loop.yaml --dry-run
  regenesis run --config configs/gsm8k-loop.yaml
  regenesis run --config configs/gsm8k-loop.yaml --rounds 3
  # no GPU: the simulated endpoint (test double)
  regenesis simulate-server --task gsm8k &
  OPENAI_API_KEY=test-double regenesis run --config configs/simulated-loop.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := runloop.Load(config)
			if err != nil {
				return err
			}
			log := cmd.ErrOrStderr()
			if dryRun {
				log = cmd.OutOrStdout() // the plan is the output; a dry run writes nothing, not even a lock
			} else {
				release, err := lockRunDir(cmd, cfg.Dir)
				if err != nil {
					return err
				}
				defer release()
			}
			exe, err := os.Executable()
			if err != nil {
				exe = "regenesis"
			}
			return runloop.Run(cmd.Context(), cfg, runloop.Options{
				Invoke:     subcommandInvoker(cmd),
				Log:        log,
				Rounds:     rounds,
				DryRun:     dryRun,
				Executable: exe,
			})
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "YAML run file")
	cmd.Flags().IntVar(&rounds, "rounds", 0, "rounds of the loop (default: the file's rounds, else 1)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the settings and every step's command; run nothing")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// subcommandInvoker runs each step as a subcommand of a fresh command tree,
// so that no flag value of one step leaks into the next.
func subcommandInvoker(parent *cobra.Command) runloop.Invoker {
	return func(ctx context.Context, args []string) error {
		root := NewRoot()
		if sub, _, err := root.Find(args[:1]); err != nil || sub == root {
			return fmt.Errorf("this build has no %q command (run needs synthesize, export, train, eval and report)", args[0])
		}
		root.SetArgs(args)
		root.SetOut(parent.OutOrStdout())
		root.SetErr(parent.ErrOrStderr())
		return root.ExecuteContext(ctx)
	}
}
