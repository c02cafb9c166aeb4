#!/usr/bin/env bash
# One shard of a sharded ddrsim run per array task (Slurm job array).
#
# Submit with submit.sh (which also queues the merge), or by hand:
#   sbatch --array=1-16 --export=ALL,SCENARIO=my.toml,REPLICATES=100000,RUN=runs/my examples/slurm/shards.sh
# The --array line below is the default; a command-line --array overrides it.
# SHARDS must equal the size of the array (16 here).
#
#SBATCH --job-name=ddrsim-shard
#SBATCH --array=1-16
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --output=logs/%x-%A_%a.out

set -euo pipefail

SCENARIO=${SCENARIO:?set SCENARIO to the scenario file}
REPLICATES=${REPLICATES:?set REPLICATES to the replicates of the whole run}
RUN=${RUN:-runs/$(basename "$SCENARIO" .toml)}
SHARDS=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:-16}}
SEED=${SEED:-}
DDRSIM=${DDRSIM:-ddrsim}

seed_args=()
if [[ -n "$SEED" ]]; then
    seed_args=(--seed "$SEED")
fi

# Every shard of a run must get the same scenario file, seed, replicates and N.
"$DDRSIM" run "$SCENARIO" \
    --replicates "$REPLICATES" ${seed_args[@]+"${seed_args[@]}"} \
    --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
    --threads "${SLURM_CPUS_PER_TASK:-1}" \
    --quiet \
    --out "$RUN/shards/$SLURM_ARRAY_TASK_ID"
