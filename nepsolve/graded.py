"""Graded (non-uniform) frequency grids and product-integration convolutions.

Why: the real-axis functions of the Eliashberg models need fine resolution only near ω = 0 (scales T, γ, the
gap edge) and near the boson peaks ±Ω (κ), while the boson kernels are known functions.  A uniform grid pays
the finest resolution over the whole range ±L (cost ∝ L/min(T, γ, κ)); here the grid follows the physics.

Discretization (the alternative to ELIASHBERG_SPEC §8.1–8.2 that the uniform FFT path is the reference for):
every convolution has the form

    C(ω) = ∫dν f(ω − ν) k(ν) = ∫dx f(x) k(ω − x),

with f an electron function known on the grid nodes x_j and k a boson kernel (n, a, Λ^R, spec §1.5) known
analytically.  f is interpolated piecewise-linearly between nodes (hat functions), held at constant values
c_± beyond ±L (F_el → ±1, Re N → 1, decaying functions → 0), and the kernel is integrated *exactly* against
each hat ("product integration"):

    C(ω_i) = Σ_j W_ij f_j + c_− T⁻_i + c_+ T⁺_i,
    W_ij = ∫dx hat_j(x) k(ω_i − x),   T⁺_i = ∫_L^∞ dx k(ω_i − x),   T⁻_i = ∫_{−∞}^{−L} dx k(ω_i − x).

With K1, K2 the first and second antiderivatives of k, the hat integrals are closed forms in K1, K2 at the
differences ω_i − x_j (`ProductConvolver`), so the kernel needs no resolution by the grid: a Lorentzian of
width κ = 0.005 is exact on a cell of width 0.1.  K1, K2 are tabulated once per kernel on a fine graded
table by Gauss–Legendre quadrature of k and interpolated by quintic Hermite polynomials from (K2, K1, k)
(`KernelTable`, interpolation error O(δ⁶ k⁽⁴⁾)).  The error of the scheme is that of the piecewise-linear
interpolation of f: O(h²) in the local spacing h, which the grid keeps small where f varies.
Energies in the units of the caller (Eliashberg models: Ω = 1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GAUSS_ORDER = 8
MAX_NODES = 200_000        # per half-range: a guard (the features bound the count to O(log(L/h_min)) per feature)


@dataclass(frozen=True)
class Feature:
    """A frequency region that needs spacing h: |ω| within `half_width` of ±`center` (mirrored)."""

    center: float
    half_width: float
    h: float


def graded_positive_nodes(L: float, features, h_max: float, growth: float, pivot: float = np.inf) -> np.ndarray:
    """Nodes 0 = ω_0 < ω_1 < ... < ω_M = L.  Local spacing h(ω) = min(cap(ω), min_f [h_f + (growth − 1)·d_f(ω)]),
    d_f the distance of |ω| from feature f's region: spacing h_f inside a region, growing geometrically by
    `growth` per cell away from it, capped at cap(ω) = h_max·max(1, ω/pivot) (beyond the pivot the functions
    vary on the scale ω itself: a relative cap, so a wide range costs only logarithmically)."""
    centers = np.array([f.center for f in features])
    widths = np.array([f.half_width for f in features])
    hs = np.array([f.h for f in features])
    g1 = growth - 1.0

    def spacing(w):
        d = np.maximum(np.abs(w - centers) - widths, 0.0)
        return min(h_max * max(1.0, w / pivot), float(np.min(hs + g1 * d)))

    nodes = [0.0]
    w = 0.0
    while len(nodes) <= MAX_NODES:
        h = spacing(w + 0.5 * spacing(w))
        if w + 1.5 * h >= L:          # last cell: end exactly at L (stretched by at most half a cell)
            nodes.append(L)
            break
        w += h
        nodes.append(w)
    else:
        raise ValueError(f"a graded grid on [0, {L:g}] with these features would need more than {MAX_NODES} nodes")
    return np.array(nodes)


@dataclass(frozen=True)
class GradedGrid:
    """Odd grid symmetric about ω = 0 (a node), half-range L; same attributes as grids.FrequencyGrid that
    the models use (n, m, omega, half_range)."""

    positive: np.ndarray          # ω_0 = 0 < ... < ω_M = L

    @classmethod
    def build(cls, L: float, features, h_max: float, growth: float, pivot: float = np.inf) -> "GradedGrid":
        return cls(graded_positive_nodes(L, features, h_max, growth, pivot))

    @property
    def m(self) -> int:
        return self.positive.size - 1

    @property
    def n(self) -> int:
        return 2 * self.m + 1

    @property
    def half_range(self) -> float:
        return float(self.positive[-1])

    @property
    def omega(self) -> np.ndarray:
        return np.concatenate([-self.positive[:0:-1], self.positive])

    @property
    def h_min(self) -> float:
        return float(np.min(np.diff(self.positive)))

    def trapezoid_weights(self) -> np.ndarray:
        """∫dω f ≈ Σ_j w_j f_j for piecewise-linear f vanishing beyond ±L."""
        w = self.omega
        h = np.diff(w)
        out = np.zeros(w.size)
        out[:-1] += 0.5 * h
        out[1:] += 0.5 * h
        return out

    def interpolate(self, f_nodes: np.ndarray, omega, outside=(0.0, 0.0)) -> np.ndarray:
        """Piecewise-linear value of a grid function at arbitrary ω (constants `outside` beyond ±L)."""
        w = self.omega
        if np.iscomplexobj(f_nodes):
            return (self.interpolate(f_nodes.real, omega, np.real(outside))
                    + 1j * self.interpolate(f_nodes.imag, omega, np.imag(outside)))
        return np.interp(omega, w, f_nodes, left=outside[0], right=outside[1])


def _power_tail(x: float, kx: float, k2x: float) -> float:
    """∫_x^∞ k for a kernel decaying as a power law, from k(x) and k(2x): k ~ C/ν^p ⇒ ∫ = k(x)·x/(p − 1)."""
    if kx == 0.0:
        return 0.0
    ratio = k2x / kx
    if not 0.0 < ratio < 0.5:       # not a decaying power law with p > 1: treat the remainder as negligible
        return 0.0
    p = -np.log2(ratio)
    return kx * x / (p - 1.0)


def _quintic_coefficients(x, K2, K1, k):
    """Power-basis coefficients c_0..c_5 (in t = (y − x_l)/h) of the quintic Hermite interpolant of K2 through
    (K2, K2' = K1, K2'' = k) at both ends of every table interval."""
    h = np.diff(x)
    p0, p1 = K2[:-1], K2[1:]
    d0, d1 = h * K1[:-1], h * K1[1:]
    s0, s1 = h * h * k[:-1], h * h * k[1:]
    c0, c1, c2 = p0, d0, 0.5 * s0
    # the remaining three from the values at t = 1: c3 + c4 + c5 = A, 3c3 + 4c4 + 5c5 = B, 6c3 + 12c4 + 20c5 = C
    A = p1 - c0 - c1 - c2
    B = d1 - c1 - 2 * c2
    C = s1 - 2 * c2
    c3 = 10 * A - 4 * B + 0.5 * C
    c4 = -15 * A + 7 * B - C
    c5 = 6 * A - 3 * B + 0.5 * C
    return np.stack([c0, c1, c2, c3, c4, c5]), h


class KernelTable:
    """K1(y) = ∫_{−∞}^y k and K2(y) = ∫_{−X}^y K1 of a real kernel k of definite parity on [−X, X], tabulated on
    graded nodes (finer at the kernel's features) by Gauss–Legendre quadrature of k and interpolated by quintic
    Hermite polynomials through (K2, K1, k).  K1(−X) and K1(+∞) include the power-law tails beyond ±X."""

    def __init__(self, k, X: float, features, h_max: float, growth: float = 1.05, pivot: float = np.inf):
        pos = graded_positive_nodes(X, features, h_max, growth, pivot)
        x = np.concatenate([-pos[:0:-1], pos])
        self.X = X
        kx = k(x)
        sym = kx[::-1]
        scale = max(float(np.max(np.abs(kx))), 1e-300)
        if np.max(np.abs(sym - kx)) <= 1e-12 * scale:
            self.parity = 1
        elif np.max(np.abs(sym + kx)) <= 1e-12 * scale:
            self.parity = -1
        else:
            raise ValueError("a product-integration kernel must be even or odd")
        xg, wg = np.polynomial.legendre.leggauss(GAUSS_ORDER)
        a, b = x[:-1], x[1:]
        h = b - a
        pts = a[:, None] + h[:, None] * (0.5 * (xg[None, :] + 1.0))     # Gauss points of each interval
        kv = k(pts)
        w = 0.5 * wg[None, :] * h[:, None]
        int_k = np.sum(w * kv, axis=1)                                   # ∫_a^b k
        mom = np.sum(w * kv * (pts - a[:, None]), axis=1)                # ∫_a^b (x − a) k
        tail_lo = _power_tail(X, float(k(np.array([-X]))[0]), float(k(np.array([-2 * X]))[0]))
        K1 = np.concatenate([[tail_lo], tail_lo + np.cumsum(int_k)])
        # ∫_a^b K1 = h K1(b) − ∫_a^b (x − a) k   (integration by parts: no cancellation at large |x|)
        K2 = np.concatenate([[0.0], np.cumsum(h * K1[1:] - mom)])
        tail_hi = _power_tail(X, float(k(np.array([X]))[0]), float(k(np.array([2 * X]))[0]))
        self.K1_plus_inf = float(K1[-1] + tail_hi)
        self.x = x
        self._coef, self._h = _quintic_coefficients(x, K2, K1, kx)

    def evaluate(self, y: np.ndarray):
        """(K1(y), K2(y)) for y in [−X, X] (clipped)."""
        y = np.clip(np.asarray(y, dtype=float), -self.X, self.X)
        idx = np.clip(np.searchsorted(self.x, y, side="right") - 1, 0, self._h.size - 1)
        h = self._h[idx]
        t = (y - self.x[idx]) / h
        c = self._coef[:, idx]
        K2 = c[0] + t * (c[1] + t * (c[2] + t * (c[3] + t * (c[4] + t * c[5]))))
        K1 = (c[1] + t * (2 * c[2] + t * (3 * c[3] + t * (4 * c[4] + t * 5 * c[5])))) / h
        return K1, K2

    def K1(self, y):
        return self.evaluate(y)[0]


class ProductConvolver:
    """C(ω_i) = ∫dx f(x) k(ω_i − x) on a GradedGrid for a fixed set of kernels, by product integration of
    piecewise-linear f (module docstring).  The weight matrices are dense N×N (N the node count): forming
    them costs a few N² kernel-table evaluations, each call one matrix–vector product per kernel."""

    def __init__(self, grid: GradedGrid, tables: dict):
        self.grid = grid
        w = grid.omega
        L, m = grid.half_range, grid.m
        self.weights, self.tail_minus, self.tail_plus = {}, {}, {}
        for name, tab in tables.items():
            parts = tab if isinstance(tab, tuple) else (tab,)
            mats, t_minus, t_plus = [], [], []
            for t in parts:
                mats.append(self._hat_weights(t, w, m))
                t_plus.append(t.K1(w - L))                   # ∫_L^∞ k(ω − x)dx = K1(ω − L) − K1(−∞), K1(−∞) = 0
                t_minus.append(t.K1_plus_inf - t.K1(w + L))  # ∫_{−∞}^{−L} k(ω − x)dx
            self.weights[name] = tuple(mats)                  # complex kernel: (real part, imaginary part)
            self.tail_minus[name] = t_minus[0] + (1j * t_minus[1] if len(parts) == 2 else 0.0)
            self.tail_plus[name] = t_plus[0] + (1j * t_plus[1] if len(parts) == 2 else 0.0)

    @staticmethod
    def _hat_weights(table: KernelTable, w: np.ndarray, m: int) -> np.ndarray:
        """W_ij = ∫dx hat_j(x) k(ω_i − x) from K1, K2 at the differences (rows ω_i ≥ 0 computed; the rows
        ω_i < 0 follow from the kernel's parity: W_{−i,−j} = ±W_ij)."""
        h = np.diff(w)
        W = np.empty((w.size, w.size))
        for lo in range(m, w.size, 256):                     # row blocks ω_i ≥ 0: bounded temporaries
            hi = min(lo + 256, w.size)
            K1, K2 = table.evaluate(w[lo:hi, None] - w[None, :])     # at ω_i − x_j
            D2 = (K2[:, :-1] - K2[:, 1:]) / h[None, :]       # (1/h_j)∫_{x_j}^{x_j+1} K1(ω − x)dx
            block = W[lo:hi]
            block[:, -1] = 0.0
            block[:, :-1] = K1[:, :-1] - D2                  # hat_j on its right cell
            block[:, 1:] += D2 - K1[:, 1:]                   # hat_{j+1} on its left cell
        W[:m] = table.parity * W[:m:-1, ::-1]
        return W

    def __call__(self, f: np.ndarray, kernel: str, outside=(0.0, 0.0)) -> np.ndarray:
        """∫dx f(x) k(ω_i − x) for f on the nodes (last axis; leading axes are independent rows, all done in one
        product), f ≡ outside[0] below −L and outside[1] above L (scalars or one value per row).  Real matrix
        products only (a real matrix times a complex array would make numpy copy the matrix)."""
        mats = self.weights[kernel]
        f = np.asarray(f)
        shape = f.shape
        rows = f.reshape(-1, shape[-1])
        R = rows.shape[0]
        cplx = np.iscomplexobj(f)
        X = np.concatenate([rows.real.T, rows.imag.T], axis=1) if cplx else np.asarray(rows.T, dtype=float)
        re = mats[0] @ X
        out = re[:, :R] + 1j * re[:, R:] if cplx else re
        if len(mats) == 2:
            im = mats[1] @ X
            out = out + (1j * im[:, :R] - im[:, R:] if cplx else 1j * im)
        out = out.T.reshape(shape)
        for value, tail in ((outside[0], self.tail_minus[kernel]), (outside[1], self.tail_plus[kernel])):
            value = np.asarray(value)                    # a scalar, or one value per row
            if np.any(value != 0.0):
                out = out + value[..., None] * tail
        return out
