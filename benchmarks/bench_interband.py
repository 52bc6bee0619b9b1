#!/usr/bin/env python
"""Interband kinetic NESS (PORTA_SPEC §3.2, §6.3): SNES Newton / Newton–Krylov vs time stepping to steady state.

Prints ratios measured within one run (no thresholds).  For each case and number of k points n_k, every
method starts from the same state and stops at the same residual, ‖R(n)‖₂ ≤ ib_run.INTERBAND_TOL = 1e-10,
R the NessProblem residual (∂_t n/Γ_ref with the conservation row; time stepping conserves the particle
number by itself, so that row stays at rounding level):

  newton-lu       the production solve of ib_run.interband_ness: snes.solve with DENSE_LADDER + BOUNDED_LADDER
                  (Newton with the dense analytic Jacobian and LU; then trust region, then bounded VI Newton);
  nk-mfop-lu      Newton–Krylov, -snes_mf_operator: finite-difference Jacobian action, GMRES (Eisenstat–Walker),
                  the dense analytic Jacobian only as preconditioner (LU, refactored every Newton step);
  nk-mfop-lag     the same with the LU preconditioner built once and reused (-snes_lag_preconditioner -2);
  nk-mfop-jacobi  the same with a Jacobi (diagonal) preconditioner: no factorisation;
  nk-mf           pure matrix-free Newton–Krylov, GMRES without preconditioner (snes.LADDER[0]);
  ts-rk5dp        PETSc TS, explicit adaptive Runge–Kutta Dormand–Prince 5(4) on ∂_t n = rhs(n) (the usual
                  approach in the literature), rtol = atol = 1e-12;
  ts-bdf          PETSc TS BDF2, adaptive (rtol 1e-3, atol 1e-5), dense analytic Jacobian + LU in its Newton steps;
  ts-pseudo       PETSc TSPSEUDO: pseudo-transient continuation (backward Euler, dt ×1.5 per step), spec §6.3.

Two starting states: the problem's quasi-thermal initial_guess() ("guess") and a cold start ("cold"): the
filled valence band with a uniform vertical transfer n_c = ε, n_v = 1 − ε, ε = 1e-3 (same particle number).
Time stepping checks ‖R‖ after every accepted step (one extra rhs evaluation per step, counted).  A run
longer than the wall-time cap is stopped and reported as capped; that method is skipped at larger n_k.

Each row: converged (yes; UNPH = a root of R outside 0 ≤ n ≤ 1, not the NESS; NO; cap), wall time, final ‖R‖₂,
iterations/steps, residual (F) and Jacobian (J) evaluations, max|Δn| to the reference (newton-lu from the
guess, same n_k), ω_L − (μ_c − μ_v) (the quasi-Fermi splitting deficit, observables.ness_observables) and
the wall-time ratio to newton-lu from the same start.
Cases: R1/K2 and R2/K1 over n_k; then R2/K2 from the cold start only (its guess is the NESS already; spec
§3.3: the exchange is thermally blocked and μ_c − μ_v relaxes at a rate ~1e-10), with ‖R‖, μ_c − μ_v and
max|Δn| along the time-stepping trajectories continued to t = 1e12.

Run from the repository root:
    .venv/bin/python benchmarks/bench_interband.py            # full: n_k = 61..961, about 9 min on 2 cores
    .venv/bin/python benchmarks/bench_interband.py --quick    # n_k = 61, 121; about 50 s
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before numpy is imported: serial BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import environment, header  # noqa: E402  (benchmarks/common.py)
import numpy as np

from nepsolve import api
from nepsolve.models.interband.kinetics import KineticModel, NessProblem
from nepsolve.models.interband.observables import ness_observables
from nepsolve.physics.interband_params import InterbandParams
from nepsolve.solvers import snes
from nepsolve.models.interband import solve as ib_run

TOL = ib_run.INTERBAND_TOL
COLD_EPS = 1e-3
PHYS_SLACK = 1e-9           # a root with some n outside [−slack, 1 + slack] is unphysical
REPEAT_BELOW = 2.0          # runs shorter than this [s] are repeated (best of 3; the first dense solve
                            # at a new size pays page faults: 0.53 s vs 0.29 s, R1 n_k = 961, measured)
# (label, preset, changes).  R1/K2: the default; R2/K1: local line shape, the NESS is far from the
# quasi-thermal guess (μ_c − μ_v ≈ ω_L + 0.62, spec §B.1); R2/K2: the soft mode of spec §3.3.
CASES = {"R1/K2": ("R1", {"lineshape": "K2"}), "R2/K1": ("R2", {"lineshape": "K1"}),
         "R2/K2": ("R2", {"lineshape": "K2"})}

NEWTON_LADDER = snes.DENSE_LADDER + snes.BOUNDED_LADDER
_NK = {"snes_type": "newtonls", "snes_linesearch_type": "bt", "ksp_type": "gmres", "ksp_gmres_restart": "60",
       "ksp_max_it": "300", "snes_ksp_ew": "true", "snes_max_it": "100"}
SNES_METHODS = {
    "newton-lu": None,                                                    # the production ladder
    "nk-mfop-lu": {**_NK, "snes_mf_operator": "true", "pc_type": "lu"},
    # LU built once (lag -2), GMRES to the default ksp_rtol (no Eisenstat–Walker: with its loose early forcing
    # and a stale preconditioner the line search fails on R2/K1, measured).  The dense Jacobian is still
    # assembled every Newton step (SNES calls the Jacobian callback; only the factorisation is lagged).
    "nk-mfop-lag": {**{k: v for k, v in _NK.items() if k != "snes_ksp_ew"}, "snes_mf_operator": "true",
                    "pc_type": "lu", "snes_lag_preconditioner": "-2"},
    "nk-mfop-jacobi": {**_NK, "snes_mf_operator": "true", "pc_type": "jacobi"},
    "nk-mf": {**snes.LADDER[0][1], "snes_max_it": "100"},
}
# Newton inside the implicit steps.  snes_stol 1e-12: with PETSc's default step test (‖δx‖ < 1e-8‖x‖) the
# step's Newton stops before the last small correction once dt is huge, and TSPSEUDO then stalls at
# ‖R‖ ≈ 1.5e-10 (R2/K1, cold, n_k = 241: 1621 steps to t = 1e300, measured); a correction below 1e-12‖x‖
# changes ‖R‖ by < 1e-13.
_LU = {"snes_type": "newtonls", "ksp_type": "preonly", "pc_type": "lu", "snes_stol": "1e-12"}
TS_METHODS = {
    # rtol = atol = 1e-12: with the usual 1e-6..1e-10 the adaptive step sits at the explicit stability limit
    # and the iterate keeps a noise of the size of the tolerance: ‖R‖ stalls near the tolerance (measured:
    # rtol = atol = 1e-8 → ‖R‖ ≈ 2–4e-8 and 1e-10 → 2–6e-10 after 2e5 steps, R1 n_k = 61), never reaching 1e-10.
    "ts-rk5dp": {"explicit": True, "rtol": 1e-12, "atol": 1e-12, "options": {"ts_type": "rk", "ts_rk_type": "5dp"}},
    # loose BDF tolerances: the transient needs no accuracy, the steady state is exact for any step
    # (measured at n_k = 241: rtol 1e-6, atol 1e-9 needs 2.5–10× more steps to the same ‖R‖, both within
    # max|Δn| ≤ 3e-8 of Newton)
    "ts-bdf": {"explicit": False, "rtol": 1e-3, "atol": 1e-5,
               "options": {"ts_type": "bdf", "ts_bdf_order": "2", **_LU}},
    "ts-pseudo": {"explicit": False, "rtol": 1e-3, "atol": 1e-5,
                  "options": {"ts_type": "pseudo", "ts_pseudo_increment": "1.5", **_LU}},
}
METHODS = tuple(SNES_METHODS) + tuple(TS_METHODS)
_counter = itertools.count()


class Capped(Exception):
    pass


class Counted:
    """NessProblem for snes.solve with a Jacobian counter and a wall-time cap: past the deadline the residual
    raises, which _run_snes turns into a NaN residual, i.e. a failed rung (the remaining rungs fail at once)."""

    def __init__(self, problem: NessProblem, x0: np.ndarray, deadline: float):
        self.problem, self.size, self.x0, self.deadline = problem, problem.size, x0, deadline
        self.jac_evals = 0
        self.capped = False

    def residual(self, x, out):
        if time.perf_counter() > self.deadline:
            self.capped = True
            raise Capped("wall-time cap")
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


def in_bounds(x: np.ndarray) -> bool:
    return bool(np.min(x) >= -PHYS_SLACK and np.max(x) <= 1.0 + PHYS_SLACK)


def deficit(problem: NessProblem, x: np.ndarray) -> float:
    """ω_L − (μ_c − μ_v) of the occupations x (clipped to [0, 1])."""
    nc, nv = problem.occupations(np.clip(x, 0.0, 1.0))
    return ness_observables(problem.model, nc, nv, problem.start)["delta_mu_L"]


# ------------------------------------------------------------------------------------------ SNES
def run_snes(method: str, problem: NessProblem, x0: np.ndarray, cap: float) -> dict:
    t0 = time.perf_counter()
    c = Counted(problem, x0, t0 + cap)
    if SNES_METHODS[method] is None:
        res = snes.solve(c, None, tol=TOL, ladder=NEWTON_LADDER, absolute=True, x0=x0)
    else:
        res = snes.solve(c, SNES_METHODS[method], tol=TOL, fallback=False, absolute=True, x0=x0)
    wall = time.perf_counter() - t0
    its = sum(a["iterations"] for a in res.attempts)
    if c.capped:
        note = "capped"
    elif not res.converged:
        note = res.attempts[-1]["reason"] if SNES_METHODS[method] is not None else "ladder failed: " + ", ".join(
            f"{a['method']} {a['reason']} ‖R‖={a['residual_norm']:.1e}" for a in res.attempts)
    else:
        note = f"by {res.method}" if SNES_METHODS[method] is None and res.method != "newton-lu" else ""
    return {"x": res.x, "wall": wall, "residual": residual_norm(problem, res.x), "converged": res.converged,
            "capped": c.capped, "its": its, "fevals": res.function_evals, "jevals": c.jac_evals, "note": note}


# -------------------------------------------------------------------------------------- PETSc TS
def run_ts(method: str, problem: NessProblem, x0: np.ndarray, cap: float, t_max: float = 1e300,
           stop_at_tol: bool = True, checkpoints=()) -> dict:
    """Integrate ∂_t n = rhs(n) from x0 until ‖R‖₂ ≤ TOL (if stop_at_tol), t ≥ t_max or the wall-time cap.
    `checkpoints`: times at which (t, ‖R‖, ω_L − (μ_c − μ_v)) is recorded (first step at or past each)."""
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
        f = Fv.getArray()
        f[:M], f[M:] = model.rhs(x[:M], x[M:])

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
            "ts_adapt_clip": "0.1,10", "ts_max_step_rejections": "100", "ts_max_snes_failures": "-1",
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
    ts.setErrorIfStepFails(False)          # a failed step ends the run as diverged, not with an exception
    X.setArray(x0)
    ts.setSolution(X)
    ts.setUp()
    t0 = time.perf_counter()
    norm, steps, status, t_conv = residual_norm(problem, x0), 0, "t_max", None
    marks, pending = [], list(checkpoints)
    try:
        while True:
            if norm <= TOL and t_conv is None:
                t_conv = (ts.getTime(), ts.getSolution().getArray(readonly=True).copy())
                if stop_at_tol:
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
            x = ts.getSolution().getArray(readonly=True)
            norm = residual_norm(problem, x)
            while pending and ts.getTime() >= pending[0]:
                pending.pop(0)
                marks.append((ts.getTime(), norm, x.copy()))
            if not np.isfinite(norm) or int(ts.getConvergedReason()) < 0:
                status = f"diverged ({ts.getConvergedReason()})"
                break
        x = ts.getSolution().getArray().copy()
        t_end = ts.getTime()
    finally:
        ts.destroy()
        X.destroy()
        F.destroy()
        if Jm is not None:
            Jm.destroy()
    wall = time.perf_counter() - t0
    # observables outside the timing (ness_observables solves for the balance levels: ~50 ms)
    marks = [(t, nrm, deficit(problem, xm), xm) for t, nrm, xm in marks]
    if t_conv is not None:
        t_conv = (t_conv[0], deficit(problem, t_conv[1]))
    converged = norm <= TOL and status != "capped"
    return {"x": x, "wall": wall, "residual": norm, "converged": converged, "capped": status == "capped",
            "its": steps, "fevals": counts["f"], "jevals": counts["j"], "t_end": t_end, "t_conv": t_conv,
            "marks": marks, "note": f"t={t_end:.2g}" + ("" if converged else f" {status}")}


def run(method, problem, x0, cap) -> dict:
    """One method from x0; short runs are repeated (best of 3 wall times; the counts are deterministic)."""
    fn = run_snes if method in SNES_METHODS else run_ts
    r = fn(method, problem, x0, cap)
    if r["wall"] < REPEAT_BELOW:
        r["wall"] = min([r["wall"]] + [fn(method, problem, x0, cap)["wall"] for _ in range(2)])
    r["physical"] = in_bounds(r["x"])
    if r["converged"] and not r["physical"]:      # a root of R outside 0 ≤ n ≤ 1: not the NESS
        r["note"] = ((r["note"] + " " if r["note"] else "") +
                     f"UNPHYSICAL root, n in [{np.min(r['x']):.3g}, {np.max(r['x']):.3g}]")
    return r


# ------------------------------------------------------------------------------------- reporting
def cold_start(n: int) -> np.ndarray:
    return np.concatenate([np.full(n, COLD_EPS), np.full(n, 1.0 - COLD_EPS)])


def make_problem(case: str, n_k: int) -> NessProblem:
    preset, changes = CASES[case]
    return NessProblem(KineticModel(InterbandParams.preset(preset, n_k=n_k, **changes)))


COLS = (f"{'n_k':>4} {'start':>5} {'method':>14} {'conv':>4} {'wall[s]':>8} {'‖R‖₂':>8} {'its':>6} {'F evals':>8} "
        f"{'J':>5} {'max|Δn|':>8} {'ωL−Δμ':>10} {'/newton':>8}  note")


def row(n_k, start, method, r, ref_x, t_newton):
    dn = f"{np.max(np.abs(r['x'] - ref_x)):8.1e}" if ref_x is not None else f"{'n/a':>8}"
    ratio = f"{r['wall'] / t_newton:8.2f}" if t_newton else f"{'n/a':>8}"
    conv = ("yes" if r["physical"] else "UNPH") if r["converged"] else ("cap" if r["capped"] else "NO")
    print(f"{n_k:4d} {start:>5} {method:>14} {conv:>4} {r['wall']:8.3f} {r['residual']:8.1e} {r['its']:6d} "
          f"{r['fevals']:8d} {r['jevals']:5d} {dn} {r['deficit']:+10.3e} {ratio}  {r['note']}", flush=True)


def bench_case(case: str, nks, starts, methods, cap: float, budget_end: float) -> dict:
    preset, changes = CASES[case]
    p0 = InterbandParams.preset(preset, n_k=nks[0], **changes)
    header(f"{case}: preset {preset} {changes}, ω_L = {p0.omega_L:.6g}, γ_r = {p0.gamma_r:g}, Ω = {p0.Omega:g}, "
           f"T_ph = {p0.T_ph:g}; stop at ‖R‖₂ ≤ {TOL:g}; cap {cap:g} s per run")
    print("max|Δn|: to newton-lu from the guess (same n_k); ωL−Δμ = ω_L − (μ_c − μ_v); /newton: wall time ÷ "
          "newton-lu's from the same start")
    print(COLS)
    skip = {s: set() for s in starts}
    out, notes = {}, []
    for n_k in nks:
        if time.perf_counter() > budget_end:
            print(f"{n_k:4d}  skipped: the benchmark's time budget is spent")
            continue
        problem = make_problem(case, n_k)
        x_guess = problem.initial_guess()
        ref_x = None
        if "guess" not in starts:       # the reference all the same (not timed, no row)
            r = run_snes("newton-lu", problem, x_guess, cap)
            if r["converged"] and in_bounds(r["x"]):
                ref_x = r["x"]
        for start in starts:
            x0 = x_guess if start == "guess" else cold_start(n_k)
            t_newton = None
            for method in methods:
                if method in skip[start]:
                    print(f"{n_k:4d} {start:>5} {method:>14}  skipped (capped at a smaller n_k)")
                    continue
                r = run(method, problem, x0, cap)
                r["deficit"] = deficit(problem, r["x"])
                ok = r["converged"] and r["physical"]
                if method == "newton-lu":
                    t_newton = r["wall"] if ok else None
                    if start == "guess" and ok:
                        ref_x = r["x"]
                if r["capped"]:
                    skip[start].add(method)
                if ok and ref_x is not None and np.max(np.abs(r["x"] - ref_x)) > 1e-6:
                    r["note"] = (r["note"] + " " if r["note"] else "") + "≠ reference (max|Δn| > 1e-6)"
                row(n_k, start, method, r, ref_x, t_newton)
                out[(n_k, start, method)] = {k: v for k, v in r.items() if k != "x"} | {
                    "dn": float(np.max(np.abs(r["x"] - ref_x))) if ref_x is not None else np.nan}
        if n_k == nks[0] and ref_x is not None:
            lam = slowest_rate(problem, ref_x)
            notes.append(f"slowest relaxation rate at the NESS (n_k = {n_k}): λ_slow = {lam:.2e} (Γ_ref = "
                         f"{problem.scale:g}), so ‖R‖₂ = {TOL:g} leaves |Δn| ~ Γ_ref·‖R‖/λ_slow = "
                         f"{problem.scale * TOL / lam:.0e} along the slowest mode: time stepping stops as soon as "
                         f"it crosses the tolerance, Newton's last step overshoots it quadratically")
    for line in notes:
        print(line)
    return out


def slowest_rate(problem: NessProblem, x: np.ndarray) -> float:
    """Smallest nonzero |Re λ| of ∂(∂_t n)/∂n at x (the particle-number zero mode removed)."""
    lam = np.abs(np.linalg.eigvals(problem.model.rhs_jacobian(*problem.occupations(x))).real)
    return float(np.sort(lam)[1])


def ratio_table(case: str, res: dict, nks, starts, methods):
    print(f"\n{case}: wall-time ratio to newton-lu (same start, same n_k); '×' = did not reach ‖R‖₂ ≤ {TOL:g} "
          f"(cap: wall-time cap; unphys: converged to a root outside 0 ≤ n ≤ 1), '≠ref': max|Δn| > 1e-6 to the "
          f"reference, '–' = not run; newton [s] not a time (cap/unphys./failed/skipped): the other methods' times in ( )")
    others = [m for m in methods if m != "newton-lu"]
    print(f"{'start':>5} {'n_k':>4} {'newton [s]':>10} " + " ".join(f"{m:>14}" for m in others))
    for start in starts:
        for n_k in nks:
            if not any(key[:2] == (n_k, start) for key in res):
                continue
            base = res.get((n_k, start, "newton-lu"))
            tn = base["wall"] if base and base["converged"] and base["physical"] else None
            cells = []
            for m in others:
                r = res.get((n_k, start, m))
                if r is None:
                    cells.append("–")
                elif not r["converged"]:
                    cells.append("× cap" if r["capped"] else "×")
                elif not r["physical"]:
                    cells.append("× unphys")
                elif tn is None:
                    cells.append(f"({r['wall']:.3g} s)" + ("" if not r["dn"] > 1e-6 else " ≠ref"))
                else:
                    cells.append(f"{r['wall'] / tn:.2f}" + ("" if r["dn"] <= 1e-6 else " ≠ref"))
            tn_s = (f"{tn:10.3f}" if tn is not None else f"{'skipped':>10}" if base is None else
                    f"{'cap' if base['capped'] else 'unphys.' if base['converged'] else 'failed':>10}")
            print(f"{start:>5} {n_k:4d} {tn_s} " + " ".join(f"{c:>14}" for c in cells))


def soft_mode(nks, methods, cap: float, t_end: float):
    """R2/K2 from the cold start: every method (the guess is already the answer: 0 iterations), then
    μ_c − μ_v along the time-stepping trajectories at the smallest n_k (cap per run: min(cap, 30 s))."""
    case = "R2/K2"
    res = bench_case(case, nks, ("cold",), methods, cap, np.inf)
    n_k = nks[0]
    problem = make_problem(case, n_k)
    ref = snes.solve(problem, None, tol=TOL, ladder=NEWTON_LADDER, absolute=True)
    nc, nv = problem.occupations(np.clip(ref.x, 0.0, 1.0))
    obs = ness_observables(problem.model, nc, nv, problem.start)
    p = problem.model.params
    print(f"\nreference at n_k = {n_k}: newton-lu from the guess (quasi-thermal balance levels, number + ΣwG = ΣwR) "
          f"converged={ref.converged} after {ref.iterations} iterations, ‖R‖ = {ref.residual_norm:.1e}: "
          f"ω_L − (μ_c − μ_v) = {obs['delta_mu_L']:+.3e} (balance levels: "
          f"{p.omega_L - obs.get('splitting_balance', np.nan):+.3e}); slowest relaxation rate there "
          f"{slowest_rate(problem, ref.x):.1e} (Γ_ref = {problem.scale:g})")
    marks = [10.0**k for k in range(1, int(np.log10(t_end)) + 1)]
    print(f"\ntime stepping from the cold start, n_k = {n_k}, continued past ‖R‖ ≤ {TOL:g} to t = {t_end:.0e} "
          f"(cap {cap:g} s each):")
    print(f"{'method':>10} {'t':>9} {'‖R‖₂':>9} {'ωL−Δμ':>10} {'max|Δn|':>9}  (to the reference)")
    traj = {}
    for method in ("ts-bdf", "ts-rk5dp"):
        r = run_ts(method, problem, cold_start(n_k), cap, t_max=t_end, stop_at_tol=False, checkpoints=marks)
        for t, norm, d, x in r["marks"]:
            print(f"{method:>10} {t:9.2e} {norm:9.2e} {d:+10.3e} {np.max(np.abs(x - ref.x)):9.1e}")
        if r["t_conv"]:
            print(f"{method:>10}: ‖R‖ ≤ {TOL:g} first at t = {r['t_conv'][0]:.2e}, where ω_L − (μ_c − μ_v) = "
                  f"{r['t_conv'][1]:+.3e}; at the end (t = {r['t_end']:.2e}, ‖R‖ = {r['residual']:.1e}): "
                  f"{deficit(problem, r['x']):+.3e}")
        else:
            print(f"{method:>10}: never reached ‖R‖ ≤ {TOL:g}; stopped at t = {r['t_end']:.2e} "
                  f"({'capped' if r['capped'] else 't_max'}, {r['its']} steps), ‖R‖ = {r['residual']:.1e}, "
                  f"ω_L − (μ_c − μ_v) = {deficit(problem, r['x']):+.3e}")
        traj[method] = r
    return res, traj


# ------------------------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n_k = 61, 121 (R2/K2: 61), cap 10 s; < 1 min")
    ap.add_argument("--nk", type=int, nargs="+", help="n_k values (default 61 121 241 481 961)")
    ap.add_argument("--soft-nk", type=int, nargs="+", help="n_k of the R2/K2 section (default 61 241; quick 61)")
    ap.add_argument("--cap", type=float, help="wall-time cap per run [s] (default 30; quick 10)")
    ap.add_argument("--budget", type=float, default=480.0,
                    help="time budget [s] of the n_k scans: larger n_k are skipped once it is spent (default 480)")
    ap.add_argument("--cases", default="R1/K2,R2/K1,R2/K2", help="comma-separated subset of the cases")
    ap.add_argument("--starts", default="guess,cold", help="comma-separated subset of guess,cold")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of the methods")
    args = ap.parse_args(argv)
    nks = tuple(args.nk or ((61, 121) if args.quick else (61, 121, 241, 481, 961)))
    cap = args.cap or (10.0 if args.quick else 30.0)
    starts = tuple(args.starts.split(","))
    methods = tuple(m for m in METHODS if m in args.methods.split(","))
    if "newton-lu" not in methods:
        methods = ("newton-lu",) + methods         # the reference and the ratios' denominator
    cases = args.cases.split(",")

    t_start = time.perf_counter()
    environment('interband', args.quick)
    # PETSc start-up and first-call costs outside the timings
    warm = make_problem("R1/K2", 61)
    for m in ("newton-lu", "nk-mfop-lu", "ts-rk5dp", "ts-bdf"):
        run_snes(m, warm, warm.initial_guess(), 10) if m in SNES_METHODS else run_ts(m, warm, warm.initial_guess(), 10)

    budget_end = t_start + args.budget
    results, soft_nks = {}, ()
    for case in ("R1/K2", "R2/K1"):
        if case in cases:
            results[case] = bench_case(case, nks, starts, methods, cap, budget_end)
    if "R2/K2" in cases:
        soft_nks = tuple(args.soft_nk or ((61,) if args.quick else (61, 241)))
        results["R2/K2"], _ = soft_mode(soft_nks, methods, min(cap, 30.0), 1e12)

    header("SUMMARY: wall-time ratios to newton-lu (the production solve), measured in this run")
    for case, res in results.items():
        ratio_table(case, res, nks if case != "R2/K2" else soft_nks, starts if case != "R2/K2" else ("cold",),
                    methods)
    print(f"\ntotal benchmark wall time: {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
