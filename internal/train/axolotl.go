package train

import (
	"fmt"
	"path/filepath"
)

// axolotlConfig is the `axolotl train` file.
type axolotlConfig struct {
	BaseModel           string           `yaml:"base_model"`
	ChatTemplate        string           `yaml:"chat_template"`
	Datasets            []axolotlDataset `yaml:"datasets"`
	DatasetPreparedPath string           `yaml:"dataset_prepared_path"`
	ValSetSize          pyFloat          `yaml:"val_set_size"`
	OutputDir           string           `yaml:"output_dir"`
	SequenceLen         int              `yaml:"sequence_len"`
	SamplePacking       bool             `yaml:"sample_packing"`
	MicroBatchSize      int              `yaml:"micro_batch_size"`
	GradAccum           int              `yaml:"gradient_accumulation_steps"`
	NumEpochs           pyFloat          `yaml:"num_epochs"`
	LearningRate        pyFloat          `yaml:"learning_rate"`
	LRScheduler         string           `yaml:"lr_scheduler"`
	WarmupRatio         pyFloat          `yaml:"warmup_ratio"`
	WeightDecay         pyFloat          `yaml:"weight_decay"`
	Optimizer           string           `yaml:"optimizer"`
	BF16                bool             `yaml:"bf16"`
	GradCkpt            bool             `yaml:"gradient_checkpointing"`
	Seed                int              `yaml:"seed"`
	LoggingSteps        int              `yaml:"logging_steps"`
	SavesPerEpoch       int              `yaml:"saves_per_epoch"`
	DeepSpeed           string           `yaml:"deepspeed,omitempty"`

	Adapter          string  `yaml:"adapter,omitempty"`
	LoRAR            int     `yaml:"lora_r,omitempty"`
	LoRAAlpha        int     `yaml:"lora_alpha,omitempty"`
	LoRADropout      pyFloat `yaml:"lora_dropout,omitempty"`
	LoRATargetLinear bool    `yaml:"lora_target_linear,omitempty"`
}

// axolotlDataset trains on the assistant turns only (roles_to_train) and
// on the end-of-turn token of each.
type axolotlDataset struct {
	Path          string            `yaml:"path"`
	DSType        string            `yaml:"ds_type"`
	Type          string            `yaml:"type"`
	FieldMessages string            `yaml:"field_messages"`
	Mappings      map[string]string `yaml:"message_property_mappings"`
	RolesToTrain  []string          `yaml:"roles_to_train"`
	TrainOnEOS    string            `yaml:"train_on_eos"`
}

func planAxolotl(o *Options, p *Plan) error {
	if o.AccelerateConfig != "" {
		return fmt.Errorf("--accelerate-config is not used by axolotl: pass --deepspeed zero2|zero3")
	}
	h := o.Hyper
	c := axolotlConfig{
		BaseModel:    o.BaseModel,
		ChatTemplate: "tokenizer_default",
		Datasets: []axolotlDataset{{
			Path:          p.Data,
			DSType:        "json",
			Type:          "chat_template",
			FieldMessages: "messages",
			Mappings:      map[string]string{"role": "role", "content": "content"},
			RolesToTrain:  []string{"assistant"},
			TrainOnEOS:    "turn",
		}},
		DatasetPreparedPath: filepath.Join(p.WorkDir, "axolotl_prepared"),
		OutputDir:           o.Output,
		SequenceLen:         h.MaxLength,
		MicroBatchSize:      h.BatchSize,
		GradAccum:           h.GradAccum,
		NumEpochs:           pyFloat(h.Epochs),
		LearningRate:        pyFloat(h.LR),
		LRScheduler:         h.Scheduler,
		WarmupRatio:         pyFloat(h.Warmup),
		WeightDecay:         pyFloat(h.WeightDecay),
		Optimizer:           "adamw_torch",
		BF16:                h.BF16,
		GradCkpt:            h.GradCkpt,
		Seed:                h.Seed,
		LoggingSteps:        10,
		SavesPerEpoch:       1,
	}
	if h.LoRA {
		c.Adapter, c.LoRAR, c.LoRAAlpha, c.LoRADropout, c.LoRATargetLinear = "lora", h.LoRARank, h.LoRAAlpha, pyFloat(h.LoRADropout), true
	}
	if o.Distributed.Shard != "" {
		ds, err := writeDeepSpeedJSON(o, p)
		if err != nil {
			return err
		}
		c.DeepSpeed = ds
		p.Files = append(p.Files, ds)
	}
	path := filepath.Join(p.WorkDir, "axolotl.yaml")
	header := fmt.Sprintf("axolotl config written by regenesis for %d examples.\nRun: axolotl train %s\nWarmup: axolotl's own warmup_ratio, which it turns into steps itself (every version from 0.8).", p.Stats.Examples, path)
	if err := writeYAML(path, header, c); err != nil {
		return err
	}
	p.Files = append(p.Files, path)
	p.Command = append([]string{"axolotl", "train", path}, o.ExtraArgs...)
	return nil
}
