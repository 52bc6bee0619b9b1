"""Where a gap-equation model meets the solvers: the normal state by SNES, the critical search on the
leading eigenvalue of the linearized gap operator (λ_c, T_c), and the nonlinear gap solve with deflation.

Model-agnostic: a model enters through the registry (`build`, `critical_rows`) and the capabilities of its
objects (models/base.py: `normal_problem`, `gap_operator`, `gap_problem`, EigenDiagnostics, Splittable...);
nothing here names a model or its keys beyond the temperatures T_el, T_b of the T_c search and `lam`.
Every function takes validated parameters and returns a plain dict of results (JSON-ready scalars;
arrays only under the key 'arrays').  Non-convergence is reported in the dict, never raised.
Units: the model's energy unit (Eliashberg models: the boson frequency Ω = 1).
"""
from __future__ import annotations

import time

import numpy as np

from . import registry
from .models.base import EigenDiagnostics, SplittableOperator, SplittableResidual
from .solvers import critical, deflation, eigen, snes

MIGDAL_LIMIT = 3.0
PHI_THRESHOLD = 1e-4   # [Ω] max|φ| above which a converged solution counts as superconducting   # λ_c above this is "no superconductivity in any physical sense" (spec §8.6 pitfall 8)


def build_model(params, xi_rows=None):
    """The model object of a parameter set, built by the model that registered its parameter class;
    `xi_rows`: the rows of the ξ-local kernel (default ξ = 0; other models ignore it)."""
    return registry.model_of_params(params).build(params, xi_rows=xi_rows)


class NormalStateSolver:
    """Normal state for a sequence of parameter points, warm-starting its SNES solves.

    Flat band: the electron distribution F_el on the 2-extended grid (kinetic equation, §3.2).
    ξ-resolved: Σ^R_11(ξ, ω) (and F_el in kinetic mode), always self-consistent (finite band)."""

    def __init__(self, petsc_options=None, comm=None):
        self.options = petsc_options
        self.comm = comm
        self.x_prev = None
        self.last = None

    def __call__(self, model):
        problem = model.normal_problem()
        if problem is None:                                     # fixed normal state (bath-pinned F_el)
            return model.fixed_normal_state()
        comm = self.comm if isinstance(problem, SplittableResidual) else None
        if comm is not None and comm.size > 1:                  # one point on a group of ranks
            from .solvers.distributed import Distributed
            problem = Distributed(problem, comm)
        x0 = self.x_prev if self.x_prev is not None and self.x_prev.size == problem.size else None
        res = snes.solve(problem, self.options, tol=model.NORMAL_TOL, x0=x0, comm=comm,
                         ladder=snes.ANDERSON_FIRST if model.NORMAL_ANDERSON_FIRST else None)
        self.last = res
        if not res.converged:
            raise RuntimeError(f"normal state (kinetic equation) did not converge: {res.message}")
        self.x_prev = res.x
        return problem.solution(res.x)


def gap_operator(model, normal, sector: str = "even"):
    """The linearized gap operator of the model around its normal state."""
    return model.gap_operator(normal, sector=sector)


def leading_eigenvalue(params, sector: str = "even", normal=None, v0=None, xi_rows=None):
    """ρ and eigenvector of the linearized gap operator at `params` (spec §6.1); also returns the
    normal state (F_el on the extended grid for the flat band, a NormalState for the ξ model)."""
    eig, state, _ = _eigen(params, sector, normal, v0, xi_rows)
    return eig, state


def _eigen(params, sector, normal, v0, xi_rows=None):
    """(eigen result, normal state, operator) — the operator is kept for diagnostics."""
    model = build_model(params, xi_rows)
    normal = normal or NormalStateSolver()
    state = normal(model)
    op = gap_operator(model, state, sector)
    if isinstance(op, SplittableOperator) and normal.comm is not None and normal.comm.size > 1:
        from .solvers.distributed import DistributedOperator
        op = DistributedOperator(op, normal.comm)        # rows shared by the group: Krylov–Schur on row slices
    v0 = v0 if v0 is not None and v0.size == op.size else None
    return eigen.leading_real_eigenvalue(op, v0=v0), state, op


class _RhoTracker:
    """ρ(x) evaluations of a critical search: warm starts (normal state, ARPACK vector), counts, and
    the operator of the last evaluation for the diagnostics of the answer."""

    def __init__(self, make_params, sector, petsc_options, comm=None, measure: str = "real"):
        self.make_params, self.sector, self.measure = make_params, sector, measure
        self.normal = NormalStateSolver(petsc_options, comm)
        self.v0, self.matvecs, self.last = None, 0, None

    def __call__(self, x, xi_rows=None):
        """ρ at parameter x: the largest real eigenvalue (measure 'real'), or the real part of the
        eigenvalue of largest real part ('leading': rows of the ξ-local kernel off ξ = 0 have complex
        leading eigenvalues out of equilibrium, and rows are compared by it)."""
        res, ns, op = _eigen(self.make_params(x), self.sector, self.normal, self.v0, xi_rows)
        if res.eigenvalues.size == 0:            # not "no real eigenvalue": none converged at all
            raise RuntimeError(f"eigen-solver: no eigenvalue converged at x = {x:g} ({'; '.join(res.notes)})")
        if res.vector is not None:
            self.v0 = res.vector
        self.matvecs += res.matvecs
        self.last = (op, res, ns)
        return res.rho if self.measure == "real" else res.leading.real

    def info(self) -> dict:
        info = {"matvecs": self.matvecs}
        if self.normal.last is not None:        # the last normal-state / kinetic-equation solve
            info["kinetic_snes_reason"] = self.normal.last.reason_name
            info["kinetic_snes_reason_code"] = self.normal.last.reason
            info["kinetic_residual_norm"] = self.normal.last.residual_norm
        return info


def _crossing(make_params, x0, increasing, lo, hi, petsc_options, sector, rtol, comm=None, rows=None):
    """x with ρ(x) = 1 (critical.find_crossing) and the diagnostics of its eigenvector.  `rows`: the ξ rows of
    the ξ-local kernel to search (critical.most_unstable_member: the row unstable at the others' crossing
    wins; rows compared by the real part of their leading eigenvalue, complex off ξ = 0 out of
    equilibrium); adds `xi_star` and the profile ρ(ξ, x_c) over the rows."""
    track = _RhoTracker(make_params, sector, petsc_options, comm, measure="real" if rows is None else "leading")
    if rows is None:
        cr = critical.find_crossing(track, x0, increasing, lo, hi, rtol=rtol)
        value, converged, message, evals, extra = cr.value, cr.converged, cr.message, len(cr.evaluations), {}
        at = None
    else:
        def crossing_at(xi, start):
            return critical.find_crossing(lambda x: track(x, [xi]), x0 if start is None else start,
                                          increasing, lo, hi, rtol=rtol)
        fam = critical.most_unstable_member(crossing_at, lambda xi, x: track(x, [xi]), rows)
        value, converged, message, evals = fam.value, fam.converged, fam.message, fam.evaluations
        extra = {"xi_profile": [[x, r] for x, r in fam.profile],
                 "xi_profile_max_rho": max((r for _, r in fam.profile), default=float("nan"))}
        at = [fam.label]
        if converged:
            track(value, at)                 # the answer's own eigenvector, for its diagnostics
    info = {"converged": converged, "message": message, "rho_evaluations": evals, **extra, **track.info()}
    if converged and track.last is not None:
        info.update(eigen_diagnostics(*track.last))
        if at is not None:
            info["xi_star"] = at[0]
    return value, info


def eigen_diagnostics(op, eig, normal) -> dict:
    """Checks and observables of the critical eigenvector (the last ρ evaluation of a search).

    All models: `rho_leading_re/_im`, the computed eigenvalue of largest real part, and `status`:
    'ok', or 'complex_leading' when that eigenvalue is complex (a finite-frequency instability, spec
    §6.1 — the real crossing is then not the whole story).  Operators with EigenDiagnostics add their
    own (the ξ model: xi_star, Gamma_el0, glue_ratio, subspace_residual, eigen_residual)."""
    lead = eig.leading
    complex_lead = abs(lead.imag) > 1e-8 * max(1.0, abs(lead))
    out = {"rho_leading_re": lead.real, "rho_leading_im": lead.imag,
           "status": "complex_leading" if complex_lead else "ok"}
    vec, rho = (eig.leading_vector, lead) if complex_lead else (eig.vector, eig.rho)
    base = getattr(op, "operator", op)               # the model's operator inside a distributed wrapper
    if isinstance(base, EigenDiagnostics) and vec is not None:
        out.update(base.eigen_diagnostics(vec, rho, normal))
    return out


def critical_coupling(params, petsc_options=None, sector: str = "even",
                      rtol: float = 1e-8, comm=None, xi_row: float | None = None) -> dict:
    """λ_c: ρ(λ_c) = 1 at fixed temperatures, bath and drive (spec §6.1); params.lam is the start value.

    ξ-local kernel: every row ξ is its own problem; λ_c is the smallest over the rows, found by
    `critical.most_unstable_member` (ξ ≥ 0 scanned: ρ(−ξ) = ρ(ξ) by particle–hole symmetry), and
    reported with its row `xi_star` and the scan `xi_profile` (ρ(ξ, λ_c) ≤ 1 on every scanned row).
    Rows are compared by the real part of their leading eigenvalue (off ξ = 0 it is complex out of
    equilibrium); `xi_row` pins one row instead of searching.

    `comm` (a petsc4py communicator of several ranks, ξ model only): the normal-state SNES solves run
    on a PETSc Vec distributed over it (rows owned, cells of the ξ' quadrature split), and the gap
    operator's matvecs are split the same way; the eigen-solver (Krylov–Schur) holds its basis by rows."""
    t0 = time.perf_counter()
    rows = _critical_rows(params, xi_row)
    lam_c, info = _crossing(lambda lam: params.replace(lam=lam), params.lam, True, 1e-3, 50.0,
                            petsc_options, sector, rtol, comm if rows is None else None, rows)
    if not info["converged"]:
        info["status"] = "no_crossing"
    out = {"quantity": "lambda_c", "lambda_c": lam_c, **info, "wall_time": time.perf_counter() - t0,
           "params": params.as_dict()}
    if info["converged"] and lam_c > MIGDAL_LIMIT:
        out["warning"] = f"lambda_c = {lam_c:.3g} > {MIGDAL_LIMIT}: outside Migdal-Eliashberg validity"
    if out.get("status") == "complex_leading":
        out["warning"] = (f"the leading eigenvalue at lambda_c is complex, rho = {out['rho_leading_re']:.6g} "
                          f"{out['rho_leading_im']:+.3g}i: a finite-frequency (oscillating) instability; "
                          f"lambda_c is the crossing of the largest real eigenvalue")
    return out


def _critical_rows(params, pinned=None):
    """The rows a critical search runs over, from the model (`ModelSpec.critical_rows`): None (one
    problem) or the rows of a row-decoupled kernel (`pinned`: that row only)."""
    rows = registry.model_of_params(params).critical_rows
    return None if rows is None else rows(params, pinned)


def critical_temperature(params, petsc_options=None, sector: str = "even",
                         rtol: float = 1e-8, xi_row: float | None = None) -> dict:
    """T_c at fixed λ: both bath temperatures scaled together, T_b/T_el fixed (reported T_c is T_el).
    ξ-local kernel: the highest T_c over the rows (as for λ_c), with `xi_star`; `xi_row` pins a row.

    The search stays on temperatures the grid resolves (spacing ≤ T/5 where F_el steps, spec §8.1:
    `lowest_resolved_T`); a T_c below that is reported as not found, saying how to look further down.
    """
    t0 = time.perf_counter()
    params = params.pinned()   # one grid for the whole search
    T_el0, T_b0 = params.T_el, params.T_b
    t_min = min(T_el0, T_b0)
    lo = params.lowest_resolved_T / t_min * (1 + 1e-9)
    hi = 10.0 / max(T_el0, T_b0)
    s, info = _crossing(lambda s: params.replace(T_el=s * T_el0, T_b=s * T_b0), 1.0, False, lo, hi,
                        petsc_options, sector, rtol, rows=_critical_rows(params, xi_row))
    if not info["converged"]:
        info["status"] = "no_crossing"
        if s != s:
            info["message"] += (f"; the grid resolves T_el >= {lo * T_el0:.3g} only: raise n_omega (graded: lower "
                                f"grid_T) to look lower")
    return {"quantity": "T_c", "T_c": s * T_el0, "T_b_at_Tc": s * T_b0, **info,
            "wall_time": time.perf_counter() - t0, "params": params.as_dict()}


def solve_gap(params, petsc_options=None, seed: float = 0.1, fallback: bool = True,
              tol: float = 1e-10, warmup: int = 0, deflate: bool = True) -> dict:
    """Nonlinear NESS gap Δ(ω) by PETSc SNES (spec §4.3, §6.2), from a BCS-like seed.

    Flat band: `GapProblem` (spec §4.3).  ξ-resolved (EliashbergXiParams): `XiGapProblem`, the full
    Nambu–Keldysh set of spec §2.2 with analytic ξ-cell integrals; its arrays are those of the row
    nearest ξ = 0 (plus `phi_rows` and the spec §2.3 `symmetry_violation`).

    The normal state (always a root) is deflated first, so Newton finds the gapped branch also
    from small seeds and close to threshold; if no other root is found, the plain solve reports
    the state it converges to (normally φ = 0: not superconducting).

    `superconducting` means: converged with max|φ| > PHI_THRESHOLD = 1e-4 Ω (the order parameter,
    not the gap edge — near threshold, or with strong pair breaking, the state can be gapless:
    φ ≠ 0 but Re Δ(ω) < ω everywhere, reported as delta0 = 0).  Just below λ_c the normal state
    is a soft mode and a converged normal solution can carry |φ| ~ tol/(1 − ρ), hence a threshold
    well above the solver tolerance.
    """
    t0 = time.perf_counter()
    spec = registry.model_of_params(params)
    if spec.check_point is not None:
        spec.check_point(params, "delta0")          # before any solve
    model = build_model(params)
    normal = NormalStateSolver(petsc_options)
    state = normal(model)               # F_el on the extended grid (flat band) or a NormalState (ξ model)
    problem = model.gap_problem(state, seed)
    if deflate:
        res = deflation.solve_avoiding(problem, [problem.trivial_root()], petsc_options, tol=tol,
                                       fallback=fallback, warmup=warmup)
    else:
        res = snes.solve(problem, petsc_options, tol=tol, fallback=fallback, warmup=warmup)
    obs = problem.solution(res.x)
    phi_max = float(np.max(np.abs(obs["phi"])))
    out = {"quantity": "delta0", "delta0": obs["delta0"] if res.converged else float("nan"),
           "superconducting": bool(res.converged and phi_max > PHI_THRESHOLD),
           "gapless": bool(res.converged and phi_max > PHI_THRESHOLD and obs["delta0"] == 0.0),
           "phi_max": phi_max, **res.summary(), "attempts": res.attempts, "message": res.message,
           "wall_time": time.perf_counter() - t0, "params": params.as_dict(), "arrays": obs}
    return out
