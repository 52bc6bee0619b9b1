"""Sweep throughput: one chunk on 1 vs 2 MPI ranks, and the share of a chunk's wall time spent
outside the solves (interpreter + PETSc start-up, plan reading, record and chunk-file I/O).

Prints ratios measured in this run; no thresholds.  Usage:
    python benchmarks/bench_sweep.py [--points 16] [--n-omega 8193]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from nepsolve import sweep

BIN = Path(sys.executable).parent


def run(plan_path, out, ranks):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PATH": f"{BIN}:{os.environ['PATH']}"}
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "mpiexec"), "-n", str(ranks), str(BIN / "nepsolve"), "sweep-chunk", str(plan_path),
                    "--chunk", "0", "--out", str(out)], check=True, env=env, capture_output=True)
    wall = time.perf_counter() - t0
    with h5py.File(out) as f:
        solve = float(np.sum(f["wall_time"][()]))
        values = f["value"][()]
    return wall, solve, values


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=16)
    ap.add_argument("--n-omega", type=int, default=8193)
    args = ap.parse_args()
    cfg = {"study": "bench", "model": "eliashberg", "quantity": "lambda_c",
           "fixed": {"T_el": 0.05, "kappa": 0.2, "gamma": 0.05, "n_omega": args.n_omega, "omega_max": 16,
                     "fel_mode": "kinetic"},
           "axes": {"T_b": [float(v) for v in np.linspace(0.03, 0.12, args.points)]},
           "chunking": {"points_per_chunk": args.points, "ranks_per_chunk": 2, "ranks_per_point": 1}}
    plan = sweep.make_plan(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        plan_path = Path(tmp) / "plan.json"
        sweep.write_plan(plan, plan_path)
        w1, s1, v1 = run(plan_path, Path(tmp) / "r1" / "chunk_0000.h5", 1)
        w2, s2, v2 = run(plan_path, Path(tmp) / "r2" / "chunk_0000.h5", 2)
    same = bool(np.array_equal(v1, v2))
    print(f"chunk of {args.points} λ_c points (kinetic F_el, n_omega = {args.n_omega})")
    print(f"{'ranks':>6} {'chunk wall [s]':>15} {'sum of solves [s]':>18} {'points/s':>9} {'outside solves':>15}")
    for r, w, s in ((1, w1, s1), (2, w2, s2)):
        outside = 1 - s / (r * w)          # rank-seconds not spent in solves
        print(f"{r:>6} {w:>15.2f} {s:>18.2f} {args.points / w:>9.2f} {outside:>14.1%}")
    print(f"speed-up 2 vs 1 rank: {w1 / w2:.2f}×   parallel efficiency: {w1 / (2 * w2):.1%}   "
          f"records identical: {same}")
    print(json.dumps({"speedup": w1 / w2, "efficiency": w1 / (2 * w2), "outside_1": 1 - s1 / w1,
                      "outside_2": 1 - s2 / (2 * w2)}))


if __name__ == "__main__":
    main()
