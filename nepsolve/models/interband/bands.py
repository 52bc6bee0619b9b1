"""Band structures, momentum grids and the laser resonance (PORTA_SPEC §2.1–2.3, §6.2).

A `Bands` object holds the NESS momentum grid: points k, quadrature weights w_k with
Σ_k w_k (...) ≈ (1/V)Σ_k (...) (per site: a filled band holds Σ w = 1 in tight binding), and the
lab-frame dispersions ε_c(k), ε_v(k).

* tb1d: ε_c = E_c − 2t_c cos k, ε_v = E_v − 2 s t_v cos k on k ∈ [0, π] (even symmetry, each point
  stands for ±k), trapezoid weights (1/π)Δk.
* tb2d: the same in 2D on the full periodic n_k × n_k Brillouin-zone mesh, weights 1/n_k².
* par: ε_c = E_g/2 + k²/2m_c, ε_v = −E_g/2 + s k²/2|m_v| (− k⁴/(4|m_v|K²) for s = +1, so the valence
  band turns over at the cutoff K), on k ∈ [0, K]; dim 1: weights (1/π)dk, dim 2 (radial): k dk/2π.
* gac: mirror bands ε_c = −ε_v = E_g/2 + k²/2m_c (flat pair energy P_k ≡ 0), grid as par.

Rotating frame (§2.3): ε̃_c = ε_c − ω_L/2, ε̃_v = ε_v + ω_L/2, detuning δ_k = ε_c − ε_v − ω_L,
pair energy P_k = ε_c + ε_v (frame independent).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Bands:
    kind: str                 # tb1d | tb2d | par | gac
    k: np.ndarray             # (M,) radial/1D momenta, or (M, 2) for tb2d
    w: np.ndarray             # (M,) quadrature weights, Σ_k w_k ↔ (1/V)Σ_k
    eps_c: np.ndarray         # (M,) lab-frame conduction energies
    eps_v: np.ndarray         # (M,) lab-frame valence energies
    spacing: float            # grid spacing Δk
    params: object            # the InterbandParams that built it

    @property
    def size(self) -> int:
        return self.w.size

    def detuning(self, omega_L: float) -> np.ndarray:
        """δ_k = ε_c − ε_v − ω_L (spec §2.3)."""
        return self.eps_c - self.eps_v - omega_L

    @property
    def pair_energy(self) -> np.ndarray:
        """P_k = ε_c + ε_v (spec §1, §2.3)."""
        return self.eps_c + self.eps_v

    def resonance(self, omega_L: float) -> dict | None:
        """The resonance surface δ_k = 0 on a 1D/radial grid: k_0, ε_0 = (ε_c + ε_v)/2 at k_0, the band
        velocities v_α = ∂ε_α/∂k there and the class sign sgn(v_c v_v) (spec §2.1).  For tb2d the
        point on the diagonal k_x = k_y.  None if the laser is off-resonant everywhere."""
        p = self.params
        k_line = np.linspace(0.0, self._k_max(), 20001)
        kk = (k_line, k_line) if self.kind == "tb2d" else (k_line,)
        d = dispersions(p, *kk)
        delta = d[0] - d[1] - omega_L
        idx = np.nonzero(np.sign(delta[:-1]) * np.sign(delta[1:]) <= 0)[0]
        if idx.size == 0:
            return None
        i = idx[0]
        k0 = k_line[i] - delta[i] * (k_line[i + 1] - k_line[i]) / (delta[i + 1] - delta[i])
        h = 1e-6
        kp = (np.array([k0 + h, k0 - h]),) * (2 if self.kind == "tb2d" else 1)
        ec, ev = dispersions(p, *kp)
        scale = np.sqrt(2.0) if self.kind == "tb2d" else 1.0          # |∇| along the diagonal
        v_c, v_v = (ec[0] - ec[1]) / (2 * h) / scale, (ev[0] - ev[1]) / (2 * h) / scale
        e0 = dispersions(p, *((np.array([k0]),) * len(kk)))
        return {"k0": float(k0), "eps0": float(0.5 * (e0[0][0] + e0[1][0])), "v_c": float(v_c), "v_v": float(v_v),
                "class_sign": int(np.sign(v_c * v_v)), "others": [float(k_line[j]) for j in idx[1:]]}

    def resonance_slope(self, omega_L: float) -> float | None:
        """|∇δ| at the resonance (for the check that the Lorentzian line of width γ_2 is resolved)."""
        r = self.resonance(omega_L)
        if r is None:
            return None
        g = abs(r["v_c"] - r["v_v"])
        return g * (np.sqrt(2.0) if self.kind == "tb2d" else 1.0)

    def n_k_for_spacing(self, dk: float) -> float:
        """The n_k that gives grid spacing dk."""
        if self.kind == "tb2d":
            return 2 * np.pi / dk
        return self._k_max() / dk + 1

    def _k_max(self) -> float:
        return np.pi if self.kind in ("tb1d", "tb2d") else self.params.k_cut

    def refined(self, factor: int) -> "Bands":
        """The same bands on a grid `factor` times finer (quadrature of the gap equation)."""
        if factor == 1:
            return self
        n = (self.params.n_k - 1) * factor + 1 if self.kind != "tb2d" else self.params.n_k * factor
        return make_bands(self.params, n_k=n)


def dispersions(p, *k):
    """(ε_c, ε_v) of the parameters `p` at momenta k (one array, or kx, ky for tb2d); spec §2.1."""
    s = 1 if p.concavity == "same" else -1
    if p.band in ("tb1d", "tb2d"):
        c = sum(np.cos(ki) for ki in k)
        return p.E_c - 2.0 * p.t_c * c, p.E_v - 2.0 * s * p.t_v * c
    (kr,) = k
    eps_c = 0.5 * p.E_g + kr**2 / (2.0 * p.m_c)
    if p.band == "gac":
        return eps_c, -eps_c
    eps_v = -0.5 * p.E_g + s * kr**2 / (2.0 * p.m_v)
    if s > 0:
        eps_v = eps_v - kr**4 / (4.0 * p.m_v * p.k_cut**2)
    return eps_c, eps_v


def make_bands(p, n_k: int | None = None) -> Bands:
    """The NESS momentum grid of parameters `p` (n_k overrides p.n_k, e.g. for refined quadratures)."""
    n = n_k or p.n_k
    if p.band == "tb2d":
        k1 = -np.pi + 2.0 * np.pi * np.arange(n) / n
        kx, ky = np.meshgrid(k1, k1, indexing="ij")
        k = np.stack([kx.ravel(), ky.ravel()], axis=1)
        w = np.full(n * n, 1.0 / (n * n))
        eps_c, eps_v = dispersions(p, k[:, 0], k[:, 1])
        return Bands("tb2d", k, w, eps_c, eps_v, 2.0 * np.pi / n, p)
    k_max = np.pi if p.band == "tb1d" else p.k_cut
    k = np.linspace(0.0, k_max, n)
    dk = k[1] - k[0]
    trap = np.full(n, dk)
    trap[[0, -1]] *= 0.5
    if p.band != "tb1d" and p.dim == 2:
        w = trap * k / (2.0 * np.pi)
    else:
        w = trap / np.pi
    eps_c, eps_v = dispersions(p, k)
    return Bands(p.band, k, w, eps_c, eps_v, dk, p)
