#!/usr/bin/env bash
# Assemble the shard folders of a sharded ddrsim sweep into one sweep folder
# (sweep.csv byte-identical to an unsharded sweep, point files, charts).
# Queued by sweep-submit.sh to start once every shard succeeded.
#
#SBATCH --job-name=ddrsim-sweep-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=logs/%x-%j.out

set -euo pipefail

RUN=${RUN:?set RUN to the sweep folder holding shards/}
DDRSIM=${DDRSIM:-ddrsim}

# sweep --merge refuses a set with a shard missing, given twice, unfinished
# or of another plan, naming the shards and points concerned.
"$DDRSIM" sweep --merge "$RUN"/shards/* --out "$RUN/results" --force --quiet
echo "sweep assembled in $RUN/results (ddrsim explore $RUN/results for the explorer page)"
