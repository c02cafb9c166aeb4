#!/usr/bin/env bash
# One shard of a ddrsim sweep per array task (Slurm job array): task K runs
# the design points of shard K/N into its own folder $RUN/shards/K.
#
# Submit with sweep-submit.sh (which also queues the assembly), or by hand:
#   sbatch --array=1-8 --export=ALL,SCENARIO=my.toml,RUN=runs/my-sweep,DESIGN="--grid pledge.mdtf.delay=0..18:7 --grid policy.kickstart-12m.kickstart.amount=5e6..20e6:4" examples/slurm/sweep-shards.sh
# The --array line below is the default; a command-line --array overrides it.
# SHARDS must equal the size of the array (8 here).
#
# A requeued or resubmitted task completes its folder with --resume (the
# points it finished are kept), so the script can simply be run again.
#
#SBATCH --job-name=ddrsim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --output=logs/%x-%A_%a.out

set -euo pipefail

SCENARIO=${SCENARIO:?set SCENARIO to the scenario file}
DESIGN=${DESIGN:?set DESIGN to the design flags, e.g. --grid KEY=a,b,c or --lhs 100 --vary KEY=lo..hi}
RUN=${RUN:-runs/$(basename "$SCENARIO" .toml)-sweep}
SHARDS=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:-8}}
REPLICATES=${REPLICATES:-}
SEED=${SEED:-}
PRECISION=${PRECISION:-}
MAX_REPLICATES=${MAX_REPLICATES:-}
DDRSIM=${DDRSIM:-ddrsim}

# DESIGN holds several flags: split it into words on purpose.
read -r -a design <<<"$DESIGN"
extra=()
if [[ -n "$REPLICATES" ]]; then extra+=(--replicates "$REPLICATES"); fi
if [[ -n "$SEED" ]]; then extra+=(--seed "$SEED"); fi
if [[ -n "$PRECISION" ]]; then extra+=(--precision "$PRECISION"); fi
if [[ -n "$MAX_REPLICATES" ]]; then extra+=(--max-replicates "$MAX_REPLICATES"); fi

out="$RUN/shards/$SLURM_ARRAY_TASK_ID"
resume=()
if [[ -f "$out/sweep.json" ]]; then
    resume=(--resume)
fi

# Every shard of a sweep must get the same scenario, design, seed,
# replicates, precision and N: sweep --merge checks this.
"$DDRSIM" sweep "$SCENARIO" "${design[@]}" ${extra[@]+"${extra[@]}"} \
    --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
    --threads "${SLURM_CPUS_PER_TASK:-1}" \
    ${resume[@]+"${resume[@]}"} \
    --quiet \
    --out "$out"
