"""ξ-resolved model: cost of one residual vs n_xi × n_omega, and 1 vs 2 ranks per point.

    python benchmarks/bench_xi.py            # both parts (about 2 min on 2 cores)
    mpiexec -n R python benchmarks/bench_xi.py --ranks-part   # one strong-scaling measurement

Prints ratios measured in the same run; no thresholds.  Lorentzian kernel (one row per ξ cell),
self-consistent electrons (fel_mode kinetic), W = 4 (the whole band in the inner window).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from nepsolve.models.eliashberg_xi import XiEliashberg
from nepsolve.physics.params import EliashbergXiParams

BASE = dict(lam=1.0, kappa=0.1, gamma=0.1, T_el=0.1, T_b=0.08, W=4.0, kernel="lorentzian", w=0.5,
            xi_grid="uniform", kernel_norm="peak", fel_mode="kinetic", omega_max=8.0)   # n_xi uniform cells


def timed(f, repeat=5):
    f()
    t = time.perf_counter()
    for _ in range(repeat):
        f()
    return (time.perf_counter() - t) / repeat


def residual_scaling():
    print("residual time vs n_xi x n_omega (normal-state residual and linear gap matvec)")
    print(f"{'n_xi':>5} {'n_omega':>8} {'rows':>5} {'normal [ms]':>12} {'matvec [ms]':>12} {'ns per row·ω':>13}")
    rows = []
    for n_xi in (16, 32, 64):
        for n in (1025, 2049, 4097):
            p = EliashbergXiParams(**BASE, n_xi=n_xi, n_omega=n)
            m = XiEliashberg(p)
            prob = m.normal_problem()
            x = prob.initial_guess()
            out = np.empty_like(x)
            t_res = timed(lambda: prob.residual(x, out))
            ns = prob.solution(x)
            op = m.gap_operator(ns)
            y = np.ones(op.size)
            t_mv = timed(lambda: op.matvec(y))
            per = t_res / (m.n_rows * n) * 1e9
            rows.append((n_xi, n, m.n_rows, t_res, t_mv))
            print(f"{n_xi:>5} {n:>8} {m.n_rows:>5} {1e3 * t_res:>12.2f} {1e3 * t_mv:>12.2f} {per:>13.1f}")
    a = np.array([(r[2] * r[1], r[3]) for r in rows])
    slope = np.polyfit(np.log(a[:, 0]), np.log(a[:, 1]), 1)[0]
    print(f"fit: normal residual time ∝ (rows·n_omega)^{slope:.2f}")


def ranks_part():
    from petsc4py import PETSc

    from nepsolve.solvers import snes
    from nepsolve.solvers.distributed import Distributed

    comm = PETSc.COMM_WORLD
    p = EliashbergXiParams(**BASE, n_xi=32, n_omega=2049)
    m = XiEliashberg(p)
    prob = m.normal_problem()
    dist = Distributed(prob, comm) if comm.size > 1 else prob
    x = prob.initial_guess()
    out = np.empty_like(x)
    comm.barrier()
    t_res = timed(lambda: dist.residual(x, out))
    comm.barrier()
    t0 = time.perf_counter()
    res = snes.solve(dist, None, tol=1e-12, comm=comm)
    t_solve = time.perf_counter() - t0
    from nepsolve import api
    comm.barrier()
    t0 = time.perf_counter()
    lc = api.critical_coupling(p, comm=comm if comm.size > 1 else None)
    t_lc = time.perf_counter() - t0
    if comm.rank == 0:
        print(json.dumps({"ranks": comm.size, "residual_s": t_res, "solve_s": t_solve, "lambda_c_s": t_lc,
                          "lambda_c": lc["lambda_c"], "evaluations": res.function_evals,
                          "converged": res.converged}))


def strong_scaling():
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    res = {}
    for r in (1, 2):
        out = subprocess.run([mpiexec, "-n", str(r), sys.executable, __file__, "--ranks-part"],
                             capture_output=True, text=True, env=env, check=True)
        res[r] = json.loads(out.stdout.strip().splitlines()[-1])
    print("\none point on 1 vs 2 ranks (normal-state SNES on a distributed PETSc Vec; n_xi=32 rows, n_omega=2049)")
    for r in (1, 2):
        d = res[r]
        print(f"  {r} rank(s): residual {1e3 * d['residual_s']:.1f} ms, SNES solve {d['solve_s']:.2f} s "
              f"({d['evaluations']} residual evaluations, converged={d['converged']})")
        print(f"             whole λ_c point {d['lambda_c_s']:.1f} s (λ_c = {d['lambda_c']:.10f})")
    print(f"  speed-up 2 vs 1 rank: residual {res[1]['residual_s'] / res[2]['residual_s']:.2f}x, "
          f"normal-state solve {res[1]['solve_s'] / res[2]['solve_s']:.2f}x, "
          f"λ_c point {res[1]['lambda_c_s'] / res[2]['lambda_c_s']:.2f}x")


if __name__ == "__main__":
    if "--ranks-part" in sys.argv:
        ranks_part()
    else:
        residual_scaling()
        strong_scaling()
