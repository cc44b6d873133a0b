package runloop

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/train"
)

// Invoker runs one regenesis subcommand in-process, args without the
// program name (e.g. ["export", "runs/x/round-1/synth", "--format", "messages"]).
type Invoker func(ctx context.Context, args []string) error

// Options configures Run.
type Options struct {
	// Invoke runs the subcommands.
	Invoke Invoker
	// Log receives one line per step; nil discards.
	Log io.Writer
	// Rounds, when positive, overrides Config.Rounds.
	Rounds int
	// DryRun prints the resolved settings and every step with the command
	// it would run, and runs nothing: no subcommand, no model server, no
	// directory or state file is created. Steps the state file marks as
	// finished are shown as done.
	DryRun bool
	// Executable is the regenesis binary sharded steps launch ({binary});
	// default "regenesis". The config's shards.binary overrides it.
	Executable string
}

// Run runs the loop of cfg, skipping the steps the state file marks as
// finished with the same arguments. Once a step runs, every later step
// runs too (cheaply, from its own store), since its inputs may have changed.
func Run(ctx context.Context, cfg *Config, o Options) error {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	dir := cfg.Dir
	if !o.DryRun {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("run directory: %w", err)
		}
	}
	st, err := loadState(dir)
	if err != nil {
		return err
	}
	rounds := cfg.Rounds
	if o.Rounds > 0 {
		rounds = o.Rounds
	}
	exe := o.Executable
	if exe == "" {
		exe = "regenesis"
	}
	r := &runner{cfg: cfg, dir: dir, st: st, invoke: o.Invoke, log: log, dry: o.DryRun, executable: exe}
	if r.dry {
		r.printSettings(rounds)
	}
	return r.run(ctx, rounds)
}

type runner struct {
	cfg    *Config
	dir    string
	st     *State
	invoke Invoker
	log    io.Writer
	// dirty is set once a step has run: every later step runs as well.
	dirty bool
	// dry prints the steps instead of running them (Options.DryRun).
	dry bool
	// executable is the regenesis binary shards launch.
	executable string
}

func (r *runner) run(ctx context.Context, rounds int) error {
	generator := generatorOf{model: r.cfg.Synthesize.Model, baseURL: r.cfg.Server.BaseURL}
	trainBase := r.cfg.Train.BaseModel
	var evalDirs []string

	if !r.dry {
		if err := os.MkdirAll(filepath.Join(r.dir, "report"), 0o755); err != nil {
			return fmt.Errorf("run directory: %w", err)
		}
	}
	baseEval := filepath.Join(r.dir, "eval", "base")
	if err := r.shardedStep(ctx, "eval-base", baseEval, func(out string) []string {
		return evalArgs(r.cfg, r.cfg.Server.BaseURL, r.cfg.Synthesize.Model, out)
	}); err != nil {
		return err
	}
	evalDirs = append(evalDirs, baseEval)

	for round := 1; round <= rounds; round++ {
		rd := filepath.Join(r.dir, fmt.Sprintf("round-%d", round))
		synthDir := filepath.Join(rd, "synth")
		modelDir := filepath.Join(rd, "model")
		id := func(s string) string { return fmt.Sprintf("round-%d/%s", round, s) }

		err := r.servedStep(ctx, id("synthesize"), generator, round, "generator", synthDir, func(baseURL, model, out string) []string {
			return synthArgs(r.cfg, baseURL, model, out)
		})
		if err != nil {
			return err
		}
		for _, f := range r.cfg.Export.Formats {
			if err := r.step(ctx, id("export-"+f), exportArgs(r.cfg, synthDir, f), nil); err != nil {
				return err
			}
		}
		// An openai job left running by an interrupted run is followed, not
		// started again.
		var follow []string
		if res, err := train.ReadResult(modelDir); err == nil && res.Engine == train.EngineOpenAI && res.JobID != "" && res.Status == "running" {
			follow = []string{"--follow", res.JobID}
		}
		err = r.step(ctx, id("train"), trainArgs(r.cfg, trainBase, synthDir, modelDir), func() (string, error) {
			res, err := train.ReadResult(modelDir)
			if err != nil {
				return "", fmt.Errorf("reading the training result: %w", err)
			}
			if res.Model == "" {
				return "", fmt.Errorf("training in %s finished without a model (status %s)", modelDir, res.Status)
			}
			return res.Model, nil
		}, follow...)
		if err != nil {
			return err
		}
		trained := r.st.Steps[id("train")].Model
		if r.dry && r.dirty {
			trained = fmt.Sprintf("<model trained in round %d>", round)
		}

		evalDir := filepath.Join(rd, "eval")
		tg := generatorOf{model: trained, trained: true, round: round}
		err = r.servedStep(ctx, id("eval"), tg, round, "trained model", evalDir, func(baseURL, model, out string) []string {
			return evalArgs(r.cfg, baseURL, model, out)
		})
		if err != nil {
			return err
		}
		evalDirs = append(evalDirs, evalDir)
		if err := r.step(ctx, id("report"), reportArgs(r.cfg, evalDirs, filepath.Join(r.dir, "report")), nil); err != nil {
			return err
		}
		generator = tg
		if r.cfg.Train.Continue {
			trainBase = trained
		}
	}
	if r.dry {
		fmt.Fprintf(r.log, "dry run: nothing was run; the report would be in %s\n", filepath.Join(r.dir, "report", "report.{md,html}"))
		return nil
	}
	fmt.Fprintf(r.log, "run finished: report in %s\n", filepath.Join(r.dir, "report", "report.{md,html}"))
	return nil
}

// generatorOf is a model to query: the configured generator at its
// server, or a trained model reached through Serve.
type generatorOf struct {
	model, baseURL string
	trained        bool
	// round is the round that trained the model, for {round}.
	round int
}

// servedStep runs step id into out (sharded when the config says so),
// whose arguments args builds from the base URL and name under which g is
// served, starting and stopping the trained model's server around it when
// needed. A finished step starts nothing.
func (r *runner) servedStep(ctx context.Context, id string, g generatorOf, round int, what, out string, args func(baseURL, model, out string) []string) error {
	run := func(baseURL, model string) error {
		return r.shardedStep(ctx, id, out, func(o string) []string { return args(baseURL, model, o) })
	}
	if !g.trained {
		return run(g.baseURL, g.model)
	}
	s := r.cfg.Serve
	name := expand(s.Model, g.model, g.model, g.round)
	if _, ok := r.st.done(id, r.recordedArgs(args(s.BaseURL, name, out))); ok && !r.dirty {
		return run(s.BaseURL, name)
	}
	if r.dry {
		if s.Command != "" {
			fmt.Fprintf(r.log, "%s: would start the model server for the %s (sh -c): %s\n", id, what, serveCommand(s, g.model, name, g.round))
		}
		fmt.Fprintf(r.log, "%s: would wait up to %s for %s/models to list %s\n", id, s.readyTimeout, s.BaseURL, name)
		return run(s.BaseURL, name)
	}
	fmt.Fprintf(r.log, "serving the %s %s\n", what, g.model)
	logPath := filepath.Join(r.dir, fmt.Sprintf("round-%d", round), "serve-"+strings.ReplaceAll(what, " ", "-")+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return err
	}
	sv, err := serveModel(ctx, s, g.model, g.round, logPath, r.log)
	if err != nil {
		return fmt.Errorf("step %s: serving the %s: %w", id, what, err)
	}
	serr := run(sv.baseURL, sv.name)
	if err := sv.stop(); err != nil && serr == nil {
		return err
	}
	return serr
}

// step runs the subcommand args as step id unless it finished with the
// same args before. record, when set, returns the model the step made.
// extra is appended when the step runs but is not part of what is compared.
func (r *runner) step(ctx context.Context, id string, args []string, record func() (string, error), extra ...string) error {
	recorded := r.recordedArgs(args)
	if rec, ok := r.st.done(id, recorded); ok && !r.dirty {
		fmt.Fprintf(r.log, "%s: done (%s)\n", id, rec.Finished.Format(time.RFC3339))
		return nil
	}
	r.dirty = true
	run := append(slices.Clip(args), extra...)
	if r.dry {
		fmt.Fprintf(r.log, "%s: would run: regenesis %s\n", id, train.ShellQuote(run))
		return nil
	}
	fmt.Fprintf(r.log, "%s: regenesis %s\n", id, train.ShellQuote(run))
	if err := r.invoke(ctx, run); err != nil {
		return fmt.Errorf("step %s: %w", id, err)
	}
	rec := StepRecord{Args: recorded, Finished: time.Now().UTC().Truncate(time.Second)}
	if record != nil {
		m, err := record()
		if err != nil {
			return fmt.Errorf("step %s: %w", id, err)
		}
		rec.Model = m
	}
	r.st.Steps[id] = rec
	return r.st.save(r.dir)
}

// recordedArgs is how the state file records a step's arguments: without
// credentials (a server URL's user:password@, key query parameters), and,
// for a sharded step, with the number of shards.
func (r *runner) recordedArgs(args []string) []string {
	recorded := make([]string, 0, len(args)+1)
	for _, a := range args {
		recorded = append(recorded, secret.Shapes(a))
	}
	if n := r.cfg.Shards.Count; n > 1 {
		recorded = append(recorded, "--shards="+strconv.Itoa(n))
	}
	return recorded
}

// printSettings writes the resolved settings of a dry run.
func (r *runner) printSettings(rounds int) {
	c := r.cfg
	w := r.log
	fmt.Fprintf(w, "dry run: nothing is run; the steps below are what `regenesis run` would do\n")
	fmt.Fprintf(w, "  run directory:  %s (state file %s)\n", r.dir, filepath.Join(r.dir, StateFile))
	fmt.Fprintf(w, "  rounds:         %d\n", rounds)
	fmt.Fprintf(w, "  generator:      %s at %s (round 1; round r > 1 generates with the model of round r-1)\n", c.Synthesize.Model, c.Server.BaseURL)
	fmt.Fprintf(w, "  synthesize:     task %s, method %s, split %s\n", c.Synthesize.Task, c.Synthesize.Method, orDefaultText(c.Synthesize.Split, "the command's default"))
	fmt.Fprintf(w, "  export formats: %s\n", orDefaultText(strings.Join(c.Export.Formats, ", "), "none"))
	cont := "each round from the base model"
	if c.Train.Continue {
		cont = "each round from the model of the round before"
	}
	fmt.Fprintf(w, "  train:          engine %s, base model %s, %s\n", c.Train.Engine, c.Train.BaseModel, cont)
	serve := "no command (the model must already be served)"
	if c.Serve.Command != "" {
		serve = "started by: " + c.Serve.Command
	}
	fmt.Fprintf(w, "  trained model:  requested as %s at %s, %s; ready timeout %s\n", c.Serve.Model, c.Serve.BaseURL, serve, c.Serve.readyTimeout)
	fmt.Fprintf(w, "  eval:           tasks %s, split %s\n", strings.Join(c.Eval.Tasks, ","), orDefaultText(c.Eval.Split, "each task's test split"))
	if c.Shards.Count > 1 {
		fmt.Fprintf(w, "  shards:         synthesize and eval as %d shards, each launched by: %s\n", c.Shards.Count, c.Shards.Launch)
	}
	fmt.Fprintf(w, "  API key:        read by each step from OPENAI_API_KEY (never in the file)\n")
}

func orDefaultText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
