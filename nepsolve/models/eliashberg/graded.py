"""The flat-band Keldysh–Eliashberg model on a graded frequency grid with product-integrated convolutions.

Same equations as `flatband.py` (ELIASHBERG_SPEC §3.2, §4.2–4.3, §6.1) on a different discretization
(`nepsolve.graded`): nodes fine where the electron functions vary — |ω| ≲ 10T and ≲ 4γ at ω = 0, the gap edge
±Δ when the solver knows it, the boson peaks ±Ω (κ, broadened by T and γ), a drive ±ω_d (σ_d) — and growing
geometrically away from them; the boson kernels n, a, Λ^R are integrated exactly against the piecewise-linear
electron functions.  The distribution F_el lives on the base grid [−L, L] and is ±1 beyond (L ≫ T and the
drive; the uniform path keeps the kinetic equation on [−2L, 2L] for its FFTs).  Energies in units of Ω = 1.

The uniform FFT model stays the reference; `tests/test_graded.py` checks this one against it, against the
Matsubara solver, and for the sum rules and symmetries of the NESS.
"""
from __future__ import annotations

import numpy as np

from ...graded import Feature, GradedGrid, KernelTable, ProductConvolver
from ...physics.boson import EinsteinBoson
from ...physics.distributions import fermion_F
from ...physics.params import EliashbergParams
from .flatband import PI, FlatBandEliashberg, GapOperator

GROWTH = 0.05          # spacing growth per cell away from a feature (÷ grid_refine)
H_MAX = 0.1            # largest spacing [Ω] (÷ grid_refine)
TABLE_H_MAX = 0.02     # largest spacing of the kernel tables [Ω]


def grid_features(p: EliashbergParams) -> list[Feature]:
    """Where the electron functions need resolution (spacings ∝ 1/(GRID_FACTOR·grid_refine), spec §8.1):
    ω = 0 (T = grid_T over ±10T, the electron rate γ over ±4γ), the gap edge ±grid_gap (γ), the boson
    peaks ±Ω (κ + max(T, γ), over the thresholds ±(Ω + Δ)), the drive ±ω_d (σ_d)."""
    f = p.GRID_FACTOR * p.grid_refine
    T = p.grid_T
    feats = [Feature(0.0, 10.0 * T, T / f), Feature(0.0, 4.0 * p.gamma, p.gamma / f)]
    width_b = p.kappa + max(T, p.gamma)
    feats.append(Feature(p.Omega, 6.0 * width_b + p.grid_gap, width_b / f))
    if p.grid_gap > 0:
        feats.append(Feature(p.grid_gap, 4.0 * p.gamma, p.gamma / f))
    if p.drive_n > 0:
        feats.append(Feature(p.drive_omega, 3.0 * p.drive_sigma, p.drive_sigma / f))
    return feats


def build_grid(p: EliashbergParams) -> GradedGrid:
    r = p.grid_refine
    return GradedGrid.build(float(p.omega_max), grid_features(p), H_MAX / r, 1.0 + GROWTH / r)


def kernel_tables(boson: EinsteinBoson, p: EliashbergParams, X: float) -> dict:
    """Antiderivative tables of the kernels n (even), a (odd), Λ^R (Re even, Im odd) on [−X, X] (spec §1.5):
    fine at ν = 0 (the coth of n at scale T_b), at ±Ω (κ) and at ±ω_d (σ_d)."""
    feats = [Feature(0.0, 10.0 * p.T_b, min(p.T_b, p.kappa, 0.1) / 8.0),
             Feature(p.Omega, 10.0 * p.kappa, p.kappa / 8.0)]
    if p.drive_n > 0:
        feats.append(Feature(p.drive_omega, 4.0 * p.drive_sigma, p.drive_sigma / 8.0))

    def table(k):
        return KernelTable(k, X, feats, TABLE_H_MAX)

    return {"n": table(boson.noise), "a": table(boson.eliashberg_function),
            "Lam": (table(lambda v: boson.coupling_retarded(v).real),
                    table(lambda v: boson.coupling_retarded(v).imag))}


_UNIT_CACHE: dict = {}
_UNIT_CACHE_SIZE = 4


def unit_convolver(p: EliashbergParams) -> tuple[ProductConvolver, float]:
    """Product-integration weights of the kernels at unit g²N0, and ∫n dν/g²N0: the kernels are linear in the
    coupling, so a λ search reuses them (cached for the last few grid/boson parameter sets)."""
    key = (p.omega_max, p.grid_refine, p.grid_T, p.grid_gap, p.gamma, p.kappa, p.T_b, p.drive_n, p.drive_omega,
           p.drive_sigma, p.Omega)
    if key not in _UNIT_CACHE:
        if len(_UNIT_CACHE) >= _UNIT_CACHE_SIZE:
            _UNIT_CACHE.pop(next(iter(_UNIT_CACHE)))
        grid = build_grid(p)
        boson = EinsteinBoson(1.0, p.kappa, p.T_b, p.drive_n, p.drive_omega, p.drive_sigma, p.Omega)
        unit = EinsteinBoson(boson.lam / boson.g2N0, p.kappa, p.T_b, p.drive_n, p.drive_omega, p.drive_sigma, p.Omega)
        tables = kernel_tables(unit, p, 2.0 * grid.half_range + 1.0)
        _UNIT_CACHE[key] = (ProductConvolver(grid, tables), tables["n"].K1_plus_inf)
    return _UNIT_CACHE[key]


class ScaledConvolver:
    """A ProductConvolver of unit-coupling kernels times the coupling g²N0."""

    def __init__(self, unit: ProductConvolver, factor: float):
        self.unit, self.factor = unit, factor

    def __call__(self, f, kernel, outside=(0.0, 0.0)):
        return self.factor * self.unit(f, kernel, outside)


class GradedFlatBand(FlatBandEliashberg):
    """Flat-band model (electrons on a bath γ, T_el; Einstein boson κ, T_b; drive) on a graded grid."""

    def __init__(self, params: EliashbergParams):          # noqa: super().__init__ builds FFT grids: not called
        self.params = p = params
        self.grid = g = build_grid(p)
        self.omega = w = g.omega
        self.boson = EinsteinBoson(p.lam, p.kappa, p.T_b, p.drive_n, p.drive_omega, p.drive_sigma, p.Omega)
        self.a = self.boson.eliashberg_function(w)
        self.n = self.boson.noise(w)
        self.Lam = self.boson.coupling_retarded(w)
        unit, n_total = unit_convolver(p)
        self.conv = ScaledConvolver(unit, self.boson.g2N0)
        self.w_ext = w                                       # the distribution lives on the base grid
        self.F_bath_ext = self.F_bath = fermion_F(w, p.T_el)
        self.n_total = self.boson.g2N0 * n_total             # ∫n dν, exact
        self.Gamma_b = 0.5 * PI * self.n_total

    # ---------------------------------------------------------------- discretization hooks
    def base_part(self, F_ext):
        return F_ext

    def far_one(self):
        return (1.0, 1.0)

    def far_of(self, F_ext):
        return (-1.0, 1.0)

    def convolve(self, f, kernels, far=None) -> list:
        """[∫dν f(ω − ν) k(ν) for k in kernels] by product integration; `far` = (value below −L, above L)."""
        far = far or (0.0, 0.0)
        return [self.conv(f, k, far) for k in kernels]

    # ---------------------------------------------------------------- electron distribution (§3.2)
    def _kinetic_convolutions(self, F):
        """(n∗F)(ω) and (a∗F)(ω) on [−L, L], with F ≡ sgn ω beyond."""
        return self.conv(F, "n", (-1.0, 1.0)).real, self.conv(F, "a", (-1.0, 1.0)).real

    def normal_self_energy(self, F):
        """Σ_0^R(ω) = −iγ − iΓ_b + (1/2)∫dν F_el(ω−ν) Λ^R(ν) (spec §4.2)."""
        return -1j * (self.params.gamma + self.Gamma_b) + 0.5 * self.conv(F, "Lam", (-1.0, 1.0))

    def scattering_rate(self, F):
        """Γ_eph(ω) = (π/2)∫dν [n(ν) + F_el(ω−ν) a(ν)] (spec §3.2)."""
        return 0.5 * PI * (self.n_total + self.conv(F, "a", (-1.0, 1.0)).real)

    def gap_operator(self, F, sector: str = "even") -> "GradedGapOperator":
        """Linearized gap operator around the normal state with distribution F (spec §6.1)."""
        return GradedGapOperator(self, self.omega - self.normal_self_energy(F), F, sector)

    def integrate(self, f: np.ndarray) -> np.ndarray:
        """∫dω f over [−L, L] (trapezoid on the nodes; f ~ 0 at ±L)."""
        return self.grid.trapezoid_weights() @ f


class GradedGapOperator(GapOperator):
    """𝓛[φ] of spec §6.1 with product-integrated convolutions (see flatband.GapOperator for the sectors)."""

    def __init__(self, model: GradedFlatBand, omega_tilde, F_el, sector: str = "even"):
        if sector not in ("even", "full"):
            raise ValueError("sector must be 'even' or 'full'")
        self.sector = sector
        self.m, self.n_w = model.grid.m, model.grid.n
        self.omega_tilde = omega_tilde
        self.weight = 1.0
        self.F_el = F_el
        self.size = self.n_w if sector == "even" else 2 * self.n_w
        self._model = model

    def apply(self, phi: np.ndarray) -> np.ndarray:
        u = phi / self.omega_tilde
        c = self._model.conv
        return 0.5j * PI * c(u, "n") - 0.5 * c(self.F_el * u.real, "Lam")
