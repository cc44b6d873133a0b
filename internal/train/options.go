// Package train hands supervised fine-tuning on synthesized reasoning paths to
// a training engine: the project's own Hugging Face script (hf), TRL,
// LLaMA-Factory, axolotl, or the OpenAI fine-tuning API. For each engine it
// writes the dataset and config the engine expects, checks what can be checked
// before GPU hours are spent, prints the exact command and runs it when asked.
package train

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// The engines.
const (
	EngineHF           = "hf"
	EngineTRL          = "trl"
	EngineLlamaFactory = "llamafactory"
	EngineAxolotl      = "axolotl"
	EngineOpenAI       = "openai"
)

// Engines lists the engine names in the order they are documented.
func Engines() []string {
	return []string{EngineHF, EngineTRL, EngineLlamaFactory, EngineAxolotl, EngineOpenAI}
}

// Hyper holds the training hyperparameters shared by the local engines.
// DefaultHyper gives the paper's values.
type Hyper struct {
	Epochs      float64
	LR          float64
	Scheduler   string
	Warmup      float64 // warmup ratio of the total steps
	WeightDecay float64
	BatchSize   int // per device
	GradAccum   int
	MaxLength   int // tokens per example, prompt and answer together
	BF16        bool
	GradCkpt    bool
	Seed        int

	LoRA        bool
	LoRARank    int
	LoRAAlpha   int
	LoRADropout float64
}

// DefaultHyper returns the paper's settings: 3 epochs, learning rate 1e-6,
// cosine schedule with 3% warmup, bf16, gradient checkpointing, batch 8 per
// device, no weight decay, full fine-tuning.
func DefaultHyper() Hyper {
	return Hyper{
		Epochs:      3,
		LR:          1e-6,
		Scheduler:   "cosine",
		Warmup:      0.03,
		WeightDecay: 0,
		BatchSize:   8,
		GradAccum:   1,
		MaxLength:   4096,
		BF16:        true,
		GradCkpt:    true,
		Seed:        42,
		LoRARank:    16,
		LoRAAlpha:   32,
		LoRADropout: 0.05,
	}
}

// Options configures one training hand-off.
type Options struct {
	Engine string
	// Data is a synthesis directory holding sft.jsonl, or a JSON Lines file
	// of {"messages": [...]} records.
	Data      string
	BaseModel string
	// Output is the directory the trained model (or, for openai, the job
	// record) goes to. The engine's working files go to Output/regenesis-train.
	Output string
	Hyper  Hyper

	// Python is the interpreter that runs the checks (default "python3").
	Python string
	// Tokenizer overrides the tokenizer for the hf engine and the checks.
	Tokenizer string
	// AccelerateConfig is the user's own accelerate config, passed to
	// accelerate (hf, trl) for multi-GPU and multi-node runs.
	AccelerateConfig string
	// Distributed makes regenesis write the FSDP or DeepSpeed config itself
	// (--fsdp, --deepspeed zero2|zero3) with the paper's settings.
	Distributed Distributed
	// Versions are the installed Python packages' versions; Run reads them
	// once (the --versions probe) before writing the configs. Nil: unknown,
	// the configs use keys every version accepts.
	Versions Versions
	// Template is LLaMA-Factory's template name; empty lets LLaMA-Factory
	// take the tokenizer's chat template.
	Template string
	// DropLong lets examples longer than Hyper.MaxLength through the
	// checks: the hf script leaves them out, TRL and LLaMA-Factory truncate
	// them, axolotl drops them.
	DropLong bool
	// MergeLoRA makes the hf engine also save the LoRA adapter merged into
	// the base model under Output/merged.
	MergeLoRA bool
	// ExtraArgs are appended to the engine's command line.
	ExtraArgs []string

	// DryRun writes the data and configs and prints the command without
	// checking or running anything.
	DryRun bool
	// Run launches trl, llamafactory and axolotl (hf and openai always run
	// unless DryRun is set).
	Run bool
	// CheckOnly runs the checks and stops.
	CheckOnly bool
	// SkipChecks skips the Python-side checks (packages, template, lengths).
	SkipChecks bool

	OpenAI OpenAIOptions

	// Stdout receives the command's output and the printed command; Log
	// receives progress lines. Nil writers discard.
	Stdout io.Writer
	Log    io.Writer
}

// OpenAIOptions configures the openai engine.
type OpenAIOptions struct {
	// BaseURL is the API root including /v1 (default https://api.openai.com/v1).
	BaseURL string
	APIKey  string
	// Suffix is added to the fine-tuned model's name.
	Suffix string
	// BatchSize and LRMultiplier are sent when set; otherwise the API
	// chooses them. Hyper.Epochs is always sent.
	BatchSize    int
	LRMultiplier float64
	// Seed, when set, makes the job reproducible.
	Seed *int
	// Follow resumes following an existing job instead of starting one.
	Follow string
	// PollInterval is the first wait between polls (default 5s); the wait
	// doubles while nothing changes, up to MaxPollInterval (default 1m).
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// HTTPTimeout bounds each request (default 2m; uploads can be large).
	HTTPTimeout time.Duration

	// filesLimit and partSize override FilesEndpointLimit and
	// UploadPartSize (tests).
	filesLimit, partSize int64
}

func (o *Options) validate() error {
	if !slices.Contains(Engines(), o.Engine) {
		return fmt.Errorf("unknown engine %q (known: %v)", o.Engine, Engines())
	}
	if o.Engine == EngineOpenAI && o.OpenAI.Follow != "" {
		if o.Output == "" {
			return fmt.Errorf("--out is required")
		}
		return nil
	}
	switch {
	case o.Data == "":
		return fmt.Errorf("--data is required")
	case o.BaseModel == "":
		return fmt.Errorf("--base-model is required")
	case o.Output == "":
		return fmt.Errorf("--out is required")
	}
	if err := o.Distributed.validate(o.Engine, o.AccelerateConfig); err != nil {
		return err
	}
	h := o.Hyper
	switch {
	case h.Epochs <= 0:
		return fmt.Errorf("epochs must be positive, got %g", h.Epochs)
	case h.LR <= 0:
		return fmt.Errorf("learning rate must be positive, got %g", h.LR)
	case h.Warmup < 0 || h.Warmup >= 1:
		return fmt.Errorf("warmup ratio must be in [0, 1), got %g", h.Warmup)
	case h.WeightDecay < 0:
		return fmt.Errorf("weight decay must not be negative, got %g", h.WeightDecay)
	case h.BatchSize <= 0:
		return fmt.Errorf("batch size must be positive, got %d", h.BatchSize)
	case h.GradAccum <= 0:
		return fmt.Errorf("gradient accumulation steps must be positive, got %d", h.GradAccum)
	case h.MaxLength <= 0:
		return fmt.Errorf("max length must be positive, got %d", h.MaxLength)
	case h.Scheduler == "":
		return fmt.Errorf("scheduler must not be empty")
	}
	if h.LoRA {
		switch {
		case h.LoRARank <= 0:
			return fmt.Errorf("LoRA rank must be positive, got %d", h.LoRARank)
		case h.LoRAAlpha <= 0:
			return fmt.Errorf("LoRA alpha must be positive, got %d", h.LoRAAlpha)
		case h.LoRADropout < 0 || h.LoRADropout >= 1:
			return fmt.Errorf("LoRA dropout must be in [0, 1), got %g", h.LoRADropout)
		}
	}
	return nil
}

func (o *Options) python() string {
	if o.Python == "" {
		return "python3"
	}
	return o.Python
}

func (o *Options) logw() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

func (o *Options) stdout() io.Writer {
	if o.Stdout == nil {
		return io.Discard
	}
	return o.Stdout
}
