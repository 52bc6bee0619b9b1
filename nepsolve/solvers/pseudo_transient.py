"""Pseudo-transient continuation with PETSc TS (TSPSEUDO), model-agnostic (PORTA_SPEC §6.3).

For problems whose steady state is a fixed point of a rate equation ∂_t x = rate(x): backward-Euler steps
with a growing step (×1.5 per step) follow the physical relaxation at first and become Newton steps at the
end.  Measured on the interband kinetics (benchmarks/bench_interband.py): from a cold start it is the
robust route (23 steps, 0.2–0.4× the time of the Newton ladder, which can land on unphysical roots there);
from a good guess Newton is 12–20× faster, so this is a fallback.

The problem offers `rate(x)` and `rate_jacobian(x)` (dense), `residual(x, out)` for the stopping test, and
`size`.  Returns (x, steps, ‖R‖₂, message); never raises for non-convergence.
"""
from __future__ import annotations

import itertools
import time

import numpy as np

from ..models.base import TimeDerivativeForm, require

from .snes import dense_jacobian_callback, prefixed_options, residual_norm

_counter = itertools.count()


def pseudo_transient(problem, x0: np.ndarray, tol: float, max_steps: int = 2000, max_seconds: float = 120.0):
    from petsc4py import PETSc

    require(problem, TimeDerivativeForm, "pseudo-transient continuation")
    n = problem.size
    ts = PETSc.TS().create(comm=PETSc.COMM_SELF)
    X = PETSc.Vec().createSeq(n, comm=PETSc.COMM_SELF)
    F = X.duplicate()
    Jm = PETSc.Mat().createDense([n, n], comm=PETSc.COMM_SELF)
    Jm.setUp()
    work = np.empty(n)

    def rhs(ts, t, Xv, Fv):
        Fv.getArray()[:] = problem.rate(Xv.getArray(readonly=True))

    prefix = f"ptc{next(_counter)}_"
    opts = {"ts_type": "pseudo", "ts_pseudo_increment": "1.5", "snes_type": "newtonls", "ksp_type": "preonly",
            "pc_type": "lu", "ts_max_snes_failures": "-1", "ts_max_step_rejections": "100"}
    steps, message = 0, "max steps"
    try:
        with prefixed_options(prefix, opts):
            ts.setRHSFunction(rhs, F)
            ts.setRHSJacobian(dense_jacobian_callback(problem.rate_jacobian), Jm, Jm)
            ts.setProblemType(PETSc.TS.ProblemType.NONLINEAR)
            ts.setOptionsPrefix(prefix)
            ts.setFromOptions()
            ts.setTime(0.0)
            ts.setTimeStep(1e-2)
            ts.setMaxSteps(10**9)
            ts.setErrorIfStepFails(False)
            X.setArray(x0)
            ts.setSolution(X)
            ts.setUp()
            t0 = time.perf_counter()
            r = residual_norm(problem, x0, work)
            while steps < max_steps:
                if r <= tol:
                    message = "converged"
                    break
                if time.perf_counter() - t0 > max_seconds:
                    message = "wall-time cap"
                    break
                try:
                    ts.step()
                except PETSc.Error as err:
                    message = f"PETSc error {err.ierr}"
                    break
                steps += 1
                r = residual_norm(problem, ts.getSolution().getArray(readonly=True), work)
                if not np.isfinite(r) or int(ts.getConvergedReason()) < 0:
                    message = f"diverged ({int(ts.getConvergedReason())})"
                    break
            x = ts.getSolution().getArray().copy()
    finally:
        ts.destroy()
        X.destroy()
        F.destroy()
        Jm.destroy()
    return x, steps, r, message
