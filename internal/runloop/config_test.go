package runloop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadFullExample(t *testing.T) {
	t.Parallel()
	c, err := Load("testdata/run.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Dir:        "runs/gsm8k-loop",
		Rounds:     2,
		Server:     Server{BaseURL: "http://localhost:8000/v1"},
		Synthesize: Synthesize{Model: "Qwen/Qwen2.5-7B-Instruct", Task: "gsm8k", Method: "regenesis", Split: "train", Args: []string{"--limit", "500"}},
		Export:     Export{Formats: []string{"sharegpt", "parquet"}},
		Train:      Train{Engine: "hf", BaseModel: "Qwen/Qwen2.5-7B-Instruct", Args: []string{"--accelerate-config", "configs/fsdp.yaml", "--max-length", "4096"}},
		Serve:      Serve{BaseURL: "http://localhost:8001/v1", Model: "regenesis-round-{round}", Command: "vllm serve {model} --port 8001 --served-model-name {name}", ReadyTimeout: "15m", readyTimeout: 15 * time.Minute},
		Eval:       Eval{Tasks: []string{"gsm8k", "math500", "arc_challenge"}, Args: []string{"--mode", "greedy"}},
		Report:     Report{Args: []string{}},
	}
	if diff := cmp.Diff(want, c, cmp.AllowUnexported(Serve{}, Shards{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	p := writeConfig(t, `dir: out
server: {base_url: "http://h/v1"}
synthesize: {model: m, task: gsm8k}
train: {engine: openai, base_model: gpt-4o-mini-2024-07-18}
`)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rounds != 1 || c.Synthesize.Method != "regenesis" || c.Synthesize.Split != "" || c.Eval.Split != "" ||
		!cmp.Equal(c.Eval.Tasks, []string{"gsm8k"}) || c.Serve.BaseURL != "http://h/v1" || c.Serve.Model != "{model}" || c.Serve.readyTimeout != 20*time.Minute {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	const ok = `dir: out
server: {base_url: "http://h/v1"}
synthesize: {model: m, task: gsm8k}
`
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", ok + "train:\n  engine: hf\n  base_model: m\n  epochs: 3\n", `:7:3: unknown field "epochs"`},
		{"wrong type", ok + "rounds: two\ntrain: {engine: hf, base_model: m}\n", ":4:9: cannot unmarshal string into Go struct field Config.Rounds of type int"},
		{"bad engine", ok + "train:\n  engine: deepspeed\n  base_model: m\n", `:5:11: train.engine: unknown engine "deepspeed"`},
		{"missing engine", ok + "train:\n  base_model: m\n", ": train.engine is required"},
		{"negative rounds", ok + "rounds: -1\ntrain: {engine: hf, base_model: m}\n", ":4:9: rounds must not be negative"},
		{"bad duration", ok + "train: {engine: hf, base_model: m}\nserve:\n  ready_timeout: soon\n", `:6:18: serve.ready_timeout: want a positive duration such as 15m, got "soon"`},
		{"duplicate key", ok + "dir: again\ntrain: {engine: hf, base_model: m}\n", `:4:1: mapping key "dir" already defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, tt.yaml)
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), p+tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, p+tt.want)
			}
		})
	}
}

func writeConfig(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
