package train

import (
	"path/filepath"
	"strconv"
)

// planHF writes the training script and builds its accelerate command.
func planHF(o *Options, p *Plan) error {
	scriptPath, err := WriteScript(p.WorkDir)
	if err != nil {
		return err
	}
	p.Files = append(p.Files, scriptPath)
	cmd := []string{"accelerate", "launch"}
	accel := o.AccelerateConfig
	if o.Distributed.Shard != "" {
		if accel, err = writeAccelerateConfig(o, p); err != nil {
			return err
		}
		p.Files = append(p.Files, accel)
	}
	if accel != "" {
		cmd = append(cmd, "--config_file", accel)
	}
	h := o.Hyper
	// Under FSDP the activations are checkpointed by FSDP itself
	// (fsdp_activation_checkpointing in the written config); the trainer's
	// gradient checkpointing stays off, as transformers refuses both.
	gradCkpt := h.GradCkpt && o.Distributed.Shard != ShardFSDP
	cmd = append(cmd, scriptPath,
		"--data", p.Data,
		"--model", o.BaseModel,
		"--output", o.Output,
		"--epochs", fmtFloat(h.Epochs),
		"--lr", fmtFloat(h.LR),
		"--scheduler", h.Scheduler,
		"--warmup-ratio", fmtFloat(h.Warmup),
		"--weight-decay", fmtFloat(h.WeightDecay),
		"--batch-size", strconv.Itoa(h.BatchSize),
		"--grad-accum", strconv.Itoa(h.GradAccum),
		"--max-length", strconv.Itoa(h.MaxLength),
		"--seed", strconv.Itoa(h.Seed),
		boolFlag("bf16", h.BF16),
		boolFlag("gradient-checkpointing", gradCkpt),
	)
	if o.Tokenizer != "" {
		cmd = append(cmd, "--tokenizer", o.Tokenizer)
	}
	if o.DropLong {
		cmd = append(cmd, "--drop-long")
	}
	if h.LoRA {
		cmd = append(cmd, "--lora",
			"--lora-r", strconv.Itoa(h.LoRARank),
			"--lora-alpha", strconv.Itoa(h.LoRAAlpha),
			"--lora-dropout", fmtFloat(h.LoRADropout))
		if o.MergeLoRA {
			cmd = append(cmd, "--merge-lora")
			p.Model = filepath.Join(o.Output, "merged")
		}
	}
	p.Command = append(cmd, o.ExtraArgs...)
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

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func boolFlag(name string, on bool) string {
	if on {
		return "--" + name
	}
	return "--no-" + name
}
