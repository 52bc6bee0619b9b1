"""Imaginary-axis reference for the material model (issue 14): linearized Eliashberg equations in equilibrium for a
general Eliashberg function (tabulated channels and Lorentzian modes summed) with a bath γ and a static channel
λ_s = lam_static − μ* cut at ω_c.  Written apart from the real-axis code; energies in meV.

    λ(ν_l) = Σ_channels 2∫dν α²F(ν) ν/(ν² + ν_l²)     (tabulated: closed form per linear segment;
                                                        Lorentzian mode: λ_i(Ω²+κ²)/((|ν_l|+κ)² + Ω²), spec T2)
    |ω̃_n| = ω_n + γ + πT[λ_0 + 2Σ_{l=1}^{n} λ_l]       (exact Z sum, as in nepsolve.models.matsubara)
    φ_n   = πT Σ_m [λ(ω_n − ω_m) + λ_s c_n θ_m] φ_m/|ω̃_m|,   θ_m = [|ω_m| < ω_c],

with c_n = θ_n ("both": the usual definition, sharp cutoff on both indices) or c_n = 1 ("input": the cutoff on the
summed index only, which is what the real axis can represent, material.model).  The phonon sum runs to
max(50·ν_top, 4ω_c) (its terms decay as 1/ω³).  Folded to n, m ≥ 0; the leading real eigenvalue ρ = 1 at T_c/λ_c.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from ...physics.spectra import segment_moments
from ..matsubara import fold_lags


def tabulated_kernel(nu_tab: np.ndarray, y_tab: np.ndarray, nu_l: np.ndarray) -> np.ndarray:
    """2∫dν y(ν) ν/(ν² + ν_l²) for piecewise-linear y (y = c0 + c1 ν per segment):
    c0 ln[(q² + ν_l²)/(p² + ν_l²)] + 2c1[(q − p) − ν_l(atan(q/ν_l) − atan(p/ν_l))]; at ν_l = 0: 2c0 ln(q/p) + 2c1(q − p)."""
    c0, c1 = segment_moments(nu_tab, y_tab)
    p, q = nu_tab[:-1], nu_tab[1:]
    out = np.empty(np.size(nu_l))
    for i, v in enumerate(np.ravel(nu_l)):
        if v == 0.0:
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.where(p > 0, np.log(q / np.where(p > 0, p, 1.0)), 0.0)
            out[i] = np.sum(2.0 * c0 * logs + 2.0 * c1 * (q - p))
        else:
            out[i] = np.sum(c0 * np.log((q * q + v * v) / (p * p + v * v))
                            + 2.0 * c1 * ((q - p) - v * (np.arctan(q / v) - np.arctan(p / v))))
    return out.reshape(np.shape(nu_l))


def kernel_lags(channels, T: float, n_lags: int) -> np.ndarray:
    """λ(2πT l), l = 0..n_lags−1, of the scaled channels (material.params.Channel)."""
    nu = 2.0 * math.pi * T * np.arange(n_lags)
    total = np.zeros(n_lags)
    for c in channels:
        if c.a2f:
            sp = c.spectrum
            total += c.lam / sp.lam * tabulated_kernel(sp.nu, sp.a2f, nu)
        else:
            W, k = c.omega_b, c.kappa
            total += c.lam * (W * W + k * k) / ((nu + k) ** 2 + W * W)
    return total


def pair_eigenvalue(params, T: float | None = None, lam: float | None = None, cut: str = "both") -> float:
    """ρ of the folded Matsubara kernel at temperature T (default params.T_el) and total coupling lam."""
    p = params
    T = p.T_el if T is None else T
    channels = p.replace(lam=p.lam if lam is None else lam).scaled_channels()
    top = max(c.top for c in channels)
    w_sum = max(50.0 * top, 4.0 * p.omega_c)
    n = max(8, int(math.ceil(0.5 * (w_sum / (math.pi * T) + 1.0))))
    a = kernel_lags(channels, T, 2 * n + 1)
    wn = math.pi * T * (2.0 * np.arange(n) + 1.0)
    s = np.empty(n)
    s[0] = a[0]
    s[1:] = a[0] + 2.0 * np.cumsum(a[1:n])
    wt = wn + p.gamma + math.pi * T * s
    minus, plus = fold_lags(a, n)
    M = minus + plus
    theta = (wn < p.omega_c).astype(float)
    c = theta if cut == "both" else np.ones(n)
    M = M + 2.0 * p.static_lam * c[:, None] * theta[None, :]     # folded: θ_m and θ_{−m−1} both count
    K = math.pi * T * M / wt[None, :]
    ev = np.linalg.eigvals(K)
    return float(np.max(ev.real))


def band_pair_eigenvalue(params, T: float | None = None, lam: float | None = None, gamma: float | None = None) -> float:
    """ρ of the Matsubara kernel of a finite flat band |ξ| < W (local boson kernel) with the static channel cut in
    the band, |ξ|, |ξ'| < ω_c (material.xi; equilibrium, flat DOS).  The gap takes two values, φ_n inside the cutoff
    = φ^b_n + φ^s and outside = φ^b_n; with A_x(m) = 2 atan(x/ω̃_m)/ω̃_m = ∫_{−x}^{x} dξ/(ω̃_m² + ξ²):
        ω̃_n   = ω_n + γ + T Σ_m λ(ω_n − ω_m) sgn(ω_m) 2 atan(W/|ω̃_m|)      (iterated to its fixed point)
        φ^b_n = T Σ_m λ(ω_n − ω_m) [A_W(m) φ^b_m + A_c(m) φ^s]
        φ^s   = λ_s T Σ_m A_c(m) (φ^b_m + φ^s),
    m over all integers, folded to m ≥ 0 by φ_{−m−1} = φ_m.  The gap equations run to ω_n ≥ max(50 ν_top, 10 ω_c);
    ω̃ and the static sum to max(that, 10 W capped at 2000 ν_top), and the static sum's rest beyond, m ≥ N, is (2/π)·Ti₂(ω_c/(ω_N + δ)) φ^s with δ = ω̃_N − ω_N and
    Ti₂(x) = ∫_0^x atan(t)/t dt (the sum as an integral, midpoint rule; φ^b_m ≈ 0 there).  `gamma` replaces
    params.gamma (e.g. γ → 0, the BCS limit, which no real-frequency grid resolves)."""
    from scipy.integrate import quad

    p = params
    T = p.T_el if T is None else T
    channels = (p if lam is None else p.replace(lam=lam)).scaled_channels()
    gam = p.gamma if gamma is None else gamma
    top = max(c.top for c in channels)
    w_gap = max(50.0 * top, 10.0 * p.omega_c)                    # the gap equations
    w_z = max(w_gap, min(10.0 * p.W, 2000.0 * top))               # ω̃: the band edge matters up to ~10 W
    n = max(8, int(math.ceil(0.5 * (w_gap / (math.pi * T) + 1.0))))
    nz = max(n, int(math.ceil(0.5 * (w_z / (math.pi * T) + 1.0))))
    if nz > 20000:
        raise ValueError(f"band_pair_eigenvalue: {nz} Matsubara frequencies (T = {T:g} too low for W = {p.W:g})")
    a = kernel_lags(channels, T, 2 * nz + 1)
    wz = math.pi * T * (2.0 * np.arange(nz) + 1.0)
    minus, plus = fold_lags(a, nz)
    Zk = minus - plus                                     # sgn(ω_m), folded
    del minus, plus
    wt = _omega_tilde(lambda wt: wz + gam + T * (Zk @ (2.0 * np.arctan(p.W / wt))),
                      wz + gam + math.pi * T * (Zk @ np.ones(nz)), "band_pair_eigenvalue")
    A_W = 2.0 * np.arctan(p.W / wt[:n]) / wt[:n]
    A_c = 2.0 * np.arctan(p.omega_c / wt) / wt
    minus, plus = fold_lags(a, n)
    M = minus + plus
    K = np.zeros((n + 1, n + 1))
    K[:n, :n] = T * M * A_W[None, :]
    K[:n, n] = T * M @ A_c[:n]
    lam_s = p.static_lam
    y0 = wz[-1] + math.pi * T + (wt[-1] - wz[-1])       # midpoint edge ω_N − πT, shifted by δ
    rest = (2.0 / math.pi) * quad(lambda t: math.atan(t) / t, 0.0, p.omega_c / y0)[0]
    K[n, :n] = 2.0 * lam_s * T * A_c[:n]                # folded: m and −m−1 both count
    K[n, n] = lam_s * (2.0 * T * np.sum(A_c) + rest)    # φ^b_m, m ≥ n: negligible (∝ λ(ω_m)·A_c ~ ω_m⁻⁴)
    return float(np.max(np.linalg.eigvals(K).real))


def xi_local_pair_eigenvalue(params, T: float | None = None, lam: float | None = None) -> float:
    """ρ of the ξ-local model's row ξ = 0 (V = g²δ(ξ − ξ'), flat DOS; material.xi with kernel 'xi_local') for the
    material channels: the flat-band equations with the ξ integral removed, at ξ = 0 where χ = 0 (p-h symmetry):
        ω̃_n = ω_n + γ + T Σ_m λ(ω_n − ω_m) sgn(ω_m)/|ω̃_m|,   φ_n = T Σ_m λ(ω_n − ω_m) φ_m/ω̃_m²
    (folded to m ≥ 0; ω̃ by fixed-point iteration; terms decay as 1/m⁴, sums to max(50 ν_top, 2000 πT)).  No static
    channel (a band-cutoff one couples all ξ')."""
    p = params
    T = p.T_el if T is None else T
    channels = (p if lam is None else p.replace(lam=lam)).scaled_channels()
    top = max(c.top for c in channels)
    n = max(64, int(math.ceil(0.5 * (max(50.0 * top, 2000.0 * math.pi * T) / (math.pi * T) + 1.0))))
    a = kernel_lags(channels, T, 2 * n + 1)
    wn = math.pi * T * (2.0 * np.arange(n) + 1.0)
    minus, plus = fold_lags(a, n)
    diff, summ = minus - plus, minus + plus
    wt = _omega_tilde(lambda wt: wn + p.gamma + T * (diff @ (1.0 / wt)), wn + p.gamma, "xi_local_pair_eigenvalue")
    s = 1.0 / wt
    return float(np.linalg.eigvalsh(T * (s[:, None] * summ * s[None, :]))[-1])


def _omega_tilde(update, start: np.ndarray, who: str, max_iter: int = 1000) -> np.ndarray:
    """The fixed point ω̃ = update(ω̃) from `start` (a contraction: the boson sums change ω̃ only through bounded
    factors), to 1e-14 relative; ValueError naming `who` if it does not converge."""
    wt = start
    for _ in range(max_iter):
        new = update(wt)
        done = np.max(np.abs(new - wt)) <= 1e-14 * np.max(wt)
        wt = new
        if done:
            return wt
    raise ValueError(f"{who}: ω̃ iteration did not converge in {max_iter} steps")


def _rho(params, cut: str, **kw) -> float:
    """The leading eigenvalue for the cutoff `cut`: 'both'/'input' (Matsubara frequency cutoff) or 'band'."""
    return band_pair_eigenvalue(params, **kw) if cut == "band" else pair_eigenvalue(params, cut=cut, **kw)


def critical_temperature(params, cut: str = "both", T_lo: float | None = None, T_hi: float | None = None,
                         rtol: float = 1e-10) -> float:
    """T_c [meV]: ρ(T_c) = 1.  Bracketed by halving T from T_hi (default: the top boson frequency) down to T_lo
    (default top/1e3; the matrix grows as 1/T), then bisection in ln T; 0.0 if ρ < 1 down to T_lo."""
    top = params.top
    lo_limit, hi = (T_lo or top * 1e-3), (T_hi or top)
    f = lambda x: _rho(params, cut, T=math.exp(x)) - 1.0      # noqa: E731
    x_hi = math.log(hi)
    if f(x_hi) > 0:
        raise ValueError(f"ρ > 1 already at T = {hi:g}: raise T_hi")
    x_lo = x_hi - math.log(2.0)
    while f(x_lo) < 0:
        if x_lo < math.log(lo_limit):
            return 0.0
        x_hi, x_lo = x_lo, x_lo - math.log(2.0)
    return math.exp(brentq(f, x_lo, x_hi, rtol=rtol))


def critical_coupling(params, cut: str = "both", rtol: float = 1e-10) -> float:
    """λ_c at params.T_el: the total boson coupling with ρ = 1 (the static channel fixed)."""
    f = lambda lam: _rho(params, cut, lam=lam) - 1.0          # noqa: E731
    hi = max(params.lam, 0.1)
    while f(hi) < 0:
        hi *= 2.0
        if hi > 100:
            raise ValueError("no instability below λ = 100")
    return brentq(f, 1e-6, hi, rtol=rtol)


def allen_dynes(lam: float, mustar: float, omega_log: float, omega_2: float | None = None) -> float:
    """Allen–Dynes T_c [units of ω_log]: (f1 f2 ω_log/1.2) exp[−1.04(1 + λ)/(λ − μ*(1 + 0.62λ))]; f1 = f2 = 1 when
    omega_2 (= ⟨ω²⟩^½) is not given (the McMillan form with ω_log)."""
    f1 = f2 = 1.0
    if omega_2 is not None:
        L1 = 2.46 * (1.0 + 3.8 * mustar)
        L2 = 1.82 * (1.0 + 6.3 * mustar) * omega_2 / omega_log
        f1 = (1.0 + (lam / L1) ** 1.5) ** (1.0 / 3.0)
        f2 = 1.0 + (omega_2 / omega_log - 1.0) * lam * lam / (lam * lam + L2 * L2)
    den = lam - mustar * (1.0 + 0.62 * lam)
    if den <= 0:
        return 0.0
    return f1 * f2 * omega_log / 1.2 * math.exp(-1.04 * (1.0 + lam) / den)
