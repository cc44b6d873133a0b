package cli

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/train"
)

func newTrainCmd() *cobra.Command {
	o := train.Options{Hyper: train.DefaultHyper()}
	var seed int
	var fsdp bool
	var deepspeed string
	cmd := &cobra.Command{
		Use:   "train --engine E --data DIR --base-model M --out OUT",
		Short: "Fine-tune a model on synthesized reasoning paths with a training engine",
		Long: `train hands supervised fine-tuning on a synthesis directory's kept paths
(DIR/sft.jsonl, or any {"messages": [...]} JSON Lines file) to an engine:

  hf            the project's own script (transformers + accelerate, peft for
                --lora), launched with accelerate launch; multi-GPU and
                multi-node with --fsdp or --deepspeed zero2|zero3 (configs
                written for you) or your own --accelerate-config
  trl           a TRL "trl sft" config (prompt-completion data, loss on the reply)
  llamafactory  dataset_info.json with explicit role tags and a YAML train config
  axolotl       a YAML config with the chat_template dataset type
  openai        upload to the fine-tuning API, create a job and follow it

Every local engine trains on the assistant turn only, with the model's chat
template. The defaults are the paper's: 3 epochs, learning rate 1e-6, cosine
schedule, 3% warmup, bf16, gradient checkpointing, batch 8 per device, no
weight decay. The engine's files go to OUT/regenesis-train; the command is
printed. hf runs it; trl, llamafactory and axolotl run it with --run. Before
running, train checks Python, the packages and their versions, the engine's
command, and (without a GPU) that the tokenizer has a chat template and every
example fits --max-length.`,
		Example: `  regenesis train --engine hf --data runs/gsm8k --base-model Qwen/Qwen2.5-7B-Instruct --out models/gsm8k
  regenesis train --engine hf --lora --data runs/gsm8k --base-model meta-llama/Llama-3.1-8B-Instruct \
      --out models/gsm8k --fsdp --gpus-per-node 8
  regenesis train --engine trl --data runs/gsm8k --base-model Qwen/Qwen2.5-7B-Instruct --out models/gsm8k \
      --deepspeed zero3 --nodes 2 --main-process-ip 10.0.0.1 --run
  regenesis train --engine trl --data runs/gsm8k --base-model Qwen/Qwen2.5-7B-Instruct --out models/gsm8k --run
  regenesis train --engine openai --data runs/gsm8k --base-model gpt-4o-mini-2024-07-18 --out models/gsm8k-openai
  regenesis train --engine openai --follow ftjob-abc123 --out models/gsm8k-openai`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("seed") && o.Engine == train.EngineOpenAI {
				o.OpenAI.Seed = &seed
			}
			o.Hyper.Seed = seed
			switch {
			case fsdp && deepspeed != "":
				return fmt.Errorf("--fsdp and --deepspeed %s: pick one", deepspeed)
			case fsdp:
				o.Distributed.Shard = train.ShardFSDP
			case deepspeed != "":
				o.Distributed.Shard = "zero" + strings.TrimPrefix(strings.ToLower(deepspeed), "zero")
			}
			env := secret.ReadEnv(nil)
			if o.OpenAI.BaseURL == "" && len(env.BaseURLs) > 0 {
				o.OpenAI.BaseURL = env.BaseURLs[0]
			}
			o.OpenAI.APIKey = cmp.Or(o.OpenAI.APIKey, env.APIKey)
			red := redactor(cmd.Context())
			red.Add(o.OpenAI.APIKey)
			red.Add(secret.URLSecrets(o.OpenAI.BaseURL)...)
			o.Stdout, o.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if o.Output != "" {
				release, err := lockRunDir(cmd, o.Output)
				if err != nil {
					return err
				}
				defer release()
			}
			res, err := train.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if res.Model != "" {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "trained model: %s\n", res.Model)
			}
			return err
		},
	}
	h := &o.Hyper
	f := cmd.Flags()
	f.StringVar(&o.Engine, "engine", train.EngineHF, "training engine: "+strings.Join(train.Engines(), ", "))
	f.StringVar(&o.Data, "data", "", "synthesis directory (with sft.jsonl) or a messages JSONL file")
	f.StringVar(&o.BaseModel, "base-model", "", "model to fine-tune (Hugging Face id or local path; the API's model name for openai)")
	f.StringVar(&o.Output, "out", "", "output directory for the trained model and the engine's files")
	f.StringVar(&o.Output, "output", "", "old name of --out")
	_ = f.MarkDeprecated("output", "use --out (the old name will stop working)")
	f.Float64Var(&h.Epochs, "epochs", h.Epochs, "training epochs")
	f.Float64Var(&h.LR, "lr", h.LR, "peak learning rate")
	f.StringVar(&h.Scheduler, "scheduler", h.Scheduler, "learning-rate schedule (transformers lr_scheduler_type)")
	f.Float64Var(&h.Warmup, "warmup-ratio", h.Warmup, "share of the steps spent warming up")
	f.Float64Var(&h.WeightDecay, "weight-decay", h.WeightDecay, "weight decay")
	f.IntVar(&h.BatchSize, "batch-size", h.BatchSize, "batch size per device")
	f.IntVar(&h.GradAccum, "grad-accum", h.GradAccum, "gradient accumulation steps")
	f.IntVar(&h.MaxLength, "max-length", h.MaxLength, "longest example in tokens, prompt and reply together")
	f.BoolVar(&o.DropLong, "drop-long", false, "let examples over --max-length pass the checks: hf leaves them out, trl and llamafactory truncate, axolotl drops them")
	f.BoolVar(&h.BF16, "bf16", h.BF16, "train in bfloat16")
	f.BoolVar(&h.GradCkpt, "gradient-checkpointing", h.GradCkpt, "trade compute for memory")
	f.IntVar(&seed, "seed", h.Seed, "random seed (sent to openai only when given)")
	f.BoolVar(&h.LoRA, "lora", false, "train a LoRA adapter instead of all weights")
	f.IntVar(&h.LoRARank, "lora-r", h.LoRARank, "LoRA rank")
	f.IntVar(&h.LoRAAlpha, "lora-alpha", h.LoRAAlpha, "LoRA alpha")
	f.Float64Var(&h.LoRADropout, "lora-dropout", h.LoRADropout, "LoRA dropout")
	f.BoolVar(&o.MergeLoRA, "merge-lora", false, "hf: also save the adapter merged into the base model under OUT/merged")
	f.StringVar(&o.Python, "python", "python3", "Python interpreter for the checks")
	f.StringVar(&o.Tokenizer, "tokenizer", "", "tokenizer with the chat template (default: the base model's)")
	f.StringVar(&o.AccelerateConfig, "accelerate-config", "", "your own accelerate config file for multi-GPU or multi-node runs (hf, trl); or let --fsdp / --deepspeed write one")
	f.BoolVar(&fsdp, "fsdp", false, "hf, trl: write an accelerate FSDP config (full shard, bf16, activation checkpointing by FSDP, full state dict saved) and launch with it")
	f.StringVar(&deepspeed, "deepspeed", "", "zero2 or zero3: write a DeepSpeed config (accelerate's for hf and trl, a DeepSpeed JSON for llamafactory and axolotl; zero3 saves the gathered 16-bit model)")
	f.IntVar(&o.Distributed.GPUsPerNode, "gpus-per-node", 8, "with --fsdp/--deepspeed: training processes per node")
	f.IntVar(&o.Distributed.Nodes, "nodes", 1, "with --fsdp/--deepspeed: number of machines (writes OUT/regenesis-train/slurm.sbatch when more than one)")
	f.StringVar(&o.Distributed.MainIP, "main-process-ip", "", "with --nodes > 1: address of node 0, reachable from every node")
	f.IntVar(&o.Distributed.MainPort, "main-process-port", 29500, "with --nodes > 1: port on node 0 for the rendezvous")
	f.StringVar(&o.Template, "template", "", "llamafactory: template name (default: the tokenizer's chat template)")
	f.StringArrayVar(&o.ExtraArgs, "extra-arg", nil, "argument appended to the engine's command (repeatable)")
	f.BoolVar(&o.DryRun, "dry-run", false, "write the data and configs and print the command; run nothing")
	f.BoolVar(&o.Run, "run", false, "trl, llamafactory, axolotl: run the command after the checks")
	f.BoolVar(&o.CheckOnly, "check", false, "run the checks and stop")
	f.BoolVar(&o.SkipChecks, "skip-checks", false, "skip the Python-side checks")
	f.StringVar(&o.OpenAI.BaseURL, "base-url", "", "openai: API root with /v1 (default $OPENAI_BASE_URL, else https://api.openai.com/v1)")
	f.StringVar(&o.OpenAI.APIKey, "api-key", "", "openai: API key (default $OPENAI_API_KEY)")
	f.StringVar(&o.OpenAI.Suffix, "suffix", "", "openai: suffix of the fine-tuned model's name")
	f.IntVar(&o.OpenAI.BatchSize, "openai-batch-size", 0, "openai: batch size (default: the API's choice)")
	f.Float64Var(&o.OpenAI.LRMultiplier, "openai-lr-multiplier", 0, "openai: learning-rate multiplier (default: the API's choice)")
	f.StringVar(&o.OpenAI.Follow, "follow", "", "openai: follow an existing job ID instead of starting one")
	f.DurationVar(&o.OpenAI.PollInterval, "poll", 0, "openai: first wait between polls (default 5s, doubling to 1m while nothing changes)")
	return cmd
}
