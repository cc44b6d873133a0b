// Package report renders the comparison of evaluation runs the paper
// reports: rows are models or methods, columns are tasks, cells are
// accuracies with their change against a baseline run, plus group averages.
// It writes Markdown and a self-contained HTML page with charts and a
// browser for the predictions.
package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// DefaultMaxPredictions is how many predictions per task and verdict a run
// keeps for the HTML page.
const DefaultMaxPredictions = 20

// DefaultMaxTextChars bounds the generated text kept of one prediction,
// shared among its samples.
const DefaultMaxTextChars = 16000

// minSampleChars is the least kept of each sample, however many there are.
const minSampleChars = 400

// Run is one evaluation directory: its results and a bounded selection of
// its predictions.
type Run struct {
	// Label names the run in tables and charts.
	Label string
	// Dir is the directory it was read from.
	Dir     string
	Results *eval.Results
	// Predictions holds, per task, at most the first max predictions of each
	// verdict, in file order.
	Predictions map[string][]eval.Prediction
	// Counts is the number of predictions per task and verdict in the file.
	Counts map[string]map[string]int
	// Limits are the bounds the predictions were kept under.
	Limits LoadOptions
}

// LoadOptions bounds what Load keeps of predictions.jsonl.
type LoadOptions struct {
	// MaxPredictions is kept per task and verdict (0 keeps none).
	MaxPredictions int
	// MaxTextChars bounds the text kept of one prediction's generations,
	// shared among its samples (each keeps at least 400 bytes); zero means
	// DefaultMaxTextChars.
	MaxTextChars int
}

// DefaultLoadOptions keeps DefaultMaxPredictions predictions per task and
// verdict, DefaultMaxTextChars of text each.
func DefaultLoadOptions() LoadOptions {
	return LoadOptions{MaxPredictions: DefaultMaxPredictions, MaxTextChars: DefaultMaxTextChars}
}

// Load reads dir/results.json and streams dir/predictions.jsonl, keeping
// a bounded selection of the predictions. A missing predictions file is
// not an error: the run then has none to browse.
func Load(dir string, opts LoadOptions) (*Run, error) {
	if opts.MaxPredictions < 0 {
		return nil, fmt.Errorf("report: MaxPredictions %d is negative (0 keeps none)", opts.MaxPredictions)
	}
	if opts.MaxTextChars <= 0 {
		opts.MaxTextChars = DefaultMaxTextChars
	}
	res, err := eval.ReadResults(filepath.Join(dir, eval.ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	run := &Run{
		Label:       res.Model,
		Dir:         dir,
		Results:     res,
		Predictions: map[string][]eval.Prediction{},
		Counts:      map[string]map[string]int{},
		Limits:      opts,
	}
	path := filepath.Join(dir, eval.PredictionsFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return run, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	if err := run.readPredictions(f, path, opts); err != nil {
		return nil, err
	}
	return run, nil
}

// readPredictions streams predictions.jsonl, one line in memory at a time.
func (r *Run) readPredictions(rd io.Reader, path string, opts LoadOptions) error {
	for l, err := range fileio.ReadLines[eval.Prediction](path, rd) {
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if l.Value.Task == "" {
			return fmt.Errorf("report: %w", &fileio.LineError{File: path, Line: l.N, Err: errors.New(`field "task" is empty`)})
		}
		r.keep(l.Value, opts)
	}
	return nil
}

// keep counts p and stores it if its task and verdict have room.
func (r *Run) keep(p eval.Prediction, opts LoadOptions) {
	counts := r.Counts[p.Task]
	if counts == nil {
		counts = map[string]int{}
		r.Counts[p.Task] = counts
	}
	counts[string(p.Verdict)]++
	if counts[string(p.Verdict)] > opts.MaxPredictions {
		return
	}
	if n := len(p.Samples); n > 0 {
		limit := max(opts.MaxTextChars/n, minSampleChars)
		for i := range p.Samples {
			p.Samples[i].Text = truncate(p.Samples[i].Text, limit)
		}
	}
	r.Predictions[p.Task] = append(r.Predictions[p.Task], p)
}

// truncate cuts s to at most n bytes on a rune boundary and says so.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n… [truncated: %d more bytes]", len(s)-cut)
}
