#!/usr/bin/env bash
# Submit a sharded ddrsim run on a Slurm cluster: a job array of SHARDS
# shards, then a merge job that starts only if every shard succeeded.
#
#   examples/slurm/submit.sh SCENARIO REPLICATES [SHARDS] [RUN]
#   examples/slurm/submit.sh scenarios/default.toml 100000 16 runs/default
#
# Environment: SEED (default: the scenario's), DDRSIM (path to the binary).

set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 SCENARIO REPLICATES [SHARDS] [RUN]" >&2
    exit 2
fi
SCENARIO=$1
REPLICATES=$2
SHARDS=${3:-16}
RUN=${4:-runs/$(basename "$SCENARIO" .toml)}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

mkdir -p logs "$RUN"
export SCENARIO REPLICATES SHARDS RUN

array_id=$(sbatch --parsable --array="1-$SHARDS" --export=ALL "$here/shards.sh")
array_id=${array_id%%;*}
merge_id=$(sbatch --parsable --dependency=afterok:"$array_id" --export=ALL "$here/merge.sh")
echo "shards: job array $array_id (1-$SHARDS); merge: job $merge_id after all shards succeed"
echo "results will be in $RUN/results"
