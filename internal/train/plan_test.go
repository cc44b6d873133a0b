package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/golden"
)

func TestPrepareGolden(t *testing.T) {
	lora := DefaultHyper()
	lora.LoRA = true
	custom := DefaultHyper()
	custom.Epochs, custom.LR, custom.BatchSize, custom.GradAccum, custom.MaxLength, custom.GradCkpt = 2, 2e-5, 4, 4, 8192, false
	tests := []struct {
		name string
		opts Options
	}{
		{"hf_full", Options{Engine: EngineHF, Hyper: DefaultHyper()}},
		{"hf_lora_fsdp", Options{Engine: EngineHF, Hyper: lora, MergeLoRA: true, AccelerateConfig: "/etc/accelerate/fsdp.yaml", Tokenizer: "org/tok", DropLong: true, ExtraArgs: []string{"--logging-steps", "1"}}},
		{"trl_full", Options{Engine: EngineTRL, Hyper: custom}},
		{"trl_lora", Options{Engine: EngineTRL, Hyper: lora, AccelerateConfig: "/etc/accelerate/zero3.yaml"}},
		{"llamafactory_full", Options{Engine: EngineLlamaFactory, Hyper: DefaultHyper(), Template: "qwen"}},
		{"llamafactory_lora", Options{Engine: EngineLlamaFactory, Hyper: lora}},
		{"axolotl_full", Options{Engine: EngineAxolotl, Hyper: custom}},
		{"axolotl_lora", Options{Engine: EngineAxolotl, Hyper: lora}},
		// The same configs for the oldest versions regenesis supports and
		// for the newest it was checked against.
		{"trl_full_old", Options{Engine: EngineTRL, Hyper: custom, Versions: oldVersions()}},
		{"trl_full_current", Options{Engine: EngineTRL, Hyper: custom, Versions: CurrentVersions()}},
		{"trl_lora_current", Options{Engine: EngineTRL, Hyper: lora, Versions: CurrentVersions()}},
		{"llamafactory_full_old", Options{Engine: EngineLlamaFactory, Hyper: DefaultHyper(), Template: "qwen", Versions: oldVersions()}},
		{"llamafactory_full_current", Options{Engine: EngineLlamaFactory, Hyper: DefaultHyper(), Template: "qwen", Versions: CurrentVersions()}},
		{"axolotl_full_old", Options{Engine: EngineAxolotl, Hyper: custom, Versions: oldVersions()}},
		{"axolotl_full_current", Options{Engine: EngineAxolotl, Hyper: custom, Versions: CurrentVersions()}},
		// Sharded runs with the configs regenesis writes.
		{"hf_fsdp_current", Options{Engine: EngineHF, Hyper: DefaultHyper(), Distributed: Distributed{Shard: ShardFSDP}, Versions: CurrentVersions()}},
		{"hf_fsdp_old", Options{Engine: EngineHF, Hyper: DefaultHyper(), Distributed: Distributed{Shard: ShardFSDP, GPUsPerNode: 4}, Versions: oldVersions()}},
		{"hf_zero3_2nodes", Options{Engine: EngineHF, Hyper: DefaultHyper(), Distributed: Distributed{Shard: ShardZero3, Nodes: 2, MainIP: "10.0.0.1"}, Versions: CurrentVersions()}},
		{"trl_fsdp_2nodes", Options{Engine: EngineTRL, Hyper: DefaultHyper(), Distributed: Distributed{Shard: ShardFSDP, Nodes: 2, MainIP: "10.0.0.1", MainPort: 29600}, Versions: CurrentVersions()}},
		{"trl_zero2", Options{Engine: EngineTRL, Hyper: DefaultHyper(), Distributed: Distributed{Shard: ShardZero2}}},
		{"llamafactory_zero3_2nodes", Options{Engine: EngineLlamaFactory, Hyper: DefaultHyper(), Distributed: Distributed{Shard: ShardZero3, Nodes: 2, MainIP: "10.0.0.1"}, Versions: CurrentVersions()}},
		{"axolotl_zero3", Options{Engine: EngineAxolotl, Hyper: lora, Distributed: Distributed{Shard: ShardZero3}, Versions: CurrentVersions()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			o := tt.opts
			o.Data, o.BaseModel, o.Output = "testdata/synth", "Qwen/Qwen2.5-0.5B-Instruct", out
			p, err := Prepare(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Stats.Examples != 2 {
				t.Errorf("examples = %d, want 2", p.Stats.Examples)
			}
			var b strings.Builder
			b.WriteString("command: " + ShellQuote(p.Command) + "\n")
			b.WriteString("model: " + p.Model + "\n")
			for _, f := range p.Files {
				if filepath.Base(f) == ScriptName {
					b.WriteString("\n== " + f + " (embedded script) ==\n")
					continue
				}
				c, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString("\n== " + f + " ==\n" + string(c))
			}
			golden.Check(t, filepath.Join("testdata", "golden", tt.name+".txt"), []byte(strings.ReplaceAll(b.String(), out, "$OUT")))
		})
	}
}

// oldVersions are the oldest versions regenesis supports.
func oldVersions() Versions {
	return Versions{"transformers": "4.46.3", "trl": "0.18.2", "accelerate": "0.34.2", "peft": "0.11.1", "llamafactory": "0.9.0", "axolotl": "0.8.0"}
}

func TestPrepareRejects(t *testing.T) {
	base := func() Options {
		return Options{Engine: EngineHF, Data: "testdata/synth", BaseModel: "m", Output: t.TempDir(), Hyper: DefaultHyper()}
	}
	tests := []struct {
		name   string
		mutate func(*Options)
		want   string
	}{
		{"engine", func(o *Options) { o.Engine = "deepspeed" }, `unknown engine "deepspeed"`},
		{"no data", func(o *Options) { o.Data = "" }, "--data is required"},
		{"missing data", func(o *Options) { o.Data = "testdata/nope" }, "testdata/nope: no such file or directory"},
		{"no model", func(o *Options) { o.BaseModel = "" }, "--base-model is required"},
		{"no output", func(o *Options) { o.Output = "" }, "--out is required"},
		{"lr", func(o *Options) { o.Hyper.LR = 0 }, "learning rate must be positive"},
		{"warmup", func(o *Options) { o.Hyper.Warmup = 1 }, "warmup ratio must be in [0, 1)"},
		{"batch", func(o *Options) { o.Hyper.BatchSize = 0 }, "batch size must be positive"},
		{"lora rank", func(o *Options) { o.Hyper.LoRA, o.Hyper.LoRARank = true, 0 }, "LoRA rank must be positive"},
		{"accelerate for axolotl", func(o *Options) { o.Engine, o.AccelerateConfig = EngineAxolotl, "a.yaml" }, "--accelerate-config is not used by axolotl"},
		{"accelerate for llamafactory", func(o *Options) { o.Engine, o.AccelerateConfig = EngineLlamaFactory, "a.yaml" }, "--accelerate-config is not used by llamafactory"},
		{"fsdp and own config", func(o *Options) { o.Distributed.Shard, o.AccelerateConfig = ShardFSDP, "a.yaml" }, "--fsdp writes its own accelerate config; drop --accelerate-config"},
		{"bad deepspeed stage", func(o *Options) { o.Distributed.Shard = "zero1" }, `--deepspeed "zero1": want zero2 or zero3`},
		{"fsdp for llamafactory", func(o *Options) { o.Engine, o.Distributed.Shard = EngineLlamaFactory, ShardFSDP }, "--fsdp is written for the hf and trl engines only"},
		{"nodes without address", func(o *Options) { o.Distributed = Distributed{Shard: ShardZero3, Nodes: 2} }, "pass --main-process-ip"},
		{"axolotl on nodes", func(o *Options) {
			o.Engine, o.Distributed = EngineAxolotl, Distributed{Shard: ShardZero3, Nodes: 2, MainIP: "h"}
		}, "for one node only"},
		{"openai sharded", func(o *Options) { o.Engine, o.Distributed.Shard = EngineOpenAI, ShardZero3 }, "the openai engine trains on the API's machines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.mutate(&o)
			_, err := Prepare(t.Context(), o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	got := ShellQuote([]string{"accelerate", "launch", "/a b/x.py", "it's", "", "--lr", "1e-06"})
	want := `accelerate launch '/a b/x.py' 'it'\''s' '' --lr 1e-06`
	if got != want {
		t.Errorf("ShellQuote = %s, want %s", got, want)
	}
}
