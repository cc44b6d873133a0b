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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			o := tt.opts
			o.Data, o.BaseModel, o.Output = "testdata/synth", "Qwen/Qwen2.5-0.5B-Instruct", out
			p, err := Prepare(o)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.mutate(&o)
			_, err := Prepare(o)
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
