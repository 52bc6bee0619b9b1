"""The driven two-band semiconductor (PORTA_SPEC) as one orchestrated solve: the Level-A kinetic NESS by PETSc
SNES (with the bounded and pseudo-transient fallbacks), then pairing — the quasi-equilibrium pair-frame gap
(§4.5), the Thouless couplings of the kinetic N_k (§4.2), or the Keldysh mean field (§4.4) — and T_c.
Energies, temperatures and rates in units of t_c = 1.  (Moved here from api.py: the physics of this model
lives in its package.)"""
from __future__ import annotations

import time

import numpy as np
from scipy.optimize import brentq

from ...solvers import critical, snes

INTERBAND_TOL = 1e-10      # ‖∂_t n‖₂/Γ_ref at the NESS (absolute: occupations are O(1)); see kinetics.py on soft modes


def interband_ness(params, petsc_options=None, start=None, guess=None) -> dict:
    """Normal NESS of the kinetic equations (PORTA_SPEC §3.2, §6.3): Newton with the dense analytic
    Jacobian (LU), falling back to trust-region and bounded (0 ≤ n ≤ 1) Newton.  Returns the model,
    occupations, the SNES result and the observables of `observables.ness_observables`."""
    from .kinetics import KineticModel, NessProblem
    from .observables import ness_observables

    model = KineticModel(params)
    problem = NessProblem(model, start=start, guess=guess)
    res = snes.solve(problem, petsc_options, tol=INTERBAND_TOL, ladder=snes.DENSE_LADDER + snes.BOUNDED_LADDER,
                     absolute=True)
    if not res.converged:       # fallback: pseudo-transient continuation (TSPSEUDO), then Newton polish
        from ...solvers.pseudo_transient import pseudo_transient

        x_pt, steps, norm, msg = pseudo_transient(problem, problem.initial_guess(), 100 * INTERBAND_TOL)
        polished = snes.solve(problem, petsc_options, tol=INTERBAND_TOL, ladder=snes.DENSE_LADDER, absolute=True,
                              x0=x_pt)
        attempts = res.attempts + [{"method": "pseudo-transient", "reason": msg, "iterations": steps,
                                    "residual_norm": norm, "function_evals": 0, "errors": []}] + polished.attempts
        res = polished if polished.converged else res
        res.attempts = attempts
        if polished.converged:
            res.method = "pseudo-transient + " + polished.method
    nc, nv = (np.clip(a, 0.0, 1.0) for a in problem.occupations(res.x))
    obs = ness_observables(model, nc, nv, problem.start)
    return {"model": model, "n_c": nc, "n_v": nv, "snes": res, "observables": obs, "x": res.x}


def _zeeman_field(params, obs) -> float:
    """Ω in the quasi-equilibrium gap equation (§4.5): the drive is a static pseudo-Zeeman field when the
    quasi-Fermi splitting locks to the laser (|ω_L − (μ_c − μ_v)| ≤ Ω, 'auto'), else off-resonant and dropped."""
    if params.zeeman == "on" or (params.zeeman == "auto" and abs(obs["delta_mu_L"]) <= params.Omega):
        return params.Omega
    return 0.0


def _pair_frame(bands, obs, field: float):
    """ξ⁺_k = (ξ_c + ξ_v)/2 and the pseudo-Zeeman magnitude b_k = √((ξ⁻_k)² + field²) of §4.5, with
    ξ_α = ε_α − μ_α at the NESS quasi-Fermi levels."""
    xi_c, xi_v = bands.eps_c - obs["mu_c"], bands.eps_v - obs["mu_v"]
    return 0.5 * (xi_c + xi_v), np.sqrt((0.5 * (xi_c - xi_v)) ** 2 + field**2)


def quasi_gap(params, ness: dict) -> dict:
    """Pair-frame BCS gap on the NESS (PORTA_SPEC §4.5) with the NESS quasi-Fermi levels and T_ph, on a
    k quadrature `gap_refine` times finer than the NESS grid; all roots (BCS branch first, then Sarma)."""
    from . import pairing

    obs, model = ness["observables"], ness["model"]
    if not (np.isfinite(obs["mu_c"]) and np.isfinite(obs["mu_v"])):
        return {"delta0": 0.0, "roots": [], "zeeman_field": 0.0, "message": "a band is empty or full: no Fermi level"}
    fine = model.bands.refined(params.gap_refine)
    field = _zeeman_field(params, obs)
    xp, b = _pair_frame(fine, obs, field)
    scale = float(np.max(np.abs(xp))) + 1.0
    roots = pairing.gap_roots(fine.w, xp, b, params.T_ph, params.g, delta_max=scale)
    kernel = 1.0 - float(pairing.gap_function(1e-12 * scale, fine.w, xp, b, params.T_ph, 1.0)[0])
    return {"delta0": roots[0] if roots else 0.0, "roots": roots, "zeeman_field": field,
            "linear_criterion": 1.0 - params.g * kernel,
            "g_c_quasi": 1.0 / kernel if kernel > 0 else float("inf"),
            "message": "converged"}


def interband_thouless(params, ness: dict) -> dict:
    """Instability couplings of the kinetic NESS itself (its N_k, not the fitted Fermi functions), from
    the static pair susceptibility (§4.2).  The broadening η = max(T_ph, 2(P_max − P_min)/n_k) is at least
    the pair-energy spacing of the grid, so the Cooper log is cut at max(T_ph, grid) — a resolution-limited
    diagnostic (the quasi level's g_c_quasi uses the refined quadrature)."""
    from . import pairing

    model = ness["model"]
    N = 1.0 - ness["n_c"] - ness["n_v"]
    P = model.bands.pair_energy
    eta = max(params.T_ph, 2.0 * float(P.max() - P.min()) / params.n_k)
    th = pairing.thouless(model.w, N, P, eta=eta)
    return {"thouless_eta": eta, **{k: th[k] for k in ("g_c_attractive", "g_c_repulsive", "nu_attractive",
                                                         "nu_repulsive")}}


def _pair_amplitude(params, ness, delta, field):
    """F_k = Δ[1 − f(E_k + b_k) − f(E_k − b_k)]/(2E_k) on the NESS grid (Σ_k w_k F_k = Δ/g at a root)."""
    obs, bands = ness["observables"], ness["model"].bands
    if delta == 0 or not (np.isfinite(obs["mu_c"]) and np.isfinite(obs["mu_v"])):
        return np.zeros(bands.size)
    xp, bb = _pair_frame(bands, obs, field)
    E = np.sqrt(xp**2 + delta**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(E > 0, delta * 0.5 * (np.tanh((E + bb) / (2 * params.T_ph)) +
                                              np.tanh((E - bb) / (2 * params.T_ph))) / (2 * E), 0.0)


def solve_interband(params, petsc_options=None, ness: dict | None = None) -> dict:
    """NESS and interband gap Δ0 (PORTA_SPEC §3–4): level 'quasi' (§4.5) or 'keldysh' (§4.4).

    Scalars: delta0 (BCS branch; 0 if no pairing), delta_roots (all roots: BCS then Sarma), mu_c, mu_v,
    nu, excited_density, s_N, the Thouless couplings of the kinetic N_k, the invariants, the SNES reason of
    the NESS (and of the Keldysh solve).  Arrays: k, n_c, n_v, N_k, delta_k (Δ is k-independent for the
    contact interaction), pair_amplitude_k."""
    t0 = time.perf_counter()
    ness = ness or interband_ness(params, petsc_options)
    res = ness["snes"]
    obs = ness["observables"]
    out = {"quantity": "delta0", **obs, **res.summary(), "attempts": res.attempts, "message": res.message,
           "params": params.as_dict(), "level": params.level}
    if not obs["thermo_bound_ok"]:          # spec §7.2: K1 may violate the bound, the code must say so
        out["warning"] = (f"mu_c - mu_v = {obs['mu_c'] - obs['mu_v']:.4g} exceeds omega_L + 5 T_ph = "
                          f"{params.omega_L + 5 * params.T_ph:.4g}: the generation line shape "
                          f"'{params.lineshape}' violates rotating-frame detailed balance"
                          + (" (expected for K1)" if params.lineshape == "K1" else ""))
    if not res.converged:
        out.update(delta0=float("nan"), superconducting=False, converged=False)
        out["wall_time"] = time.perf_counter() - t0
        return out
    if ness["model"].has_phonons:
        gap = quasi_gap(params, ness)
    else:       # no thermaliser (reservoirs or two-level): no quasi-Fermi levels, §4.5 does not apply
        gap = {"delta0": float("nan"), "roots": [], "zeeman_field": 0.0,
               "message": "level quasi needs phonon thermalisation (phonon != 'none'); use level=keldysh"}
        if params.level == "quasi":
            out["message"] = gap["message"]
    out.update(delta0=gap["delta0"], delta_roots=gap["roots"], zeeman_field=gap["zeeman_field"],
               linear_criterion=gap.get("linear_criterion", float("nan")), g_c_quasi=gap.get("g_c_quasi", float("nan")))
    out.update(interband_thouless(params, ness))
    field = gap["zeeman_field"]
    if params.level == "keldysh":
        from . import keldysh_solve

        guess = {"delta": gap["delta0"] if np.isfinite(gap["delta0"]) and gap["delta0"] > 0 else 0.1}
        if ness["model"].has_phonons and np.isfinite(obs["nu"]):   # else Level B scans ν itself (reservoirs)
            guess.update(nu=obs["nu"], mu_c=obs["mu_c"], mu_v=obs["mu_v"])
        kr = keldysh_solve.solve_keldysh(params, guess=guess, options=petsc_options)
        out.update(delta0_quasi=gap["delta0"], delta0=kr["delta"], nu_keldysh=kr["nu"],
                   mu_c_keldysh=kr["mu_c"], mu_v_keldysh=kr["mu_v"],
                   keldysh_converged=kr["converged"], keldysh_gapped=bool(kr["gapped"]),
                   keldysh_seeds_tried=kr.get("seeds_tried", 0),
                   keldysh_snes_reason=kr["snes_reason"] if kr["gapped"] or not kr.get("gap_snes")
                   else kr["gap_snes"]["snes_reason"],
                   converged=bool(kr["converged"]))
        delta_k = np.full(ness["n_c"].size, kr["delta"])
        # Level B on its own grid (the NESS grid of the same parameters): ⟨v_{−k}c_k⟩ there
        amp = np.asarray(kr["F_k"]).real if np.size(kr["F_k"]) == ness["n_c"].size else np.full(ness["n_c"].size, np.nan)
    else:
        delta_k = np.full(ness["n_c"].size, gap["delta0"])
        amp = _pair_amplitude(params, ness, gap["delta0"], field)
    out["superconducting"] = bool(out["converged"] and out["delta0"] > 0)
    b = ness["model"].bands
    out["arrays"] = {"k": b.k, "weights": b.w, "eps_c": b.eps_c, "eps_v": b.eps_v, "n_c": ness["n_c"],
                     "n_v": ness["n_v"], "N_k": 1.0 - ness["n_c"] - ness["n_v"], "delta_k": delta_k,
                     "pair_amplitude_k": amp}
    out["wall_time"] = time.perf_counter() - t0
    return out


def interband_critical_temperature(params, petsc_options=None, rtol: float = 1e-4) -> dict:
    """T_c: the highest phonon temperature at which the §4.5 gap equation on the NESS has a root Δ > 0
    (the NESS is re-solved at every T_ph).  With the pseudo-Zeeman field the transition can be first
    order (the normal state stays linearly stable while a BCS root exists), so T_c is located on the
    existence of a root, by a geometric scan from T_ph/4 upward and bisection to relative width `rtol`;
    `T_c_linear` is the temperature of the linear (Thouless) criterion when it changes sign."""
    t0 = time.perf_counter()
    count = {"n": 0}

    def probe(T):
        p = params.replace(T_ph=float(T))
        ness = interband_ness(p, petsc_options)
        count["n"] += 1
        if not ness["snes"].converged:
            raise RuntimeError(f"NESS did not converge at T_ph = {T:g}: {ness['snes'].message}")
        gap = quasi_gap(p, ness)
        return gap["delta0"] > 0, gap["linear_criterion"]

    out = {"quantity": "T_c", "T_c": float("nan"), "T_c_linear": float("nan"), "converged": False,
           "params": params.as_dict()}
    linear = {}                                  # T -> linear criterion at the probed temperatures

    def paired(T):
        is_paired, linear[T] = probe(T)
        return is_paired

    Ts = np.geomspace(params.T_ph * 0.25, max(params.T_ph * 40, 1.0), 24)
    try:
        edge = critical.find_edge(paired, Ts, rtol=rtol)
        out["message"] = edge.message.replace("not inside", "no gap").replace("still inside", "still paired")
        if edge.converged:
            # the scan's bracket: the last paired and the first unpaired grid temperature
            scanned = [T for T, _ in edge.evaluations if T in set(Ts.tolist())]
            lo, hi = scanned[-2], scanned[-1]
            if linear[lo] < 0 <= linear[hi]:
                out["T_c_linear"] = float(brentq(lambda T: probe(T)[1], lo, hi, rtol=rtol, xtol=1e-12))
            out.update(T_c=edge.value, converged=True)
    except RuntimeError as err:
        out["message"] = str(err)
    out.update(ness_solves=count["n"], wall_time=time.perf_counter() - t0)
    return out
