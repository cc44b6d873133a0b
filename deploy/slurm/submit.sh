#!/bin/bash
# Submits a sharded regenesis run: an array of SHARDS shard jobs, then a
# merge job that starts when every shard succeeded.
#
#   SHARDS=8 deploy/slurm/submit.sh synthesize --task gsm8k --method regenesis --model mistral-7b
#   SHARDS=4 ENDPOINTS_FILE=$PWD/fleet.txt deploy/slurm/submit.sh eval --suite all --model mistral-7b-regenesis
#
# Extra sbatch options for both jobs: SBATCH_ARGS="--partition=gpu --account=me".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHARDS=${SHARDS:-8}
SBATCH=${SBATCH:-sbatch}
read -r -a extra <<<"${SBATCH_ARGS:-}"
if [[ $# -eq 0 ]]; then
	echo "usage: SHARDS=N $0 synthesize|eval ARGS..." >&2
	exit 2
fi
RUN_DIR=${RUN_DIR:-runs/$(date +%Y%m%d-%H%M%S)-$1}
mkdir -p "$RUN_DIR"
export RUN_DIR SHARDS

array=$("$SBATCH" --parsable ${extra[@]+"${extra[@]}"} --array="0-$((SHARDS - 1))" --export=ALL "$here/shard.sbatch" "$@")
array=${array%%;*}
merge=$("$SBATCH" --parsable ${extra[@]+"${extra[@]}"} --dependency="afterok:$array" --export=ALL "$here/merge.sbatch")
merge=${merge%%;*}
echo "shards: job $array (array 0-$((SHARDS - 1))), merge: job $merge, run directory: $RUN_DIR"
