#!/usr/bin/env bash
# Submit a sharded ddrsim sweep on a Slurm cluster: a job array of SHARDS
# tasks, each running its share of the design's points, then an assembly
# job that starts only if every task succeeded.
#
#   examples/slurm/sweep-submit.sh SCENARIO SHARDS RUN DESIGN...
#   examples/slurm/sweep-submit.sh scenarios/default.toml 8 runs/kick-sweep \
#       --grid pledge.mdtf.delay=0..18:7 --grid policy.kickstart-12m.kickstart.amount=5e6..20e6:4
#
# Environment: REPLICATES (per point; default: the scenario's), SEED,
# PRECISION (e.g. rerecruited=50), MAX_REPLICATES, DDRSIM (path to the binary).
# DESIGN words must not contain spaces (grid levels and ranges never do).

set -euo pipefail

if [[ $# -lt 4 ]]; then
    echo "usage: $0 SCENARIO SHARDS RUN DESIGN..." >&2
    exit 2
fi
SCENARIO=$1
SHARDS=$2
RUN=$3
shift 3
DESIGN="$*"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Check the design (and every point) before queueing anything: a one-point,
# one-replicate dry run of shard 1 into a scratch folder.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
read -r -a design <<<"$DESIGN"
"${DDRSIM:-ddrsim}" sweep "$SCENARIO" "${design[@]}" --replicates 1 --shard "1/$SHARDS" \
    --quiet --no-charts --out "$scratch/check" >/dev/null

mkdir -p logs "$RUN"
export SCENARIO SHARDS RUN DESIGN

array_id=$(sbatch --parsable --array="1-$SHARDS" --export=ALL "$here/sweep-shards.sh")
array_id=${array_id%%;*}
merge_id=$(sbatch --parsable --dependency=afterok:"$array_id" --export=ALL "$here/sweep-merge.sh")
echo "sweep shards: job array $array_id (1-$SHARDS); assembly: job $merge_id after all shards succeed"
echo "results will be in $RUN/results"
