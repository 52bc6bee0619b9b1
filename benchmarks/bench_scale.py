"""Bookkeeping at scale: a sweep of the cheap `bcs` model (closed forms, ~0.1 ms of physics per point) through
plan → one MPI chunk job per chunk → aggregate, on real ranks and files.  Prints the time of each stage, the
bookkeeping time per point (chunk-job wall time minus interpreter/MPI start-up and minus the physics), the
peak memory of each stage and the files left on disk; no thresholds.  Also times planning a 10⁶-point study.

    python benchmarks/bench_scale.py [--points 100000] [--per-chunk 2000] [--ranks 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from nepsolve import plans, sweep

BIN = Path(sys.executable).parent
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PATH": f"{BIN}:{os.environ['PATH']}"}


def study(n: int, per_chunk: int, ranks: int) -> dict:
    side = int(round(np.sqrt(n)))
    return {"study": "scale", "model": "bcs", "quantity": "T_c", "fixed": {"lam": 0.3},
            "axes": {"Gamma": {"linspace": [0.0, 0.04, side]}, "h": {"linspace": [0.0, 0.03, n // side]}},
            "chunking": {"points_per_chunk": per_chunk, "ranks_per_chunk": ranks, "ranks_per_point": 1},
            "max_points": 10**7}


def child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--per-chunk", type=int, default=2000)
    ap.add_argument("--ranks", type=int, default=2)
    a = ap.parse_args()

    t0 = time.perf_counter()
    big = sweep.make_plan(study(10**6, 10**4, a.ranks))
    t_big = time.perf_counter() - t0
    print(f"plan of {plans.n_points(big):,} points: {t_big:.2f} s, peak RSS of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        plan = sweep.make_plan(study(a.points, a.per_chunk, a.ranks))
        sweep.write_plan(plan, tmp / "plan.json")
        t_plan = time.perf_counter() - t0
        n, n_chunks = plans.n_points(plan), len(plan["chunks"])
        # start-up of one chunk job without points: interpreter, imports, MPI and PETSc initialisation
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "mpiexec"), "-n", str(a.ranks), str(BIN / "python"), "-c",
                        "from mpi4py import MPI; from petsc4py import PETSc; import nepsolve.sweep, nepsolve.cli"],
                       check=True, env=ENV)
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        for c in range(n_chunks):
            subprocess.run([str(BIN / "mpiexec"), "-n", str(a.ranks), str(BIN / "nepsolve"), "sweep-chunk",
                            str(tmp / "plan.json"), "--chunk", str(c), "--out", str(tmp / "chunks" / f"chunk_{c:04d}.h5")],
                           check=True, env=ENV, capture_output=True)
        t_chunks = time.perf_counter() - t0
        peak_chunks = child_peak_mb()
        physics = 0.0
        for c in range(n_chunks):
            with h5py.File(tmp / "chunks" / f"chunk_{c:04d}.h5") as f:
                physics += float(np.sum(f["wall_time"][()]))
        files = sorted(p.name for p in (tmp / "chunks").iterdir())
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "nepsolve"), "aggregate", str(tmp / "plan.json"), "--out", str(tmp / "pd.h5")],
                       check=True, env=ENV, capture_output=True)
        t_agg = time.perf_counter() - t0
        peak_agg = child_peak_mb()
        with h5py.File(tmp / "pd.h5") as f:
            ok = int(np.sum(f["status"][()] == 0))
        bookkeeping = (t_chunks - n_chunks * t_start) * a.ranks - physics      # core-seconds outside physics
        print(f"sweep of {n:,} points in {n_chunks} chunks of {a.per_chunk} on {a.ranks} ranks:")
        print(f"  plan + write           {t_plan:8.2f} s")
        print(f"  chunk jobs (wall)      {t_chunks:8.2f} s   (start-up of one job {t_start:.2f} s, physics "
              f"{physics:.1f} core-s)")
        print(f"  bookkeeping per point  {1e3 * bookkeeping / n:8.3f} core-ms  (claims, journal appends with fsync, "
              f"chunk files)")
        print(f"  aggregate              {t_agg:8.2f} s   ({1e6 * t_agg / n:.1f} µs per point)")
        print(f"  peak memory            chunk jobs {peak_chunks:.0f} MB per process, aggregate <= {peak_agg:.0f} MB")
        print(f"  files in chunks/       {len(files)} ({len(files) / n * 100:.3f} per 100 points); ok points {ok:,}")


if __name__ == "__main__":
    main()
