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
H_MAX = 0.1            # largest spacing [Ω] up to |ω| = PIVOT, ∝ |ω| beyond (÷ grid_refine)
PIVOT = 4.0
REPLICAS = 3           # boson replicas kΩ, k ≤ 3, get their own patches
GAP_PATCH = 8.0        # the gap-edge patch: spacing γ/5 over grid_gap ± 8γ (the solver keeps the edge within ±2γ)
TABLE_H_MAX = 0.02     # largest spacing of the kernel tables [Ω] up to |ν| = PIVOT, ∝ |ν| beyond


def grid_features(p: EliashbergParams, extra=()) -> list[Feature]:
    """Where the electron functions need resolution (spacings ∝ 1/(GRID_FACTOR·grid_refine), spec §8.1):
    ω = 0 (T = grid_T over ±10T, the electron rate γ over ±4γ), the gap edge ±grid_gap (γ over ±8γ), the boson
    peaks ±Ω (κ + max(T, γ), over the thresholds ±(Ω + Δ)), the drive ±ω_d (σ_d); then the model's own
    (`p.band_features`: a finite band's edges, ξ structure) and `extra` (the rows of one model)."""
    f = p.GRID_FACTOR * p.grid_refine
    T = p.grid_T
    feats = [Feature(0.0, 10.0 * T, T / f), Feature(0.0, 4.0 * p.gamma, p.gamma / f)]
    width_b = p.kappa + max(T, p.gamma)
    for k in range(1, REPLICAS + 1):        # the boson peak and its multi-boson replicas kΩ (width ~ kκ)
        feats.append(Feature(k * p.Omega, 6.0 * k * width_b + p.grid_gap, k * width_b / f))
        feats.append(Feature(k * p.Omega, 3.0 * k * p.kappa, 0.5 * k * p.kappa / p.grid_refine))   # a sharp mode
    if p.grid_gap > 0:
        feats.append(Feature(p.grid_gap, GAP_PATCH * p.gamma, p.gamma / f))
    if p.drive_n > 0:
        feats.append(Feature(p.drive_omega, 3.0 * p.drive_sigma, p.drive_sigma / f))
    feats += [Feature(c, w, h / f) for c, w, h in p.band_features()]
    feats += [Feature(c, w, h / f) for c, w, h in extra]
    return feats


def build_grid(p: EliashbergParams, extra=()) -> GradedGrid:
    """The graded nodes of a parameter set; `extra`: (centre, half-width, scale) of a model's own features."""
    r = p.grid_refine
    return GradedGrid.build(float(p.omega_max), grid_features(p, extra), H_MAX / r, 1.0 + GROWTH / r, PIVOT)


def kernel_tables(boson: EinsteinBoson, p: EliashbergParams, X: float) -> dict:
    """Antiderivative tables of the kernels n (even), a (odd), Λ^R (Re even, Im odd) on [−X, X] (spec §1.5):
    fine at ν = 0 (the coth of n at scale T_b), at ±Ω (κ) and at ±ω_d (σ_d)."""
    feats = [Feature(0.0, 10.0 * p.T_b, min(p.T_b, 0.1) / 8.0),
             Feature(p.Omega, 10.0 * p.kappa, p.kappa / 8.0)]
    if p.drive_n > 0:
        feats.append(Feature(p.drive_omega, 4.0 * p.drive_sigma, p.drive_sigma / 8.0))

    def table(k):
        return KernelTable(k, X, feats, TABLE_H_MAX, pivot=PIVOT)

    tables = {"n": table(boson.noise), "a": table(boson.eliashberg_function),
              "Lam": (table(lambda v: boson.coupling_retarded(v).real),
                      table(lambda v: boson.coupling_retarded(v).imag))}
    if p.drive_n > 0:                         # the drive's part of n, for the kinetic equation's balance
        thermal = EinsteinBoson(boson.lam, p.kappa, p.T_b, 0.0, p.drive_omega, p.drive_sigma, p.Omega)
        tables["n_drive"] = table(lambda v: boson.noise(v) - thermal.noise(v))
    return tables


_UNIT_CACHE: dict = {}
_UNIT_CACHE_SIZE = 2        # weight sets of ~4 N² doubles each: 0.5 GB at N = 4000


def unit_convolver(p: EliashbergParams, extra=()) -> tuple[ProductConvolver, dict]:
    """Product-integration weights of the kernels at unit g²N0, and their integrals ∫k dν: the kernels are linear in the
    coupling, so a λ search reuses them (cached for the last few grid/boson parameter sets)."""
    key = (p.omega_max, p.grid_refine, p.grid_T, p.grid_gap, p.gamma, p.kappa, p.T_b, p.drive_n, p.drive_omega,
           p.drive_sigma, p.Omega, tuple(p.band_features()), tuple(extra))
    if key not in _UNIT_CACHE:
        if len(_UNIT_CACHE) >= _UNIT_CACHE_SIZE:
            _UNIT_CACHE.pop(next(iter(_UNIT_CACHE)))
        grid = build_grid(p, extra)
        boson = EinsteinBoson(1.0, p.kappa, p.T_b, p.drive_n, p.drive_omega, p.drive_sigma, p.Omega)
        unit = EinsteinBoson(boson.lam / boson.g2N0, p.kappa, p.T_b, p.drive_n, p.drive_omega, p.drive_sigma, p.Omega)
        tables = kernel_tables(unit, p, 2.0 * grid.half_range + 1.0)
        totals = {k: t.K1_plus_inf for k, t in tables.items() if not isinstance(t, tuple)}
        _UNIT_CACHE[key] = (ProductConvolver(grid, tables), totals)
    return _UNIT_CACHE[key]


class ScaledConvolver:
    """A ProductConvolver of unit-coupling kernels times the coupling g²N0."""

    def __init__(self, unit: ProductConvolver, factor: float):
        self.unit, self.factor = unit, factor

    def __call__(self, f, kernel, outside=(0.0, 0.0)):
        return self.factor * self.unit(f, kernel, outside)


class GradedEinsteinBath:
    """What the graded models of an Einstein boson on its bath share (the graded counterpart of
    flatband.EinsteinBathModel): nodes, boson spectra on them, the scaled product convolver `conv`, F_bath."""

    def _setup_graded(self, p: EliashbergParams, extra=()) -> dict:
        """Set the grid, spectra and convolver for `p`; returns the kernels' integrals at unit coupling."""
        self.params = p
        self.grid = g = build_grid(p, extra)
        self.omega = w = g.omega
        self.boson = EinsteinBoson(p.lam, p.kappa, p.T_b, p.drive_n, p.drive_omega, p.drive_sigma, p.Omega)
        self.a = self.boson.eliashberg_function(w)
        self.n = self.boson.noise(w)
        self.Lam = self.boson.coupling_retarded(w)
        unit, totals = unit_convolver(p, extra)
        self.conv = ScaledConvolver(unit, self.boson.g2N0)
        self.w_ext = w                                       # no extended grid: inputs live on the nodes
        self.F_bath_ext = self.F_bath = fermion_F(w, p.T_el)
        self.n_total = self.boson.g2N0 * totals["n"]         # ∫n dν, exact
        self.Gamma_b = 0.5 * PI * self.n_total
        return totals


class GradedFlatBand(GradedEinsteinBath, FlatBandEliashberg):
    """Flat-band model (electrons on a bath γ, T_el; Einstein boson κ, T_b; drive) on a graded grid."""

    def __init__(self, params: EliashbergParams):          # noqa: super().__init__ builds FFT grids: not called
        totals = self._setup_graded(params)
        self._balance = self._thermal_balance(self.boson.g2N0 * totals.get("n_drive", 0.0))

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
    def _thermal_balance(self, n_drive_total: float):
        """What the kinetic convolutions need of F_0 = tanh(ω/2T_b), the distribution in balance with the boson
        bath: (a∗F_0), and (n∗F_0) through detailed balance (below), the drive's part by product integration."""
        F0 = fermion_F(self.omega, self.params.T_b)
        aF0 = self.conv(F0, "a", (-1.0, 1.0)).real
        nF0 = F0 * (self.n_total - n_drive_total + aF0)
        if self.params.drive_n > 0:
            nF0 = nF0 + self.conv(F0, "n_drive", (-1.0, 1.0)).real
        return F0, nF0

    def _kinetic_convolutions(self, F):
        """(n∗F)(ω) and (a∗F)(ω) on [−L, L], with F ≡ sgn ω beyond.

        Discrete detailed balance: for the thermal noise n_th = coth(ν/2T_b) a(ν) and F_0 = tanh(ω/2T_b) the
        kernel K_NT of spec §3.2 vanishes pointwise, so (n_th∗F_0)(ω) = F_0(ω)[∫n_th + (a∗F_0)(ω)] exactly.
        n∗F is formed as that (with the discrete a∗F_0), plus n∗(F − F_0) and the drive part n_d∗F_0 by
        product integration: in equilibrium (F = F_0) the collision integral vanishes identically, as on the
        uniform grid, instead of to O(h²)."""
        F0, nF0 = self._balance
        nF = nF0 + self.conv(F - F0, "n").real
        return nF, self.conv(F, "a", (-1.0, 1.0)).real

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

    def matvec(self, y: np.ndarray) -> np.ndarray:
        if self._matrix is None:
            self._matrix = self.matrix()
        return self._matrix @ y

    _matrix = None

    def matrix(self) -> np.ndarray:
        """The operator as a real matrix in its sector's representation, assembled from the weight matrices in
        O(N²) (column scalings and folds; no products): with q = 1/ω̃ and u = qφ,
            Re 𝓛 = −(π/2)W_n Im u − (1/2)W_ΛR (F Re u),   Im 𝓛 = (π/2)W_n Re u − (1/2)W_ΛI (F Re u),
        rows ω ≥ 0 (Re) and ω > 0 (Im) kept in the 'even' sector, whose columns fold φ(−ω) = φ(ω)*."""
        unit, g = self._model.conv.unit, self._model.conv.factor
        Wn, (WLr, WLi) = unit.weights["n"][0], unit.weights["Lam"]
        q = 1.0 / self.omega_tilde
        Fq_r, Fq_i = self.F_el * q.real, self.F_el * q.imag
        m, even = self.m, self.sector == "even"
        rows_r = slice(m, None) if even else slice(None)
        rows_i = slice(m + 1, None) if even else slice(None)
        b_rr = -0.5 * PI * Wn[rows_r] * q.imag - 0.5 * WLr[rows_r] * Fq_r
        b_ri = -0.5 * PI * Wn[rows_r] * q.real + 0.5 * WLr[rows_r] * Fq_i
        b_ir = 0.5 * PI * Wn[rows_i] * q.real - 0.5 * WLi[rows_i] * Fq_r
        b_ii = -0.5 * PI * Wn[rows_i] * q.imag + 0.5 * WLi[rows_i] * Fq_i
        if even:
            b_rr, b_ir = self._fold(b_rr, +1), self._fold(b_ir, +1)       # Re φ even in ω
            b_ri, b_ii = self._fold(b_ri, -1), self._fold(b_ii, -1)       # Im φ odd in ω
        return g * np.block([[b_rr, b_ri], [b_ir, b_ii]])

    def _fold(self, B: np.ndarray, parity: int) -> np.ndarray:
        """Columns of B acting on f(ω_j) folded onto f(ω ≥ 0) (parity +1) or f(ω > 0) (parity −1, f(0) = 0)."""
        m = self.m
        if parity > 0:
            out = B[:, m:].copy()
            out[:, 1:] += B[:, m - 1::-1]
            return out
        return B[:, m + 1:] - B[:, m - 1::-1]
