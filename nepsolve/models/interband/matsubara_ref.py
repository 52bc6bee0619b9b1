"""Imaginary-axis equilibrium reference of Level B (PORTA_SPEC T-E3): explicit Matsubara sums, independent
of the real-axis closed forms.  Energies in units of t_c = 1."""
from __future__ import annotations

import numpy as np

from .bands import Bands, make_bands
from .nambu import probes_active

def matsubara_gap(params, mu_tilde: float, T: float | None = None, n_freq: int = 128, n_tail: int = 16,
                  delta_max: float | None = None, bands: Bands | None = None) -> dict:
    """Equilibrium reference for T-E3, independent of the real-axis machinery: all baths thermal at one
    rotating-frame potential μ̃ and temperature T (default T_ph), constant rates Γ_α = Γ^ph + Γ_α^res,
    no recombination, condensate frame ν = 2μ̃.  Explicit Matsubara sums
        ⟨Ψ_j†Ψ_i⟩ = T Σ_n G_ij(iω_n) e^{iω_n0⁺},  G(iω_n) = (iω_n − H_BdG + i(Γ/2) sgn ω_n)^{-1},
    over |n| < n_freq by 4×4 inversions, plus the tail |n| ≥ n_freq from the expansion
    G = Σ_m K^m/(iω_n)^{m+1} (K = H_BdG ∓ iΓ/2) summed with Hurwitz zeta functions (m ≤ n_tail).
    Δ is the largest root of 1 + g Σ_k w_k F_k(Δ)/Δ = 0 (F_k = T Σ_n G_14), found by a scan and brentq.

    Returns delta (0 if no root), nu, F_k, n_c, n_v, N_total, and the root-function values of the scan."""
    from scipy.optimize import brentq
    from scipy.special import zeta

    p = params
    if p.gamma_r > 0:
        raise ValueError("matsubara_gap is the equilibrium reference: gamma_r must be 0")
    bands = bands or make_bands(p)
    T = p.T_ph if T is None else T
    g_ph = p.Gamma_ph if probes_active(p) else 0.0
    gam = np.array([g_ph + p.Gamma_c, g_ph + p.Gamma_v] * 2)
    xi_c = bands.eps_c - 0.5 * p.omega_L - mu_tilde
    xi_v = bands.eps_v + 0.5 * p.omega_L - mu_tilde
    K = bands.size
    wn = np.pi * T * (2 * np.arange(-n_freq, n_freq) + 1)
    sgn = np.sign(wn)

    def hamiltonian(delta):
        H = np.zeros((K, 4, 4))
        H[:, 0, 0], H[:, 1, 1], H[:, 2, 2], H[:, 3, 3] = xi_c, xi_v, -xi_c, -xi_v
        H[:, 0, 1] = H[:, 1, 0] = p.Omega
        H[:, 2, 3] = H[:, 3, 2] = -p.Omega
        H[:, 0, 3] = H[:, 3, 0] = delta
        H[:, 1, 2] = H[:, 2, 1] = -delta
        return H

    def density(delta):
        """T Σ_n G(iω_n) (symmetric sum) → ρ = that + ½·1 (the e^{iω0⁺} factor of the diagonal)."""
        H = hamiltonian(delta)
        A = ((1j * wn)[None, :, None, None] * np.eye(4) + 0.5j * np.diag(gam) * sgn[None, :, None, None]
             - H[:, None])
        total = T * np.linalg.inv(A).sum(axis=1)
        for s in (+1, -1):                  # tails ω_n ≷ ±π T (2 n_freq + 1)
            Km = H - s * 0.5j * np.diag(gam)
            P = Km.copy()
            for m in range(1, n_tail + 1):
                coef = (s * 2j * np.pi * T) ** (-(m + 1)) * zeta(m + 1, n_freq + 0.5)
                total = total + T * coef * P
                P = P @ Km
        return total + 0.5 * np.eye(4)

    def root_fn(delta):
        rho = density(delta)
        return 1.0 + p.g * float(np.sum(bands.w * rho[:, 0, 3]).real) / delta

    scale = delta_max or max(np.ptp(bands.eps_c), np.ptp(bands.eps_v), 1e-3)
    grid = np.geomspace(1e-5 * scale, scale, 22)
    vals = np.array([root_fn(d) for d in grid])
    idx = np.nonzero((vals[:-1] < 0) & (vals[1:] >= 0))[0]
    delta = 0.0
    if idx.size:
        i = idx[-1]
        delta = brentq(root_fn, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-14, maxiter=200)
    rho = density(delta)
    return {"delta": float(delta), "nu": 2.0 * mu_tilde, "F_k": rho[:, 0, 3], "n_c": rho[:, 0, 0].real,
            "n_v": rho[:, 1, 1].real, "N_total": float(np.sum(bands.w * (rho[:, 0, 0] + rho[:, 1, 1]).real)),
            "rho": rho, "scan": (grid, vals)}
