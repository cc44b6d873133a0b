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
	"sync"
	"time"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
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
	// Window bounds how many finished questions may wait for an earlier one
	// before being written, and so the memory held. Zero means 4×InFlight;
	// it is never less than InFlight.
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

type result struct {
	seq   int
	index int // position in the whole input
	out   method.Outcome
	err   error
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
	if opt.Window <= 0 {
		opt.Window = 4 * opt.InFlight
	}
	opt.Window = max(opt.Window, opt.InFlight)
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

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan result, opt.Window)
	window := make(chan struct{}, opt.Window)
	var inputs int // set by produce before it closes results
	go produce(ctx, opt, window, results, &inputs)

	m := opt.Manifest
	m.Begin(opt.Method.Name())
	var firstErr error
	pending := make(map[int]result)
	next := 0
	for r := range results {
		if firstErr != nil {
			continue // draining after a failure
		}
		if r.err != nil {
			firstErr = r.err
			cancel()
			continue
		}
		pending[r.seq] = r
		for {
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			o := p.out
			if err := w.write(o, p.index); err != nil {
				firstErr = err
				cancel()
				break
			}
			m.Record(o)
			<-window
			if opt.OnWritten != nil {
				opt.OnWritten(o, m.Counts)
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
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
	if err := WriteManifest(opt.OutDir, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// produce reads the examples and starts one worker per example, holding a
// window slot (released by the writer) and an in-flight slot (released when
// the worker finishes). Examples of other shards are skipped. It sets
// *inputs to the number of examples read, then closes results when every
// worker is done.
func produce(ctx context.Context, opt Options, window chan struct{}, results chan<- result, inputs *int) {
	inFlight := make(chan struct{}, opt.InFlight)
	var workers sync.WaitGroup
	defer func() {
		workers.Wait()
		close(results)
	}()
	seq, index := 0, 0
	defer func() { *inputs = index }()
	for ex, err := range opt.Examples {
		if err != nil {
			results <- result{seq: seq, err: fmt.Errorf("synth: read example %d: %w", index+1, err)}
			return
		}
		index++
		if !opt.Shard.Owns(cmp.Or(ex.Task, opt.Manifest.Task), ex.ID) {
			continue
		}
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			results <- result{seq: seq, err: ctx.Err()}
			return
		}
		select {
		case inFlight <- struct{}{}:
		case <-ctx.Done():
			results <- result{seq: seq, err: ctx.Err()}
			return
		}
		n, at := seq, index-1
		workers.Go(func() {
			out, err := opt.Method.Synthesize(ctx, ex)
			<-inFlight
			if err != nil {
				err = fmt.Errorf("synth: question %s: %w", ex.ID, err)
			}
			results <- result{seq: n, index: at, out: out, err: err}
		})
		seq++
	}
}
