"""Interband pairing on top of a normal NESS (PORTA_SPEC §4.2, §4.3, §4.5).

* `pair_susceptibility`: the static (Ω → 0, Γ → 0) χ^R(ν) = Σ_k w_k N_k/(ν − P_k + iη), §4.2.
* `thouless`: the instability couplings from Im χ(ν*) = 0, 1 = −g Re χ(ν*) (g = −U), for both signs.
* `sign_indicator`: s_N = sgn⟨N_k(P_k − ν)⟩ over the pair surface, §4.3/§6.5.
* `gap_function` / `gap_roots`: the quasi-equilibrium (pair-frame BCS) gap equation of §4.5,
      1 = g Σ_k w_k [1 − f(E_k + b_k) − f(E_k − b_k)]/(2E_k),  E_k = √((ξ⁺_k)² + Δ²),
  with b_k = |ξ⁻_k| (drive dropped) or b_k = |B_k| = √((ξ⁻_k)² + Ω²) (drive as a transverse
  pseudo-Zeeman field), ξ^± = (ξ_c ± ξ_v)/2, ξ_α = ε_α − μ_α.  All roots are returned (BCS and Sarma
  branches); Δ is divided out, so the normal state is not a root.
Energies in the model's unit (t_c = 1 for tight binding).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq


def pair_susceptibility(w, N, P, nu, eta: float) -> np.ndarray:
    """χ^R(ν) = Σ_k w_k N_k/(ν − P_k + iη) (spec §4.2, limit Ω, Γ → 0), vectorised over ν."""
    nu = np.atleast_1d(np.asarray(nu, dtype=float))
    out = np.empty(nu.size, dtype=complex)
    for i0 in range(0, nu.size, 256):
        block = nu[i0:i0 + 256, None]
        out[i0:i0 + 256] = (w * N / (block - P[None, :] + 1j * eta)).sum(axis=1)
    return out


def sign_indicator(N, P, nu: float, T: float, w=None) -> int:
    """s_N = sgn Σ_{|P−ν|<5T} w_k N_k (P_k − ν): +1 normal pair structure (attraction pairs), −1 inverted
    (repulsion pairs), 0 if no state lies on the pair surface (spec §4.3, §6.5)."""
    w = np.ones_like(N) if w is None else w
    sel = np.abs(P - nu) < 5 * T
    return int(np.sign(np.sum((w * N * (P - nu))[sel])))


def thouless(w, N, P, eta: float, n_nu: int = 4001) -> dict:
    """Linear instability of the normal NESS (spec §4.2): real ν* with Im χ(ν*) = 0 (sign changes of
    Im χ on a ν grid over the pair band, refined by bisection) and 1 = −g Re χ(ν*).  Returns the weakest
    attractive (g > 0) and repulsive (g < 0) couplings that pair, g_c_attractive = −1/min Re χ(ν*) (over
    ν* with Re χ < 0) and g_c_repulsive = −1/max Re χ(ν*) (over Re χ > 0); ±inf if none."""
    lo, hi = P.min() - 10 * eta, P.max() + 10 * eta
    nu = np.linspace(lo, hi, n_nu)
    im = pair_susceptibility(w, N, P, nu, eta).imag
    roots = []
    for i in np.nonzero(np.sign(im[:-1]) * np.sign(im[1:]) < 0)[0]:
        roots.append(brentq(lambda x: pair_susceptibility(w, N, P, x, eta)[0].imag, nu[i], nu[i + 1], xtol=1e-13))
    re = pair_susceptibility(w, N, P, np.array(roots), eta).real if roots else np.array([])
    out = {"nu_star": roots, "re_chi": re.tolist(), "g_c_attractive": float("inf"), "g_c_repulsive": float("-inf"),
           "nu_attractive": float("nan"), "nu_repulsive": float("nan")}
    if np.any(re < 0):
        i = int(np.argmin(re))
        out.update(g_c_attractive=float(-1.0 / re[i]), nu_attractive=float(roots[i]))
    if np.any(re > 0):
        i = int(np.argmax(re))
        out.update(g_c_repulsive=float(-1.0 / re[i]), nu_repulsive=float(roots[i]))
    return out


def _occupation_sum(E, b, T):
    """1 − f(E + b) − f(E − b) = [tanh((E + b)/2T) + tanh((E − b)/2T)]/2."""
    return 0.5 * (np.tanh((E + b) / (2 * T)) + np.tanh((E - b) / (2 * T)))


def gap_function(delta, w, xi_plus, b, T: float, g: float):
    """F(Δ) = 1 − g Σ_k w_k [1 − f(E+b) − f(E−b)]/(2E) (spec §4.5), vectorised over Δ.  At Δ → 0 it is
    the Thouless criterion 1 = g Σ w N_k/(P_k − ν) of the fitted Fermi functions (§4.2)."""
    delta = np.atleast_1d(np.asarray(delta, dtype=float))
    out = np.empty(delta.size)
    for i, d in enumerate(delta):
        E = np.sqrt(xi_plus**2 + d**2)
        with np.errstate(invalid="ignore", divide="ignore"):
            term = np.where(E > 0, _occupation_sum(E, b, T) / (2 * np.where(E > 0, E, 1.0)), 0.0)
        out[i] = 1.0 - g * np.sum(w * term)
    return out


def gap_roots(w, xi_plus, b, T: float, g: float, delta_max: float, delta_min: float | None = None,
              n_scan: int = 400) -> list[float]:
    """All roots Δ > 0 of the gap equation, by a logarithmic scan on [delta_min, delta_max] and Brent
    refinement (spec §6.3: multiple roots — BCS and Sarma branches).  Sorted descending."""
    delta_min = delta_min or delta_max * 1e-9
    grid = np.geomspace(delta_min, delta_max, n_scan)
    F = gap_function(grid, w, xi_plus, b, T, g)
    roots = []
    for i in np.nonzero(np.sign(F[:-1]) * np.sign(F[1:]) < 0)[0]:
        roots.append(brentq(lambda d: gap_function(d, w, xi_plus, b, T, g)[0], grid[i], grid[i + 1],
                            xtol=1e-14 * grid[i], rtol=1e-13))
    return sorted(roots, reverse=True)
