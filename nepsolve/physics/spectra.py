"""Boson channels with a tabulated Eliashberg function, and sums of channels (ELIASHBERG_SPEC §1.4–1.5; issue 14).

Units: whatever energy unit the caller uses consistently (the material model: meV).  A channel is
    a(ν)   = s·α̂²F(|ν|) sgn ν                  (odd; α²F for ν > 0; α̂²F the table normalised to λ = 1, s = λ),
    Λ^R(ν) = ∫dν' a(ν')/(ν − ν' + i0)           (Kramers–Kronig; −Λ^R(0) = 2∫α²F/ν = λ),
    n(ν)   = F_b(ν) a(ν),  F_b = coth(ν/2T_b) + 2 n_d s(|ν|) sgn ν   (§1.4 simplified drive, own T_b),
with α̂²F piecewise linear between the table's nodes and 0 beyond its last node; every integral of it is done in
closed form on each segment.  The total coupling functions of several channels are the sums (§1.5 per channel).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .distributions import nu_coth


def segment_moments(nu: np.ndarray, y: np.ndarray):
    """Slopes and intercepts of the piecewise-linear y(ν) on its segments: y = c0 + c1 ν on [ν_k, ν_k+1]."""
    c1 = np.diff(y) / np.diff(nu)
    c0 = y[:-1] - c1 * nu[:-1]
    return c0, c1


def lambda_of(nu: np.ndarray, a2f: np.ndarray) -> float:
    """λ = 2∫α²F(ν)/ν dν of a piecewise-linear table (ν_0 ≥ 0; α²F(0) = 0 when ν_0 = 0, else the integrand is
    finite): 2Σ[c0 ln(ν_k+1/ν_k) + c1 (ν_k+1 − ν_k)], the first segment from ν = 0 taken as c1 Δν."""
    c0, c1 = segment_moments(nu, a2f)
    lo, hi = nu[:-1], nu[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(lo > 0, np.log(hi / np.where(lo > 0, lo, 1.0)), 0.0)
    return float(2.0 * np.sum(c0 * logs + c1 * (hi - lo)))


def omega_log(nu: np.ndarray, a2f: np.ndarray, n: int = 200001) -> float:
    """ω_log = exp[(2/λ)∫ln ν α²F(ν)/ν dν] (Allen–Dynes), by the trapezoid rule on a fine linear resampling."""
    x = np.linspace(nu[0], nu[-1], n)[1:]
    y = np.interp(x, nu, a2f) / x
    lam = 2.0 * np.trapezoid(y, x)
    return float(np.exp(2.0 / lam * np.trapezoid(np.log(x) * y, x)))


def omega_2(nu: np.ndarray, a2f: np.ndarray) -> float:
    """ω̄2 = [∫ν α²F dν / ∫α²F/ν dν]^½ (Allen–Dynes), trapezoid on the table (α²F/ν → 0 at ν = 0)."""
    inv = a2f / np.where(nu > 0, nu, 1.0)
    return float(np.sqrt(np.trapezoid(a2f * nu, nu) / np.trapezoid(inv, nu)))


def _log_abs(d: np.ndarray) -> np.ndarray:
    """ln|d| with ln|0| := 0: at ν on a node the two adjacent segments' log singularities have the same coefficient
    (continuity of the table) and cancel, so dropping both gives the principal value."""
    a = np.abs(d)
    return np.log(np.where(a > 0, a, 1.0))


def _over_chunks(nu, per_chunk) -> np.ndarray:
    """per_chunk(v) (v a column of ν values, 2048 at a time: bounded temporaries of size 2048 × segments) over ν."""
    flat = np.ravel(np.asarray(nu, dtype=float))
    res = np.empty(flat.size)
    for lo in range(0, flat.size, 2048):
        res[lo:lo + 2048] = per_chunk(flat[lo:lo + 2048, None])
    return res.reshape(np.shape(nu))


def hilbert_odd(nu_tab: np.ndarray, y_tab: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """P∫dν' a(ν')/(ν − ν') for the odd extension a(ν') = y(|ν'|) sgn ν' of a piecewise-linear y (0 beyond the table),
    in closed form per segment: ∫_p^q (c0 + c1 x)/(ν − x) dx = −c1 (q − p) + (c0 + c1 ν)(ln|ν − p| − ln|ν − q|), and
    on the mirror segment [−q, −p], where a = −c0 + c1 x: −c1 (q − p) + (−c0 + c1 ν)(ln|ν + q| − ln|ν + p|)."""
    c0, c1 = segment_moments(nu_tab, y_tab)
    p, q = nu_tab[:-1], nu_tab[1:]

    def chunk(v):
        pos = (c0 + c1 * v) * (_log_abs(v - p) - _log_abs(v - q))
        neg = (-c0 + c1 * v) * (_log_abs(v + q) - _log_abs(v + p))
        return np.sum(pos + neg, axis=1) - 2.0 * np.sum(c1 * (q - p))
    return _over_chunks(nu, chunk)


def _t_log(t: np.ndarray):
    """(t ln|t| − t, t² ln|t|/2 − t²/4), with t ln|t| := 0 at t = 0."""
    a = np.abs(t)
    lg = np.log(np.where(a > 0, a, 1.0))
    return t * lg - t, 0.5 * t * t * lg - 0.25 * t * t


def log_potential_odd(nu_tab: np.ndarray, y_tab: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """G(ν) = ∫dx a(x) ln|ν − x| for the odd extension a of a piecewise-linear y: dG/dν = P∫ a(x)/(ν − x) dx
    (hilbert_odd), so cell averages of Re Λ^R are differences of G (finite also across the log singularity of a
    table that ends with α²F ≠ 0).  Per segment, t = ν − x: ∫ (A − c1 t) ln|t| dt with A = c0 + c1 ν."""
    c0, c1 = segment_moments(nu_tab, y_tab)
    p, q = nu_tab[:-1], nu_tab[1:]

    def chunk(v):
        total = np.zeros(v.shape[0])
        for cc0, lo_x, hi_x in ((c0, p, q), (-c0, -q, -p)):   # the segment and its mirror (a = −c0 + c1 x there)
            A = cc0 + c1 * v
            f1_hi, f2_hi = _t_log(v - lo_x)                     # t runs from v − hi_x to v − lo_x
            f1_lo, f2_lo = _t_log(v - hi_x)
            total += np.sum(A * (f1_hi - f1_lo) - c1 * (f2_hi - f2_lo), axis=1)
        return total
    return _over_chunks(nu, chunk)


def cell_average_odd(nu_tab: np.ndarray, y_tab: np.ndarray, centers: np.ndarray, h: float) -> np.ndarray:
    """(1/h)∫_{c−h/2}^{c+h/2} a(x) dx for the odd extension a of a piecewise-linear y (0 beyond the table): exact,
    from the antiderivative of the interpolant."""
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (y_tab[1:] + y_tab[:-1]) * np.diff(nu_tab))])

    def Y(x):                      # ∫_0^|x| y, even in x
        x = np.abs(x)
        k = np.clip(np.searchsorted(nu_tab, x, side="right") - 1, 0, nu_tab.size - 2)
        dx = np.minimum(x, nu_tab[-1]) - nu_tab[k]
        slope = (y_tab[k + 1] - y_tab[k]) / (nu_tab[k + 1] - nu_tab[k])
        return cum[k] + y_tab[k] * dx + 0.5 * slope * dx * dx
    # ∫_lo^hi a = Y(hi) − Y(lo) for a odd (a = y(|x|) sgn x ⇒ its antiderivative is Y(x), even)
    return (Y(centers + 0.5 * h) - Y(centers - 0.5 * h)) / h


@dataclass(frozen=True, eq=False)
class TabulatedBoson:
    """A boson channel whose Eliashberg function is a table (ν ≥ 0, α̂²F normalised to λ = 1), scaled to coupling λ,
    on its own bath T_b with an optional incoherent drive (n_d, ω_d, σ_d): same interface as EinsteinBoson."""

    nu_tab: np.ndarray
    a2f_unit: np.ndarray
    lam: float
    T_b: float
    drive_n: float = 0.0
    drive_omega: float = 1.0
    drive_sigma: float = 0.1

    @property
    def g2N0(self) -> float:
        return self.lam

    def _y_over_nu(self, x):
        """α̂²F(x)/x for x ≥ 0 (its limit slope at x = 0 when the table starts at 0 with α²F(0) = 0)."""
        y = np.interp(x, self.nu_tab, self.a2f_unit, right=0.0)
        slope0 = (self.a2f_unit[1] - self.a2f_unit[0]) / (self.nu_tab[1] - self.nu_tab[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, y / np.where(x > 0, x, 1.0), slope0 if self.nu_tab[0] == 0 else 0.0)

    def eliashberg_function(self, nu):
        nu = np.asarray(nu, dtype=float)
        return self.lam * np.sign(nu) * np.interp(np.abs(nu), self.nu_tab, self.a2f_unit, right=0.0)

    def coupling_retarded(self, nu):
        """Λ^R(ν) = P∫a(ν')/(ν − ν') dν' − iπ a(ν)."""
        nu = np.asarray(nu, dtype=float)
        return self.lam * hilbert_odd(self.nu_tab, self.a2f_unit, nu) - 1j * np.pi * self.eliashberg_function(nu)

    def drive_shape(self, nu):
        x = np.abs(np.asarray(nu, dtype=float))
        return np.exp(-((x - self.drive_omega) ** 2) / (2.0 * self.drive_sigma ** 2))

    def noise(self, nu):
        """n(ν) = F_b(ν) a(ν) = [ν coth(ν/2T_b) + 2 n_d s(|ν|)|ν|]·a(ν)/ν, regular at ν = 0."""
        nu = np.asarray(nu, dtype=float)
        a_over_nu = self.lam * self._y_over_nu(np.abs(nu))
        return a_over_nu * (nu_coth(nu, self.T_b) + 2.0 * self.drive_n * self.drive_shape(nu) * np.abs(nu))

    def cell_kernels(self, centers: np.ndarray, h: float):
        """Cell averages over [c − h/2, c + h/2] of a(ν) and Λ^R(ν), and n = F_b(ν)·ā at the nodes — the kernels of a
        uniform-grid convolution whose electron function is sampled at the nodes.  A table ending with α²F ≠ 0 makes
        a jump in a and a log singularity in Re Λ^R; point samples then converge as O(h) (measured), cell averages as
        O(h²): a exactly, Re Λ^R from the log potential.  n keeps the FDT form node by node, so that the discrete
        kinetic equation keeps detailed balance exactly (n(0) = 2T_b a'(0), the point value)."""
        a_unit, re_unit = _unit_cell_kernels(self.nu_tab, self.a2f_unit, centers, h)
        a, re_lam = self.lam * a_unit, self.lam * re_unit
        with np.errstate(divide="ignore", invalid="ignore"):
            F_b = np.where(centers != 0, nu_coth(centers, self.T_b) / np.where(centers != 0, centers, 1.0), 0.0)
        F_b = F_b + 2.0 * self.drive_n * self.drive_shape(centers) * np.sign(centers)
        n = np.where(centers != 0, F_b * a, self.noise(np.zeros(1))[0])
        return a, n, re_lam - 1j * np.pi * a


_CELL_CACHE: dict = {}


def _unit_cell_kernels(nu_tab, y_tab, centers, h):
    """(cell averages of a, of Re Λ^R) of a unit table on a uniform grid; cached (a λ search rebuilds the model
    at every λ, and the log potential costs N × segments logarithms)."""
    key = (y_tab.size, float(nu_tab[-1]), float(y_tab.sum()), float(y_tab @ nu_tab), centers.size,
           float(centers[0]), float(h))
    if key not in _CELL_CACHE:
        if len(_CELL_CACHE) >= 4:
            _CELL_CACHE.pop(next(iter(_CELL_CACHE)))
        a = cell_average_odd(nu_tab, y_tab, centers, h)
        edges = np.concatenate([centers - 0.5 * h, [centers[-1] + 0.5 * h]])
        _CELL_CACHE[key] = (a, np.diff(log_potential_odd(nu_tab, y_tab, edges)) / h)
    return _CELL_CACHE[key]


@dataclass(frozen=True, eq=False)
class ChannelSum:
    """Several boson channels, each on its own bath and drive: the coupling functions add (spec §1.5 per channel).
    `lam` is the total λ; `channels` the members (each with its own lam)."""

    channels: tuple = field(default_factory=tuple)

    @property
    def lam(self) -> float:
        return float(sum(c.lam for c in self.channels))

    @property
    def g2N0(self) -> float:
        return self.lam

    def eliashberg_function(self, nu):
        return sum(c.eliashberg_function(nu) for c in self.channels)

    def coupling_retarded(self, nu):
        return sum(c.coupling_retarded(nu) for c in self.channels)

    def noise(self, nu):
        return sum(c.noise(nu) for c in self.channels)

    def cell_kernels(self, centers: np.ndarray, h: float):
        """(a, n, Λ^R) on a uniform grid: cell averages of tabulated channels, point values of the others (smooth)."""
        parts = [c.cell_kernels(centers, h) if hasattr(c, "cell_kernels") else
                 (c.eliashberg_function(centers), c.noise(centers), c.coupling_retarded(centers))
                 for c in self.channels]
        return tuple(sum(p[i] for p in parts) for i in range(3))
