// Package eval scores models on benchmark tasks zero-shot, with greedy
// decoding or self-consistency (majority vote over K samples), and writes
// results.json (accuracy per task with Wilson 95% intervals and group
// averages) and predictions.jsonl (every generation, its extracted answer
// and verdict, in input order).
//
// Questions of all tasks flow through one bounded pool: there is no barrier
// between tasks, and memory stays flat with the number of questions.
package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/pipeline"
	"github.com/regenesis-ai/regenesis/internal/shard"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// job is one question of the run's shard on its way to a worker.
type job struct {
	index int // position in the whole input
	src   *Source
	ex    task.Example
}

// Run evaluates every example of opts.Sources and writes results.json and
// predictions.jsonl into opts.OutDir. It returns the results it wrote.
//
// An error of the completer (after its own retries) or a cancelled ctx
// stops the run without writing results.json; with a store-backed
// completer, running the same evaluation again replays what finished.
func Run(ctx context.Context, opts Options) (*Results, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	// The new predictions go to a temporary file next to the old ones and
	// replace them, with results.json, only when the run has succeeded: a
	// failed re-run leaves the earlier outputs as they were.
	start := time.Now()
	predPath := filepath.Join(o.OutDir, PredictionsFile)
	f, err := fileio.Create(predPath)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Abort()
	idxPath := filepath.Join(o.OutDir, IndexFile)
	fi, err := fileio.Create(idxPath)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer fi.Abort()

	res := newResults(&o)
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	idxEnc := json.NewEncoder(fi)
	idxEnc.SetEscapeHTML(false)
	emit := func(index int, p *Prediction) error {
		if err := enc.Encode(p); err != nil {
			return fmt.Errorf("eval: write %s: %w", predPath, err)
		}
		if err := idxEnc.Encode(IndexRecord{Index: index, Task: p.Task, ID: p.QuestionID}); err != nil {
			return fmt.Errorf("eval: write %s: %w", idxPath, err)
		}
		res.add(p)
		if o.OnPrediction != nil {
			o.OnPrediction(p)
		}
		return nil
	}
	inputs, err := o.pipeline(ctx, emit)
	if err != nil {
		return nil, err
	}
	if o.Shard.Sharded() {
		res.Shard = &shard.Info{Index: o.Shard.Index, Count: o.Shard.Count, InputQuestions: inputs}
	}
	if o.Servers != nil {
		res.Servers = o.Servers()
	}
	res.finish()
	res.WallSeconds = time.Since(start).Seconds()
	if o.Pricing != nil {
		res.Money = o.Pricing.MoneyFor(res.Usage.PromptTokens, res.Usage.CompletionTokens, res.questions(), 0)
	}
	// Both files are complete on disk before either is renamed, so only a
	// crash between the two renames can pair new predictions with the old
	// results.json.
	rf, err := resultsFile(o.OutDir, res)
	if err != nil {
		return nil, err
	}
	defer rf.Abort()
	if err := f.Commit(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if err := fi.Commit(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if err := rf.Commit(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return res, nil
}

// windowSamples bounds the samples of the questions held between the
// reader and emit: a question that waits out retries (a 429's Retry-After,
// a dropped connection) holds back the output of every question after it,
// and a window of only a few times the questions in flight then leaves the
// workers idle. Predictions are small (a few KB a sample), so the window
// holds up to this many samples: about 8,192 greedy questions, 204 at maj@40.
const windowSamples = 8192

// window is how many questions may be between the reader and emit: at
// least 4 per worker, more when their samples fit in windowSamples.
func (o *Options) window() int {
	return max(4*o.Concurrency, windowSamples/max(1, o.Samples))
}

// pipeline streams the examples of every source through o.Concurrency
// workers and calls emit once per question, in input order, from one
// goroutine. At most a window of questions is between the reader and emit,
// so memory does not grow with the number of questions. Questions of other
// shards are read and skipped. It returns the number of questions of the
// whole input (every shard's).
func (o *Options) pipeline(ctx context.Context, emit func(int, *Prediction) error) (int, error) {
	inputs := 0
	jobs := func(yield func(job, error) bool) {
		for i := range o.Sources {
			src := &o.Sources[i]
			read := 0
			for ex, err := range src.Examples {
				if o.Limit > 0 && read == o.Limit {
					break
				}
				read++
				if err != nil {
					yield(job{}, fmt.Errorf("eval: task %s: %w", src.Name, err))
					return
				}
				index := inputs
				inputs++
				if !o.Shard.Owns(src.Name, ex.ID) {
					continue
				}
				if !yield(job{index: index, src: src, ex: ex}, nil) {
					return
				}
			}
		}
	}
	predict := func(ctx context.Context, j job) (*Prediction, error) {
		p, err := o.predict(ctx, j.src, j.ex)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		return p, nil
	}
	write := func(j job, p *Prediction) error { return emit(j.index, p) }
	if err := pipeline.Run(ctx, jobs, pipeline.Options{Workers: o.Concurrency, Window: o.window()}, predict, write); err != nil {
		return 0, err
	}
	return inputs, ctx.Err()
}
