package train

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestSlurmScriptRuns runs the written slurm.sbatch with stand-ins for
// srun (two nodes), scontrol and the engines: every node starts the same
// command with its own rank and node 0's address.
func TestSlurmScriptRuns(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	tests := []struct {
		name string
		opts Options
		want []string // per node, a substring of the engine's argv
	}{
		{"trl", Options{Engine: EngineTRL, Distributed: Distributed{Shard: ShardFSDP, Nodes: 2, MainIP: "10.0.0.1"}},
			[]string{"trl sft --machine_rank 0 --main_process_ip node-a --config ", "trl sft --machine_rank 1 --main_process_ip node-a --config "}},
		{"hf", Options{Engine: EngineHF, Distributed: Distributed{Shard: ShardZero3, Nodes: 2, MainIP: "10.0.0.1"}},
			[]string{"accelerate launch --machine_rank 0 --main_process_ip node-a --config_file ", "accelerate launch --machine_rank 1 --main_process_ip node-a --config_file "}},
		{"llamafactory", Options{Engine: EngineLlamaFactory, Distributed: Distributed{Shard: ShardZero3, Nodes: 2, MainIP: "10.0.0.1", MainPort: 29611}},
			[]string{"llamafactory-cli train NNODES=2 NODE_RANK=0 MASTER_ADDR=node-a MASTER_PORT=29611 FORCE_TORCHRUN=1 NPROC_PER_NODE=8", "llamafactory-cli train NNODES=2 NODE_RANK=1 MASTER_ADDR=node-a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			log := filepath.Join(bin, "log")
			stubs := map[string]string{
				"srun":     "#!/bin/bash\nfor i in 0 1; do SLURM_NODEID=$i \"$@\"; done\n",
				"scontrol": "#!/bin/bash\nprintf 'node-a\\nnode-b\\n'\n",
				// The engines log their name, argv and the torchrun variables.
				"trl":              "#!/bin/bash\necho \"trl $*\" >> " + log + "\n",
				"accelerate":       "#!/bin/bash\necho \"accelerate $*\" >> " + log + "\n",
				"llamafactory-cli": "#!/bin/bash\necho \"llamafactory-cli $1 NNODES=$NNODES NODE_RANK=$NODE_RANK MASTER_ADDR=$MASTER_ADDR MASTER_PORT=$MASTER_PORT FORCE_TORCHRUN=$FORCE_TORCHRUN NPROC_PER_NODE=$NPROC_PER_NODE\" >> " + log + "\n",
			}
			for name, body := range stubs {
				if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			o := tt.opts
			o.Data, o.BaseModel, o.Output, o.Hyper, o.Versions = "testdata/synth", "m", t.TempDir(), DefaultHyper(), CurrentVersions()
			p, err := Prepare(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			slurm := filepath.Join(p.WorkDir, "slurm.sbatch")
			cmd := exec.Command("bash", slurm)
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "SLURM_JOB_NODELIST=node-[a-b]")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			b, _ := os.ReadFile(log)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) != 2 {
				t.Fatalf("%d engine starts, want 2:\n%s", len(lines), b)
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("node %d ran %q, want it to contain %q", i, lines[i], w)
				}
			}
		})
	}
}

// TestAccelerateConfigKeys reads the written accelerate configs back and
// checks the settings the paper's runs need: full sharding, bf16,
// activation checkpointing in one place only, a full state dict on save.
func TestAccelerateConfigKeys(t *testing.T) {
	tests := []struct {
		name     string
		engine   string
		shard    string
		versions Versions
		want     map[string]any // dotted keys
		gradCkpt string         // how the trainer's gradient checkpointing appears
	}{
		{"fsdp2", EngineHF, ShardFSDP, CurrentVersions(), map[string]any{
			"distributed_type": "FSDP", "mixed_precision": "bf16", "fsdp_config.fsdp_version": uint64(2),
			"fsdp_config.fsdp_reshard_after_forward": true, "fsdp_config.fsdp_state_dict_type": "FULL_STATE_DICT",
			"fsdp_config.fsdp_activation_checkpointing": true, "num_processes": uint64(8),
		}, "--no-gradient-checkpointing"},
		{"fsdp1", EngineTRL, ShardFSDP, Versions{"accelerate": "1.6.0"}, map[string]any{
			"fsdp_config.fsdp_version": uint64(1), "fsdp_config.fsdp_sharding_strategy": "FULL_SHARD",
			"fsdp_config.fsdp_state_dict_type": "FULL_STATE_DICT", "fsdp_config.fsdp_activation_checkpointing": true,
		}, "gradient_checkpointing: false"},
		{"zero3", EngineHF, ShardZero3, CurrentVersions(), map[string]any{
			"distributed_type": "DEEPSPEED", "deepspeed_config.zero_stage": uint64(3), "deepspeed_config.zero3_init_flag": true,
			"deepspeed_config.zero3_save_16bit_model": true, "mixed_precision": "bf16",
		}, "--gradient-checkpointing"},
		{"zero2", EngineTRL, ShardZero2, nil, map[string]any{
			"deepspeed_config.zero_stage": uint64(2), "deepspeed_config.zero3_init_flag": false,
		}, "gradient_checkpointing: true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Engine: tt.engine, Data: "testdata/synth", BaseModel: "m", Output: t.TempDir(), Hyper: DefaultHyper(),
				Distributed: Distributed{Shard: tt.shard}, Versions: tt.versions}
			p, err := Prepare(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(p.WorkDir, "accelerate_"+tt.shard+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			if err := yaml.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				var v any = cfg
				for part := range strings.SplitSeq(k, ".") {
					v = v.(map[string]any)[part]
				}
				if v != want {
					t.Errorf("%s = %v (%T), want %v", k, v, v, want)
				}
			}
			where := ShellQuote(p.Command)
			if c := p.Config(); c != "" {
				cb, _ := os.ReadFile(c)
				where = string(cb)
			}
			if !strings.Contains(where, tt.gradCkpt) {
				t.Errorf("trainer's gradient checkpointing: want %q in\n%s", tt.gradCkpt, where)
			}
		})
	}
}
