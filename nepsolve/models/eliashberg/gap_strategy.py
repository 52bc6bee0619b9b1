"""The flat-band nonlinear gap solve that starts where the answer is (ELIASHBERG_SPEC §4.3, §6.1–6.2).

1. Normal state (kinetic equation or bath F_el) and the leading eigenpair (ρ, v) of the linearized gap operator
   𝓛 around it.  ρ ≤ 1: the normal state is linearly stable — the deflated search of `api.solve_gap` decides.
2. ρ > 1: a BCS amplitude from two eigenvalues.  Weak-coupling BCS has ρ(T) = λ_eff ln(1.13 ω_c/T), so one more
   eigen-solve at 2T gives λ_eff = [ρ(T) − ρ(2T)]/ln 2, T_c ≈ T exp[(ρ(T) − 1)/λ_eff] and Δ_est = 1.764 T_c.
3. The seed: Σ_0 of the normal state and φ = Δ_est Z(0) v(ω)/v(0) (Δ(0) = φ(0)/Z(0), spec §4.2) — the
   shape of the unstable mode with the BCS amplitude.  On a graded grid the grid gets a patch resolving γ at
   the gap edge ±Δ_est (`grid_gap`) first.  Plain Newton–Krylov from the seed; a graded grid whose patch
   is re-centred on the gap edge found when it is more than 2γ off and the solution carried over (at most three times).
4. No gapped state from the seed (φ → 0 or no convergence): the deflated search of `api.solve_gap`.
5. Graded grids: one refinement (grid_refine × 2, warm-started) gives the a-posteriori error estimate; the
   answer is the Richardson value Δ0(2r) + [Δ0(2r) − Δ0(r)]/3 (the scheme is O(h²)), the estimate
   |Δ0(2r) − Δ0(r)|/3 relative (the error of the finer value, a bound for the extrapolated one).
Residual evaluations of every stage are recorded (`function_evals` is their sum, `stages` lists them).
Energies in units of Ω = 1.
"""
from __future__ import annotations

import time

import numpy as np

from ... import api
from ...solvers import eigen, snes
from .graded import build_grid

BCS_RATIO = 1.764          # Δ0/T_c of weak-coupling BCS
GAP_PATCH_TOL = 2.0        # the gap-edge patch (±8γ, graded.GAP_PATCH) is centred within 2γ of the edge found


def bcs_gap_estimate(params, rho: float, normal_solver, v0=None) -> tuple[float, dict]:
    """Δ_est from ρ(T) and ρ(2T) (both bath temperatures doubled; step 2 of the module docstring)."""
    hot = params.replace(T_el=2 * params.T_el, T_b=2 * params.T_b, **_keep_grid(params))
    model = api.build_model(hot)
    op = model.gap_operator(normal_solver(model))
    rho2 = eigen.leading_real_eigenvalue(op, v0=v0).rho
    lam_eff = (rho - rho2) / np.log(2.0) if np.isfinite(rho2) and rho2 < rho else params.lam / (1 + params.lam)
    T_c = params.T_el * np.exp((rho - 1.0) / lam_eff)
    return BCS_RATIO * T_c, {"rho": rho, "rho_2T": rho2, "lambda_eff": lam_eff, "T_c_estimate": T_c}


def _keep_grid(params) -> dict:
    """Keys that keep a graded grid resolving the original temperature when T is changed."""
    return {"grid_T": params.grid_T} if params.graded else {}


def eigen_seed(model, problem, op, vec, delta_est: float) -> np.ndarray:
    """Packed seed: normal Σ_0 (and Keldysh block) with φ = Δ_est Z(0) v/v(0) (step 3)."""
    phi = op.expand(vec)
    m = model.grid.m
    sigma0, K = problem.normal_state()
    Z0 = float(((model.omega[m + 1] - sigma0[m + 1]) / model.omega[m + 1]).real)
    phi = phi / phi[m].real * delta_est * Z0
    return problem.pack(sigma0, phi.astype(complex), K)


def transfer(x, old_model, old_problem, new_model, new_problem) -> np.ndarray:
    """A packed solution carried from one graded grid to another (piecewise-linear in each field)."""
    sigma0, phi, K = old_problem.unpack(x)
    w_new = new_model.omega
    interp = old_model.grid.interpolate

    def at(f):
        return interp(f, w_new, (f[0], f[-1]))

    K_new = (at(K[0]), at(K[1])) if K is not None else None
    return new_problem.pack(at(sigma0), at(phi), K_new)


def _solve_at(params, petsc_options, tol, x_from=None, seed_state=None, prebuilt=None):
    """Normal state, problem and a plain Newton–Krylov solve at `params` from a carried solution
    (`x_from` = (x, model, problem)) or from the eigen seed (`seed_state` = (model, op, vec, Δ_est) of the
    eigen-solve; interpolated if the grid changed).  `prebuilt` = (model, normal state) at `params`."""
    if prebuilt is None:
        model = api.build_model(params)
        normal = api.NormalStateSolver(petsc_options)(model)
    else:
        model, normal = prebuilt
    problem = model.gap_problem(normal)
    if x_from is not None:
        x0 = transfer(x_from[0], x_from[1], x_from[2], model, problem)
    else:
        eig_model, op, vec, d_est = seed_state
        if eig_model is not model:                    # another grid: the eigenvector by interpolation
            phi = eig_model.grid.interpolate(op.expand(vec), model.omega, (0.0, 0.0))
            op = model.gap_operator(normal)
            vec = op.restrict(phi)
        x0 = eigen_seed(model, problem, op, vec, d_est)
    res = snes.solve(problem, petsc_options, tol=tol, fallback=False, x0=x0)
    return model, problem, res


def _is_gapped(problem, res) -> bool:
    if not res.converged:
        return False
    _, phi, _ = problem.unpack(res.x)
    return float(np.max(np.abs(phi))) > api.PHI_THRESHOLD


def seeded_gap(params, petsc_options=None, tol: float = 1e-10, **fallback_kw) -> dict:
    """Δ0 of the flat-band NESS by the strategy of the module docstring; the same result dict as
    api.solve_gap, plus `start`, `stages`, `seed` (ρ, ρ(2T), λ_eff, T_c and Δ estimates) and, on graded grids,
    `grid_error_estimate`, `grids` and `grid_values`."""
    t0 = time.perf_counter()
    stages = []
    normal = api.NormalStateSolver(petsc_options)
    model = api.build_model(params)
    state = normal(model)
    op = model.gap_operator(state)
    eig = eigen.leading_real_eigenvalue(op)
    stages.append({"stage": "eigen", "matvecs": eig.matvecs})
    seed_info = {"rho": eig.rho}
    p, res, start = params, None, "eigen"
    if not (np.isfinite(eig.rho) and eig.rho > 1.0):
        start = "seed (rho <= 1)"
    else:
        d_est, more = bcs_gap_estimate(params, eig.rho, api.NormalStateSolver(petsc_options), eig.vector)
        seed_info.update(more, delta_estimate=d_est)
        stages.append({"stage": "eigen at 2T"})
        if params.fel_mode == "kinetic":
            # self-consistent F_el: Newton–Krylov from the eigen seed diverged on the NESS tested (its Keldysh
            # block is the normal state's); the seed-and-deflate search with the BCS amplitude as φ0 converges
            fallback_kw = {**fallback_kw, "seed": d_est}
            start = "seed (BCS amplitude; kinetic F_el)"
        else:
            seed_state = (model, op, eig.vector, d_est)
            if params.graded:                              # a patch resolving γ at the estimated gap edge
                p = params.pinned().replace(grid_gap=d_est)
                model, problem, res = _solve_at(p, petsc_options, tol, seed_state=seed_state)
            else:
                model, problem, res = _solve_at(p, petsc_options, tol, seed_state=seed_state, prebuilt=(model, state))
            stages.append({"stage": "newton-krylov from the eigen seed", "function_evals": res.function_evals,
                           "reason": res.reason_name})
            if not _is_gapped(problem, res):
                res, start = None, "seed (the eigen seed found no gap)"
    if res is None:                                        # the seed-and-deflate search of api.solve_gap
        out = api.solve_gap(params, petsc_options, tol=tol, **fallback_kw)
        stages.append({"stage": "deflated search", "function_evals": out["function_evals"]})
        out.update(start=start, stages=stages, seed=seed_info,
                   function_evals=sum(s.get("function_evals") or 0 for s in stages))
        if not (params.graded and out["superconducting"] and out["delta0"] > 0):
            out["wall_time"] = time.perf_counter() - t0
            out["symmetry_violation"] = symmetry_violation(out["arrays"]["phi"])
            return out
        problem = model.gap_problem(state)                 # carried to the gap-edge grid below
        x = _packed(problem, out["arrays"])
        p = params.pinned().replace(grid_gap=out["delta0"])
        model, problem, res = _solve_at(p, petsc_options, tol, x_from=(x, model, problem))
        stages.append({"stage": "moved to a grid with the gap-edge patch", "function_evals": res.function_evals,
                       "reason": res.reason_name})
    extra = {}
    if params.graded:
        p, model, problem, res, extra = _graded_refinement(p, petsc_options, tol, model, problem, res, stages)
    obs = problem.solution(res.x)
    phi_max = float(np.max(np.abs(obs["phi"])))
    delta0 = extra.get("delta0_richardson", obs["delta0"]) if res.converged else float("nan")
    return {"quantity": "delta0", "delta0": delta0,
            "superconducting": bool(res.converged and phi_max > api.PHI_THRESHOLD),
            "gapless": bool(res.converged and phi_max > api.PHI_THRESHOLD and obs["delta0"] == 0.0),
            "phi_max": phi_max, **res.summary(),
            "function_evals": sum(s.get("function_evals") or 0 for s in stages),
            "start": start, "attempts": res.attempts, "message": res.message,
            "stages": stages, "seed": seed_info, **extra, "symmetry_violation": symmetry_violation(obs["phi"]),
            "wall_time": time.perf_counter() - t0, "params": p.as_dict(), "arrays": obs}


def symmetry_violation(phi: np.ndarray) -> float:
    """max|φ(−ω) − φ(ω)*| / max|φ| on the symmetric grid: 0 for the physical class of spec §6.1 (reported with
    every gap so that a solution outside it is visible)."""
    scale = float(np.max(np.abs(phi)))
    return float(np.max(np.abs(phi[::-1] - np.conj(phi)))) / scale if scale > 0 else 0.0


def _packed(problem, arrays) -> np.ndarray:
    """The packed unknowns of a solution given by its observables (Σ_0 = ω − ω̃, φ, K)."""
    K = (arrays["K0"], arrays["K1"]) if problem.kinetic else None
    return problem.pack(arrays["omega"] - arrays["omega_tilde"], arrays["phi"], K)


def _graded_refinement(p, petsc_options, tol, model, problem, res, stages):
    """Graded grids: the gap-edge patch re-centred on the edge found (at most three times), then one refinement
    (grid_refine × 2) for the error estimate and the Richardson value (module docstring, step 5)."""
    for _ in range(3):
        d0 = problem.solution(res.x)["delta0"]
        if d0 <= 0 or abs(d0 - p.grid_gap) <= GAP_PATCH_TOL * p.gamma:
            break
        p = p.replace(grid_gap=d0)
        model, problem, res = _solve_at(p, petsc_options, tol, x_from=(res.x, model, problem))
        stages.append({"stage": f"re-gridded at the gap edge {d0:.6g}", "function_evals": res.function_evals,
                       "reason": res.reason_name})
    coarse = problem.solution(res.x)["delta0"]
    fine_p = p.replace(grid_refine=2 * p.grid_refine)
    model, problem, res = _solve_at(fine_p, petsc_options, tol, x_from=(res.x, model, problem))
    stages.append({"stage": "refined grid (error estimate)", "function_evals": res.function_evals,
                   "reason": res.reason_name})
    fine = problem.solution(res.x)["delta0"]
    extra = {"grids": [[build_grid(q).n, q.grid_refine] for q in (p, fine_p)],
             "grid_values": [coarse, fine]}
    if res.converged and fine > 0 and coarse > 0:
        extra["delta0_richardson"] = fine + (fine - coarse) / 3.0
        extra["grid_error_estimate"] = abs(fine - coarse) / 3.0 / fine
    return fine_p, model, problem, res, extra
