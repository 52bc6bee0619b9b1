"""Uniform odd frequency grids and FFT convolutions (ELIASHBERG_SPEC §8.1–8.2).

A grid has N = 2M+1 points ω_j = (j − M)Δω, j = 0..N−1, symmetric about ω = 0, which lies on
the grid (an even grid breaks particle–hole symmetry, spec pitfall 1).  Half-range L = MΔω.

Functions that do not decay (F_el → ±1, Re N → 1) are held on a wider grid of half-range
P·L ("P-extended", length 2PM+1) so that a convolution with a kernel living on [−L, L] is exact
for every output point it is asked for (spec §8.2).  All convolutions here are
    C(ω) = ∫dν f(ω − ν) g(ν) ≈ Δω Σ_b f(ω − ν_b) g(ν_b),
a trapezoidal sum that converges exponentially for functions analytic in a strip, evaluated
with zero-padded FFTs in O(N log N).  No dense N×N kernel is ever formed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft


@dataclass(frozen=True)
class FrequencyGrid:
    """Odd symmetric uniform grid on [−L, L] with n points (n odd)."""

    n: int
    half_range: float

    def __post_init__(self):
        if self.n < 3 or self.n % 2 == 0:
            raise ValueError(f"frequency grid needs an odd number of points >= 3, got {self.n}")
        if not self.half_range > 0:
            raise ValueError("frequency grid half-range must be > 0")

    @property
    def m(self) -> int:
        return (self.n - 1) // 2

    @property
    def dw(self) -> float:
        return self.half_range / self.m

    @property
    def omega(self) -> np.ndarray:
        return (np.arange(self.n) - self.m) * self.dw

    def extended(self, p: int) -> np.ndarray:
        """Frequencies of the p-extended grid (half-range p·L, length 2pM+1)."""
        return (np.arange(2 * p * self.m + 1) - p * self.m) * self.dw

    def center(self, f_ext: np.ndarray, p: int) -> np.ndarray:
        """Base-grid slice [−L, L] of an array on the p-extended grid."""
        off = (p - 1) * self.m
        return f_ext[..., off: off + self.n]

    @staticmethod
    def embed(f: np.ndarray, outer: np.ndarray) -> np.ndarray:
        """`outer` (on a wider grid of the same spacing) with its central part replaced by `f`."""
        out = np.array(outer, dtype=np.result_type(f, outer), copy=True)
        off = (out.shape[-1] - f.shape[-1]) // 2
        out[..., off: off + f.shape[-1]] = f
        return out

    def integrate(self, f: np.ndarray) -> np.ndarray:
        """Trapezoidal ∫dω f over the base grid (f ~ 0 at ±L)."""
        return self.dw * (np.sum(f, axis=-1) - 0.5 * (f[..., 0] + f[..., -1]))


class Convolver:
    """C(ω) = ∫dν f(ω − ν) g(ν) for a fixed set of kernels g living on the base grid.

    `f` lives on the p_in-extended grid, the result on the p_out-extended grid (p_out ≤ p_in − 1
    unless f decays within the base range).  The FFTs of the kernels are computed once; each
    call costs one forward FFT of f (shared by all kernels) and one inverse FFT per output.
    """

    def __init__(self, grid: FrequencyGrid, kernels: dict[str, np.ndarray], p_in: int = 1, p_out: int = 1):
        self.grid = grid
        self.p_in, self.p_out = p_in, p_out
        m, n = grid.m, grid.n
        n_in = 2 * p_in * m + 1
        self.nfft = sfft.next_fast_len(n_in + n - 1, real=False)
        # full-convolution index of output point q:  k = q + (p_in − p_out + 1)M
        self.start = (p_in - p_out + 1) * m
        self.n_out = 2 * p_out * m + 1
        self.kernels = {k: sfft.fft(np.asarray(g, dtype=complex), self.nfft) for k, g in kernels.items()}

    def transform(self, f: np.ndarray) -> np.ndarray:
        return sfft.fft(f, self.nfft, axis=-1)

    def apply(self, spectrum: np.ndarray) -> np.ndarray:
        """Inverse transform of a (combination of) transformed f times kernel spectra."""
        full = sfft.ifft(spectrum, self.nfft, axis=-1)
        return self.grid.dw * full[..., self.start: self.start + self.n_out]

    def __call__(self, f: np.ndarray, kernel: str) -> np.ndarray:
        return self.apply(self.transform(f) * self.kernels[kernel])


def convolve(grid: FrequencyGrid, f: np.ndarray, g: np.ndarray, p_in: int = 1, p_out: int = 1) -> np.ndarray:
    """One-off convolution (see Convolver); g on the base grid."""
    return Convolver(grid, {"g": g}, p_in, p_out)(f, "g")


def dense_convolve(grid: FrequencyGrid, f: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Reference O(N²) convolution of two base-grid arrays (benchmarks and tests only)."""
    n, m = grid.n, grid.m
    idx = np.arange(n)[:, None] - np.arange(n)[None, :] + m      # f index of ω_i − ν_b
    valid = (idx >= 0) & (idx < n)
    fm = np.where(valid, f[np.clip(idx, 0, n - 1)], 0.0)
    return grid.dw * fm @ g
