"""Intraband phonon scattering kernels of the kinetic equations (PORTA_SPEC §2.5, §3.2).

A kernel is the matrix S[k, k'] = rate of the transition k → k' of one electron, per final
state (the density of final states enters through the quadrature weights w_k' in `collision`).
Both kernels evaluate the Bose factors at the electron energy transfer ΔE = ε(k) − ε(k'), so that
detailed balance S[k, k']/S[k', k] = e^{ΔE/T_ph} holds exactly on any grid (also with the
broadened δ-function of the acoustic kernel), and the stationary states of phonons alone are
per-band Fermi–Dirac functions at T_ph (spec §3.1, item 3).
"""
from __future__ import annotations

import numpy as np


def _bose_weights(dE: np.ndarray, T: float, J: np.ndarray, J0: np.ndarray) -> np.ndarray:
    """J(|ΔE|)[n_B(|ΔE|) + Θ(ΔE)]; J0 = lim_{ω→0} J(ω)n_B(ω) for ΔE = 0 (degenerate states)."""
    x = np.abs(dE)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        jn = np.where(x > 0, J / np.expm1(np.minimum(x / T, 700.0)), J0)
    return jn + np.where(dE > 0, J, 0.0)


def shell_kernel(eps: np.ndarray, lam: float, omega_D: float, T: float) -> np.ndarray:
    """Energy-shell kernel (spec §3.2, reference): S = λ J(|ΔE|)[n_B(|ΔE|) + Θ(ΔE)], J(ω) = ω e^{−ω/ω_D},
    S[k, k] = 0.  (J(ω)n_B(ω) → T as ω → 0.)"""
    dE = eps[:, None] - eps[None, :]
    x = np.abs(dE)
    J = x * np.exp(-x / omega_D)
    S = lam * _bose_weights(dE, T, J, T)
    np.fill_diagonal(S, 0.0)
    return S


def momentum_transfers(bands) -> list[tuple[np.ndarray, float]]:
    """Phonon momenta |q| of the transitions k → k' with their weights.  1D grids hold k ≥ 0, each
    point standing for ±k, so k → ±k' gives q = k ∓ k' with weight ½ each (wrapped to the Brillouin zone
    for tight binding); the tb2d mesh uses the minimal-image vector difference."""
    k = bands.k
    if bands.kind == "tb2d":
        d = k[:, None, :] - k[None, :, :]
        d = (d + np.pi) % (2 * np.pi) - np.pi
        return [(np.sqrt((d**2).sum(-1)), 1.0)]
    out = []
    for q in (k[:, None] - k[None, :], k[:, None] + k[None, :]):
        if bands.kind == "tb1d":
            q = (q + np.pi) % (2 * np.pi) - np.pi
        out.append((np.abs(q), 0.5))
    return out


def acoustic_kernel(bands, eps: np.ndarray, lam: float, c_s: float, eta: float, T: float) -> np.ndarray:
    """Acoustic deformation-potential kernel (spec §2.5(a), §3.2): |g(q)|² ∝ q, ω_q = c_s|q|, golden rule
    S = λ Σ_q ω_q δ_η(|ΔE| − ω_q)[n_B(|ΔE|) + Θ(ΔE)], with δ_η a normalised Gaussian of width η
    (discretised δ-function; report η and check convergence in it)."""
    dE = eps[:, None] - eps[None, :]
    x = np.abs(dE)
    S = np.zeros_like(dE)
    for q, weight in momentum_transfers(bands):
        wq = c_s * q
        delta = np.exp(-0.5 * ((x - wq) / eta) ** 2) / (np.sqrt(2 * np.pi) * eta)
        S += weight * wq * delta
    # Bose factor at |ΔE|; the prefactor ω_q → |ΔE| on shell, and J·n_B → T at ΔE = 0 (times S's shape)
    B = _bose_weights(dE, T, np.ones_like(x), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        B = np.where(x > 0, B, 0.0)
    S = lam * S * B
    np.fill_diagonal(S, 0.0)
    return S


def collision(S: np.ndarray, w: np.ndarray, n: np.ndarray, m: np.ndarray | None = None) -> np.ndarray:
    """C[n](k) = Σ_k' w_k' {S[k', k] n_k'(1 − n_k) − S[k, k'] n_k(1 − n_k')} (spec §3.2).  Conserves
    Σ_k w_k n_k for any symmetric-in-relabelling S.  m = 1 − n (pass it when n is within rounding of 1)."""
    m = 1.0 - n if m is None else m
    return m * (S.T @ (w * n)) - n * (S @ (w * m))


def collision_jacobian(S: np.ndarray, w: np.ndarray, n: np.ndarray, m: np.ndarray | None = None) -> np.ndarray:
    """∂C(k)/∂n(j) of `collision` (dense, O(M²))."""
    m = 1.0 - n if m is None else m
    J = m[:, None] * S.T * w[None, :] + n[:, None] * S * w[None, :]
    J[np.diag_indices_from(J)] -= S.T @ (w * n) + S @ (w * m)
    return J
