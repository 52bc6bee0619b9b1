"""ξ-resolved model: cost of one residual vs n_xi × n_omega, and 1 vs 2 ranks per point.

    python benchmarks/bench_xi.py                        # both parts
    python benchmarks/bench_xi.py --strong-scaling --repeat 3
        # one λ_c point on 1 and 2 ranks, old path (ARPACK run redundantly on every rank) and new path
        # (Krylov–Schur with its basis split by rows), each configuration `repeat` times, minimum reported
    mpiexec -n R python benchmarks/bench_xi.py --ranks-part [--eigen arpack|krylov-schur]
        # one measurement on R ranks (one JSON line)

Prints ratios measured in the same run; no thresholds.  Lorentzian kernel (one row per ξ cell),
self-consistent electrons (fel_mode kinetic), W = 4 (the whole band in the inner window).

Measured 2026-12-06 (shared 2-core AMD EPYC VM, OPENBLAS_NUM_THREADS=1; the λ_c point, minimum of the 7
runs per configuration with no other process on the machine): old path 18.0 s on 1 rank, 17.0 s on 2
(402 matvecs); new path 10.9 s on 1 rank, 9.0 s on 2 (248 matvecs).  2 ranks (new) vs 1 rank (ARPACK,
the 1-rank path): 2.0x, of which 1.6x is the eigen-solver itself (fewer matvecs, less work per matvec)
and 1.2x the distribution: the normal state scales 1.4x, the Krylov–Schur own work 1.3-1.5x, the ξ-operator
matvec hardly (≈21 ms on 2 ranks against ≈23 ms serial: `matvec_local` prepares all ξ cells and reduces
10 complex (rows × ω) arrays, 10 MB, whichever rows a rank owns).
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


class Split:
    """Wall time of one λ_c point split into its parts (every rank measures its own): the normal-state
    solves, the eigen-solves, and inside them the matvecs (serial ones, or on a group the local rows
    with the gathers around them)."""

    def __init__(self):
        from nepsolve import api
        from nepsolve.models.eliashberg_xi import model
        from nepsolve.solvers import distributed, eigen

        self.t = {"normal_state": 0.0, "eigen": 0.0, "matvec": 0.0}
        self._wrap(api.NormalStateSolver, "__call__", "normal_state")
        self._wrap(eigen, "leading_real_eigenvalue", "eigen")
        self._wrap(model.XiGapOperator, "matvec", "matvec")
        self._wrap(distributed.DistributedOperator, "matvec", "matvec")
        self._wrap(distributed.DistributedOperator, "apply_block", "matvec")

    def _wrap(self, owner, name, key):
        f = getattr(owner, name)

        def timed_call(*args, **kw):
            t0 = time.perf_counter()
            try:
                return f(*args, **kw)
            finally:
                self.t[key] += time.perf_counter() - t0
        setattr(owner, name, timed_call)


def ranks_part(eigen_method: str = "auto"):
    """One λ_c point on the ranks of COMM_WORLD, eigen-solver `eigen_method`; rank 0 prints one JSON line
    (times of rank 0, peak resident memory of every rank)."""
    import resource

    from petsc4py import PETSc

    from nepsolve import api
    from nepsolve.solvers import eigen, snes
    from nepsolve.solvers.distributed import Distributed

    eigen.METHOD = eigen_method
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
    split = Split()
    comm.barrier()
    t0 = time.perf_counter()
    lc = api.critical_coupling(p, comm=comm if comm.size > 1 else None)
    t_lc = time.perf_counter() - t0
    own = split.t["eigen"] - split.t["matvec"]
    rss = comm.tompi4py().gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, root=0)
    if comm.rank == 0:
        print(json.dumps({"ranks": comm.size, "eigen": eigen_method, "residual_s": t_res, "solve_s": t_solve,
                          "lambda_c_s": t_lc, "lambda_c": lc["lambda_c"], "evaluations": res.function_evals,
                          "converged": res.converged, "rho_evaluations": lc["rho_evaluations"],
                          "matvecs": lc["matvecs"], "normal_state_s": split.t["normal_state"],
                          "eigen_s": split.t["eigen"], "matvec_s": split.t["matvec"], "eigen_own_s": own,
                          "peak_rss_mb": rss}))


def busy_seconds() -> float:
    """CPU seconds all processes of the machine have used so far (Linux /proc/stat; NaN elsewhere)."""
    try:
        with open("/proc/stat") as f:
            fields = [float(v) for v in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)       # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_ranks(ranks: int, eigen_method: str) -> dict:
    """`--ranks-part` under mpiexec -n ranks in a fresh process group (its own peak memory), with the
    CPU that other processes used meanwhile (`others_cores`: the machine is shared)."""
    import resource

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    cpu0, busy0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), busy_seconds(), time.perf_counter()
    out = subprocess.run([mpiexec, "-n", str(ranks), sys.executable, __file__, "--ranks-part", "--eigen",
                          eigen_method], capture_output=True, text=True, env=env, check=True)
    cpu1, busy1, wall = resource.getrusage(resource.RUSAGE_CHILDREN), busy_seconds(), time.perf_counter() - t0
    mine = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "others_cores": (busy1 - busy0 - mine) / wall}


PATHS = (("old", "arpack", "ARPACK on full vectors, redundant on every rank"),
         ("new", "krylov-schur", "Krylov-Schur, basis split by rows"))


def strong_scaling(repeat: int = 1):
    """The λ_c point on 1 and 2 ranks for the old and the new eigen path, each `repeat` times (interleaved,
    so a busy spell of the machine hits all configurations alike); the minimum wall time is reported."""
    runs = {}
    for _ in range(repeat):
        for name, method, _label in PATHS:
            for r in (1, 2):
                runs.setdefault((name, r), []).append(run_ranks(r, method))
    best = {key: min(v, key=lambda d: d["lambda_c_s"]) for key, v in runs.items()}
    print(f"\none λ_c point on 1 vs 2 ranks (n_xi=32 rows, n_omega=2049; minimum of {repeat} run(s), "
          f"split of that run on rank 0; all runs: wall (cores other processes used meanwhile))")
    print(f"{'path':>4} {'ranks':>5} {'λ_c point [s]':>13} {'all runs [s]':>30} {'normal [s]':>10} {'eigen [s]':>9} "
          f"{'matvec [s]':>10} {'own [s]':>7} {'ρ evals':>7} {'matvecs':>7} {'peak RSS/rank [MB]':>19}  λ_c")
    for name, _method, label in PATHS:
        for r in (1, 2):
            d = best[(name, r)]
            walls = " ".join(f"{x['lambda_c_s']:.1f}({x['others_cores']:.1f})" for x in runs[(name, r)])
            rss = "/".join(f"{x:.0f}" for x in d["peak_rss_mb"])
            print(f"{name:>4} {r:>5} {d['lambda_c_s']:>13.2f} {walls:>30} {d['normal_state_s']:>10.2f} "
                  f"{d['eigen_s']:>9.2f} {d['matvec_s']:>10.2f} {d['eigen_own_s']:>7.2f} {d['rho_evaluations']:>7} "
                  f"{d['matvecs']:>7} {rss:>19}  {d['lambda_c']:.12f}")
        print(f"      ({name}: {label})")
    t = {key: d["lambda_c_s"] for key, d in best.items()}
    print(f"  ratios of λ_c point wall times: old 1/2 ranks {t['old', 1] / t['old', 2]:.2f}x, "
          f"new 1/2 ranks {t['new', 1] / t['new', 2]:.2f}x, "
          f"old 1 rank / new 2 ranks {t['old', 1] / t['new', 2]:.2f}x, "
          f"old / new on 1 rank {t['old', 1] / t['new', 1]:.2f}x")
    d1, d2 = best["old", 1], best["old", 2]
    print(f"  normal state alone (SNES, distributed Vec): residual {d1['residual_s'] / d2['residual_s']:.2f}x, "
          f"solve {d1['solve_s'] / d2['solve_s']:.2f}x faster on 2 ranks")


def option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


if __name__ == "__main__":
    if "--ranks-part" in sys.argv:
        ranks_part(option("--eigen", "auto"))
    elif "--strong-scaling" in sys.argv:
        strong_scaling(int(option("--repeat", "3")))
    else:
        residual_scaling()
        strong_scaling(int(option("--repeat", "1")))
