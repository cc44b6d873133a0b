package train

import (
	"fmt"
	"path/filepath"
)

// trainerArgs are the Hugging Face TrainingArguments that the TRL and
// LLaMA-Factory configs both write, under the same keys.
type trainerArgs struct {
	OutputDir       string  `yaml:"output_dir"`
	NumTrainEpochs  pyFloat `yaml:"num_train_epochs"`
	LearningRate    pyFloat `yaml:"learning_rate"`
	LRSchedulerType string  `yaml:"lr_scheduler_type"`
	WarmupRatio     pyFloat `yaml:"warmup_ratio"`
	WeightDecay     pyFloat `yaml:"weight_decay"`
	BatchSize       int     `yaml:"per_device_train_batch_size"`
	GradAccum       int     `yaml:"gradient_accumulation_steps"`
}

// newTrainerArgs takes the trainer arguments from the options.
func newTrainerArgs(o *Options) trainerArgs {
	h := o.Hyper
	return trainerArgs{
		OutputDir:       o.Output,
		NumTrainEpochs:  pyFloat(h.Epochs),
		LearningRate:    pyFloat(h.LR),
		LRSchedulerType: h.Scheduler,
		WarmupRatio:     pyFloat(h.Warmup),
		WeightDecay:     pyFloat(h.WeightDecay),
		BatchSize:       h.BatchSize,
		GradAccum:       h.GradAccum,
	}
}

// trlConfig is the `trl sft --config` file. The data is written in TRL's
// conversational prompt-completion form and completion_only_loss puts the
// loss on the assistant reply only, with any chat template (TRL's
// assistant_only_loss needs {% generation %} markers few templates have).
// max_length is set explicitly: TRL's default of 1024 truncates most paths.
type trlConfig struct {
	ModelNameOrPath   string `yaml:"model_name_or_path"`
	DatasetName       string `yaml:"dataset_name"`
	DatasetTrainSplit string `yaml:"dataset_train_split"`
	trainerArgs       `yaml:",inline"`
	MaxLength         int    `yaml:"max_length"`
	CompletionOnly    bool   `yaml:"completion_only_loss"`
	Packing           bool   `yaml:"packing"`
	BF16              bool   `yaml:"bf16"`
	GradCkpt          bool   `yaml:"gradient_checkpointing"`
	Seed              int    `yaml:"seed"`
	LoggingSteps      int    `yaml:"logging_steps"`
	SaveStrategy      string `yaml:"save_strategy"`
	ReportTo          string `yaml:"report_to"`

	UsePEFT     bool    `yaml:"use_peft,omitempty"`
	LoRAR       int     `yaml:"lora_r,omitempty"`
	LoRAAlpha   int     `yaml:"lora_alpha,omitempty"`
	LoRADropout pyFloat `yaml:"lora_dropout,omitempty"`
	LoRATarget  string  `yaml:"lora_target_modules,omitempty"`
}

func planTRL(o *Options, p *Plan) error {
	h := o.Hyper
	c := trlConfig{
		ModelNameOrPath:   o.BaseModel,
		DatasetName:       filepath.Dir(p.Data),
		DatasetTrainSplit: "train",
		trainerArgs:       newTrainerArgs(o),
		MaxLength:         h.MaxLength,
		CompletionOnly:    true,
		BF16:              h.BF16,
		GradCkpt:          h.GradCkpt,
		Seed:              h.Seed,
		LoggingSteps:      10,
		SaveStrategy:      "epoch",
		ReportTo:          "none",
	}
	if h.LoRA {
		c.UsePEFT, c.LoRAR, c.LoRAAlpha, c.LoRADropout, c.LoRATarget = true, h.LoRARank, h.LoRAAlpha, pyFloat(h.LoRADropout), "all-linear"
	}
	path := filepath.Join(p.WorkDir, "trl_sft.yaml")
	header := fmt.Sprintf("TRL SFT config written by regenesis for %d examples.\nRun: trl sft --config %s", p.Stats.Examples, path)
	if err := writeYAML(path, header, c); err != nil {
		return err
	}
	p.Files = append(p.Files, path)
	p.Command = []string{"trl", "sft", "--config", path}
	if o.AccelerateConfig != "" {
		p.Command = append(p.Command, "--accelerate_config", o.AccelerateConfig)
	}
	p.Command = append(p.Command, o.ExtraArgs...)
	return nil
}
