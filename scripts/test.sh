#!/usr/bin/env bash
# The README's test command: install what is missing (idempotent), then run the whole suite,
# including the tests that launch real MPI ranks with `mpiexec -n 2`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
export PATH="$here/.venv/bin:$PATH" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$here"
exec python -m pytest -ra --durations=15 "$@"
