package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/shard"
)

// shardFlag is --shard I/N, shared by synthesize and eval.
type shardFlag struct{ value string }

func addShardFlag(fs *pflag.FlagSet) *shardFlag {
	f := &shardFlag{}
	fs.StringVar(&f.value, "shard", "", "run only shard I of N of the questions (by hash of the question id; I may name an environment variable, e.g. JOB_COMPLETION_INDEX/8 or SLURM_ARRAY_TASK_ID/8; $"+shard.EnvVar+"); combine the shard directories with regenesis merge")
	return f
}

// spec parses the flag, or $REGENESIS_SHARD when the flag is not set.
func (f *shardFlag) spec() (shard.Spec, error) {
	env := secret.ReadEnv(nil)
	v, from := f.value, "--shard"
	if v == "" {
		v, from = env.Shard, "$"+shard.EnvVar
	}
	s, err := shard.Parse(v, env.Lookup)
	if err != nil {
		return s, fmt.Errorf("%s: %w", from, err)
	}
	return s, nil
}
