package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/export"
)

// WorkDirName is the directory under --output that holds an engine's
// dataset, configs and the result record.
const WorkDirName = "regenesis-train"

// Plan is what an engine was given: the files written and the command
// that trains.
type Plan struct {
	Engine  string
	WorkDir string
	// Data is the training data file written for the engine.
	Data  string
	Stats DataStats
	// Files are the configs and scripts written besides Data.
	Files []string
	// Command is the argv that trains; empty for openai.
	Command []string
	// Model is where the trained model (or LoRA adapter) will be.
	Model string
}

// Prepare writes the training data (through export, the one converter) and
// the engine's configs under Output/regenesis-train and returns the plan. It
// runs nothing.
func Prepare(ctx context.Context, o Options) (*Plan, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if err := o.absPaths(); err != nil {
		return nil, err
	}
	src, err := SourceFile(o.Data)
	if err != nil {
		return nil, err
	}
	p := &Plan{Engine: o.Engine, WorkDir: filepath.Join(o.Output, WorkDirName), Model: o.Output}
	if err := os.MkdirAll(p.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", p.WorkDir, err)
	}
	p.Data = filepath.Join(p.WorkDir, "data", "train.jsonl")
	var sum *export.Summary
	if p.Stats, sum, err = writeData(ctx, src, p.Data, dataOptions(o.Engine)); err != nil {
		return nil, err
	}
	switch o.Engine {
	case EngineHF:
		err = planHF(&o, p)
	case EngineTRL:
		err = planTRL(&o, p)
	case EngineLlamaFactory:
		err = planLlamaFactory(&o, p, sum.DatasetInfo)
	case EngineAxolotl:
		err = planAxolotl(&o, p)
	case EngineOpenAI:
		// The openai engine uploads Data; there is nothing else to write.
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Config returns the engine's main config file (TRL's or LLaMA-Factory's
// YAML, axolotl's), or "" for hf and openai.
func (p *Plan) Config() string {
	for _, f := range p.Files {
		switch filepath.Base(f) {
		case "trl_sft.yaml", "llamafactory_sft.yaml", "axolotl.yaml":
			return f
		}
	}
	return ""
}

// absPaths makes the local paths absolute, so that the printed command runs
// from any directory.
func (o *Options) absPaths() error {
	for _, p := range []*string{&o.Data, &o.Output, &o.AccelerateConfig} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("resolving %s: %w", *p, err)
		}
		*p = abs
	}
	return nil
}
