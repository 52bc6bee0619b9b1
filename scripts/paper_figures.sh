#!/usr/bin/env bash
# Regenerate every figure of docs/findings.md: each study in PAPER_STUDIES, end to end (plan → MPI chunks →
# aggregate → the study's figures), in results/<study>/.  Installs what is missing first (idempotent).
#   bash scripts/paper_figures.sh                 # (re)make what is missing or out of date; resumable
#   bash scripts/paper_figures.sh --from-scratch  # recompute every point of every study (snakemake --forceall)
#   bash scripts/paper_figures.sh --dry-run       # list the jobs, run nothing
# Extra arguments go to every snakemake call.  Cost on this 2-core machine: ≈ 2.5 h for the ξ studies
# (docs/findings.md §7) and ≈ 5 min for the interband ones; `nepsolve plan config/<study>.yaml` estimates each.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PAPER_STUDIES=(xi_local_drive xi_local_tbias xi_crossover xi_drive xi_tbias
               interband_f3 interband_f5 interband_f6 interband_f8)
args=()
for a in "$@"; do
  case "$a" in
    --from-scratch) args+=(--forceall) ;;
    *) args+=("$a") ;;
  esac
done
bash "$here/scripts/setup.sh"
export PATH="$here/.venv/bin:$PATH" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$here"
for study in "${PAPER_STUDIES[@]}"; do
  echo "=== $study"
  snakemake --configfile "config/$study.yaml" "${args[@]}"
done
echo "figures: results/<study>/*.png|pdf for ${PAPER_STUDIES[*]}"
