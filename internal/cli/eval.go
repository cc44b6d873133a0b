package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/progress"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// evalFlags are the flags of regenesis eval; the decoding, split, limit,
// seed and concurrency flags are bound onto opt, which starts at
// eval.DefaultOptions.
type evalFlags struct {
	tasks   []string
	suite   string
	opt     eval.Options
	prompts string
	out     string
}

func newEvalCmd() *cobra.Command {
	var o evalFlags
	cmd := &cobra.Command{
		Use:   "eval (--task T[,T...] | --suite in-domain|ood|all|bbh|bbh-reference | --protocol bbh-3shot) --model M --base-url URL --out DIR",
		Short: "Evaluate a model zero-shot: greedy or self-consistency accuracy per task",
		Long: `eval asks a model behind an OpenAI-compatible server every question of the
chosen tasks, zero-shot, with a prompt asking for a step-by-step solution and
the final answer in \boxed{}, reads the final answer leniently, and scores it
against the gold answer.

--mode greedy (the default) samples once at temperature 0; --mode maj --samples K
asks for K samples in one request (n=K) at --temperature and scores their
majority answer (ties go to the answer seen first). At most --max-tokens new
tokens per answer (1024, as in the paper).

It writes DIR/results.json (accuracy per task with a 95% Wilson interval, and
in-domain / OOD averages) and DIR/predictions.jsonl (every generation, its
extracted answer and verdict, in input order). Questions of all tasks run
through one pool of --concurrency workers. Every sample is saved in the run
store first: run the same command again after an interruption and only the
requests in flight are sent again. See docs/EVAL.md.`,
		Example: `  regenesis eval --suite all --model llama-3-8b --base-url http://localhost:8000 --out runs/eval-base
  regenesis eval --task gsm8k,svamp --limit 200 --mode maj --samples 16 --model m --base-url URL --out runs/maj16`,
		Args: cobra.NoArgs,
	}
	tf := addTaskFlags(cmd)
	lf := addLLMFlags(cmd)
	fs := cmd.Flags()
	bf := addBatchFlags(fs)
	fs.StringSliceVar(&o.tasks, "task", nil, "tasks to evaluate, comma-separated or repeated (see regenesis tasks)")
	fs.StringVar(&o.suite, "suite", "", "evaluate a suite instead of --task: in-domain, ood, all, bbh (27 subtasks) or bbh-reference (the paper's six)")
	o.bind(fs)
	fs.StringVar(&o.prompts, "prompts", "", "directory of prompt overrides; DIR/eval/<answer type>.tmpl replaces the built-in prompt (number, math, choice, yesno, text)")
	fs.StringVar(&o.out, "out", "", "output directory for results.json and predictions.jsonl")
	sf := addShardFlag(fs)
	_ = cmd.MarkFlagRequired("out")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		o.protocolDefaults(cmd.Flags())
		if err := o.check(cmd.Flags()); err != nil {
			return err
		}
		part, err := sf.spec()
		if err != nil {
			return err
		}
		reg, err := tf.registry()
		if err != nil {
			return err
		}
		sources, total, err := o.sources(cmd.Context(), reg)
		if err != nil {
			return err
		}

		set, err := prompts.Load(o.prompts)
		if err != nil {
			return err
		}
		if o.opt.Protocol == eval.ProtocolBBH {
			for _, src := range sources {
				if src.Name != "bbh" && !strings.HasPrefix(src.Name, "bbh.") {
					return fmt.Errorf("--protocol %s: task %s is not a BIG-Bench Hard question set (use --suite bbh-reference, --suite bbh, or bbh.<subtask> tasks)", eval.ProtocolBBH, src.Name)
				}
			}
		}
		prompt, err := o.promptFunc(set, reg)
		if err != nil {
			return err
		}
		release, err := lockRunDir(cmd, o.out)
		if err != nil {
			return err
		}
		defer release()
		session, err := lf.open(cmd.Context(), filepath.Join(o.out, "store.db"))
		if err != nil {
			return err
		}
		defer session.Close()

		if bf.on {
			if session.Pricing, err = lf.hosted.pricing(session.Model, lf.urls(), true); err != nil {
				return err
			}
		}
		fmt.Fprintln(cmd.ErrOrStderr(), describePricing(session.Pricing))
		label := "eval " + session.Model
		if part.Sharded() {
			total, label = 0, label+" shard "+part.String() // its size is known at its end
		}
		// pass evaluates into outDir; the batch mode runs it first into a
		// scratch directory to learn what the next batch must ask for.
		pass := func(ctx context.Context, completer llm.Completer, outDir string, scratch bool) (*eval.Results, error) {
			stderr := secret.Underlying(cmd.ErrOrStderr())
			if scratch {
				stderr = io.Discard
				completer = blankOnQueued{completer}
			}
			display := progress.Start(stderr, progress.Options{
				Label: label,
				Total: total,
				Stats: session.Progress,
			})
			defer display.Stop()
			opt := o.opt
			opt.Model = session.Model
			opt.Completer = display.Completer(completer)
			opt.Prompt = prompt
			opt.Sources = sources
			opt.Concurrency = cmp.Or(opt.Concurrency, session.Ready)
			opt.OutDir = outDir
			opt.Shard = part
			opt.Servers = session.Client.Servers
			opt.Meta = evalMeta(cmd, set)
			opt.Pricing = &session.Pricing
			opt.OnPrediction = func(*eval.Prediction) { display.AddDone(1) }
			return eval.Run(ctx, opt)
		}
		var res *eval.Results
		if bf.on {
			res, err = runBatched(cmd.Context(), cmd, bf, lf, session, o.out, pass)
		} else {
			res, err = pass(cmd.Context(), session.Completer, o.out, false)
		}
		if cerr := session.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close run store: %w", cerr)
		}
		if err != nil || res == nil {
			return err
		}
		return printResults(cmd.OutOrStdout(), res, o.out)
	}
	return cmd
}

// bind starts o.opt at eval.DefaultOptions and binds the decoding, split,
// limit, seed and concurrency flags onto it.
func (o *evalFlags) bind(fs *pflag.FlagSet) {
	o.opt = eval.DefaultOptions()
	d := o.opt
	fs.StringVar(&o.opt.Protocol, "protocol", d.Protocol, "how questions are asked: zeroshot (our eval/<answer type> prompts) or bbh-3shot (BIG-Bench Hard's official 3-shot chain-of-thought prompts, answers after \"So the answer is\", 2048 tokens; default suite bbh-reference)")
	fs.StringVar(&o.opt.Split, "split", d.Split, "split to evaluate (default: each task's test split, as in the paper)")
	fs.IntVar(&o.opt.Limit, "limit", d.Limit, "evaluate only the first N questions of each task (0: all)")
	fs.StringVar(&o.opt.Mode, "mode", d.Mode, "decoding: greedy (temperature 0) or maj (majority of --samples samples)")
	fs.IntVar(&o.opt.Samples, "samples", d.Samples, "samples per question for --mode maj (K of maj@K)")
	fs.Float64Var(&o.opt.Temperature, "temperature", d.Temperature, "sampling temperature for --mode maj")
	fs.Float64Var(&o.opt.TopP, "top-p", d.TopP, "nucleus sampling top_p")
	fs.IntVar(&o.opt.MaxTokens, "max-tokens", d.MaxTokens, "most new tokens per answer")
	fs.Int64Var(&o.opt.Seed, "seed", d.Seed, "seed sent with every request (sample i of a fanned-out request gets seed+i)")
	fs.IntVar(&o.opt.Concurrency, "concurrency", d.Concurrency, "questions in flight at once, across all tasks (0: enough to keep every server's --server-concurrency busy)")
}

// protocolDefaults applies --protocol bbh-3shot's own defaults to what the
// user did not set: the suite bbh-reference (without --task or --suite)
// and BBHMaxTokens (without --max-tokens, even one equal to the default).
func (o *evalFlags) protocolDefaults(fs *pflag.FlagSet) {
	if o.opt.Protocol != eval.ProtocolBBH {
		return
	}
	if len(o.tasks) == 0 && o.suite == "" {
		o.suite = task.SuiteBBHReference
	}
	if !fs.Changed("max-tokens") {
		o.opt.MaxTokens = eval.BBHMaxTokens
	}
}

// promptFunc returns the prompts of the protocol: our templates, or BBH's
// official 3-shot prompts from the data directory.
func (o *evalFlags) promptFunc(set *prompts.Set, reg *task.Registry) (eval.PromptFunc, error) {
	switch o.opt.Protocol {
	case eval.ProtocolZeroShot:
		return eval.Templates(set)
	case eval.ProtocolBBH:
		b, err := eval.NewBBHPrompts(filepath.Join(reg.DataDir(), "bbh", "cot-prompts"))
		if err != nil {
			return nil, fmt.Errorf("--protocol %s: %w", o.opt.Protocol, err)
		}
		return b.Prompt, nil
	}
	return nil, fmt.Errorf("--protocol %q: want %s or %s", o.opt.Protocol, eval.ProtocolZeroShot, eval.ProtocolBBH)
}

// check rejects flag combinations that would be silently ignored.
func (o *evalFlags) check(fs *pflag.FlagSet) error {
	switch {
	case len(o.tasks) == 0 && o.suite == "":
		return errors.New("say what to evaluate: --task T[,T...] or --suite in-domain|ood|all")
	case len(o.tasks) > 0 && o.suite != "":
		return errors.New("--task and --suite exclude each other")
	}
	switch o.opt.Protocol {
	case eval.ProtocolZeroShot:
	case eval.ProtocolBBH:
		if fs.Changed("prompts") {
			return fmt.Errorf("--prompts replaces the zero-shot eval/ templates; --protocol %s uses BIG-Bench Hard's official prompt files instead", eval.ProtocolBBH)
		}
	default:
		return fmt.Errorf("--protocol %q: want %s or %s", o.opt.Protocol, eval.ProtocolZeroShot, eval.ProtocolBBH)
	}
	switch o.opt.Mode {
	case eval.Greedy:
		for _, name := range []string{"samples", "temperature"} {
			if fs.Changed(name) {
				return fmt.Errorf("--%s needs --mode %s (greedy decoding samples once at temperature 0)", name, eval.Majority)
			}
		}
	case eval.Majority:
		if o.opt.Samples < 1 {
			return fmt.Errorf("--mode %s needs --samples K (K >= 1)", eval.Majority)
		}
	default:
		return fmt.Errorf("--mode %q: want %s or %s", o.opt.Mode, eval.Greedy, eval.Majority)
	}
	if o.opt.Limit < 0 {
		return fmt.Errorf("--limit %d: want 0 (all) or more", o.opt.Limit)
	}
	if o.opt.Concurrency < 0 {
		return fmt.Errorf("--concurrency %d: want 0 (automatic) or more", o.opt.Concurrency)
	}
	if o.opt.MaxTokens < 1 {
		return fmt.Errorf("--max-tokens %d: want 1 or more", o.opt.MaxTokens)
	}
	return nil
}

// sources resolves the tasks, checks their split exists, and returns them
// as eval sources with the number of questions expected (0 when unknown).
func (o *evalFlags) sources(ctx context.Context, reg *task.Registry) ([]eval.Source, int64, error) {
	names := o.tasks
	if o.suite != "" {
		var err error
		if names, err = reg.Suite(o.suite); err != nil {
			return nil, 0, fmt.Errorf("--suite: %w", err)
		}
	}
	var (
		sources             []eval.Source
		total               int64
		known               = true
		unreachable, causes []string
	)
	for _, name := range names {
		t, err := reg.Get(strings.TrimSpace(name))
		if err != nil {
			return nil, 0, fmt.Errorf("--task: %w", err)
		}
		info := t.Info()
		split := o.opt.Split
		if split == "" {
			split = info.TestSplit
		}
		count, ok := splitCount(info, split)
		if !ok {
			return nil, 0, fmt.Errorf("task %s has no split %q (it has: %s)", info.Name, split, strings.Join(splitNames(info), ", "))
		}
		if o.opt.Limit > 0 && (count == 0 || count > o.opt.Limit) {
			count = o.opt.Limit
		}
		known = known && count > 0
		total += int64(count)
		sources = append(sources, eval.Source{Name: info.Name, Group: info.Group, Split: split, Examples: t.Examples(ctx, split)})
		if err := t.Reachable(ctx, split); err != nil {
			unreachable = append(unreachable, info.Name+"/"+split)
			causes = append(causes, err.Error())
		}
	}
	if len(unreachable) > 0 {
		what := "--task"
		if o.suite != "" {
			what = "--suite " + o.suite
		}
		return nil, 0, fmt.Errorf("%s: %d of %d tasks cannot be read, so nothing was sent to the server: %s\n  %s",
			what, len(unreachable), len(names), strings.Join(unreachable, ", "), strings.Join(causes, "\n  "))
	}
	if !known {
		total = 0
	}
	return sources, total, nil
}

// splitNames lists a task's splits.
func splitNames(info task.Info) []string {
	var have []string
	for _, s := range info.Splits {
		have = append(have, s.Name)
	}
	return have
}

// splitCount returns the stated size of a task's split.
func splitCount(info task.Info, split string) (int, bool) {
	for _, s := range info.Splits {
		if s.Name == split {
			return s.Count, true
		}
	}
	return 0, false
}

// evalMeta is what results.json records about the command: the command
// line as the user can type it again (credentials removed; see
// commandLine), the flags that were set, the program version and the
// hashes of the evaluation prompt templates.
func evalMeta(cmd *cobra.Command, set *prompts.Set) map[string]any {
	red := redactor(cmd.Context())
	flags := map[string]string{}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if !secret.IsSecretName(f.Name) {
			flags[f.Name] = red.String(strings.Join(flagValues(f), ","))
		}
	})
	hashes := map[string]string{}
	for name, h := range set.Hashes() {
		if strings.HasPrefix(name, eval.TemplatePrefix) {
			hashes[name] = h
		}
	}
	argv := commandLine(cmd, nil)
	return map[string]any{
		"command":       argv,
		"command_line":  secret.ShellJoin(argv),
		"flags":         flags,
		"version":       Version,
		"prompt_hashes": hashes,
	}
}

// printResults writes the accuracy table of a finished run.
func printResults(w io.Writer, res *eval.Results, dir string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "task\tgroup\tn\taccuracy %%\t95%% CI\t\n")
	for _, name := range res.TaskNames() {
		t := res.Tasks[name]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f–%.1f\t\n", name, t.Group, t.N, 100*t.Accuracy, 100*t.CILow, 100*t.CIHigh)
	}
	for _, g := range slices.SortedFunc(maps.Keys(res.Groups), eval.CompareGroups) {
		fmt.Fprintf(tw, "%s average (over tasks; %.1f over questions)\t\t%d\t%.1f\t\t\n", g, 100*res.Groups[g].MicroAccuracy, res.Groups[g].N, 100*res.Groups[g].Accuracy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if m := res.Money; m != nil {
		fmt.Fprintf(w, "%d prompt + %d completion tokens, cost %s\n", res.Usage.PromptTokens, res.Usage.CompletionTokens, cost.Format(m.Total))
	}
	_, err := fmt.Fprintf(w, "%s (%s) written to %s\n", res.Model, res.Mode, dir)
	return err
}
