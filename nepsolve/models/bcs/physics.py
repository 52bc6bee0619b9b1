"""Weak-coupling BCS (energies in units of the cutoff ω_D = 1):

* gap equation (uniform Zeeman field h, no pair breaking):
      1 = λ ∫_0^1 dξ [tanh((E + h)/2T) + tanh((E − h)/2T)]/(2E),   E = √(ξ² + Δ²);
  at T = 0 and h < Δ: Δ00 = 1/sinh(1/λ) (closed form);
* T_c0: the same equation at Δ → 0, h = 0:  1 = λ ∫_0^1 dξ tanh(ξ/2T)/ξ  (→ (2e^γ/π) e^{−1/λ} for λ → 0);
* pair breaking and field on the second-order line (Abrikosov–Gor'kov / Maki):
      ln(T_c0/T_c) = Re ψ(1/2 + (Γ + ih)/(2πT_c)) − ψ(1/2),
  which has a root iff |Γ + ih| < Δ_BCS/2 with Δ_BCS = π e^{−γ} T_c0 (the weak-coupling Δ00).
"""
from __future__ import annotations

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import digamma

EULER_GAMMA = 0.5772156649015329


def delta00(lam: float) -> float:
    """T = 0 gap without field: Δ00 = 1/sinh(1/λ) (cutoff ω_D = 1)."""
    return 1.0 / np.sinh(1.0 / lam)


def _pair_kernel(delta: float, T: float, h: float) -> float:
    """∫_0^1 dξ [tanh((E + h)/2T) + tanh((E − h)/2T)]/(2E) (T = 0: the step-function limit)."""
    def f(xi):
        E = np.hypot(xi, delta)
        if T == 0.0:
            occ = 0.5 * (np.sign(E + h) + np.sign(E - h))
        else:
            occ = 0.5 * (np.tanh((E + h) / (2 * T)) + np.tanh((E - h) / (2 * T)))
        return occ / E if E > 0 else (1.0 / (2 * T) if T > 0 else 0.0)
    pts = [p for p in (np.sqrt(max(h * h - delta * delta, 0.0)), 10 * T) if 0 < p < 1]
    return quad(f, 0.0, 1.0, points=pts or None, limit=400, epsabs=1e-13, epsrel=1e-12)[0]


def gap(lam: float, T: float, h: float = 0.0) -> float:
    """The largest root Δ of the gap equation (BCS branch); 0 if none."""
    F = lambda d: 1.0 - lam * _pair_kernel(d, T, h)
    hi = 2.0 * delta00(lam) + 1e-12
    grid = np.geomspace(1e-9 * hi, hi, 200)[::-1]
    vals = [F(d) for d in grid]
    for (a, fa), (b, fb) in zip(zip(grid, vals), zip(grid[1:], vals[1:])):
        if np.sign(fa) != np.sign(fb):
            return float(brentq(F, b, a, xtol=1e-15, rtol=1e-13))
    return 0.0


def tc0(lam: float) -> float:
    """T_c without pair breaking or field: 1 = λ ∫_0^1 tanh(ξ/2T)/ξ dξ."""
    weak = 2 * np.exp(EULER_GAMMA) / np.pi * np.exp(-1.0 / lam)
    F = lambda T: 1.0 - lam * _pair_kernel(0.0, T, 0.0)
    return float(brentq(F, 0.2 * weak, min(5 * weak, 10.0), xtol=1e-16, rtol=1e-13))


def tc(lam: float, Gamma: float = 0.0, h: float = 0.0) -> float:
    """T_c on the second-order line with pair breaking Γ and field h (digamma equation); 0 if none."""
    t0 = tc0(lam)
    z = complex(Gamma, h)
    if z == 0:
        return t0
    if abs(z) >= 0.5 * np.pi * np.exp(-EULER_GAMMA) * t0:
        return 0.0
    F = lambda T: np.log(t0 / T) - (digamma(0.5 + z / (2 * np.pi * T)).real - digamma(0.5))
    lo = t0 * 1e-6
    while F(lo) <= 0:
        lo *= 0.1
        if lo < 1e-300:
            return 0.0
    return float(brentq(F, lo, t0, xtol=1e-16, rtol=1e-13))


def lambda_c(T: float, Gamma: float = 0.0, h: float = 0.0) -> float:
    """The coupling whose T_c(Γ, h) equals T (NaN if none below λ = 2)."""
    F = lambda lam: tc(lam, Gamma, h) - T
    lo, hi = 0.02, 2.0
    if F(hi) < 0:
        return float("nan")
    while F(lo) > 0 and lo > 1e-3:
        lo *= 0.5
    return float(brentq(F, lo, hi, xtol=1e-14, rtol=1e-12))
