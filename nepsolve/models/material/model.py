"""The material model on the real axis (issue 14; ELIASHBERG_SPEC §1.4–1.5, §4, §6): the flat-band Keldysh–Eliashberg
equations with the boson functions summed over channels (tabulated α²F or Lorentzian modes, each on its own bath and
drive), plus a static pairing channel of coupling λ_s = lam_static − μ*.  Energies in meV.

Static channel.  An instantaneous interaction has D^R = const and no D^K, so in the linearized gap equation
(spec §4.2 with Λ^R → −λ_s) it adds the constant
    φ_s = λ_s · ½∫dω' F_el(ω') χ_c(ω') Re u(ω'),   u = φ/ω̃ (nonlinear: Re P, P = φ/s).
Cutoff: on the Matsubara axis μ* acts for |ω_m| < ω_c; since for u analytic in the upper half plane
    πT Σ_{|ω_m|<ω_c} u(iω_m)·(−i)  =  ½∫dω' F_M(ω') Re u(ω'),   F_M(ω) = Σ_{0≤ω_m<ω_c} 4Tω/(ω² + ω_m²)
(F_M is tanh(ω/2T) with its pole sum truncated; contour deformation), the real-axis input weight is
χ_c = F_M/tanh(ω/2T_el): in equilibrium F_el χ_c = F_M exactly, and out of equilibrium the same cutoff function
weighs the NESS distribution.  The output is constant in ω (an analytic function: the Matsubara output cut
θ(ω_c − |ω_n|) has no bounded continuation), i.e. the real axis solves the Matsubara problem with the cutoff on
the input index only; `material.matsubara` quantifies the difference to the both-index definition.  Beyond ±L
u ≈ φ(±L)/(ω + δ±) is integrated against F_M (`StaticChannel.tail`).
"""
from __future__ import annotations

import numpy as np

from ...physics.boson import EinsteinBoson
from ...physics.distributions import fermion_F
from ...physics.spectra import ChannelSum, TabulatedBoson
from ..eliashberg.flatband import FlatBandEliashberg, GapOperator


def channel_boson(c):
    """The physics object of one scaled channel (a Channel of material.params)."""
    if c.a2f:
        sp = c.spectrum
        return TabulatedBoson(sp.nu, sp.a2f / sp.lam, c.lam, c.T_b, c.drive_n, c.drive_omega, c.drive_sigma)
    return EinsteinBoson(c.lam, c.kappa, c.T_b, c.drive_n, c.drive_omega, c.drive_sigma, c.omega_b)


def matsubara_below(T: float, omega_c: float) -> np.ndarray:
    """ω_m = πT(2m + 1) < ω_c, m ≥ 0."""
    n = max(0, int(np.ceil((omega_c / (np.pi * T) - 1.0) / 2.0)))
    w = np.pi * T * (2.0 * np.arange(n) + 1.0)
    return w[w < omega_c]


def truncated_tanh(omega: np.ndarray, T: float, omega_c: float) -> np.ndarray:
    """F_M(ω) = Σ_{0≤ω_m<ω_c} 4Tω/(ω² + ω_m²)."""
    wm = matsubara_below(T, omega_c)
    out = np.zeros(np.shape(omega))
    for lo in range(0, wm.size, 512):
        m = wm[lo:lo + 512]
        out += np.sum(4.0 * T * omega[..., None] / (omega[..., None] ** 2 + m ** 2), axis=-1)
    return out


def log_tail_nodes(L: float, n_nodes: int, decades: float = 6.0):
    """Nodes x = L e^t on [L, 10^decades L] and weights for ∫ f(x) dx (trapezoid in t, dx = x dt)."""
    t = np.linspace(0.0, decades * np.log(10.0), n_nodes)
    x = L * np.exp(t)
    w = np.full(t.size, t[1] - t[0])
    w[[0, -1]] *= 0.5
    return x, w * x


class StaticChannel:
    """φ_s = λ_s·[½∫_{−L}^{L} dω χ_c(ω) x(ω) + tail] on a uniform grid, x = F_el Re u (module docstring).  Beyond ±L,
    φ → φ(±L) and ω̃ → ω + δ± (δ+ = ω̃(L) − L, δ− = −δ+* by ω̃(−ω) = −ω̃(ω)*), so with A = ∫_L^∞ F_M(x)/(x + δ+) dx
    the tail is ½ Re[φ(L) A + φ(−L) A*] (A by quadrature on log-spaced nodes; the rest beyond 1e6 L is ~1e-6 of it).
    What remains is the truncation of the boson convolutions of u ~ φ(±L)/ω at ±L: measured on the Pb-like spectrum
    (μ* = 0.13, ω_c = 60 meV, T = 1 meV) λ_c is 5e-4 high at L = 2ω_c, 1.4e-4 at 4ω_c, 3e-5 at 8ω_c (∝ 1/L²); without
    the tail it is 1.1 % high at 2ω_c."""

    TAIL_NODES = 400

    def __init__(self, omega: np.ndarray, dw: float, T: float, omega_c: float, lam_s: float):
        self.lam_s = lam_s
        F_M = truncated_tanh(omega, T, omega_c)
        th = fermion_F(omega, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            chi = np.where(th != 0, F_M / np.where(th != 0, th, 1.0), 0.0)
        mid = omega.size // 2                    # ω = 0: F_M/tanh → 8T² Σ 1/ω_m²
        chi[mid] = 8.0 * T * T * float(np.sum(1.0 / matsubara_below(T, omega_c) ** 2))
        self.weight = 0.5 * dw * chi
        self.weight[[0, -1]] *= 0.5                                # trapezoid ends
        self.L = float(omega[-1])
        x, w = log_tail_nodes(self.L, self.TAIL_NODES)
        self._x, self._wF = x, w * truncated_tanh(x, T, omega_c)

    def tail(self, phi_edges, wt_hi: complex) -> float:
        """½ Re[φ(L) A + φ(−L) A*] with A = ∫_L^∞ F_M(x)/(x + δ) dx, δ = ω̃(L) − L."""
        lo, hi = phi_edges
        A = complex(np.sum(self._wF / (self._x + (wt_hi - self.L))))
        return 0.5 * (hi * A + lo * np.conj(A)).real

    def __call__(self, x: np.ndarray, phi_edges, wt_hi: complex) -> float:
        return self.lam_s * (float(self.weight @ x) + self.tail(phi_edges, wt_hi))


class StaticGapOperator(GapOperator):
    """The flat-band gap operator (spec §6.1) plus the static channel's constant output."""

    def __init__(self, base: GapOperator, static: StaticChannel):
        self.__dict__.update(base.__dict__)
        self.static = static

    def apply(self, phi: np.ndarray) -> np.ndarray:
        out = super().apply(phi)
        wphi = self.weight * phi
        u = (wphi / self.omega_tilde).real
        return out + self.static(self.F_el * u, (wphi[0], wphi[-1]), self.omega_tilde[-1])


class MaterialFlatBand(FlatBandEliashberg):
    """Flat band, boson channels from `MaterialParams.scaled_channels`, static channel λ_s = lam_static − μ*."""

    name = "material"

    def __init__(self, params):
        super().__init__(params)
        p = params
        self.static = (StaticChannel(self.omega, self.grid.dw, p.T_el, p.omega_c, p.static_lam)
                       if p.static_lam != 0.0 else None)

    @staticmethod
    def make_boson(p):
        return ChannelSum(tuple(channel_boson(c) for c in p.scaled_channels()))

    def gap_operator(self, F_ext: np.ndarray, sector: str = "even") -> GapOperator:
        op = super().gap_operator(F_ext, sector)
        return StaticGapOperator(op, self.static) if self.static is not None else op

    def static_pairing(self, h1: np.ndarray, phi: np.ndarray, omega_tilde: np.ndarray):
        """λ_s·½∫χ_c h1 + the tail (P = φ/s → φ/ω̃ beyond ±L): the nonlinear form of the static channel."""
        if self.static is None:
            return 0.0
        return self.static(h1, (phi[0], phi[-1]), omega_tilde[-1])
