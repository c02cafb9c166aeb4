#!/usr/bin/env bash
# Merge the shard folders of a sharded ddrsim run into one output folder
# (the same CSV files, byte for byte, as a single run), with charts and
# report.html. Queued by submit.sh to start once every shard succeeded.
#
#SBATCH --job-name=ddrsim-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=00:30:00
#SBATCH --output=logs/%x-%j.out

set -euo pipefail

RUN=${RUN:?set RUN to the run folder holding shards/}
DDRSIM=${DDRSIM:-ddrsim}

# merge refuses a set with a shard missing or given twice, and names it.
"$DDRSIM" merge "$RUN"/shards/* --out "$RUN/results" --quiet
echo "merged into $RUN/results"
