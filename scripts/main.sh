#!/usr/bin/env bash
# The README's main-job command: install what is missing (idempotent), then run the embedded
# default study (config/demo.yaml) end to end on local cores with Snakemake:
#   plan → MPI chunk jobs (mpiexec) → results/demo/phase_diagram.h5 → results/demo/phase_diagram.png/.pdf
# Extra arguments go to snakemake (e.g. --configfile config/tbias.yaml).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
export PATH="$here/.venv/bin:$PATH" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$here"
snakemake "$@"          # the embedded default profile: all local cores
