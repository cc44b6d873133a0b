// Package cli wires the regenesis subcommands. Each subcommand lives in its
// own file and stays thin: it parses flags and calls a package that does the work.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/secret"
)

// Version is the program version, set at build time with
// -ldflags "-X github.com/regenesis-ai/regenesis/internal/cli.Version=v1.2.3".
var Version = "v0.1.0-dev"

// ExitInterrupted is the exit status after Ctrl-C or SIGTERM: work finished
// so far is saved, and a re-run resumes from it.
const ExitInterrupted = 130

// NewRoot returns the regenesis command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "regenesis",
		Short: "Let a language model grow its own reasoning ability (ReGenesis)",
		Long: `regenesis synthesizes reasoning paths with a model behind an OpenAI-compatible
server (ReGenesis and the STaR, LMSI, CoT and Self-Discover baselines), filters and
exports them as training data, hands training to existing trainers, evaluates
models in-domain and out-of-domain, and reports the comparison.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			learnFlagSecrets(cmd)
		},
	}
	root.AddCommand(
		newVersionCmd(),
		newSimulateServerCmd(),
		newTasksCmd(),
		newExportCmd(),
		newCompareCmd(),
		newTrainCmd(),
		newRunCmd(),
		newReportCmd(),
		newEvalCmd(),
		newScoreCmd(),
		newSynthesizeCmd(),
		newMergeCmd(),
		newBatchesCmd(),
		newPushCmd(),
	)
	return root
}

// Main runs the command line and returns the process exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	// Every message goes through one redactor: it knows the credentials
	// of the environment now and those given as flags once they are parsed.
	red := secret.NewRedactor(secret.ReadEnv(nil).Secrets()...)
	stdout, stderr = red.Writer(stdout), red.Writer(stderr)
	ctx, stop := interruptible(stderr)
	defer stop()
	root := NewRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(withRedactor(ctx, red))
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		fmt.Fprintln(stderr, "regenesis: interrupted; finished work is saved, run the same command again to resume")
		return ExitInterrupted
	}
	fmt.Fprintf(stderr, "regenesis: %v\n", red.Error(err))
	if errors.Is(err, llm.ErrGaveUp) {
		fmt.Fprintln(stderr, "regenesis: stopped; finished work is saved: run the same command again to resume once a server answers")
	}
	return 1
}

// interruptible returns the context commands run under. The first Ctrl-C
// (or SIGTERM) cancels it: no new request starts, and the requests in
// flight finish and are saved. A second one aborts those too.
func interruptible(stderr io.Writer) (context.Context, context.CancelFunc) {
	soft, cancelSoft := context.WithCancel(context.Background())
	abort, cancelAbort := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "regenesis: stopping: saving the requests in flight (interrupt again to abandon them)")
			cancelSoft()
		case <-done:
			return
		}
		select {
		case <-sigs:
			cancelAbort()
		case <-done:
		}
	}()
	return llm.WithAbort(soft, abort), func() {
		signal.Stop(sigs)
		close(done)
		cancelSoft()
		cancelAbort()
	}
}
