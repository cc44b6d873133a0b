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
	// One of the two warmup keys, as warmupKeys picks for the installed
	// transformers.
	WarmupRatio *pyFloat  `yaml:"warmup_ratio,omitempty"`
	WarmupSteps *pyNumber `yaml:"warmup_steps,omitempty"`
	WeightDecay pyFloat   `yaml:"weight_decay"`
	BatchSize   int       `yaml:"per_device_train_batch_size"`
	GradAccum   int       `yaml:"gradient_accumulation_steps"`
}

// newTrainerArgs takes the trainer arguments from the options and the
// number of examples.
func newTrainerArgs(o *Options, examples int) trainerArgs {
	h := o.Hyper
	ratio, steps := warmupKeys(o, examples)
	return trainerArgs{
		OutputDir:       o.Output,
		NumTrainEpochs:  pyFloat(h.Epochs),
		LearningRate:    pyFloat(h.LR),
		LRSchedulerType: h.Scheduler,
		WarmupRatio:     ratio,
		WarmupSteps:     steps,
		WeightDecay:     pyFloat(h.WeightDecay),
		BatchSize:       h.BatchSize,
		GradAccum:       h.GradAccum,
	}
}

// warmupNote explains the warmup key in a config header.
func warmupNote(o *Options, examples int) string {
	if tf, ok := o.Versions.version("transformers"); ok {
		if versionLess(tf, tfWarmupStepsRatio) {
			return fmt.Sprintf("Warmup: warmup_ratio %g (transformers %s, before 5.0, takes no ratio in warmup_steps).", o.Hyper.Warmup, tf)
		}
		return fmt.Sprintf("Warmup: warmup_steps %g, a ratio of the steps (transformers %s; warmup_ratio is deprecated from 5.0 and gone in 5.15).", o.Hyper.Warmup, tf)
	}
	return fmt.Sprintf("Warmup: warmup_steps %d = %g of the steps of %d examples x %g epochs at %d per device x %d process(es) x %d accumulation\n(the installed transformers was not probed; whole steps suit every version).",
		warmupSteps(examples, o.Hyper, o.processes()), o.Hyper.Warmup, examples, o.Hyper.Epochs, o.Hyper.BatchSize, o.processes(), o.Hyper.GradAccum)
}

// trlConfig is the `trl sft --config` file. The data is written in TRL's
// conversational prompt-completion form and completion_only_loss puts the
// loss on the assistant reply only, with any chat template. (TRL's
// assistant_only_loss needs {% generation %} markers in the template; from
// TRL 1.1 it swaps in a marked copy of the template for the families it
// knows - Qwen2.5/3, Llama 3, Gemma, Phi-3 and a few more - and refuses
// others; completion_only_loss works with every template and TRL version
// from 0.17.) max_length is set explicitly: TRL's default of 1024
// truncates most paths. The model dtype is float32 for full fine-tuning
// (bf16 computes under autocast; since transformers 5 the weights would
// otherwise load in the checkpoint's bf16, where updates at lr 1e-6 round
// away) and bfloat16 for LoRA's frozen base.
type trlConfig struct {
	ModelNameOrPath   string `yaml:"model_name_or_path"`
	DatasetName       string `yaml:"dataset_name"`
	DatasetTrainSplit string `yaml:"dataset_train_split"`
	trainerArgs       `yaml:",inline"`
	Dtype             string `yaml:"dtype,omitempty"`
	TorchDtype        string `yaml:"torch_dtype,omitempty"`
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
		trainerArgs:       newTrainerArgs(o, p.Stats.Examples),
		MaxLength:         h.MaxLength,
		CompletionOnly:    true,
		BF16:              h.BF16,
		GradCkpt:          h.GradCkpt,
		Seed:              h.Seed,
		LoggingSteps:      10,
		SaveStrategy:      "epoch",
		ReportTo:          "none",
	}
	dtype := "float32"
	if h.LoRA {
		c.UsePEFT, c.LoRAR, c.LoRAAlpha, c.LoRADropout, c.LoRATarget = true, h.LoRARank, h.LoRAAlpha, pyFloat(h.LoRADropout), "all-linear"
		if h.BF16 {
			dtype = "bfloat16"
		}
	}
	if o.Versions.atLeast("trl", trlDtype) {
		c.Dtype = dtype
	} else {
		c.TorchDtype = dtype
	}
	if o.Distributed.Shard == ShardFSDP {
		// FSDP checkpoints the activations (fsdp_activation_checkpointing);
		// the trainer must not as well: transformers refuses both at once.
		c.GradCkpt = false
	}
	accel := o.AccelerateConfig
	if o.Distributed.Shard != "" {
		var err error
		if accel, err = writeAccelerateConfig(o, p); err != nil {
			return err
		}
		p.Files = append(p.Files, accel)
	}
	path := filepath.Join(p.WorkDir, "trl_sft.yaml")
	header := fmt.Sprintf("TRL SFT config written by regenesis for %d examples.\nRun: trl sft --config %s\n%s", p.Stats.Examples, path, warmupNote(o, p.Stats.Examples))
	if err := writeYAML(path, header, c); err != nil {
		return err
	}
	p.Files = append(p.Files, path)
	p.Command = []string{"trl", "sft", "--config", path}
	if accel != "" {
		p.Command = append(p.Command, "--accelerate_config", accel)
	}
	p.Command = append(p.Command, o.ExtraArgs...)
	if o.Distributed.Shard != "" {
		slurm, err := writeSlurm(o, p, p.Command, accelerateRank)
		if err != nil {
			return err
		}
		if slurm != "" {
			p.Files = append(p.Files, slurm)
		}
	}
	return nil
}
