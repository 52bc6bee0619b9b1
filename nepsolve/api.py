"""High-level computations: the only place where a model meets the solvers.

Every function takes validated parameters and returns a plain dict of results (JSON-ready scalars;
arrays only under the key 'arrays').  Non-convergence is reported in the dict, never raised.
Units: energies and temperatures in units of the boson frequency Ω = 1.
"""
from __future__ import annotations

import time

import numpy as np

from .models.eliashberg import FlatBandEliashberg
from .models.eliashberg_xi import NormalState, XiEliashberg
from .models.eliashberg_xi_nonlinear import XiGapProblem
from .physics.params import EliashbergParams, EliashbergXiParams
from .solvers import critical, deflation, eigen, snes

MIGDAL_LIMIT = 3.0
PHI_THRESHOLD = 1e-4   # [Ω] max|φ| above which a converged solution counts as superconducting   # λ_c above this is "no superconductivity in any physical sense" (spec §8.6 pitfall 8)


def build_model(params: EliashbergParams):
    """The model class that belongs to a parameter set (flat band or ξ-resolved)."""
    return XiEliashberg(params) if isinstance(params, EliashbergXiParams) else FlatBandEliashberg(params)


class _NormalState:
    """Normal state for a sequence of parameter points, warm-starting its SNES solves.

    Flat band: the electron distribution F_el on the 2-extended grid (kinetic equation, §3.2).
    ξ-resolved: Σ^R_11(ξ, ω) (and F_el in kinetic mode), always self-consistent (finite band)."""

    def __init__(self, petsc_options=None, comm=None):
        self.options = petsc_options
        self.comm = comm
        self.x_prev = None
        self.last = None

    def __call__(self, model):
        if isinstance(model, XiEliashberg):
            problem = model.normal_problem()
            if self.comm is not None and self.comm.size > 1:      # one point on a group of ranks
                from .solvers.distributed import Distributed
                problem = Distributed(problem, self.comm)
            x0 = self.x_prev if self.x_prev is not None and self.x_prev.size == problem.size else None
            res = snes.solve(problem, self.options, tol=1e-12, x0=x0, comm=self.comm)
        elif model.params.fel_mode == "bath":
            return model.bath_distribution()
        else:
            problem = model.kinetic_problem()
            res = snes.solve(problem, self.options, tol=1e-11, x0=self.x_prev)
        self.last = res
        if not res.converged:
            raise RuntimeError(f"normal state (kinetic equation) did not converge: {res.message}")
        self.x_prev = res.x
        return problem.solution(res.x) if isinstance(model, XiEliashberg) else res.x


def gap_operator(model, normal, sector: str = "even"):
    """The linearized gap operator of either model around its normal state."""
    if isinstance(model, XiEliashberg):
        return model.gap_operator(normal)
    return model.gap_operator(normal, sector)


def leading_eigenvalue(params: EliashbergParams, sector: str = "even", normal=None, v0=None):
    """ρ and eigenvector of the linearized gap operator at `params` (spec §6.1); also returns the
    normal state (F_el on the extended grid for the flat band, a NormalState for the ξ model)."""
    eig, state, _ = _eigen(params, sector, normal, v0)
    return eig, state


def _eigen(params, sector, normal, v0):
    """(eigen result, normal state, operator) — the operator is kept for diagnostics."""
    model = build_model(params)
    normal = normal or _NormalState()
    state = normal(model)
    op = gap_operator(model, state, sector)
    if isinstance(model, XiEliashberg) and normal.comm is not None and normal.comm.size > 1:
        from .solvers.distributed import DistributedOperator
        op = DistributedOperator(op, normal.comm)        # matvec rows shared by the group
    return eigen.leading_real_eigenvalue(op, v0=v0), state, op


def _crossing(make_params, x0, increasing, lo, hi, petsc_options, sector, rtol, comm=None):
    normal = _NormalState(petsc_options, comm)
    state = {"v0": None, "matvecs": 0, "complex": False, "last": None}

    def rho(x):
        res, ns, op = _eigen(make_params(x), sector, normal, state["v0"])
        state["v0"] = res.vector
        state["matvecs"] += res.matvecs
        state["complex"] |= res.complex_dominant
        state["last"] = (op, res, ns)
        return res.rho

    cr = critical.find_crossing(rho, x0, increasing, lo, hi, rtol=rtol)
    info = {"converged": cr.converged, "message": cr.message, "rho_evaluations": len(cr.evaluations),
            "matvecs": state["matvecs"], "complex_pair_dominant": state["complex"]}
    if normal.last is not None:        # the last kinetic-equation solve (fel_mode = kinetic)
        info["kinetic_snes_reason"] = normal.last.reason_name
        info["kinetic_snes_reason_code"] = normal.last.reason
        info["kinetic_residual_norm"] = normal.last.residual_norm
    if cr.converged and state["last"] is not None and isinstance(state["last"][2], NormalState):
        info.update(xi_diagnostics(*state["last"]))
    return cr.value, info


def xi_diagnostics(op, eig, normal: NormalState) -> dict:
    """At the last ρ evaluation of a λ_c search (ξ model): the size of the non-thermal glue in the
    critical eigenvector, ‖δφ^K_12‖∞/‖φ^R_12‖∞ (0 with glue off), the electron inverse lifetime
    Γ_el(0) = −Im Σ^R_11(ξ≈0, ω=0) (bath + bosons); `op` is that evaluation's gap operator."""
    rows, n_w = normal.sigma.shape
    out = {"Gamma_el0": float(-normal.sigma[rows // 2, (n_w - 1) // 2].imag)}
    if eig.vector is not None and getattr(op, "operator", op).glue:
        f = op.expand(eig.vector)
        d12, _ = op.delta_phi_K(f)
        out["glue_ratio"] = float(np.max(np.abs(d12)) / max(np.max(np.abs(f[0])), 1e-300))
    else:
        out["glue_ratio"] = 0.0
    return out


def critical_coupling(params: EliashbergParams, petsc_options=None, sector: str = "even",
                      rtol: float = 1e-8, comm=None) -> dict:
    """λ_c: ρ(λ_c) = 1 at fixed temperatures, bath and drive (spec §6.1); params.lam is the start value.

    `comm` (a petsc4py communicator of several ranks, ξ model only): the normal-state SNES solves run
    on a PETSc Vec distributed over it (rows owned, cells of the ξ' quadrature split), and the gap
    operator's matvecs are split the same way; ARPACK itself runs on every rank on identical vectors."""
    t0 = time.perf_counter()
    lam_c, info = _crossing(lambda lam: params.replace(lam=lam), params.lam, True, 1e-3, 50.0,
                            petsc_options, sector, rtol, comm)
    out = {"quantity": "lambda_c", "lambda_c": lam_c, **info, "wall_time": time.perf_counter() - t0,
           "params": params.as_dict()}
    if info["converged"] and lam_c > MIGDAL_LIMIT:
        out["warning"] = f"lambda_c = {lam_c:.3g} > {MIGDAL_LIMIT}: outside Migdal-Eliashberg validity"
    return out


def decompose(params: EliashbergXiParams, petsc_options=None, rtol: float = 1e-8, comm=None) -> dict:
    """λ_c of the full NESS model and with one ingredient removed (issue: full / glue off /
    heating off): glue off = δφ^K := 0; heating off = fel_mode 'bath' (F_el frozen to the bath)."""
    full = critical_coupling(params, petsc_options, rtol=rtol, comm=comm)
    off = critical_coupling(params.replace(glue="off"), petsc_options, rtol=rtol, comm=comm)
    full["lambda_c_glue_off"] = off["lambda_c"]
    full["glue_off_converged"] = off["converged"]
    if params.fel_mode == "kinetic":
        heat = critical_coupling(params.replace(fel_mode="bath"), petsc_options, rtol=rtol, comm=comm)
        full["lambda_c_heating_off"] = heat["lambda_c"]
        full["heating_off_converged"] = heat["converged"]
    else:
        full["lambda_c_heating_off"] = full["lambda_c"]     # already frozen
    full["wall_time"] += off["wall_time"]
    return full


def critical_temperature(params: EliashbergParams, petsc_options=None, sector: str = "even",
                         rtol: float = 1e-8) -> dict:
    """T_c at fixed λ: both bath temperatures scaled together, T_b/T_el fixed (reported T_c is T_el).

    The search stays on temperatures the grid resolves (Δω ≤ T/5, spec §8.1); a T_c below that
    is reported as not found with the n_omega needed to look further down.
    """
    t0 = time.perf_counter()
    T_el0, T_b0 = params.T_el, params.T_b
    t_min = min(T_el0, T_b0)
    lo = 5.0 * params.dw / t_min * (1 + 1e-9)
    hi = 10.0 / max(T_el0, T_b0)
    s, info = _crossing(lambda s: params.replace(T_el=s * T_el0, T_b=s * T_b0), 1.0, False, lo, hi,
                        petsc_options, sector, rtol)
    if not info["converged"] and s != s:
        info["message"] += (f"; the grid resolves T_el >= {lo * T_el0:.3g} only: raise n_omega to look lower")
    return {"quantity": "T_c", "T_c": s * T_el0, "T_b_at_Tc": s * T_b0, **info,
            "wall_time": time.perf_counter() - t0, "params": params.as_dict()}


def solve_gap(params: EliashbergParams, petsc_options=None, seed: float = 0.1, fallback: bool = True,
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
    model = build_model(params)
    normal = _NormalState(petsc_options)
    state = normal(model)               # F_el on the extended grid (flat band) or a NormalState (ξ model)
    if isinstance(model, XiEliashberg):
        problem = XiGapProblem(model, state, seed)
    else:
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
