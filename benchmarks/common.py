"""Shared output helpers of the benchmarks (run as `python benchmarks/<name>.py`, so this directory is on
sys.path): section headers and the environment line that makes a measured ratio reproducible."""
from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np
import scipy

ROOT = Path(__file__).resolve().parent.parent


def header(title: str, width: int = 100):
    print()
    print("=" * width)
    print(title)
    print("=" * width)


def environment(name: str, quick: bool) -> bool:
    """Print git revision, versions, cores, BLAS threads and the load average; False if PETSc is missing."""
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except Exception:  # noqa: BLE001 - informational only
        rev = "?"
    try:
        import petsc4py
        from petsc4py import PETSc
        petsc = f"petsc4py {petsc4py.__version__} / PETSc {'.'.join(map(str, PETSc.Sys.getVersion()))}"
    except Exception as exc:  # noqa: BLE001
        petsc = f"unavailable ({type(exc).__name__}: {exc})"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"nepsolve {name} benchmark  mode={'quick' if quick else 'full'}  git={rev}  "
          f"{time.strftime('%Y-%m-%d %H:%M:%S')}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, {petsc}")
    print(f"cpu cores={os.cpu_count()}  OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}  "
          f"machine={platform.machine()}  load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return "unavailable" not in petsc
