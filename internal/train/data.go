package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/export"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// DataStats describes the training data written for an engine.
type DataStats struct {
	// Source is the file the examples were read from.
	Source string `json:"source"`
	// Examples is the number of examples.
	Examples int `json:"examples"`
	// MaxChars is the length in characters of the longest example, all turns
	// together: a quick upper bound before tokenization.
	MaxChars int `json:"max_chars"`
}

// SourceFile resolves --data: a synthesis directory's sft.jsonl, or the file itself.
func SourceFile(data string) (string, error) {
	fi, err := os.Stat(data)
	if err != nil {
		return "", fmt.Errorf("training data: %w", err)
	}
	if fi.IsDir() {
		p := filepath.Join(data, rundir.SFTFile)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("training data: %s is not a synthesis directory: %w", data, err)
		}
		return p, nil
	}
	return data, nil
}

// lfDatasetName is the dataset's name in LLaMA-Factory's dataset_info.json.
const lfDatasetName = "regenesis"

// dataOptions is how an engine's data is exported: TRL reads TRL's
// conversational prompt-completion records (the loss on the reply only),
// LLaMA-Factory messages registered in dataset_info.json, the others
// messages.
func dataOptions(engine string) export.Options {
	switch engine {
	case EngineTRL:
		return export.Options{Format: export.PromptCompletion}
	case EngineLlamaFactory:
		return export.Options{Format: export.Messages, DatasetName: lfDatasetName}
	}
	return export.Options{Format: export.Messages}
}

// writeData exports the examples of src (an sft.jsonl, or any JSON Lines
// file of {"messages": [...]} records, checked by rundir's validator) to dst
// as opt says, and returns what it wrote. It fails, leaving dst as it was,
// when src has no example.
func writeData(ctx context.Context, src, dst string, opt export.Options) (DataStats, *export.Summary, error) {
	st := DataStats{Source: src}
	opt.Input, opt.Out, opt.NonEmpty = src, dst, true
	sum, err := export.Run(ctx, opt)
	if le, ok := errors.AsType[*fileio.LineError](err); ok {
		return st, nil, fmt.Errorf("training data: %w", le)
	}
	if errors.Is(err, export.ErrNoExamples) {
		return st, nil, fmt.Errorf("training data %s has no examples", src)
	}
	if err != nil {
		return st, nil, err
	}
	st.Examples, st.MaxChars = sum.Examples, sum.LongestChars
	return st, sum, nil
}
