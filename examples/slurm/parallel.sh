#!/usr/bin/env bash
# The same sharded run on one big machine with GNU parallel: SHARDS shards,
# JOBS at a time, THREADS threads each, then the merge.
#
#   examples/slurm/parallel.sh SCENARIO REPLICATES [SHARDS] [RUN]

set -euo pipefail

SCENARIO=${1:?usage: $0 SCENARIO REPLICATES [SHARDS] [RUN]}
REPLICATES=${2:?usage: $0 SCENARIO REPLICATES [SHARDS] [RUN]}
SHARDS=${3:-16}
RUN=${4:-runs/$(basename "$SCENARIO" .toml)}
JOBS=${JOBS:-8}
THREADS=${THREADS:-2}
DDRSIM=${DDRSIM:-ddrsim}

parallel --jobs "$JOBS" --halt now,fail=1 \
    "$DDRSIM" run "$SCENARIO" --replicates "$REPLICATES" --shard {}/"$SHARDS" \
    --threads "$THREADS" --quiet --out "$RUN/shards/{}" ::: $(seq 1 "$SHARDS")
"$DDRSIM" merge "$RUN"/shards/* --out "$RUN/results" --quiet
echo "merged into $RUN/results"
