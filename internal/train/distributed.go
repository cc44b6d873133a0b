package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The sharding modes of --fsdp and --deepspeed.
const (
	ShardFSDP  = "fsdp"
	ShardZero2 = "zero2"
	ShardZero3 = "zero3"
)

// Distributed describes a multi-GPU, multi-node run whose accelerate (or
// DeepSpeed) config regenesis writes itself.
type Distributed struct {
	// Shard is "" (no config written), ShardFSDP, ShardZero2 or ShardZero3.
	Shard string
	// GPUsPerNode is the number of processes on each node (default 8).
	GPUsPerNode int
	// Nodes is the number of machines (default 1).
	Nodes int
	// MainIP and MainPort are the address of node 0, which every node
	// reaches (needed with more than one node; port default 29500).
	MainIP   string
	MainPort int
}

func (d Distributed) gpus() int  { return cmpOr(d.GPUsPerNode, 8) }
func (d Distributed) nodes() int { return cmpOr(d.Nodes, 1) }
func (d Distributed) port() int  { return cmpOr(d.MainPort, 29500) }

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// processes is the number of training processes the plan runs: GPUs per
// node times nodes when regenesis writes the distributed config, else 1
// (an --accelerate-config of the user's is not read).
func (o *Options) processes() int {
	if o.Distributed.Shard == "" {
		return 1
	}
	return o.Distributed.gpus() * o.Distributed.nodes()
}

func (d Distributed) validate(engine, accelerateConfig string) error {
	switch d.Shard {
	case "", ShardFSDP, ShardZero2, ShardZero3:
	default:
		return fmt.Errorf("--deepspeed %q: want zero2 or zero3", d.Shard)
	}
	if d.Shard == "" {
		return nil
	}
	flag := "--deepspeed " + d.Shard
	if d.Shard == ShardFSDP {
		flag = "--fsdp"
	}
	switch {
	case engine == EngineOpenAI:
		return fmt.Errorf("%s: the openai engine trains on the API's machines", flag)
	case accelerateConfig != "":
		return fmt.Errorf("%s writes its own accelerate config; drop --accelerate-config (or drop %s and keep your config)", flag, flag)
	case d.Shard == ShardFSDP && (engine == EngineLlamaFactory || engine == EngineAxolotl):
		return fmt.Errorf("--fsdp is written for the hf and trl engines only; use --deepspeed zero3 with %s", engine)
	case engine == EngineAxolotl && d.nodes() > 1:
		return fmt.Errorf("%s --nodes %d: regenesis writes axolotl's DeepSpeed config for one node only; for several, use the hf or trl engine", flag, d.nodes())
	case d.GPUsPerNode < 0 || d.Nodes < 0 || d.MainPort < 0:
		return fmt.Errorf("%s: --gpus-per-node, --nodes and --main-process-port must not be negative", flag)
	case d.nodes() > 1 && d.MainIP == "":
		return fmt.Errorf("%s with --nodes %d: pass --main-process-ip, the address of node 0 that every node reaches", flag, d.nodes())
	}
	return nil
}

// accelerateConfig is an accelerate launch config file.
type accelerateConfig struct {
	ComputeEnvironment string            `yaml:"compute_environment"`
	Debug              bool              `yaml:"debug"`
	DistributedType    string            `yaml:"distributed_type"`
	DowncastBF16       string            `yaml:"downcast_bf16"`
	FSDP               *fsdpConfig       `yaml:"fsdp_config,omitempty"`
	DeepSpeed          *deepspeedAccConf `yaml:"deepspeed_config,omitempty"`
	MachineRank        int               `yaml:"machine_rank"`
	MainProcessIP      string            `yaml:"main_process_ip,omitempty"`
	MainProcessPort    int               `yaml:"main_process_port,omitempty"`
	MainTrainingFunc   string            `yaml:"main_training_function"`
	MixedPrecision     string            `yaml:"mixed_precision"`
	NumMachines        int               `yaml:"num_machines"`
	NumProcesses       int               `yaml:"num_processes"`
	RdzvBackend        string            `yaml:"rdzv_backend"`
	SameNetwork        bool              `yaml:"same_network"`
	UseCPU             bool              `yaml:"use_cpu"`
}

// fsdpConfig shards fully, wraps each transformer block, checkpoints
// activations (the one place they are: the trainer's gradient
// checkpointing is turned off), loads the weights on one process only, and
// gathers the full state dict on save, so OUT holds a loadable model.
type fsdpConfig struct {
	ActivationCheckpointing bool   `yaml:"fsdp_activation_checkpointing"`
	AutoWrapPolicy          string `yaml:"fsdp_auto_wrap_policy"`
	BackwardPrefetch        string `yaml:"fsdp_backward_prefetch,omitempty"`
	CPURAMEfficientLoading  bool   `yaml:"fsdp_cpu_ram_efficient_loading"`
	OffloadParams           bool   `yaml:"fsdp_offload_params"`
	ReshardAfterForward     *bool  `yaml:"fsdp_reshard_after_forward,omitempty"`
	ShardingStrategy        string `yaml:"fsdp_sharding_strategy,omitempty"`
	StateDictType           string `yaml:"fsdp_state_dict_type"`
	SyncModuleStates        *bool  `yaml:"fsdp_sync_module_states,omitempty"`
	UseOrigParams           *bool  `yaml:"fsdp_use_orig_params,omitempty"`
	Version                 int    `yaml:"fsdp_version"`
}

// deepspeedAccConf is accelerate's inline DeepSpeed plugin config (the
// form of TRL's zero2.yaml and zero3.yaml); the trainer fills batch size,
// accumulation and clipping from its arguments.
type deepspeedAccConf struct {
	MultinodeLauncher   string `yaml:"deepspeed_multinode_launcher"`
	OffloadOptimizer    string `yaml:"offload_optimizer_device"`
	OffloadParam        string `yaml:"offload_param_device"`
	Zero3InitFlag       bool   `yaml:"zero3_init_flag"`
	Zero3Save16BitModel bool   `yaml:"zero3_save_16bit_model,omitempty"`
	ZeroStage           int    `yaml:"zero_stage"`
}

func ptr[T any](v T) *T { return &v }

// writeAccelerateConfig writes OUT/regenesis-train/accelerate_<shard>.yaml
// and returns its path, or "" when no sharding was asked for.
func writeAccelerateConfig(o *Options, p *Plan) (string, error) {
	d := o.Distributed
	if d.Shard == "" {
		return "", nil
	}
	c := accelerateConfig{
		ComputeEnvironment: "LOCAL_MACHINE",
		DowncastBF16:       "no",
		MainTrainingFunc:   "main",
		MixedPrecision:     "no",
		NumMachines:        d.nodes(),
		NumProcesses:       d.gpus() * d.nodes(),
		RdzvBackend:        "static",
		SameNetwork:        true,
	}
	if o.Hyper.BF16 {
		c.MixedPrecision = "bf16"
	}
	if d.nodes() > 1 {
		c.MainProcessIP, c.MainProcessPort, c.RdzvBackend = d.MainIP, d.port(), "c10d"
	}
	var note string
	switch d.Shard {
	case ShardFSDP:
		c.DistributedType = "FSDP"
		f := &fsdpConfig{
			ActivationCheckpointing: o.Hyper.GradCkpt,
			AutoWrapPolicy:          "TRANSFORMER_BASED_WRAP",
			CPURAMEfficientLoading:  true,
			StateDictType:           "FULL_STATE_DICT",
		}
		if o.Versions.atLeast("accelerate", accFSDP2) {
			f.Version, f.ReshardAfterForward = 2, ptr(true)
			note = "FSDP2 (accelerate 1.7 or later), parameters resharded after forward: full shard."
		} else {
			acc, _ := o.Versions.version("accelerate")
			f.Version, f.ShardingStrategy, f.BackwardPrefetch = 1, "FULL_SHARD", "BACKWARD_PRE"
			f.SyncModuleStates, f.UseOrigParams = ptr(true), ptr(true)
			note = "FSDP1 with FULL_SHARD: the installed accelerate " + acc + " predates FSDP2 (1.7)."
		}
		c.FSDP = f
	case ShardZero2, ShardZero3:
		c.DistributedType = "DEEPSPEED"
		z := &deepspeedAccConf{MultinodeLauncher: "standard", OffloadOptimizer: "none", OffloadParam: "none", ZeroStage: 2}
		if d.Shard == ShardZero3 {
			z.ZeroStage, z.Zero3InitFlag, z.Zero3Save16BitModel = 3, true, true
			note = "ZeRO-3: weights sharded as they load (zero3_init_flag) and gathered into one 16-bit model on save."
		} else {
			note = "ZeRO-2: optimizer states and gradients sharded; every process holds the weights."
		}
		c.DeepSpeed = z
	}
	path := filepath.Join(p.WorkDir, "accelerate_"+d.Shard+".yaml")
	header := fmt.Sprintf("accelerate config written by regenesis: %d node(s) x %d GPU(s), bf16 %v.\n%s\n%s",
		d.nodes(), d.gpus(), o.Hyper.BF16, note, multiNodeNote(d))
	if err := writeYAML(path, header, c); err != nil {
		return "", err
	}
	return path, nil
}

// multiNodeNote says how to start the other nodes.
func multiNodeNote(d Distributed) string {
	if d.nodes() == 1 {
		return "Single node: run the printed command."
	}
	return fmt.Sprintf("Run the printed command on node 0, and on node R (1..%d) the same command with --machine_rank R;\nor submit OUT/regenesis-train/slurm.sbatch, which starts every node with srun.", d.nodes()-1)
}

// deepspeedJSON is a DeepSpeed config for the engines that take one
// (LLaMA-Factory's and axolotl's deepspeed key); "auto" values are filled
// by the trainer from its arguments.
func deepspeedJSON(stage int) map[string]any {
	zero := map[string]any{"stage": stage, "overlap_comm": false, "contiguous_gradients": true}
	if stage == 3 {
		zero["reduce_bucket_size"] = "auto"
		zero["stage3_prefetch_bucket_size"] = "auto"
		zero["stage3_param_persistence_threshold"] = "auto"
		zero["stage3_max_live_parameters"] = 1e9
		zero["stage3_max_reuse_distance"] = 1e9
		zero["sub_group_size"] = 1e9
		zero["stage3_gather_16bit_weights_on_model_save"] = true
	} else {
		zero["allgather_partitions"] = true
		zero["allgather_bucket_size"] = 5e8
		zero["reduce_scatter"] = true
		zero["reduce_bucket_size"] = 5e8
	}
	return map[string]any{
		"train_batch_size":               "auto",
		"train_micro_batch_size_per_gpu": "auto",
		"gradient_accumulation_steps":    "auto",
		"gradient_clipping":              "auto",
		"zero_allow_untested_optimizer":  true,
		"bf16":                           map[string]any{"enabled": "auto"},
		"zero_optimization":              zero,
	}
}

// writeDeepSpeedJSON writes OUT/regenesis-train/ds_<shard>.json.
func writeDeepSpeedJSON(o *Options, p *Plan) (string, error) {
	stage := 2
	if o.Distributed.Shard == ShardZero3 {
		stage = 3
	}
	b, err := json.MarshalIndent(deepspeedJSON(stage), "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(p.WorkDir, "ds_"+o.Distributed.Shard+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// writeSlurm writes OUT/regenesis-train/slurm.sbatch, which starts the
// training command on every node of a Slurm allocation, each with its
// node's rank, node 0 being the rendezvous host. argv is node 0's command;
// rank rewrites it for the node whose rank is in a shell variable.
func writeSlurm(o *Options, p *Plan, argv []string, rank func(argv []string, rankVar string) []string) (string, error) {
	d := o.Distributed
	if d.nodes() == 1 {
		return "", nil
	}
	cmd := rank(argv, "$SLURM_NODEID")
	// The line is quoted for the shell, the variables left to expand on
	// each node.
	parts := make([]string, len(cmd))
	for i, a := range cmd {
		parts[i] = quoteWithVars(a, "$SLURM_NODEID", "$MAIN_IP")
	}
	line := strings.Join(parts, " ")
	script := fmt.Sprintf(`#!/bin/bash
# Slurm batch script written by regenesis: one task per node, %d GPUs each.
#SBATCH --nodes=%d
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=%d
#SBATCH --exclusive
set -euo pipefail
# Node 0 of the allocation is the rendezvous host (it replaces %s);
# sed reads all names, so that pipefail never sees a SIGPIPE.
MAIN_IP=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | sed -n 1p)
export MAIN_IP
srun bash -c %s
`, d.gpus(), d.nodes(), d.gpus(), d.MainIP, quoteArg(line))
	path := filepath.Join(p.WorkDir, "slurm.sbatch")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// quoteWithVars quotes a for the shell like quoteArg, except that the
// named variables in it stay expandable ("$VAR").
func quoteWithVars(a string, vars ...string) string {
	for _, v := range vars {
		if before, after, ok := strings.Cut(a, v); ok {
			var b strings.Builder
			if before != "" {
				b.WriteString(quoteWithVars(before, vars...))
			}
			b.WriteString(`"` + v + `"`)
			if after != "" {
				b.WriteString(quoteWithVars(after, vars...))
			}
			return b.String()
		}
	}
	return quoteArg(a)
}

// accelerateRank returns an accelerate-launched command (hf: accelerate
// launch, trl: trl sft, which hands unknown flags to accelerate) run as
// node rankVar, with node 0's address from $MAIN_IP.
func accelerateRank(argv []string, rankVar string) []string {
	out := append([]string(nil), argv[:2]...)
	out = append(out, "--machine_rank", rankVar, "--main_process_ip", "$MAIN_IP")
	return append(out, argv[2:]...)
}

// torchrunNode returns a torchrun-launched command (LLaMA-Factory with
// FORCE_TORCHRUN) run as node rank: the node count, its rank and node 0's
// address go in the environment.
func torchrunNode(d Distributed, mainAddr, rank string, argv []string) []string {
	env := []string{"env", "NNODES=" + strconv.Itoa(d.nodes()), "NODE_RANK=" + rank, "MASTER_ADDR=" + mainAddr, "MASTER_PORT=" + strconv.Itoa(d.port())}
	return append(env, argv...)
}
