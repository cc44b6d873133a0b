// Package export converts a synthesis directory (sft.jsonl, candidates.jsonl)
// into the files trainers read: TRL and axolotl conversational JSONL,
// LLaMA-Factory alpaca and sharegpt with their dataset_info.json, the OpenAI
// fine-tuning API's JSONL, Parquet for the Hugging Face datasets library, and
// DPO preference pairs. Input is streamed; memory stays flat in its size.
package export

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// Format is an output format.
type Format string

// The formats.
const (
	// Messages is {"messages":[...]} per line: TRL's and axolotl's
	// conversational format.
	Messages Format = "messages"
	// Alpaca is LLaMA-Factory's alpaca format (instruction, input, output, system).
	Alpaca Format = "alpaca"
	// ShareGPT is LLaMA-Factory's sharegpt format (conversations of from/value).
	ShareGPT Format = "sharegpt"
	// OpenAI is the OpenAI fine-tuning API's chat JSONL.
	OpenAI Format = "openai"
	// Parquet is one row per path with a messages list column and the
	// metadata as plain string, list and boolean columns.
	Parquet Format = "parquet"
	// DPO is TRL's conversational preference format: a kept path (chosen)
	// against a wrong-answer path (rejected) of the same question.
	DPO Format = "dpo"
	// PromptCompletion is TRL's conversational prompt-completion format:
	// {"prompt": [the turns before the reply], "completion": [the reply]},
	// so that the loss is on the reply only.
	PromptCompletion Format = "prompt-completion"
)

// Formats lists the formats in the order help texts show them.
func Formats() []Format {
	return []Format{Messages, Alpaca, ShareGPT, OpenAI, Parquet, DPO, PromptCompletion}
}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Formats(), f) {
		return f, nil
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown export format %q (known: %s)", s, strings.Join(names, ", "))
}

// DefaultOut is the file a format is written to when no output is given:
// inside the synthesis directory, "sft_<format>.jsonl" (prompt-completion:
// "sft_prompt_completion.jsonl"), "sft.parquet" or "dpo.jsonl".
func DefaultOut(dir string, f Format) string {
	switch f {
	case Parquet:
		return filepath.Join(dir, "sft.parquet")
	case DPO:
		return filepath.Join(dir, "dpo.jsonl")
	case PromptCompletion:
		return filepath.Join(dir, "sft_prompt_completion.jsonl")
	default:
		return filepath.Join(dir, "sft_"+string(f)+".jsonl")
	}
}

// Options configures Run.
type Options struct {
	// Dir is the synthesis directory.
	Dir string
	// Format is the output format.
	Format Format
	// Out is the output file; "" means DefaultOut(Dir, Format).
	Out string
	// TokenLimit is the length, in approximate tokens, above which an example
	// is reported as too long; 0 means DefaultTokenLimit.
	TokenLimit int
	// DPO shapes the preference pairs of format dpo.
	DPO DPOOptions
	// Input is the file of kept paths to read instead of Dir's sft.jsonl:
	// any JSON Lines file of {"messages": [...]} records. Not for dpo, which
	// reads Dir's candidates.jsonl too.
	Input string
	// DatasetName is the entry's name in the dataset_info.json written
	// beside Out; "" means Out's base name without extension. Alpaca and
	// sharegpt always register Out there; messages does when DatasetName is
	// set (LLaMA-Factory's sharegpt formatting over role/content turns).
	DatasetName string
	// NonEmpty makes a run without examples fail with ErrNoExamples,
	// leaving Out as it was.
	NonEmpty bool
	// Line, when set, writes a line format of the caller's: each record as
	// the JSON of what Line returns. Format then only names the output (in
	// DefaultOut, errors and the summary) and must not be a built-in name.
	Line LineFunc
}

// ErrNoExamples is the error of a NonEmpty run whose input has no example.
var ErrNoExamples = errors.New("no examples")

// DefaultTokenLimit is TRL's default SFT max_length: longer examples are
// truncated by the trainer.
const DefaultTokenLimit = 1024

// Summary reports what Run wrote.
type Summary struct {
	Format Format `json:"format"`
	// Out is the file written.
	Out string `json:"out"`
	// DatasetInfo is the LLaMA-Factory dataset_info.json written or
	// updated, "" for formats that have none.
	DatasetInfo string `json:"dataset_info,omitempty"`
	// DatasetName is the entry name in DatasetInfo.
	DatasetName string `json:"dataset_name,omitempty"`
	// Examples is the number of examples written (pairs for DPO).
	Examples int `json:"examples"`
	// OverLimit counts the examples longer than the token limit.
	OverLimit int `json:"over_limit"`
	// LongestTokens is the longest example in approximate tokens.
	LongestTokens int `json:"longest_tokens"`
	// LongestChars is the length in characters of the longest example, all
	// turns together.
	LongestChars int `json:"longest_chars"`
	// Warnings are things a user should act on before training.
	Warnings []string `json:"warnings,omitempty"`
}

// Export converts the synthesis directory dir to format, writing out ("" for
// the default file). It is Run without cancellation or a summary.
func Export(dir, format, out string) error {
	f, err := ParseFormat(format)
	if err != nil {
		return err
	}
	_, err = Run(context.Background(), Options{Dir: dir, Format: f, Out: out})
	return err
}

// Run converts a synthesis directory. The output is written to a temporary
// file renamed into place at the end, so a failed run leaves no partial file.
func Run(ctx context.Context, opts Options) (*Summary, error) {
	_, perr := ParseFormat(string(opts.Format))
	switch {
	case opts.Line != nil && (perr == nil || opts.Format == ""):
		return nil, fmt.Errorf("export: a custom line format needs a name of its own, not %q", opts.Format)
	case opts.Line == nil && perr != nil:
		return nil, perr
	case opts.Line == nil:
		opts.Line = LineFor(opts.Format)
	}
	if opts.Out == "" {
		opts.Out = DefaultOut(opts.Dir, opts.Format)
	}
	if opts.TokenLimit <= 0 {
		opts.TokenLimit = DefaultTokenLimit
	}
	sft := cmp.Or(opts.Input, filepath.Join(opts.Dir, rundir.SFTFile))
	candidates := filepath.Join(opts.Dir, rundir.CandidatesFile)
	if opts.Format == DPO && opts.Input != "" {
		return nil, fmt.Errorf("export %s: reads the synthesis directory's %s and %s, not an input file", opts.Format, rundir.SFTFile, rundir.CandidatesFile)
	}
	inputs := []string{sft}
	if opts.Input == "" {
		inputs = append(inputs, candidates)
	}
	for _, in := range inputs {
		if sameFile(opts.Out, in) {
			return nil, fmt.Errorf("export %s: output %s would overwrite the input %s", opts.Format, opts.Out, filepath.Base(in))
		}
	}
	sum := &Summary{Format: opts.Format, Out: opts.Out}
	lc := &lengthCheck{limit: opts.TokenLimit}
	w := &output{path: opts.Out, nonEmpty: opts.NonEmpty}
	var err error
	switch opts.Format {
	case Parquet:
		sum.Examples, err = writeParquet(ctx, sft, w, lc)
	case DPO:
		sum.Examples, err = writeDPO(ctx, sft, candidates, w, opts.DPO, lc)
	default:
		sum.Examples, err = writeJSONL(ctx, sft, w, opts.Line, lc)
	}
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", opts.Format, err)
	}
	sum.OverLimit, sum.LongestTokens, sum.LongestChars = lc.over, lc.longest, lc.longestChars
	if w := lc.warning(sum.Examples); w != "" {
		sum.Warnings = append(sum.Warnings, w)
	}
	if sum.Examples == 0 {
		what := "kept paths in " + sft
		if opts.Format == DPO {
			what = "question with both a kept and a wrong-answer path in " + candidates
		}
		sum.Warnings = append(sum.Warnings, "no "+what+": the output is empty")
	}
	if opts.Format == OpenAI && sum.Examples > 0 && sum.Examples < openAIMinExamples {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf(
			"%d examples: the OpenAI fine-tuning API requires at least %d", sum.Examples, openAIMinExamples))
	}
	if opts.Format == Alpaca || opts.Format == ShareGPT || opts.Format == Messages && opts.DatasetName != "" {
		sum.DatasetInfo, sum.DatasetName, err = writeDatasetInfo(opts.Out, opts.Format, opts.DatasetName)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", opts.Format, err)
		}
	}
	return sum, nil
}

// openAIMinExamples is the smallest training file the OpenAI API accepts.
const openAIMinExamples = 10

// sameFile reports whether a and b name the same file, by path or, when
// both exist, by identity (links, "..").
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	ai, err := os.Stat(a)
	if err != nil {
		return false
	}
	bi, err := os.Stat(b)
	return err == nil && os.SameFile(ai, bi)
}

// output is the file a format writes: created atomically, committed only
// when complete (and, with nonEmpty, only when it has examples).
type output struct {
	path     string
	nonEmpty bool
}

// write creates the output, lets fill write its examples and commits it.
func (o *output) write(fill func(*fileio.File) (int, error)) (int, error) {
	f, err := fileio.Create(o.path)
	if err != nil {
		return 0, err
	}
	defer f.Abort()
	n, err := fill(f)
	if err != nil {
		return 0, err
	}
	if n == 0 && o.nonEmpty {
		return 0, ErrNoExamples
	}
	return n, f.Commit()
}
