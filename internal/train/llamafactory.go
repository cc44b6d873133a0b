package train

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// lfConfig is the `llamafactory-cli train` file.
type lfConfig struct {
	ModelNameOrPath string  `yaml:"model_name_or_path"`
	Stage           string  `yaml:"stage"`
	DoTrain         bool    `yaml:"do_train"`
	FinetuningType  string  `yaml:"finetuning_type"`
	LoRARank        int     `yaml:"lora_rank,omitempty"`
	LoRAAlpha       int     `yaml:"lora_alpha,omitempty"`
	LoRADropout     pyFloat `yaml:"lora_dropout,omitempty"`
	LoRATarget      string  `yaml:"lora_target,omitempty"`
	Dataset         string  `yaml:"dataset"`
	DatasetDir      string  `yaml:"dataset_dir"`
	Template        string  `yaml:"template,omitempty"`
	CutoffLen       int     `yaml:"cutoff_len"`
	TrainOnPrompt   bool    `yaml:"train_on_prompt"`
	OverwriteCache  bool    `yaml:"overwrite_cache"`
	trainerArgs     `yaml:",inline"`
	BF16            bool   `yaml:"bf16"`
	DisableGradCkpt bool   `yaml:"disable_gradient_checkpointing"`
	Seed            int    `yaml:"seed"`
	LoggingSteps    int    `yaml:"logging_steps"`
	SaveStrategy    string `yaml:"save_strategy"`
	ReportTo        string `yaml:"report_to"`
	DeepSpeed       string `yaml:"deepspeed,omitempty"`
}

// planLlamaFactory writes the config for the data in p.Data, registered in
// infoPath (LLaMA-Factory's dataset_info.json, written with the data by
// export).
func planLlamaFactory(o *Options, p *Plan, infoPath string) error {
	if o.AccelerateConfig != "" {
		return fmt.Errorf("--accelerate-config is not used by llamafactory: pass --deepspeed zero2|zero3, or your own file with --extra-arg deepspeed=FILE and FORCE_TORCHRUN=1")
	}
	dataDir := filepath.Dir(p.Data)
	h := o.Hyper
	c := lfConfig{
		ModelNameOrPath: o.BaseModel,
		Stage:           "sft",
		DoTrain:         true,
		FinetuningType:  "full",
		Dataset:         lfDatasetName,
		DatasetDir:      dataDir,
		Template:        o.Template,
		CutoffLen:       h.MaxLength,
		OverwriteCache:  true,
		trainerArgs:     newTrainerArgs(o, p.Stats.Examples),
		BF16:            h.BF16,
		DisableGradCkpt: !h.GradCkpt,
		Seed:            h.Seed,
		LoggingSteps:    10,
		SaveStrategy:    "epoch",
		ReportTo:        "none",
	}
	if h.LoRA {
		c.FinetuningType, c.LoRARank, c.LoRAAlpha, c.LoRADropout, c.LoRATarget = "lora", h.LoRARank, h.LoRAAlpha, pyFloat(h.LoRADropout), "all"
	}
	p.Files = append(p.Files, infoPath)
	if o.Distributed.Shard != "" {
		ds, err := writeDeepSpeedJSON(o, p)
		if err != nil {
			return err
		}
		c.DeepSpeed = ds
		p.Files = append(p.Files, ds)
	}
	path := filepath.Join(p.WorkDir, "llamafactory_sft.yaml")
	header := fmt.Sprintf("LLaMA-Factory SFT config written by regenesis for %d examples.\nRun: llamafactory-cli train %s\n%s", p.Stats.Examples, path, warmupNote(o, p.Stats.Examples))
	if o.Template == "" {
		header += "\nNo template is set: LLaMA-Factory parses the tokenizer's chat template, and silently falls back to\nits `empty` template (no roles, no end-of-turn tokens) when the tokenizer has none; the preflight\nrefuses such a tokenizer. Pass --template NAME for a tokenizer without a chat template."
	}
	if err := writeYAML(path, header, c); err != nil {
		return err
	}
	p.Files = append(p.Files, path)
	p.Command = append([]string{"llamafactory-cli", "train", path}, o.ExtraArgs...)
	if d := o.Distributed; d.Shard != "" {
		// DeepSpeed under LLaMA-Factory runs through torchrun.
		base := append([]string{"FORCE_TORCHRUN=1", "NPROC_PER_NODE=" + strconv.Itoa(d.gpus())}, p.Command...)
		p.Command = append([]string{"env"}, base...)
		if d.nodes() > 1 {
			p.Command = torchrunNode(d, d.MainIP, "0", base)
			slurm, err := writeSlurm(o, p, p.Command, func(_ []string, rankVar string) []string {
				return torchrunNode(d, "$MAIN_IP", rankVar, base)
			})
			if err != nil {
				return err
			}
			p.Files = append(p.Files, slurm)
		}
	}
	return nil
}
