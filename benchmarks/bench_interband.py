#!/usr/bin/env python
"""Interband kinetic NESS (PORTA_SPEC §3.2, §6.3): SNES Newton / Newton–Krylov vs time stepping to steady state.

For each case and number of k points n_k, all methods start from the same state and stop at the same
residual, ‖R(n)‖₂ ≤ api.INTERBAND_TOL with R the NessProblem residual (∂_t n/Γ_ref with the conservation
row; time stepping conserves the particle number by itself, so that row stays at rounding level):

  newton-lu      the production solve of api.interband_ness: snes.solve with DENSE_LADDER + BOUNDED_LADDER
                 (Newton, dense analytic Jacobian, LU; then trust region and bounded VI Newton if needed);
  nk-mfop-lu     Newton–Krylov, -snes_mf_operator: finite-difference Jacobian action, GMRES, the dense
                 analytic Jacobian only as preconditioner (LU), rebuilt every Newton step;
  nk-mfop-lag    the same, with the LU preconditioner built once and reused (-snes_lag_preconditioner);
  nk-mfop-jacobi the same, with a Jacobi (diagonal) preconditioner: no factorisation;
  nk-mf          pure matrix-free Newton–Krylov, GMRES without preconditioner (snes.LADDER[0]);
  ts-rk5dp       PETSc TS, explicit adaptive Runge–Kutta Dormand–Prince 5(4) on ∂_t n = rhs(n) (the usual
                 approach in the literature);
  ts-bdf         PETSc TS BDF2, adaptive, with the dense analytic Jacobian (LU) in its Newton steps.

Two starting states: the problem's quasi-thermal initial_guess() ("guess") and a cold start ("cold"), the
filled valence band with a uniform vertical transfer n_c = ε, n_v = 1 − ε (ε = 1e-3; same particle number).
Time stepping checks the residual after every accepted step (one extra rhs evaluation per step, counted);
methods that exceed the wall-time cap are reported as capped and skipped at larger n_k.

Every run reports wall time, the final residual, iterations/steps, residual/Jacobian evaluations,
max|Δn| to the reference (newton-lu from the guess) and ω_L − (μ_c − μ_v) (the quasi-Fermi splitting
deficit; spec §3.3: time stepping can stop while it still drifts).  A "drift" check continues each
time-stepping solution with BDF to t = 1e12 and reports how far the occupations and μ_c − μ_v still move.

Prints ratios measured within one run (no thresholds).  Run from the repository root:
    .venv/bin/python benchmarks/bench_interband.py [--quick]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before numpy is imported: serial BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import itertools
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np
import scipy

from nepsolve import api
from nepsolve.models.interband.kinetics import KineticModel, NessProblem
from nepsolve.models.interband.observables import ness_observables
from nepsolve.physics.interband_params import InterbandParams
from nepsolve.solvers import snes

TOL = api.INTERBAND_TOL
COLD_EPS = 1e-3
# (label, preset, changes): R1 with the KMS line shape (default), R2 with the local Lorentzian line shape
# (harder: the NESS is far from the quasi-thermal guess, spec §B.1), R2 with K2 (soft mode, spec §3.3).
CASES = (("R1/K2", "R1", {"lineshape": "K2"}),
         ("R2/K1", "R2", {"lineshape": "K1"}),
         ("R2/K2", "R2", {"lineshape": "K2"}))

NEWTON_LADDER = snes.DENSE_LADDER + snes.BOUNDED_LADDER
_NK = {"snes_type": "newtonls", "snes_linesearch_type": "bt", "ksp_type": "gmres", "ksp_gmres_restart": "60",
       "ksp_max_it": "300", "snes_ksp_ew": "true", "snes_max_it": "100"}
SNES_METHODS = {
    "newton-lu": None,                                                    # the production ladder
    "nk-mfop-lu": {**_NK, "snes_mf_operator": "true", "pc_type": "lu"},
    # LU built once (lag -2); without Eisenstat–Walker: with its loose early forcing and a stale preconditioner
    # the line search fails on R2/K1 (measured)
    "nk-mfop-lag": {**{k: v for k, v in _NK.items() if k != "snes_ksp_ew"}, "snes_mf_operator": "true",
                    "pc_type": "lu", "snes_lag_preconditioner": "-2"},
    "nk-mfop-jacobi": {**_NK, "snes_mf_operator": "true", "pc_type": "jacobi"},
    "nk-mf": {**snes.LADDER[0][1], "snes_max_it": "100"},
}
TS_METHODS = {
    "ts-rk5dp": {"explicit": True, "rtol": 1e-6, "atol": 1e-9, "options": {"ts_type": "rk", "ts_rk_type": "5dp"}},
    "ts-bdf": {"explicit": False, "rtol": 1e-6, "atol": 1e-9,
               "options": {"ts_type": "bdf", "ts_bdf_order": "2", "snes_type": "newtonls", "ksp_type": "preonly",
                           "pc_type": "lu"}},
}
_counter = itertools.count()
METHODS = tuple(SNES_METHODS) + tuple(TS_METHODS)


class Counted:
    """NessProblem with counters of residual and Jacobian evaluations (snes.solve counts residuals too)."""

    def __init__(self, problem: NessProblem, x0: np.ndarray):
        self.problem, self.size, self.x0 = problem, problem.size, x0
        self.jac_evals = 0

    def residual(self, x, out):
        self.problem.residual(x, out)

    def jacobian(self, x):
        self.jac_evals += 1
        return self.problem.jacobian(x)

    def bounds(self):
        return self.problem.bounds()

    def initial_guess(self):
        return self.x0


def residual_norm(problem: NessProblem, x: np.ndarray) -> float:
    out = np.empty(problem.size)
    with np.errstate(all="ignore"):
        problem.residual(x, out)
    return float(np.linalg.norm(out))


# ------------------------------------------------------------------------------------------ SNES
def run_snes(method: str, problem: NessProblem, x0: np.ndarray) -> dict:
    c = Counted(problem, x0)
    t0 = time.perf_counter()
    if SNES_METHODS[method] is None:
        res = snes.solve(c, None, tol=TOL, ladder=NEWTON_LADDER, absolute=True, x0=x0)
    else:
        res = snes.solve(c, SNES_METHODS[method], tol=TOL, fallback=False, absolute=True, x0=x0)
    wall = time.perf_counter() - t0
    its = sum(a["iterations"] for a in res.attempts)
    rung = res.method if SNES_METHODS[method] is None and res.method != "newton-lu" else ""
    return {"x": res.x, "wall": wall, "residual": residual_norm(problem, res.x), "converged": res.converged,
            "its": its, "fevals": res.function_evals, "jevals": c.jac_evals,
            "note": (f"rung {rung}" if rung and res.converged else "" if res.converged else res.reason_name)}


# -------------------------------------------------------------------------------------- PETSc TS
def run_ts(method: str, problem: NessProblem, x0: np.ndarray, cap: float, t_max: float = 1e15,
           tol: float = TOL, stop_at_tol: bool = True) -> dict:
    """Integrate ∂_t n = rhs(n) from x0 until ‖R‖₂ ≤ tol, t ≥ t_max or the wall-time cap."""
    from petsc4py import PETSc

    cfg = TS_METHODS[method]
    model, M = problem.model, problem.size // 2
    counts = {"f": 0, "j": 0}
    ts = PETSc.TS().create(comm=PETSc.COMM_SELF)
    X = PETSc.Vec().createSeq(problem.size, comm=PETSc.COMM_SELF)
    F = X.duplicate()

    def rhs(ts, t, Xv, Fv):
        counts["f"] += 1
        x = Xv.getArray(readonly=True)
        dc, dv = model.rhs(x[:M], x[M:])
        f = Fv.getArray()
        f[:M], f[M:] = dc, dv

    ts.setRHSFunction(rhs, F)
    Jm = None
    if not cfg["explicit"]:
        Jm = PETSc.Mat().createDense([problem.size, problem.size], comm=PETSc.COMM_SELF)
        Jm.setUp()

        def jacobian(ts, t, Xv, J, P):
            counts["j"] += 1
            x = Xv.getArray(readonly=True)
            P.getDenseArray()[:] = model.rhs_jacobian(x[:M], x[M:])
            P.assemble()
            if J != P:
                J.assemble()

        ts.setRHSJacobian(jacobian, Jm, Jm)
    ts.setProblemType(PETSc.TS.ProblemType.NONLINEAR)
    prefix = f"bts{next(_counter)}_"
    db = PETSc.Options()
    opts = {**cfg["options"], "ts_rtol": str(cfg["rtol"]), "ts_atol": str(cfg["atol"]),
            "ts_adapt_clip": "0.1,10", "ts_max_reject": "100", "ts_max_snes_failures": "-1",
            "ts_exact_final_time": "stepover"}
    ts.setOptionsPrefix(prefix)
    for k, v in opts.items():
        db.setValue(prefix + k, v)
    try:
        ts.setFromOptions()
    finally:
        for k in opts:
            db.delValue(prefix + k)
    ts.setTime(0.0)
    ts.setTimeStep(1e-2 / problem.scale)
    ts.setMaxTime(t_max)
    ts.setMaxSteps(10**9)
    X.setArray(x0)
    ts.setSolution(X)
    ts.setUp()
    t0 = time.perf_counter()
    norm, steps, status = residual_norm(problem, x0), 0, "t_max"
    try:
        while True:
            if stop_at_tol and norm <= tol:
                status = "converged"
                break
            if ts.getTime() >= t_max:
                break
            if time.perf_counter() - t0 > cap:
                status = "capped"
                break
            ts.step()
            steps += 1
            counts["f"] += 1
            norm = residual_norm(problem, ts.getSolution().getArray(readonly=True))
            if not np.isfinite(norm) or int(ts.getConvergedReason()) < 0:
                status = f"diverged ({ts.getConvergedReason()})"
                break
        x = ts.getSolution().getArray().copy()
        t_end, rejected = ts.getTime(), ts.getStepRejections()
    finally:
        ts.destroy()
        X.destroy()
        F.destroy()
        if Jm is not None:
            Jm.destroy()
    wall = time.perf_counter() - t0
    return {"x": x, "wall": wall, "residual": norm, "converged": status == "converged", "its": steps,
            "fevals": counts["f"], "jevals": counts["j"], "t_end": t_end, "rejected": rejected,
            "note": f"t={t_end:.3g}" + ("" if status == "converged" else f" {status}")}
