// Package synth streams a task's examples through a synthesis method with
// bounded concurrency and writes sft.jsonl, candidates.jsonl and
// manifest.json in input order.
package synth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"time"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/pipeline"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/shard"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// DefaultInFlight is the number of questions in flight when Options.InFlight
// is zero.
const DefaultInFlight = 8

// Options configure Run.
type Options struct {
	// Method synthesizes each example.
	Method method.Method
	// Examples is the input, streamed.
	Examples iter.Seq2[task.Example, error]
	// Prompts renders the training user turn (template UserTemplate).
	Prompts *prompts.Set
	// UserTemplate is the template of the training user turn; "" means
	// "shared/solve" (method.TrainingFormat gives a profile's).
	UserTemplate string
	// TargetPrefix is put before every kept path in the training assistant
	// turn (the reference profile's "Let's think step by step.").
	TargetPrefix string
	// OutDir receives the output files; it is created when missing.
	OutDir string
	// InFlight is the number of questions synthesized at once. Size it so
	// that the questions' requests keep the LLM client's concurrency busy
	// (see InFlightFor). Zero means DefaultInFlight.
	InFlight int
	// Window bounds how many questions may be read and not yet written (in
	// flight, or finished and waiting for an earlier one), and so the memory
	// held. Zero means 4×InFlight; it is never less than InFlight.
	Window int
	// Manifest is the manifest's static part (version, command, config,
	// prompt hashes, ...); Run fills in the counts and the run info.
	Manifest Manifest
	// Usage, when set, reports the token usage for the manifest.
	Usage func() Usage
	// Servers, when set, reports what each model server did, for the
	// manifest's run info.
	Servers func() []llm.ServerStats
	// Shard, when set, synthesizes only the questions of that shard (by the
	// hash of each example's task, or Manifest.Task, and the question id);
	// the manifest records it and the whole input's size.
	Shard shard.Spec
	// Pricing, when set, prices the run's tokens: the manifest's cost
	// then has a money section (package cost).
	Pricing *cost.Pricing
	// OnWritten, when set, is called after each question is written, in
	// input order, from one goroutine.
	OnWritten func(o method.Outcome, c Counts)
}

// InFlightFor returns a number of questions in flight that keeps
// concurrency requests busy with a method that runs about perQuestion
// requests of a question at once (45 for ReGenesis' chains).
func InFlightFor(concurrency, perQuestion int) int {
	if perQuestion < 1 {
		perQuestion = 1
	}
	n := 4 * ((concurrency + perQuestion - 1) / perQuestion)
	return max(n, 8)
}

// item is an example of the run's shard and its position in the whole input.
type item struct {
	index int
	ex    task.Example
}

// Run synthesizes every example and writes the outputs. Files are written
// as *.partial and renamed when the run completes; a cancelled run leaves
// the partial files, and re-running the same command replays the run store.
// Run returns the manifest it wrote.
func Run(ctx context.Context, opt Options) (*Manifest, error) {
	start := time.Now()
	if opt.Method == nil || opt.Examples == nil || opt.Prompts == nil || opt.OutDir == "" {
		return nil, errors.New("synth: Method, Examples, Prompts and OutDir are required")
	}
	if opt.InFlight <= 0 {
		opt.InFlight = DefaultInFlight
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	w, err := newWriter(opt.OutDir, opt.Prompts)
	if w != nil {
		w.userTmpl, w.prefix = opt.UserTemplate, opt.TargetPrefix
	}
	if err != nil {
		return nil, err
	}
	defer w.abort()

	m := opt.Manifest
	m.Begin(opt.Method.Name())
	// The examples of other shards are read and skipped; inputs counts
	// every example read.
	inputs := 0
	examples := func(yield func(item, error) bool) {
		for ex, err := range opt.Examples {
			if err != nil {
				yield(item{}, fmt.Errorf("synth: read example %d: %w", inputs+1, err))
				return
			}
			inputs++
			if !opt.Shard.Owns(cmp.Or(ex.Task, opt.Manifest.Task), ex.ID) {
				continue
			}
			if !yield(item{index: inputs - 1, ex: ex}, nil) {
				return
			}
		}
	}
	synthesize := func(ctx context.Context, it item) (method.Outcome, error) {
		out, err := opt.Method.Synthesize(ctx, it.ex)
		if err != nil {
			return out, fmt.Errorf("synth: question %s: %w", it.ex.ID, err)
		}
		return out, nil
	}
	write := func(it item, o method.Outcome) error {
		if err := w.write(o, it.index); err != nil {
			return err
		}
		m.Record(o)
		if opt.OnWritten != nil {
			opt.OnWritten(o, m.Counts)
		}
		return nil
	}
	if err := pipeline.Run(ctx, examples, pipeline.Options{Workers: opt.InFlight, Window: opt.Window}, synthesize, write); err != nil {
		return nil, err
	}
	if err := w.commit(); err != nil {
		return nil, err
	}
	if opt.Shard.Sharded() {
		m.Shard = &shard.Info{Index: opt.Shard.Index, Count: opt.Shard.Count, InputQuestions: inputs}
	}
	m.Run.WallSeconds = time.Since(start).Seconds()
	if opt.Usage != nil {
		m.Run.Usage = opt.Usage()
	}
	if opt.Servers != nil {
		m.Run.Servers = opt.Servers()
	}
	if opt.Pricing != nil {
		m.Cost.Money = opt.Pricing.MoneyFor(m.Cost.PromptTokens, m.Cost.CompletionTokens, m.Counts.Questions, m.Counts.Kept)
	}
	m.hasCost = true
	if err := WriteManifest(opt.OutDir, &m); err != nil {
		return nil, err
	}
	return &m, nil
}
