"""Solving Level B (PORTA_SPEC §6.3): the normal NESS and the gapped state of `keldysh.KeldyshGapProblem`
with PETSc SNES (2–4 unknowns: dense finite-difference Newton), seeds from a Δ scan at the normal state's
ν and μ̃, and the pair susceptibility χ^R(ν) of the normal NESS (§4.2) as the exact linear response.
Energies in units of t_c = 1."""
from __future__ import annotations

import numpy as np

from .bands import Bands
from .keldysh import KeldyshGapProblem, _guess_mu, _lab
from .nambu import NambuState, nambu_steady_state


# 2–4 unknowns: Newton with a dense finite-difference Jacobian and LU (robust where the drive couples
# μ̃_c − μ̃_v only weakly); user options are applied on top.
DEFAULT_OPTIONS = {"snes_mf": "false", "snes_fd": "true", "ksp_type": "preonly", "pc_type": "lu",
                   "snes_max_it": "100"}


def _snes_solve(problem, options, tol, x0):
    from ...solvers import snes

    opts = {**DEFAULT_OPTIONS, **snes.parse_petsc_options(options)}
    return snes.solve(problem, opts, tol=tol, x0=x0)


def _state_dict(p, problem: KeldyshGapProblem, st: NambuState) -> dict:
    mu_c, mu_v = st.mu_c, st.mu_v
    if problem.mu_fixed is not None and np.isnan(problem.mu_fixed[0]):
        mu_c = mu_v = np.nan
    lab_c, lab_v = _lab(p, mu_c, mu_v)
    F = st.F_k.copy()
    return {"delta": float(abs(st.delta)), "nu": float(st.nu), "mu_c_tilde": float(mu_c), "mu_v_tilde": float(mu_v),
            "mu_c": float(lab_c), "mu_v": float(lab_v), "n_c": st.n_c.copy(), "n_v": st.n_v.copy(),
            "N_k": st.N_k.copy(), "p_k": st.p_k.copy(), "F_k": F, "delta_k": np.full(F.size, float(abs(st.delta))),
            "S": st.S, "J_c": st.currents[0], "J_v": st.currents[1],
            "N_total": float(np.sum(st.bands.w * (st.n_c + st.n_v))), "eig_cond": st.eig_cond}


def solve_normal(params, guess: dict | None = None, options=None, mu_tilde=None, n_total=None,
                 reservoir_mode: str = "thermal", tol: float = 1e-12, bands: Bands | None = None) -> dict:
    """The normal NESS (Δ = 0) of Level B.  Returns the observables of `solve_keldysh` (delta = 0,
    nu = μ̃_c + μ̃_v, the quasi-thermal pair frequency of §4.1) plus 'state' (NambuState) and 'snes'."""
    p = params
    guess = _guess_mu(guess, p)
    prob = KeldyshGapProblem(p, gapped=False, mu_tilde=mu_tilde, n_total=n_total, reservoir_mode=reservoir_mode,
                             guess=guess, bands=bands)
    summary = {"converged": True, "snes_reason": "NO_UNKNOWNS"}
    x = prob.initial_guess()
    if prob.size:
        res = _snes_solve(prob, options, tol, x)
        x, summary = res.x, res.summary()
    st = prob.state(x)
    out = _state_dict(p, prob, st)
    out["nu"] = out["mu_c_tilde"] + out["mu_v_tilde"]
    out.update(converged=bool(summary["converged"]), snes_reason=summary["snes_reason"], snes=summary, state=st,
               problem=prob)
    return out


def _delta_scan(prob: KeldyshGapProblem, nu: float, mu: list, normal: dict, n_scan: int = 28) -> list:
    """Sign changes (− → +) of Re F(Δ) on a log Δ grid at fixed ν and μ̃: [(Δ_seed, |Im F|)], largest Δ
    first (the BCS branch before a Sarma branch)."""
    prob.warm_start(normal["n_c"], normal["n_v"])
    scale = max(np.ptp(prob.bands.eps_c), np.ptp(prob.bands.eps_v), 1e-3)
    grid = np.geomspace(1e-5 * scale, scale, n_scan)
    f = np.empty(prob.size)
    vals = np.empty((n_scan, 2))
    for j, d in enumerate(grid):
        prob.residual(np.array([d, nu] + mu), f)
        vals[j] = f[:2]
    idx = np.nonzero((vals[:-1, 0] < 0) & (vals[1:, 0] >= 0))[0][::-1]
    return [(float(np.sqrt(grid[i] * grid[i + 1])), float(abs(vals[i, 1]) + abs(vals[i + 1, 1]))) for i in idx]


def _gap_seeds(prob: KeldyshGapProblem, guess: dict, normal: dict, wide: bool = False) -> list[np.ndarray]:
    """Starting points x0 for the gapped solve.  wide=False: the guess, then the Δ scan at the guessed ν
    (default the quasi-thermal μ̃_c + μ̃_v, or for reservoirs only the median pair energy).
    wide=True: Δ scans on a ν grid over the pair-energy range, best |Im F| first (at most 4)."""
    mu = [] if not prob.free_mu else [guess.get("mu_c_tilde", normal["mu_c_tilde"]),
                                      guess.get("mu_v_tilde", normal["mu_v_tilde"])]
    P = prob.bands.eps_c + prob.bands.eps_v
    if not wide:
        if "nu" in guess:
            nu0 = guess["nu"]
        elif np.isfinite(normal["nu"]):
            nu0 = normal["nu"]
        else:
            nu0 = float(np.median(P))
        seeds = []
        if guess.get("delta", 0) > 0:
            seeds.append(np.array([guess["delta"], nu0] + mu))
        return seeds + [np.array([d, nu0] + mu) for d, _ in _delta_scan(prob, nu0, mu, normal)]
    margin = 0.25 * max(np.ptp(P), 1.0)
    found = []
    for nu in np.linspace(P.min() - margin, P.max() + margin, 15):
        found += [(im, d, nu) for d, im in _delta_scan(prob, nu, mu, normal, n_scan=20)]
    found.sort()
    return [np.array([d, nu] + mu) for _, d, nu in found[:4]]


def solve_keldysh(params, guess: dict | None = None, options=None, mu_tilde=None, n_total: float | None = None,
                  reservoir_mode: str = "thermal", tol: float = 1e-11, delta_min: float = 1e-7,
                  wide_scan: bool | None = None) -> dict:
    """Level-B steady state (§4.4): the gapped solution if one is found, else the normal state.

    Seeds (a gapped root is looked for from several starts; the Δ-divided residual has no trivial root):
    the guess, then sign changes of Re F along a log Δ scan at the guessed ν (largest Δ first), then, if
    `wide_scan` (default: only without probes, where no quasi-thermal ν exists), Δ scans on a ν grid.

    guess: optional 'delta', 'nu', 'mu_c_tilde', 'mu_v_tilde' (or lab 'mu_c', 'mu_v').
    mu_tilde: fixed probe potentials (grand canonical) instead of unknowns.
    n_total: particle number per site for the number constraint (default Σ_k w_k, filled valence band).

    Returns delta, nu, mu_c_tilde, mu_v_tilde, mu_c, mu_v (lab), n_c, n_v, N_k, p_k, F_k (= ⟨v_{−k}c_k⟩),
    delta_k (≡ Δ), S, J_c, J_v, N_total, gapped (bool), converged, snes_reason, snes (summary of the
    gapped solve, or of the normal solve if none was found), gap_snes (last failed gapped attempt, if no
    gap), seeds_tried, state (the NambuState, not serialisable) and 'normal' (the same observables for
    Δ = 0, with nu = μ̃_c + μ̃_v).  Probe potentials are NaN when there are no probes."""
    p = params
    guess = _guess_mu(guess, p)
    normal = solve_normal(p, guess={k: v for k, v in guess.items() if k.startswith("mu")}, options=options,
                          mu_tilde=mu_tilde, n_total=n_total, reservoir_mode=reservoir_mode, tol=tol)
    prob = KeldyshGapProblem(p, gapped=True, mu_tilde=mu_tilde, n_total=n_total, reservoir_mode=reservoir_mode,
                             guess=guess, bands=normal["problem"].bands)
    found, last, tried = None, None, 0
    if wide_scan is None:
        wide_scan = not prob.probes and "nu" not in guess
    for wide in (False, True):
        if found is not None or (wide and not wide_scan):
            break
        for x0 in _gap_seeds(prob, guess, normal, wide=wide):
            prob.warm_start(normal["n_c"], normal["n_v"])
            last = _snes_solve(prob, options, tol, x0)
            tried += 1
            if last.converged and abs(last.x[0]) > delta_min:
                found = last
                break
    normal_out = {k: v for k, v in normal.items() if k not in ("state", "problem")}
    if found is None:
        out = dict(normal_out)
        out.update(gapped=False, seeds_tried=tried, normal=normal_out, state=normal["state"],
                   gap_snes=None if last is None else last.summary())
        return out
    st = prob.state(found.x)
    out = _state_dict(p, prob, st)
    s = found.summary()
    out.update(gapped=True, converged=bool(s["converged"]), snes_reason=s["snes_reason"], snes=s,
               seeds_tried=tried, normal=normal_out, state=st)
    return out


# ---------------------------------------------------------------------------------------------------
# pair susceptibility
def pair_susceptibility(params, nu, normal: dict | None = None, mu_tilde=None, reservoir_mode: str = "thermal",
                        eps: float | None = None, per_k: bool = False, **normal_kw) -> np.ndarray:
    """Keldysh χ^R(ν) = −i∫dt e^{iνt}θ(t)⟨[B(t), B†]⟩/V in the normal NESS (§4.2): complex, shape of nu
    (per_k=True: shape nu + (K,), the k-resolved terms with χ = Σ_k w_k χ_k).

    Computed as the exact linear response of the Level-B pair amplitude (real ν): in the condensate frame ν
    with a small gap ε (normal-state self-energies, probe potentials and radiative n's frozen),
    F_k(ε) = χ_k(ν) ε + O(ε³); F/ε is even in ε, so [4F(ε/2)/(ε/2) − F(ε)/ε]/3 has error O(ε⁴)
    (ε = 1e-3 × the smallest broadening by default).  Equal to the G^R G^K formula of §4.2 (tested).
    `normal`: a `solve_normal` result (solved here if None, with mu_tilde and **normal_kw)."""
    p = params
    if normal is None:
        normal = solve_normal(p, mu_tilde=mu_tilde, reservoir_mode=reservoir_mode, **normal_kw)
    st0: NambuState = normal["state"]
    mu_c, mu_v = st0.mu_c, st0.mu_v
    n = (normal["n_c"], normal["n_v"])
    eps = eps or 1e-3 * float(np.min(st0.gamma))
    nus = np.atleast_1d(np.asarray(nu, dtype=float)).ravel()
    out = np.empty((nus.size, st0.bands.size), dtype=complex)
    for j, v in enumerate(nus):
        F = [nambu_steady_state(p, d, v, mu_c, mu_v, n=n, bands=st0.bands, reservoir_mode=reservoir_mode,
                                self_consistent=False).F_k / d for d in (eps, 0.5 * eps)]
        out[j] = (4.0 * F[1] - F[0]) / 3.0
    if not per_k:
        out = out @ st0.bands.w
    return out.reshape(np.shape(nu) + out.shape[1:])


