#!/usr/bin/env bash
# Idempotent environment set-up for nepsolve on Debian 12 (root or sudo-less root).
# Creates .venv/ with numpy/scipy, MPICH (PyPI wheel), mpi4py, h5py, snakemake, click,
# matplotlib, PETSc + petsc4py built against that MPICH and OpenBLAS, and nepsolve itself.
# A second run only checks and returns (a stamp file records the installed requirement set).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
VENV="${NEPSOLVE_VENV:-$here/.venv}"
PETSC_VERSION=3.26.1
stamp="$VENV/.nepsolve-setup"
want="$(cat scripts/setup.sh $(ls pyproject.toml 2>/dev/null) | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
log() { echo "[setup] $*" >&2; }

# 1. system libraries (BLAS/LAPACK for PETSc, SLURM + munge for the cluster test)
need_apt=()
[ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || [ -e /usr/lib/aarch64-linux-gnu/libopenblas.so ] || need_apt+=(libopenblas-dev)
command -v slurmctld >/dev/null 2>&1 || need_apt+=(slurmctld slurmd slurm-client munge)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    log "not root: please install ${need_apt[*]} with apt-get"
  fi
fi

# 2. the virtual environment and the pure-wheel dependencies
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
pip_q() {   # pip, quiet: its output is shown only on failure (minus this machine's find-links noise)
  local out
  out=$(mktemp)
  if ! "$VENV/bin/python" -m pip "$@" >"$out" 2>&1; then
    grep -v "^WARNING: Location 'file:" "$out" >&2 || true
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}
pip_q install -q --upgrade pip wheel setuptools
pip_q install -q mpich numpy scipy mpi4py h5py h5netcdf xarray snakemake \
  snakemake-executor-plugin-slurm click matplotlib pyyaml jsonschema pytest pytest-timeout tqdm mpmath

# 3. PETSc + petsc4py against the venv's MPICH (two separate pip calls: see TOOLCHAIN.md)
export MPICC="$VENV/bin/mpicc" MPICXX="$VENV/bin/mpicxx"
export PETSC_CONFIGURE_OPTIONS="--with-fc=0 --with-cxx=0 --with-x=0 --with-cuda=0 --with-debugging=0 COPTFLAGS=-O2"
export PATH="$VENV/bin:$PATH"
if ! "$VENV/bin/python" -c "import petsc4py" 2>/dev/null; then
  log "building PETSc $PETSC_VERSION (several minutes the first time; pip caches the wheel)"
  pip_q install -q "petsc==$PETSC_VERSION"
  log "building petsc4py $PETSC_VERSION"
  pip_q install -q "petsc4py==$PETSC_VERSION"
fi

# 4. nepsolve itself (editable)
if [ -f pyproject.toml ]; then
  pip_q install -q --no-build-isolation --no-deps -e .
fi
echo "$want" > "$stamp"
log "environment ready in $VENV"
