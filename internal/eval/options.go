package eval

import (
	"errors"
	"fmt"
	"iter"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/shard"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Decoding modes.
const (
	// Greedy asks for one sample at temperature 0 and scores its answer.
	Greedy = "greedy"
	// Majority asks for Samples samples in one request and scores the
	// majority of their extracted answers (self-consistency).
	Majority = "maj"
)

// Defaults of the paper's evaluation.
const (
	DefaultMaxTokens   = 1024
	DefaultTemperature = 0.7
	DefaultConcurrency = 16
)

// Source is one task to evaluate: its name, its group in the paper's
// comparison, and its examples as a stream.
type Source struct {
	Name  string
	Group task.Group
	// Split is the split the examples come from, recorded per task.
	Split    string
	Examples iter.Seq2[task.Example, error]
}

// PromptFunc renders the zero-shot user prompt for one example.
type PromptFunc func(ex task.Example) (string, error)

// Options configures one evaluation run.
type Options struct {
	// Model is sent with every request and recorded in results.json.
	Model string
	// Completer answers the requests; pass a store-backed completer so that
	// a re-run replays finished requests instead of sending them again.
	Completer llm.Completer
	// Prompt renders the user prompt of an example.
	Prompt PromptFunc
	// Protocol is ProtocolZeroShot ("" too) or ProtocolBBH, which reads
	// each answer after the reply's last "So the answer is" (the prompt
	// comes from Prompt: pass (*BBHPrompts).Prompt).
	Protocol string
	// Sources are the tasks, evaluated in this order.
	Sources []Source
	// Split is the split name recorded in results.json when every task
	// uses the same one; each task records its own Source.Split too.
	Split string
	// Limit, when positive, evaluates only the first Limit questions of
	// each task.
	Limit int

	// Mode is Greedy or Majority.
	Mode string
	// Samples is K of maj@K; ignored for Greedy.
	Samples int
	// Temperature is the sampling temperature of Majority, taken as given
	// (DefaultOptions sets DefaultTemperature); Greedy always uses 0.
	Temperature float64
	// TopP is sent with every request; zero means 1.
	TopP float64
	// MaxTokens bounds each generation; zero means DefaultMaxTokens.
	MaxTokens int
	// Seed is sent with every request; sample i of a fanned-out request
	// uses Seed+i.
	Seed int64

	// Concurrency bounds the questions in flight across all tasks; zero
	// means DefaultConcurrency.
	Concurrency int
	// OutDir receives results.json and predictions.jsonl.
	OutDir string
	// Meta is copied into results.json as "config" (command, prompt
	// hashes, program version: whatever the caller wants recorded).
	Meta map[string]any
	// Shard, when set, evaluates only the questions of that shard (by the
	// hash of the task name and question id); Limit still counts the whole
	// input's questions, so every shard sees the same input.
	Shard shard.Spec
	// Servers, when set, reports what each model server did, for
	// results.json.
	Servers func() []llm.ServerStats
	// Pricing, when set, prices the run's tokens for results.json.
	Pricing *cost.Pricing
	// OnPrediction, when set, is called once per question, in output order,
	// from a single goroutine, after its line is written.
	OnPrediction func(*Prediction)
}

// withDefaults returns o with zero values replaced by defaults, or an error
// naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	if o.Completer == nil {
		return o, errors.New("eval: Options.Completer is nil")
	}
	switch o.Protocol {
	case "":
		o.Protocol = ProtocolZeroShot
	case ProtocolZeroShot, ProtocolBBH:
	default:
		return o, fmt.Errorf("eval: unknown protocol %q (want %q or %q)", o.Protocol, ProtocolZeroShot, ProtocolBBH)
	}
	if o.Prompt == nil {
		return o, errors.New("eval: Options.Prompt is nil")
	}
	if o.Model == "" {
		return o, errors.New("eval: Options.Model is empty")
	}
	if o.OutDir == "" {
		return o, errors.New("eval: Options.OutDir is empty")
	}
	if len(o.Sources) == 0 {
		return o, errors.New("eval: no tasks to evaluate")
	}
	seen := make(map[string]bool, len(o.Sources))
	for _, s := range o.Sources {
		if seen[s.Name] {
			return o, fmt.Errorf("eval: task %q given twice", s.Name)
		}
		seen[s.Name] = true
	}
	switch o.Mode {
	case "", Greedy:
		o.Mode = Greedy
		o.Samples = 1
		o.Temperature = 0
	case Majority:
		if o.Samples < 1 {
			return o, fmt.Errorf("eval: mode %q needs samples >= 1, got %d", Majority, o.Samples)
		}
		if o.Temperature < 0 || o.Temperature > 2 {
			return o, fmt.Errorf("eval: temperature %g out of range [0, 2]", o.Temperature)
		}
	default:
		return o, fmt.Errorf("eval: unknown mode %q (want %q or %q)", o.Mode, Greedy, Majority)
	}
	if o.TopP == 0 {
		o.TopP = 1
	}
	if o.TopP < 0 || o.TopP > 1 {
		return o, fmt.Errorf("eval: top_p %g out of range (0, 1]", o.TopP)
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	if o.MaxTokens < 0 {
		return o, fmt.Errorf("eval: max tokens %d is negative", o.MaxTokens)
	}
	if o.Limit < 0 {
		return o, fmt.Errorf("eval: limit %d is negative", o.Limit)
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Concurrency < 0 {
		return o, fmt.Errorf("eval: concurrency %d is negative", o.Concurrency)
	}
	return o, nil
}

// ModeLabel is the mode as reported: "greedy" or "maj@K".
func (o Options) ModeLabel() string {
	if o.Mode == Majority {
		return fmt.Sprintf("maj@%d", o.Samples)
	}
	return Greedy
}

// DefaultOptions returns the paper's evaluation settings: greedy decoding,
// zero-shot prompts, top_p 1, DefaultMaxTokens, and DefaultTemperature for
// the majority mode. Set the run's own fields (Model, Completer, Prompt,
// Sources, OutDir, ...) on it.
func DefaultOptions() Options {
	return Options{
		Protocol:    ProtocolZeroShot,
		Mode:        Greedy,
		Temperature: DefaultTemperature,
		TopP:        1,
		MaxTokens:   DefaultMaxTokens,
	}
}
