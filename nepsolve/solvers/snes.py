"""Nonlinear solves with PETSc SNES, model-agnostic (ELIASHBERG_SPEC §8.4).

`solve(problem)` runs an optional Anderson warm-up (`warmup` iterations, default 0), then a
ladder of methods until one converges.  (Newton converges to whichever root is nearest — for a
gap equation possibly the unstable normal state; `solvers.deflation.solve_avoiding` removes
known roots so that the gapped branch is found.)  Ladder:
  1. matrix-free Newton–Krylov (-snes_mf, GMRES, no preconditioner, Eisenstat–Walker forcing,
     backtracking line search),
  2. Anderson mixing (m = 10, β = 0.5),
  3. NGMRES.
Each solve uses its own options prefix; the options are inserted only while that solve is set up
and removed afterwards (the database stays bounded over thousands of solves).  User options
(`-snes_type anderson -snes_anderson_m 5`, or a dict) are applied last, so they win; they apply
to every rung of the ladder unless `fallback=False`.

Convergence: ‖R(x)‖₂ ≤ tol · max(‖x₀‖₂, 1) (absolute test scaled by the starting point; R is in
fixed-point form x − 𝓜(x), so this is the spec's relative update criterion in the 2-norm).
Failures are data: every result carries the PETSc converged reason (int and name), iterations,
residual evaluations and the final residual norm.
"""
from __future__ import annotations

import itertools
import shlex
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..models.base import Bounded, CountingProblem, DenseJacobian, DistributedResidual

LADDER = (
    ("newton-krylov", {"snes_type": "newtonls", "snes_mf": "true", "pc_type": "none", "ksp_type": "gmres",
                       "ksp_gmres_restart": "60", "ksp_max_it": "300", "snes_ksp_ew": "true",
                       "snes_linesearch_type": "bt", "snes_max_it": "60"}),
    ("anderson", {"snes_type": "anderson", "snes_anderson_m": "10", "snes_anderson_beta": "0.5",
                  "snes_linesearch_type": "basic", "snes_max_it": "3000"}),
    ("ngmres", {"snes_type": "ngmres", "snes_ngmres_m": "10", "snes_max_it": "3000"}),
)
_counter = itertools.count()


@dataclass
class SolveResult:
    x: np.ndarray
    converged: bool
    reason: int
    reason_name: str
    iterations: int
    residual_norm: float
    function_evals: int
    method: str
    attempts: list = field(default_factory=list)
    message: str = ""

    def summary(self) -> dict:
        return {"converged": self.converged, "snes_reason": self.reason_name, "snes_reason_code": self.reason,
                "iterations": self.iterations, "residual_norm": self.residual_norm,
                "function_evals": self.function_evals, "method": self.method}


def parse_petsc_options(opts) -> dict:
    """PETSc options as a dict, parsed by PETSc itself: '-snes_type anderson -snes_monitor' or a mapping
    ({'snes_type': 'anderson', 'snes_monitor': None}) → {'snes_type': 'anderson', 'snes_monitor': None}
    (None: an option without a value, e.g. a monitor).  ValueError for text PETSc cannot parse."""
    if opts is None or opts == "" or opts == {}:
        return {}
    if isinstance(opts, dict):
        parts = []
        for k, v in opts.items():
            parts.append("-" + str(k).lstrip("-"))
            if v is not None and v is not True:
                parts.append(shlex.quote(str(v)))
        opts = " ".join(parts)
    elif not isinstance(opts, str):
        opts = " ".join(shlex.quote(str(t)) for t in opts)
    if any(not tok.startswith("-") for tok in shlex.split(opts)[:1]):
        raise ValueError(f"PETSc options must start with '-key', got {opts!r}")
    from petsc4py import PETSc

    db = PETSc.Options()
    before = db.getAll()
    try:
        db.insertString(opts)
        after = db.getAll()
    except PETSc.Error as err:
        raise ValueError(f"PETSc cannot parse {opts!r}: {str(err).splitlines()[-1] if str(err) else err}") from None
    finally:
        for k in set(db.getAll()) - set(before):
            db.delValue(k)
        for k, v in before.items():
            db.setValue(k, v)
    return {k: v for k, v in after.items() if k not in before or before[k] != v}


def is_true(value) -> bool:
    """A boolean PETSc option's value: set without a value, or true/1/yes."""
    return value is None or str(value).lower() in ("true", "1", "yes")


def validate_petsc_options(options: dict) -> None:
    """ValueError naming the option if PETSc rejects `options` when a nonlinear solver (with its line search,
    Krylov method and preconditioner) takes them; options for other objects are left to PETSc's own
    end-of-run report of unused options."""
    if not options:
        return
    from petsc4py import PETSc

    prefix = f"nepcheck{next(_counter)}_"
    snes = PETSc.SNES().create(comm=PETSc.COMM_SELF)
    try:
        with prefixed_options(prefix, {k: v for k, v in options.items() if "monitor" not in k and "view" not in k}):
            snes.setOptionsPrefix(prefix)
            try:
                snes.setFromOptions()
                snes.getKSP().setFromOptions()
                snes.getKSP().getPC().setFromOptions()
            except PETSc.Error as err:
                lines = [ln.strip("[0] ").strip() for ln in str(err).splitlines() if ln.strip()]
                why = next((ln for ln in reversed(lines) if "nable" in ln or "nknown" in ln or "nvalid" in ln),
                           lines[-1] if lines else f"PETSc error {err.ierr}")
                raise ValueError(f"PETSc rejects the options {_as_text(options)}: {why}") from None
    finally:
        snes.destroy()


def _as_text(options: dict) -> str:
    return " ".join(f"-{k}" + ("" if v is None else f" {v}") for k, v in options.items())


def reason_name(code: int) -> str:
    from petsc4py import PETSc

    names = {v: k for k, v in vars(PETSc.SNES.ConvergedReason).items() if k.isupper() and isinstance(v, int)}
    return names.get(int(code), f"REASON_{int(code)}")


@contextmanager
def prefixed_options(prefix: str, options: dict):
    """Insert `options` under `prefix` into the PETSc options database for the duration of a solve and
    remove them afterwards (the database stays bounded over thousands of solves)."""
    from petsc4py import PETSc

    db = PETSc.Options()
    for k, v in options.items():
        db.setValue(prefix + k, v)
    try:
        yield
    finally:
        for k in options:
            db.delValue(prefix + k)


def dense_jacobian_callback(fn):
    """A PETSc Jacobian callback (SNES: (snes, X, J, P); TS: (ts, t, X, J, P)) that fills the dense
    matrix P with fn(x)."""
    def callback(*args):
        Xv, J, P = args[-3:]
        with np.errstate(all="ignore"):
            P.getDenseArray()[:] = fn(Xv.getArray(readonly=True))
        P.assemble()
        if J != P:
            J.assemble()
    return callback


def _run_snes(problem: CountingProblem, x0: np.ndarray, options: dict, comm) -> tuple:
    from petsc4py import PETSc

    prefix = f"nep{next(_counter)}_"
    inner = problem.problem
    dist = inner.local_range if isinstance(inner, DistributedResidual) else None   # split over `comm`
    snes = PETSc.SNES().create(comm=comm)
    if dist is None:
        X = PETSc.Vec().createSeq(problem.size, comm=comm)
    else:
        X = PETSc.Vec().createMPI((dist[1] - dist[0], problem.size), comm=comm)
    Fv = X.duplicate()
    errors = []
    jac = inner.jacobian if isinstance(inner, DenseJacobian) and not is_true(options.get("snes_mf", "false")) \
        else None
    if jac is not None and dist is None:          # a dense analytic Jacobian (small problems, LU)
        Jm = PETSc.Mat().createDense([problem.size, problem.size], comm=comm)
        Jm.setUp()

    def evaluate(snes, Xv, Fo):
        x = Xv.getArray(readonly=True)
        f = Fo.getArray()
        try:
            with np.errstate(all="ignore"):
                if dist is None:
                    problem.residual(x, f)
                else:
                    problem.evaluations += 1
                    problem.problem.residual_local(problem.problem.gather(x), f)
        except Exception as exc:  # a residual that cannot be evaluated is a divergence, not a crash
            errors.append(f"{type(exc).__name__}: {exc}")
            f[:] = np.nan

    try:
        with prefixed_options(prefix, options):
            snes.setOptionsPrefix(prefix)
            snes.setFunction(evaluate, Fv)
            if jac is not None and dist is None:
                snes.setJacobian(dense_jacobian_callback(jac), Jm)
            snes.setFromOptions()
            bounds = inner.bounds if isinstance(inner, Bounded) else None
            if bounds is not None and dist is None and snes.getType().startswith("vi"):
                lo, hi = (X.duplicate() for _ in range(2))
                lo.setArray(bounds()[0])
                hi.setArray(bounds()[1])
                snes.setVariableBounds(lo, hi)
            X.setArray(x0 if dist is None else x0[dist[0]:dist[1]])
            try:
                snes.solve(None, X)
                reason = int(snes.getConvergedReason())
            except PETSc.Error as err:     # e.g. a zero LU pivot: a failed attempt, recorded, never a crash
                errors.append(f"PETSc error {err.ierr}: {str(err).splitlines()[-1] if str(err) else ''}")
                reason = int(snes.getConvergedReason()) or int(PETSc.SNES.ConvergedReason.DIVERGED_LINEAR_SOLVE)
            its = int(snes.getIterationNumber())
            x = X.getArray().copy() if dist is None else problem.problem.gather(X.getArray())
    finally:
        snes.destroy()
        X.destroy()
        Fv.destroy()
        if jac is not None and dist is None:
            Jm.destroy()
    return x, reason, its, errors


def _out_of_bounds(problem, x, slack: float = 1e-8) -> bool:
    """True if the problem declares bounds() and x leaves them by more than `slack`."""
    if not isinstance(problem, Bounded):
        return False
    lo, hi = problem.bounds()
    return bool(np.any(x < lo - slack) or np.any(x > hi + slack))


def residual_norm(problem, x, work) -> float:
    """‖R(x)‖₂, NaN if R cannot be evaluated at x."""
    try:
        with np.errstate(all="ignore"):
            problem.residual(x, work)
        return float(np.linalg.norm(work))
    except Exception:
        return float("nan")


# Problems with a dense analytic Jacobian (problem.jacobian(x) → ndarray): Newton with LU, then a
# trust-region Newton.  With problem.bounds() (e.g. occupations in [0, 1]) BOUNDED_LADDER adds the
# variational-inequality Newton, which keeps the iterates inside them.
DENSE_LADDER = (
    ("newton-lu", {"snes_type": "newtonls", "snes_linesearch_type": "bt", "ksp_type": "preonly", "pc_type": "lu",
                   "snes_max_it": "100"}),
    ("newton-tr", {"snes_type": "newtontr", "ksp_type": "preonly", "pc_type": "lu", "snes_max_it": "400"}),
)
BOUNDED_LADDER = (
    ("vi-newton-lu", {"snes_type": "vinewtonrsls", "snes_linesearch_type": "bt", "ksp_type": "preonly",
                      "pc_type": "lu", "snes_max_it": "200"}),
    ("vi-newton-ssls", {"snes_type": "vinewtonssls", "ksp_type": "preonly", "pc_type": "lu", "snes_max_it": "400"}),
)

# Fixed-point maps that contract well (the ξ model's normal state): Anderson first — measured on the
# graded Lorentzian normal state (55 rows, N_ω = 1331): 18 residual evaluations against 38 for
# Newton–Krylov from the same start — then the default ladder.
ANDERSON_FIRST = (
    ("anderson", {"snes_type": "anderson", "snes_anderson_m": "8", "snes_anderson_beta": "1",
                  "snes_linesearch_type": "basic", "snes_max_it": "100"}),
) + LADDER

WARMUP = {"snes_type": "anderson", "snes_anderson_m": "10", "snes_anderson_beta": "0.5",
          "snes_linesearch_type": "basic"}


def solve(problem, options=None, tol: float = 1e-10, fallback: bool = True, comm=None,
          x0: np.ndarray | None = None, warmup: int = 0, ladder=None, absolute: bool = False) -> SolveResult:
    """Solve problem.residual(x) = 0 (Anderson warm-up, then the SNES ladder); never raises for
    non-convergence.  `warmup=0` starts Newton–Krylov directly from x0.  `ladder` replaces the default
    (e.g. DENSE_LADDER for problems with a dense analytic Jacobian); `absolute` makes the tolerance
    ‖R‖₂ ≤ tol, not scaled by ‖x₀‖."""
    from petsc4py import PETSc

    comm = comm or PETSc.COMM_SELF
    counted = CountingProblem(problem)
    x0 = problem.initial_guess() if x0 is None else np.asarray(x0, dtype=float)
    scale = 1.0 if absolute else max(float(np.linalg.norm(x0)), 1.0)
    user = parse_petsc_options(options)
    if user.get("snes_type") and not fallback:           # the user picked the method
        label = {"newtonls": "newton-krylov" if is_true(user.get("snes_mf", "false")) else "newton"}.get(
            user["snes_type"], user["snes_type"])
        ladder = ((label, {"snes_max_it": "3000"}),)
    else:
        ladder = ladder or LADDER
        ladder = ladder if fallback else ladder[:1]
    attempts, res = [], np.empty(problem.size)
    if warmup > 0:
        opts = {**WARMUP, "snes_max_it": str(warmup), "snes_atol": f"{tol * scale:.6e}", "snes_rtol": "1e-50",
                "snes_stol": "0"}
        x_w, reason, its, errors = _run_snes(counted, x0, opts, comm)
        norm = residual_norm(problem, x_w, res)
        attempts.append({"method": "anderson-warmup", "reason": reason_name(reason), "iterations": its,
                         "residual_norm": norm, "function_evals": counted.evaluations, "errors": errors[:3]})
        if reason > 0 and norm <= 10 * tol * scale:
            return SolveResult(x_w, True, reason, reason_name(reason), its, norm, counted.evaluations,
                               "anderson-warmup", attempts)
        if np.isfinite(norm):
            x0 = x_w
    x, best, reason, name = x0, np.inf, 0, "CONVERGED_ITERATING"
    for method, base in ladder:
        opts = {"snes_atol": f"{tol * scale:.6e}", "snes_rtol": "1e-50", "snes_stol": "0", **base, **user}
        before = counted.evaluations
        x_try, reason, its, errors = _run_snes(counted, x0, opts, comm)
        name = reason_name(reason)
        norm = residual_norm(problem, x_try, res)
        ok = reason > 0 and np.isfinite(norm) and norm <= 10 * tol * scale
        if ok and _out_of_bounds(problem, x_try):      # a root outside the physical box is a failure
            from petsc4py import PETSc

            ok, reason = False, int(PETSc.SNES.ConvergedReason.DIVERGED_FUNCTION_DOMAIN)
            name = "DIVERGED_FUNCTION_DOMAIN"
            errors = errors + ["converged to a root outside problem.bounds() (unphysical)"]
        attempts.append({"method": method, "reason": name, "iterations": its, "residual_norm": norm,
                         "function_evals": counted.evaluations - before, "errors": errors[:3]})
        if ok:
            return SolveResult(x_try, True, reason, name, its, norm, counted.evaluations, method, attempts)
        if np.isfinite(norm) and norm < best:      # report the best iterate of a failed ladder
            x, best = x_try, norm
    last = attempts[-1]
    msg = "; ".join(f"{a['method']}: {a['reason']} after {a['iterations']} its (|R| = {a['residual_norm']:.3g})"
                    for a in attempts)
    return SolveResult(x, False, reason, name, last["iterations"], last["residual_norm"], counted.evaluations,
                       last["method"], attempts, msg)
