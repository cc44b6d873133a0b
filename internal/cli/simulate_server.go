package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// simulateFlags are the flags of simulate-server.
type simulateFlags struct {
	addr          string
	tasks         []string
	splits        []string
	model         string
	seed          int64
	accuracy      float64
	hintAccuracy  float64
	formatVariety float64
	latency       time.Duration
	jitter        time.Duration
	faults        simserver.Faults
	nMode         string
	ft            simserver.FineTune
	rateLimit     simserver.RateLimit
	batchDuration time.Duration
}

func newSimulateServerCmd() *cobra.Command {
	f := &simulateFlags{}
	cmd := &cobra.Command{
		Use:   "simulate-server --task NAME [--task NAME ...]",
		Short: "Serve a simulated OpenAI-compatible model (a TEST DOUBLE for demos, tests and benchmarks)",
		Long: `simulate-server is a TEST DOUBLE, not a model. It serves an OpenAI-compatible
/v1/chat/completions endpoint that plays a reasoning model over an answer key
(the questions of the given tasks and splits), so that synthesis, evaluation and
the rest of the pipeline can be demonstrated, tested and benchmarked without a
GPU. Nothing it writes is real reasoning, and no result obtained with it says
anything about a model. It is never used unless you start it and point
--base-url at it.

It recognizes each question inside a prompt, answers the stages of the method
(select, adapt, structure, solve, judge) in the shapes real models use, solves a
question correctly with a per-question probability whose mean is --accuracy,
follows hints with --hint-accuracy, and can inject faults (429, 500, dropped
connections, truncation, malformed JSON), latency, and three ways of handling n.
Greedy (temperature 0) replies are deterministic for a given --seed.

It also plays the OpenAI files, uploads and fine-tuning API that
'regenesis train --engine openai' uses: a job checks the training file, runs
for --ft-duration and yields a fine-tuned model id, which the server then
answers as a simulated model with --accuracy plus --ft-uplift. Nothing is
learnt from the data. 'regenesis run --config configs/simulated-loop.yaml'
runs the whole loop against it.

It plays the OpenAI Batch API too (/v1/batches over files of purpose batch;
a batch completes after --batch-duration, its lines answered like live
requests, faults included) for synthesize --batch and eval --batch, and with
--rpm-limit / --tpm-limit it enforces rate limits with 429s and OpenAI's
x-ratelimit-* headers, as a hosted API does.`,
		Example: `  regenesis simulate-server --task gsm8k --split train --split test
  regenesis simulate-server --task gsm8k --task arc_challenge --accuracy 0.4 \
      --fault-rate-limit 0.05 --latency 200ms --jitter 100ms --n-mode ignore
  # then, in another terminal:
  regenesis synthesize --task gsm8k --base-url http://127.0.0.1:8089/v1 ...`,
		Args: cobra.NoArgs,
	}
	tf := addTaskFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8089", "address to listen on (host:port; port 0 picks a free one)")
	fs.StringSliceVar(&f.tasks, "task", nil, "tasks whose questions form the answer key, comma-separated or repeated (see regenesis tasks)")
	fs.StringSliceVar(&f.splits, "split", nil, "splits of each task to load, comma-separated or repeated (default: each task's train and test splits that are on disk)")
	fs.StringVar(&f.model, "model", simserver.DefaultModel, "model name the server reports")
	fs.Int64Var(&f.seed, "seed", 0, "seed of every simulated draw")
	fs.Float64Var(&f.accuracy, "accuracy", simserver.DefaultAccuracy, "mean probability of a correct solve over questions (0-1)")
	fs.Float64Var(&f.hintAccuracy, "hint-accuracy", simserver.DefaultHintAccuracy, "probability that a hinted solve reaches the hinted answer (0-1)")
	fs.Float64Var(&f.formatVariety, "format-variety", simserver.DefaultFormatVariety, `share of final answers written otherwise than \boxed{X} (0-1)`)
	fs.DurationVar(&f.latency, "latency", 0, "fixed delay added to every request")
	fs.DurationVar(&f.jitter, "jitter", 0, "random delay up to this much added on top of --latency")
	fs.Float64Var(&f.faults.RateLimit, "fault-rate-limit", 0, "share of requests answered 429 with Retry-After")
	fs.Float64Var(&f.faults.ServerError, "fault-server-error", 0, "share of requests answered 500")
	fs.Float64Var(&f.faults.Drop, "fault-drop", 0, "share of requests whose connection is closed without a reply")
	fs.Float64Var(&f.faults.Truncate, "fault-truncate", 0, `share of replies cut short with finish_reason "length"`)
	fs.Float64Var(&f.faults.Malformed, "fault-malformed", 0, "share of replies whose body is not valid JSON")
	fs.DurationVar(&f.faults.RetryAfter, "retry-after", simserver.DefaultRetryAfter, "Retry-After sent with 429 replies")
	fs.StringVar(&f.nMode, "n-mode", "support", "what to do with n > 1: support, ignore (one choice, like Ollama) or reject (400)")
	fs.Float64Var(&f.rateLimit.RequestsPerMinute, "rpm-limit", 0, "enforce this many requests per minute (429 past it) and send OpenAI's x-ratelimit-* headers (0: none)")
	fs.Float64Var(&f.rateLimit.TokensPerMinute, "tpm-limit", 0, "enforce this many tokens per minute (prompt + max_tokens, as OpenAI counts) with x-ratelimit-* headers (0: none)")
	fs.DurationVar(&f.batchDuration, "batch-duration", simserver.DefaultBatchDuration, "time a simulated Batch API batch takes to complete")
	fs.DurationVar(&f.ft.Duration, "ft-duration", simserver.DefaultFineTuneDuration, "simulated time a fine-tuning job takes to succeed")
	fs.Float64Var(&f.ft.Uplift, "ft-uplift", simserver.DefaultUplift, "accuracy a fine-tuned model gains per round of fine-tuning (0-1)")
	fs.IntVar(&f.ft.MinExamples, "ft-min-examples", simserver.DefaultMinExamples, "fewest training examples a fine-tuning job accepts")

	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := f.config()
		if err != nil {
			return err
		}
		if len(f.tasks) == 0 {
			return fmt.Errorf("simulate-server: give at least one --task whose questions form the answer key")
		}
		reg, err := tf.registry()
		if err != nil {
			return err
		}
		key, loaded, err := loadAnswerKey(cmd.Context(), reg, f.tasks, f.splits)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", f.addr)
		if err != nil {
			return fmt.Errorf("simulate-server: --addr %s: %w", f.addr, err)
		}
		srv := simserver.New(cfg, key)
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "simulate-server: TEST DOUBLE, not a model: simulated answers over %d questions (%s)\n",
			srv.KeySize(), strings.Join(loaded, ", "))
		fmt.Fprintf(out, "also serves a simulated files + fine-tuning API for train --engine openai (jobs take %s; fine-tuned models answer with +%.2f accuracy)\n",
			cfg.FineTune.Duration, max(cfg.FineTune.Uplift, 0))
		fmt.Fprintf(out, "use --base-url http://%s/v1 (model %q); Ctrl-C stops\n", ln.Addr(), srv.Model())
		if err := srv.Serve(cmd.Context(), ln); err != nil {
			return err
		}
		writeSimStats(out, srv.Stats())
		return nil
	}
	return cmd
}

// config turns the flags into a simserver.Config. An explicit 0 means 0,
// not the default.
func (f *simulateFlags) config() (simserver.Config, error) {
	nMode, err := simserver.ParseNMode(f.nMode)
	if err != nil {
		return simserver.Config{}, fmt.Errorf("--n-mode: %w", err)
	}
	zeroIsZero := func(v float64) float64 {
		if v == 0 {
			return -1
		}
		return v
	}
	faults := f.faults
	if faults.RetryAfter == 0 {
		faults.RetryAfter = -1
	}
	cfg := simserver.Config{
		Model:         f.model,
		Seed:          f.seed,
		Accuracy:      zeroIsZero(f.accuracy),
		HintAccuracy:  zeroIsZero(f.hintAccuracy),
		FormatVariety: zeroIsZero(f.formatVariety),
		Latency:       simserver.Latency{Fixed: f.latency, Jitter: f.jitter},
		Faults:        faults,
		NMode:         nMode,
		FineTune:      f.ft,
		RateLimit:     f.rateLimit,
		BatchDuration: f.batchDuration,
	}
	cfg.FineTune.Uplift = zeroIsZero(f.ft.Uplift)
	if f.ft.Duration <= 0 {
		return simserver.Config{}, fmt.Errorf("--ft-duration: want a positive duration, got %s", f.ft.Duration)
	}
	if f.ft.MinExamples < 1 {
		return simserver.Config{}, fmt.Errorf("--ft-min-examples: want at least 1, got %d", f.ft.MinExamples)
	}
	if err := cfg.Validate(); err != nil {
		return simserver.Config{}, fmt.Errorf("simulate-server flags: %w", err)
	}
	return cfg, nil
}

// loadAnswerKey streams the named tasks' splits into answer-key entries and
// returns the "task/split" names it read.
func loadAnswerKey(ctx context.Context, reg *task.Registry, names, splits []string) ([]simserver.Entry, []string, error) {
	var key []simserver.Entry
	var loaded []string
	for _, name := range names {
		t, err := reg.Get(name)
		if err != nil {
			return nil, nil, fmt.Errorf("--task: %w", err)
		}
		info := t.Info()
		want := splits
		if len(want) == 0 {
			want = defaultKeySplits(info)
		}
		for _, split := range want {
			if !info.HasSplit(split) {
				return nil, nil, fmt.Errorf("--split %s: task %s has no such split", split, name)
			}
			for ex, err := range t.Examples(ctx, split) {
				if err != nil {
					return nil, nil, fmt.Errorf("loading %s/%s: %w", name, split, err)
				}
				e := simserver.EntryFor(ex)
				e.ID = ex.Task + "/" + ex.ID
				key = append(key, e)
			}
			loaded = append(loaded, name+"/"+split)
		}
	}
	return key, loaded, nil
}

// writeSimStats prints what the server saw, after shutdown.
func writeSimStats(w io.Writer, st simserver.Stats) {
	fmt.Fprintf(w, "simulate-server: stopped after %d requests (%d answered, %d rejected, %d choices, %d prompt + %d completion tokens)\n",
		st.Requests, st.Succeeded, st.Rejected, st.Choices, st.PromptTokens, st.CompletionTokens)
	for s := simserver.StageSelect; s <= simserver.StageSolve; s++ {
		if n := st.Stages[s]; n > 0 {
			fmt.Fprintf(w, "  stage %-9s %d\n", s, n)
		}
	}
	for f := simserver.FaultRateLimit; f <= simserver.FaultMalformed; f++ {
		if n := st.Faults[f]; n > 0 {
			fmt.Fprintf(w, "  fault %-12s %d\n", f, n)
		}
	}
}

// defaultKeySplits are the splits an answer key holds when --split is not
// given: the task's train and test splits that are on disk, so that a demo
// never waits on a download; when neither is, both (downloaded or failing
// with the loader's clear error).
func defaultKeySplits(info task.Info) []string {
	var all, local []string
	for _, name := range []string{info.TrainSplit, info.TestSplit} {
		if name == "" || slices.Contains(all, name) {
			continue
		}
		all = append(all, name)
		for _, sp := range info.Splits {
			if sp.Name == name && sp.Local {
				local = append(local, name)
			}
		}
	}
	if len(local) > 0 {
		return local
	}
	return all
}
