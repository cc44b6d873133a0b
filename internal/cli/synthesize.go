package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/progress"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/synth"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// synthFlags are the flags of regenesis synthesize besides the method
// configuration.
type synthFlags struct {
	tasks         []string
	split, method string
	limit         int
	out           string
	configFile    string
	guidelines    string
	addGuidelines string
	prompts       string
	inFlight      int
	profile       string
}

// configFlags binds a flag to every method.Config field of c, starting c
// at method.DefaultConfig (the flags' defaults), and returns the flags as a
// set of their own: configFile re-applies the ones a user set over the
// config file.
func configFlags(c *method.Config) *pflag.FlagSet {
	*c = method.DefaultConfig()
	d := *c
	fs := pflag.NewFlagSet("method config", pflag.ContinueOnError)
	fs.Float64Var(&c.Temperature, "temperature", d.Temperature, "sampling temperature of every stage")
	fs.Float64Var(&c.TopP, "top-p", d.TopP, "nucleus sampling top_p")
	fs.IntVar(&c.MaxTokens, "max-tokens", d.MaxTokens, "most new tokens per reply")
	fs.IntVar(&c.SelectSamples, "select-samples", d.SelectSamples, "guideline sets the model picks per question (one request with n samples)")
	fs.BoolVar(&c.SingleGuidelines, "single-guidelines", d.SingleGuidelines, "also use each pool guideline alone as a set")
	fs.BoolVar(&c.Hint, "hint", d.Hint, "hint round for questions with no kept path (gold filter only)")
	fs.Float64Var(&c.HintTemperature, "hint-temperature", d.HintTemperature, "temperature of the hint round")
	fs.IntVar(&c.HintSelectSamples, "hint-select-samples", d.HintSelectSamples, "guideline sets picked in the hint round")
	fs.IntVar(&c.MaxPathTokens, "max-path-tokens", d.MaxPathTokens, "drop paths longer than this many completion tokens (server count)")
	fs.IntVar(&c.KeepPerQuestion, "keep", d.KeepPerQuestion, "most paths kept per question")
	fs.StringVar(&c.Filter, "filter", d.Filter, "answer filter: gold (check against the gold answer) or majority (self-consistency, no gold answer)")
	fs.BoolVar(&c.Judge, "judge", d.Judge, "also ask the model (temperature 0) to confirm each passing path")
	fs.BoolVar(&c.Dedup, "dedup", d.Dedup, "remove near-duplicate paths")
	fs.Float64Var(&c.DedupThreshold, "dedup-threshold", d.DedupThreshold, "estimated Jaccard similarity at which a path is a near duplicate")
	fs.IntVar(&c.Samples, "samples", d.Samples, "paths per question of the sampling baselines (star-zeroshot, lmsi-zeroshot, cot)")
	fs.IntVar(&c.Shots, "shots", d.Shots, "worked examples of the few-shot baselines (star-fewshot, lmsi-fewshot)")
	fs.Int64Var(&c.Seed, "seed", d.Seed, "seed of every random choice and request")
	fs.StringVar(&c.Budget, "budget", d.Budget, "per-question budget: paper (every chain) or adaptive (chains a wave at a time, stop once --keep diverse paths are kept)")
	fs.IntVar(&c.BudgetWave, "budget-wave", d.BudgetWave, "chains an adaptive question runs between checks (0: --keep)")
	fs.IntVar(&c.BudgetHeadroom, "budget-headroom", d.BudgetHeadroom, "passing paths beyond --keep an adaptive question needs before it stops")
	fs.IntVar(&c.SelectMaxTokens, "select-max-tokens", d.SelectMaxTokens, "most new tokens of a guideline selection reply")
	fs.IntVar(&c.AdaptMaxTokens, "adapt-max-tokens", d.AdaptMaxTokens, "most new tokens of the adapted guidelines")
	fs.IntVar(&c.StructureMaxTokens, "structure-max-tokens", d.StructureMaxTokens, "most new tokens of a reasoning structure")
	return fs
}

func newSynthesizeCmd() *cobra.Command {
	var o synthFlags
	var cfg method.Config
	cmd := &cobra.Command{
		Use:   "synthesize --task T[,T...] --model M --base-url URL --out DIR",
		Short: "Synthesize filtered reasoning paths with ReGenesis or a baseline",
		Long: `synthesize runs a synthesis method over a task's questions with the model behind
an OpenAI-compatible server and writes DIR/sft.jsonl (one training example per
kept path), DIR/candidates.jsonl (every path and why it was kept or dropped) and
DIR/manifest.json (settings, prompt hashes, counts, token usage).

ReGenesis (the default) goes, per question, from general reasoning guidelines to
guidelines adapted to the question, to a reasoning structure, to a reasoning
path; paths whose final answer matches the gold answer are kept (at most --keep
per question, diverse first), and questions left without one get a hinted round.
Settings come from the defaults of the paper's reference run, then --config
FILE (YAML or JSON, keys as in docs/METHOD.md), then flags.

Every sample is saved in the run store (DIR/store.db unless --store says
otherwise) before use: run the same command again after an interruption and it
resumes; a finished run replays to byte-identical outputs.`,
		Example: `  regenesis synthesize --task gsm8k --model mistral-7b --base-url http://localhost:8000 --out runs/gsm8k-regenesis
  regenesis synthesize --task arc_challenge --limit 100 --config synth.yaml --judge --model m --base-url URL --out runs/arc`,
		Args: cobra.NoArgs,
	}
	tf := addTaskFlags(cmd)
	lf := addLLMFlags(cmd)
	fs := cmd.Flags()
	bf := addBatchFlags(fs)
	fs.StringSliceVar(&o.tasks, "task", nil, "tasks to synthesize from, comma-separated or repeated; their questions run in this order into one directory (see regenesis tasks)")
	fs.StringVar(&o.split, "split", "train", "split of the tasks")
	fs.IntVar(&o.limit, "limit", 0, "use only the first N questions of each task (0: all)")
	fs.StringVar(&o.method, "method", "regenesis", "synthesis method: "+strings.Join(method.Names(), ", "))
	fs.StringVar(&o.out, "out", "", "output directory")
	fs.StringVar(&o.configFile, "config", "", "YAML or JSON file of method settings (flags override it)")
	fs.StringVar(&o.guidelines, "guidelines", "", "replace the guideline pool: a built-in pool (default, reference) or a file (.yaml, .json, or one guideline per line)")
	fs.StringVar(&o.profile, "profile", "", "settings to start from: default, or reference (the authors' released protocol; see docs/METHOD.md); overrides the config file's profile key")
	fs.StringVar(&o.addGuidelines, "add-guidelines", "", "add the guidelines of this file to the pool (same formats; an existing id is replaced)")
	fs.StringVar(&o.prompts, "prompts", "", "directory of prompt overrides: DIR/<method>/<stage>.tmpl replaces the built-in template")
	fs.IntVar(&o.inFlight, "concurrency", 0, "questions synthesized at once (0: enough to keep --server-concurrency busy)")
	cfs := configFlags(&cfg)
	fs.AddFlagSet(cfs)
	sf := addShardFlag(fs)
	_ = cmd.MarkFlagRequired("task")
	_ = cmd.MarkFlagRequired("out")
	cmd.RunE = func(cmd *cobra.Command, _ []string) (err error) {
		ctx := cmd.Context()
		if !slices.Contains(method.Names(), o.method) {
			return fmt.Errorf("unknown method %q (known: %s)", o.method, strings.Join(method.Names(), ", "))
		}
		if o.limit < 0 {
			return fmt.Errorf("--limit %d: want 0 (all) or more", o.limit)
		}
		if o.inFlight < 0 {
			return fmt.Errorf("--concurrency %d: want 0 (automatic) or more", o.inFlight)
		}
		if err := o.config(cfs, &cfg); err != nil {
			return err
		}
		part, err := sf.spec()
		if err != nil {
			return err
		}
		pool, err := o.pool(cfg.Profile)
		if err != nil {
			return err
		}
		set, err := prompts.Load(o.prompts)
		if err != nil {
			return err
		}
		reg, err := tf.registry()
		if err != nil {
			return err
		}
		examples, total, tks, err := o.examples(ctx, reg, cfg.Profile)
		if err != nil {
			return err
		}
		methodName := method.Resolve(o.method, cfg.Profile)
		exemplars, err := taskExemplars(ctx, tks, methodName, cfg.Shots)
		if err != nil {
			return err
		}
		taskNames := strings.Join(o.tasks, ",")
		release, err := lockRunDir(cmd, o.out)
		if err != nil {
			return err
		}
		defer release()
		sess, err := lf.open(ctx, filepath.Join(o.out, "store.db"))
		if err != nil {
			return err
		}
		defer func() {
			if cerr := sess.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("close run store: %w", cerr)
			}
		}()
		if bf.on {
			if sess.Pricing, err = lf.hosted.pricing(sess.Model, lf.urls(), true); err != nil {
				return err
			}
		}
		pricing := sess.Pricing
		fmt.Fprintln(cmd.ErrOrStderr(), describePricing(pricing))
		label := fmt.Sprintf("synthesize %s %s/%s", methodName, taskNames, o.split)
		if part.Sharded() {
			total, label = 0, label+" shard "+part.String() // its size is known at its end
		}
		// pass runs the method over the questions into outDir; the batch
		// mode runs it first into a scratch directory to learn what the
		// next batch must ask for.
		pass := func(ctx context.Context, completer llm.Completer, outDir string, scratch bool) (*synth.Manifest, error) {
			stderr := secret.Underlying(cmd.ErrOrStderr())
			wrap := func(m method.Method) method.Method { return m }
			if scratch {
				stderr = io.Discard
				wrap = func(m method.Method) method.Method { return queuedTolerant{m} }
				completer = detached{completer}
			}
			display := progress.Start(stderr, progress.Options{
				Label: label,
				Total: total,
				Stats: sess.Progress,
				Kept:  true,
			})
			defer display.Stop()
			meter := synth.NewUsageMeter(display.Completer(completer))
			m, err := method.New(methodName, method.Deps{LLM: meter, Model: sess.Model, Prompts: set, Guidelines: pool, Exemplars: exemplars}, cfg)
			if err != nil {
				return nil, err
			}
			inFlight := o.inFlight
			if inFlight <= 0 {
				inFlight = synth.InFlightFor(sess.Capacity, method.FanOut(m))
			}
			userTmpl, prefix := method.TrainingFormat(cfg.Profile)
			man, err := synth.Run(ctx, synth.Options{
				Method:       wrap(trackedMethod{Method: m, display: display}),
				Examples:     examples,
				Prompts:      set,
				UserTemplate: userTmpl,
				TargetPrefix: prefix,
				OutDir:       outDir,
				InFlight:     inFlight,
				Shard:        part,
				Manifest: synth.Manifest{
					Version:      Version,
					Command:      commandLine(cmd, nil),
					Task:         taskNames,
					Split:        o.split,
					Model:        sess.Model,
					Config:       cfg,
					Guidelines:   guideline.IDs(pool),
					PromptHashes: methodHashes(set, methodName, cfg.Profile),
				},
				Usage:   meter.Usage,
				Servers: sess.Client.Servers,
				Pricing: &pricing,
				OnWritten: func(_ method.Outcome, c synth.Counts) {
					display.SetKept(int64(c.Kept))
					display.AddDone(1)
				},
			})
			display.Stop()
			return man, err
		}
		var man *synth.Manifest
		if bf.on {
			man, err = runBatched(ctx, cmd, bf, lf, sess, o.out, pass)
			if man == nil || err != nil {
				return err
			}
		} else if man, err = pass(ctx, sess.Completer, o.out, false); err != nil {
			return err
		}
		c := man.Counts
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%d questions, %d with a kept path (%d rescued by hints); kept %d of %d paths; %s; wrote %s\n",
			c.Questions, c.QuestionsWithPath, c.RescuedByHint, c.Kept, c.Candidates, costLine(man.Cost), o.out)
		return err
	}
	return cmd
}

// trackedMethod tells the progress display which questions needed new
// work: a question whose every sample came from the run store (a resumed
// run) is not counted in the rate the ETA comes from.
type trackedMethod struct {
	method.Method
	display *progress.Display
}

// Synthesize runs the wrapped method, marking the question's calls.
func (t trackedMethod) Synthesize(ctx context.Context, ex task.Example) (method.Outcome, error) {
	ctx, fresh := progress.Item(ctx)
	out, err := t.Method.Synthesize(ctx, ex)
	if fresh() {
		t.display.AddFresh(1)
	}
	return out, err
}

// methodHashes returns the hashes of the templates a method uses: its own
// (<method>/...), the shared ones and its profile's.
func methodHashes(set *prompts.Set, name, profile string) map[string]string {
	out := map[string]string{}
	dirs := append([]string{method.TemplateDir(name) + "/", "shared/"}, method.ProfileTemplates(profile)...)
	for n, h := range set.Hashes() {
		for _, d := range dirs {
			if strings.HasPrefix(n, d) {
				out[n] = h
			}
		}
	}
	return out
}

// profileTask returns the task to synthesize from: under the reference
// profile, a training split is read from the task's reference variant
// (task.ReferenceVariant: StrategyQA with facts, ARC train+dev, NumGLUE's
// four types).
func profileTask(reg *task.Registry, name, split, profile string) (*task.Task, error) {
	tk, err := reg.Get(name)
	if err != nil || profile != method.ProfileReference || split != tk.Info().TrainSplit {
		return tk, err
	}
	return reg.Get(task.ReferenceVariant(name))
}

// taskExemplars returns star-fewshot's worked examples per task,
// from each task's training split (its own rationales); a task without any
// gets none, and the method uses the built-in ones for the question's answer
// type. One more than shots is read, since a question is never its own
// exemplar.
func taskExemplars(ctx context.Context, tks []*task.Task, methodName string, shots int) (map[string][]method.Exemplar, error) {
	// LMSI uses no label at all, so its examples are never the task's own
	// (lmsi-fewshot always takes the built-in ones).
	if methodName != method.STaRFewShot {
		return nil, nil
	}
	out := map[string][]method.Exemplar{}
	for _, tk := range tks {
		train := tk.Info().TrainSplit
		if train == "" {
			continue
		}
		ex, err := method.ExemplarsFrom(tk.Examples(ctx, train), shots+1)
		if err != nil {
			return nil, fmt.Errorf("few-shot examples from %s/%s: %w", tk.Name(), train, err)
		}
		if len(ex) > 0 {
			out[tk.Name()] = ex
		}
	}
	return out, nil
}

// config sets *cfg, the struct the config flags are bound to, to the
// profile's settings (--profile, else the config file's profile key) with
// --config decoded over them, and then sets again every config flag of
// flags the user gave: default < config file < explicit flag, even a flag
// given its default value.
func (o *synthFlags) config(flags *pflag.FlagSet, cfg *method.Config) error {
	type given struct {
		flag  *pflag.Flag
		value string
	}
	var set []given
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			set = append(set, given{f, f.Value.String()})
		}
	})
	loaded, err := method.LoadProfileConfig(o.configFile, o.profile)
	if err != nil {
		return err
	}
	*cfg = loaded
	for _, g := range set {
		if err := g.flag.Value.Set(g.value); err != nil {
			return fmt.Errorf("--%s %s: %w", g.flag.Name, g.value, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	return nil
}

// pool returns the guideline pool the flags ask for: --guidelines (a
// built-in pool's name or a file), else the profile's pool.
func (o *synthFlags) pool(profile string) ([]guideline.Guideline, error) {
	pool := guideline.Default()
	if profile == method.ProfileReference {
		pool = guideline.Reference()
	}
	switch {
	case guideline.IsBuiltin(o.guidelines):
		pool, _ = guideline.Builtin(o.guidelines)
	case o.guidelines != "":
		var err error
		if pool, err = guideline.Load(o.guidelines); err != nil {
			return nil, err
		}
	}
	if o.addGuidelines != "" {
		extra, err := guideline.Load(o.addGuidelines)
		if err != nil {
			return nil, err
		}
		if pool, err = guideline.Merge(pool, extra); err != nil {
			return nil, fmt.Errorf("--add-guidelines %s: %w", o.addGuidelines, err)
		}
	}
	return pool, nil
}

// examples returns the questions of the --task tasks one task after the
// other (the first --limit of each), and how many there are (0 when a
// split's size is unknown). Every task and its split are checked first.
func (o *synthFlags) examples(ctx context.Context, reg *task.Registry, profile string) (iter.Seq2[task.Example, error], int64, []*task.Task, error) {
	var (
		seqs        []iter.Seq2[task.Example, error]
		total       int64
		known       = true
		unreachable []string
		tks         []*task.Task
	)
	for i, name := range o.tasks {
		name = strings.TrimSpace(name)
		tk, err := profileTask(reg, name, o.split, profile)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("--task: %w", err)
		}
		name = tk.Name()
		o.tasks[i] = name
		tks = append(tks, tk)
		n, ok := splitCount(tk.Info(), o.split)
		if !ok {
			return nil, 0, nil, fmt.Errorf("task %s has no split %q (it has: %s)", name, o.split, strings.Join(splitNames(tk.Info()), ", "))
		}
		if o.limit > 0 && (n == 0 || o.limit < n) {
			n = o.limit
		}
		known = known && n > 0
		total += int64(n)
		seqs = append(seqs, limitExamples(tk.Examples(ctx, o.split), o.limit))
		if err := tk.Reachable(ctx, o.split); err != nil {
			unreachable = append(unreachable, err.Error())
		}
	}
	if len(unreachable) > 0 {
		return nil, 0, nil, fmt.Errorf("--task: %d of %d tasks cannot be read, so nothing was sent to the server:\n  %s", len(unreachable), len(o.tasks), strings.Join(unreachable, "\n  "))
	}
	if len(seqs) == 0 {
		return nil, 0, nil, errors.New("--task: no task given")
	}
	if !known {
		total = 0
	}
	return func(yield func(task.Example, error) bool) {
		for _, seq := range seqs {
			for ex, err := range seq {
				if !yield(ex, err) || err != nil {
					return
				}
			}
		}
	}, total, tks, nil
}

// limitExamples stops seq after n examples (n <= 0: no limit).
func limitExamples(seq iter.Seq2[task.Example, error], n int) iter.Seq2[task.Example, error] {
	if n <= 0 {
		return seq
	}
	return func(yield func(task.Example, error) bool) {
		i := 0
		for ex, err := range seq {
			if !yield(ex, err) || err != nil {
				return
			}
			if i++; i == n {
				return
			}
		}
	}
}

// costLine summarizes a run's cost for the closing line.
func costLine(c synth.Cost) string {
	line := fmt.Sprintf("%d samples, %d tokens", c.Samples, c.Tokens)
	if c.PerKeptPath != nil {
		line = fmt.Sprintf("%d samples, %d tokens (%.1f samples, %.0f tokens per kept path)",
			c.Samples, c.Tokens, c.PerKeptPath.Samples, c.PerKeptPath.Tokens)
	}
	if m := c.Money; m != nil {
		line += ", cost " + cost.Format(m.Total)
		if m.PerKeptPath != nil {
			line += " (" + cost.Format(m.PerKeptPath) + " per kept path)"
		}
	}
	return line
}
