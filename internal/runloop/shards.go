package runloop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/train"
)

// Shards runs the synthesize and eval steps as Count shards (--shard I/N),
// each started by the Launch command, and merges them once every shard is
// complete (docs/SCALING.md). Count 0 or 1 runs the steps in-process.
type Shards struct {
	Count int `yaml:"count"`
	// Launch is run with sh -c once per shard, all at once. Placeholders:
	// {index} and {count}; {args}, the shard's regenesis arguments
	// shell-quoted (with --shard and --out); {binary}, the regenesis
	// executable; {command}, "{binary} {args}" as one shell-quoted word
	// (for sbatch --wrap or sh -c); {out}, the shard's directory; {step},
	// the step's id as a job name (round-1-synthesize). A Launch that
	// returns at once (sbatch without --wait, kubectl apply) is fine: the
	// loop then waits until every shard directory is complete.
	Launch string `yaml:"launch"`
	// Binary is the regenesis executable for {binary}; default the running
	// one.
	Binary string `yaml:"binary"`
	// Poll is how often shard directories are checked once the launch
	// commands returned (default 10s); Timeout bounds that wait (default:
	// none).
	Poll    string `yaml:"poll"`
	Timeout string `yaml:"timeout"`

	poll, timeout time.Duration
}

func (s *Shards) check(at func(string) string) error {
	if s.Count < 0 {
		return fmt.Errorf("%s: shards.count must not be negative, got %d", at("shards.count"), s.Count)
	}
	if s.Count <= 1 {
		return nil
	}
	if !strings.Contains(s.Launch, "{args}") && !strings.Contains(s.Launch, "{command}") {
		return fmt.Errorf("%s: shards.launch must contain {args} or {command} (the shard's regenesis command), e.g. \"{binary} {args}\" or \"sbatch --wait --job-name={step}-{index} --wrap {command}\"", at("shards.launch"))
	}
	s.poll = 10 * time.Second
	for _, d := range []struct {
		field, v string
		to       *time.Duration
	}{{"shards.poll", s.Poll, &s.poll}, {"shards.timeout", s.Timeout, &s.timeout}} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil || v <= 0 {
			return fmt.Errorf("%s: %s: want a positive duration such as 30s, got %q", at(d.field), d.field, d.v)
		}
		*d.to = v
	}
	return nil
}

// shardComplete reports whether dir holds a finished synthesis or
// evaluation.
func shardComplete(dir string) bool {
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	return (has("manifest.json") && has("synth-index.jsonl")) || (has("results.json") && has("eval-index.jsonl"))
}

// expandLaunch fills in the launch template for one shard.
func expandLaunch(tmpl, binary, step string, index, count int, out string, args []string) string {
	quoted := train.ShellQuote(args)
	command := train.ShellQuote([]string{binary + " " + quoted})
	return strings.NewReplacer(
		"{index}", strconv.Itoa(index),
		"{count}", strconv.Itoa(count),
		"{args}", quoted,
		"{binary}", train.ShellQuote([]string{binary}),
		"{command}", command,
		"{out}", train.ShellQuote([]string{out}),
		"{step}", strings.ReplaceAll(step, "/", "-"),
	).Replace(tmpl)
}

// shardedStep runs step id (a synthesize or eval whose arguments args
// builds from its output directory) as shards when the config asks for
// them: every shard not already finished is launched, the loop waits for
// all to complete, and merges them into out. Otherwise it is step.
func (r *runner) shardedStep(ctx context.Context, id, out string, args func(out string) []string) error {
	sh := r.cfg.Shards
	if sh.Count <= 1 {
		return r.step(ctx, id, args(out), nil)
	}
	// The step is done when its merge finished with these arguments.
	recorded := r.recordedArgs(args(out))
	if rec, ok := r.st.done(id, recorded); ok && !r.dirty {
		fmt.Fprintf(r.log, "%s: done (%s)\n", id, rec.Finished.Format(time.RFC3339))
		return nil
	}
	r.dirty = true
	base := out + ".shards"
	binary := sh.Binary
	if binary == "" {
		binary = r.executable
	}
	type launch struct {
		index   int
		dir     string
		command string
		log     string
	}
	var launches []launch
	var dirs []string
	for i := range sh.Count {
		dir := filepath.Join(base, "shard-"+strconv.Itoa(i))
		dirs = append(dirs, dir)
		a := append(args(dir), "--shard", fmt.Sprintf("%d/%d", i, sh.Count))
		cmd := expandLaunch(sh.Launch, binary, id, i, sh.Count, dir, a)
		if shardComplete(dir) && !r.dry {
			if rec, ok := r.st.done(id+"/shard-"+strconv.Itoa(i), []string{secret.Shapes(cmd)}); ok {
				fmt.Fprintf(r.log, "%s: shard %d/%d done (%s)\n", id, i, sh.Count, rec.Finished.Format(time.RFC3339))
				continue
			}
		}
		launches = append(launches, launch{index: i, dir: dir, command: cmd, log: filepath.Join(base, "shard-"+strconv.Itoa(i)+".log")})
	}
	mergeArgs := append(append([]string{"merge"}, dirs...), "--out", out)
	if r.dry {
		for _, l := range launches {
			fmt.Fprintf(r.log, "%s: would launch shard %d/%d (sh -c): %s\n", id, l.index, sh.Count, l.command)
		}
		fmt.Fprintf(r.log, "%s: would wait for the %d shards in %s, then run: regenesis %s\n", id, sh.Count, base, train.ShellQuote(mergeArgs))
		return nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return fmt.Errorf("step %s: %w", id, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(launches))
	for k, l := range launches {
		fmt.Fprintf(r.log, "%s: launching shard %d/%d: %s\n", id, l.index, sh.Count, l.command)
		wg.Go(func() {
			errs[k] = runLaunch(ctx, l.command, l.log)
			if errs[k] != nil {
				errs[k] = fmt.Errorf("shard %d/%d: %w (its output: %s)", l.index, sh.Count, errs[k], l.log)
			}
		})
	}
	wg.Wait()
	// Shards that finished are recorded even when another failed, so that
	// the next run launches only what is left.
	record := func() error {
		for k, l := range launches {
			if errs[k] == nil && shardComplete(l.dir) {
				r.st.Steps[id+"/shard-"+strconv.Itoa(l.index)] = StepRecord{Args: []string{secret.Shapes(l.command)}, Finished: time.Now().UTC().Truncate(time.Second)}
			}
		}
		return r.st.save(r.dir)
	}
	if err := errors.Join(errs...); err != nil {
		if serr := record(); serr != nil {
			return errors.Join(fmt.Errorf("step %s: %w", id, err), serr)
		}
		return fmt.Errorf("step %s: %w", id, err)
	}
	if err := r.waitShards(ctx, id, dirs); err != nil {
		return errors.Join(err, record())
	}
	if err := record(); err != nil {
		return err
	}
	fmt.Fprintf(r.log, "%s: regenesis %s\n", id, train.ShellQuote(mergeArgs))
	if err := r.invoke(ctx, mergeArgs); err != nil {
		return fmt.Errorf("step %s: %w", id, err)
	}
	r.st.Steps[id] = StepRecord{Args: recorded, Finished: time.Now().UTC().Truncate(time.Second)}
	return r.st.save(r.dir)
}

// runLaunch runs one launch command with sh -c, its output to logPath.
func runLaunch(ctx context.Context, command, logPath string) error {
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("launch command failed: %w", err)
	}
	return nil
}

// waitShards waits until every shard directory holds a finished run,
// reporting the missing ones each time it looks, up to shards.timeout.
func (r *runner) waitShards(ctx context.Context, id string, dirs []string) error {
	sh := r.cfg.Shards
	start := time.Now()
	for {
		var missing []string
		for i, d := range dirs {
			if !shardComplete(d) {
				missing = append(missing, strconv.Itoa(i))
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if sh.timeout > 0 && time.Since(start) > sh.timeout {
			return fmt.Errorf("step %s: shards %s of %d not complete after %s (run regenesis run again to launch them again)", id, strings.Join(missing, ", "), len(dirs), sh.timeout)
		}
		fmt.Fprintf(r.log, "%s: waiting for shards %s of %d\n", id, strings.Join(missing, ", "), len(dirs))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(sh.poll):
		}
	}
}
