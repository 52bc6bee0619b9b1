#!/usr/bin/env bash
# The README's main-job command: install what is missing (idempotent), then run the embedded
# default study on local cores: one demo gap solve and a small lambda_c scan over T_b, written
# as HDF5 under results/demo/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
export PATH="$here/.venv/bin:$PATH" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$here"
mkdir -p results/demo
common=(--set T_el=0.05 --set kappa=0.1 --set gamma=0.02 --set n_omega=8193 --set omega_max=16)
echo "== demo gap solve (lam = 1.2, equilibrium T = 0.05) =="
nepsolve solve "${common[@]}" --set lam=1.2 --set T_b=0.05 --out results/demo/gap.h5
echo "== lambda_c vs boson temperature T_b (T_el = 0.05, electrons self-consistent) =="
nepsolve scan "${common[@]}" --set fel_mode=kinetic --axis T_b --values 0.02,0.035,0.05,0.07,0.1 \
  --out results/demo/lambda_c_vs_Tb.h5
