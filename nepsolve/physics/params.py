"""Parameters of the flat-band Eliashberg NESS model, with validation (ELIASHBERG_SPEC §1, §8.1).

Units: energies and temperatures in units of the bare boson frequency Ω = 1 (k_B = ħ = 1).
Every check names the offending key and the allowed range, so bad input fails before any solve.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


from .spec import ParameterError, Spec, ValidatedParams  # noqa: F401  (re-exported)


# Key → allowed values.  The doc strings feed `nepsolve --help` and `nepsolve keys`.
SPECS: dict[str, Spec] = {
    "lam": Spec(float, "electron-boson coupling λ = −g²N0 D^R(0) (start value for λ_c searches)", 0.0, 50.0),
    "kappa": Spec(float, "boson damping κ (Lorentzian width) [Ω]", 0.0, 10.0),
    "gamma": Spec(float, "electron-bath coupling rate γ [Ω]", 0.0, 10.0),
    "T_el": Spec(float, "electron-bath temperature [Ω]", 0.0, 10.0),
    "T_b": Spec(float, "boson-bath temperature [Ω]", 0.0, 10.0),
    "drive_n": Spec(float, "extra boson occupation n_d of the incoherent drive at ν = ω_d", 0.0, 1e3, lo_open=False),
    "drive_omega": Spec(float, "drive centre ω_d [Ω]", 0.0, 100.0),
    "drive_sigma": Spec(float, "drive width σ_d [Ω]", 0.0, 10.0),
    "fel_mode": Spec(str, "electron distribution: 'bath' (F_el = tanh(ω/2T_el)) or 'kinetic' (self-consistent)",
                     choices=("bath", "kinetic")),
    "frequency_grid": Spec(str, "real-frequency discretization: 'uniform' (n_omega equal steps, FFT convolutions: the "
                           "reference) or 'graded' (nodes fine near ω = 0, the gap edge, ±Ω and a band's edges only, "
                           "kernels integrated exactly: cost follows the physics scales); not given: graded when n_omega "
                           "is not given (flat band; ξ model: when a uniform grid would need > 16385 points), else "
                           "uniform", choices=("uniform", "graded")),
    "n_omega": Spec(int, "uniform grid: number of real-frequency points (odd); not given: the model default (8193 flat "
                    "band, 4097 ξ model) if it resolves γ, κ, T and the drive (Δω ≤ scale/5), else the smallest "
                    "2^k + 1 that does", 65, 2**22 + 1, lo_open=False, odd=True),
    "omega_max": Spec(float, "half-range L of the frequency grid [Ω]; not given: the model default (uniform: 16 flat "
                      "band, 12 ξ model; graded: 64), raised to 2(ω_d + 6σ_d) for a drive", 6.0, 1e4, lo_open=False),
    "grid_refine": Spec(float, "graded grid: every spacing divided by this factor (accuracy searches double it)",
                        1.0, 1024.0, lo_open=False),
    "grid_T": Spec(float, "graded grid: the lowest temperature its central patch resolves [Ω]; not given: "
                   "min(T_el, T_b)", 0.0, 10.0),
    "grid_gap": Spec(float, "graded grid: gap edge Δ0 where a patch resolves γ [Ω] (the nonlinear solver sets it); "
                     "0 = none", 0.0, 10.0, lo_open=False),
}


@dataclass(frozen=True)
class EliashbergParams(ValidatedParams):
    """Flat-band, local Einstein-boson NESS model (spec §1).  Energies in units of Ω = 1."""

    lam: float = 1.0
    kappa: float = 0.1
    gamma: float = 0.05
    T_el: float = 0.05
    T_b: float = 0.05
    drive_n: float = 0.0
    drive_omega: float = 2.0
    drive_sigma: float = 0.2
    fel_mode: str = "bath"
    frequency_grid: str | None = None   # None: chosen (resolve_auto)
    n_omega: int | None = None          # None: chosen (resolve_auto; stays None on a graded grid)
    omega_max: float | None = None      # None: chosen (resolve_auto)
    grid_refine: float = 1.0
    grid_T: float | None = None         # None: chosen (resolve_auto)
    grid_gap: float = 0.0
    Omega: float = field(default=1.0, repr=False)
    _auto: frozenset = field(default=frozenset(), repr=False, compare=False)

    AUTO_KEYS = ("frequency_grid", "n_omega", "omega_max", "grid_T")
    DEFAULT_GRID = (8193, 16.0)         # (n_omega, omega_max) when they resolve the parameters
    GRID_FACTOR = 5.0                   # Δω ≤ scale / GRID_FACTOR (spec §8.1)
    GRADED = True                       # the model has a graded-grid discretization
    GRADED_L = 64.0                     # its default half-range: truncation error ~1e-7 on λ_c (nodes ∝ log L)
    GRADED_FROM = 0                     # no grid given: graded when a uniform grid would need more points than this

    def __post_init__(self):
        self.finish_auto()
        self.check_grid()

    def resolve_auto(self) -> None:
        """Grid keys not given: omega_max the default (raised to cover a drive), n_omega the default if it
        resolves every scale, else the smallest 2^k + 1 that does (capped at the largest allowed grid, where
        check_grid then says what to change)."""
        n_default, L_default = self.DEFAULT_GRID
        if self.frequency_grid is None:
            graded = self.GRADED and self.n_omega is None and self._uniform_points_needed(L_default) > self.GRADED_FROM
            object.__setattr__(self, "frequency_grid", "graded" if graded else "uniform")
        if self.grid_T is None:
            object.__setattr__(self, "grid_T", min(self.T_el, self.T_b))
        if self.omega_max is None:
            L = self.GRADED_L if self.graded else L_default
            if self.drive_n > 0:
                L = max(L, float(np.ceil(2 * (self.drive_omega + 6 * self.drive_sigma))))
            object.__setattr__(self, "omega_max", L)
        if self.graded:
            return                       # the nodes follow from the scales (models.eliashberg.graded)
        if self.n_omega is None:
            need = self._uniform_points_needed(L_default)
            n = n_default
            if need > n:
                n_max = int(self.specs()["n_omega"].hi)
                n = min(2 ** int(np.ceil(np.log2(need - 1))) + 1, n_max)
            object.__setattr__(self, "n_omega", n)

    @property
    def graded(self) -> bool:
        return self.frequency_grid == "graded"

    def _uniform_points_needed(self, L_default: float) -> int:
        """Points of the uniform grid that resolves every scale (GRID_FACTOR per scale) on the default range."""
        L = self.omega_max if self.omega_max is not None else L_default
        if self.drive_n > 0:
            L = max(L, float(np.ceil(2 * (self.drive_omega + 6 * self.drive_sigma))))
        return 2 * int(np.ceil(self.GRID_FACTOR * float(L) / min(self.resolution_scales().values()))) + 1

    def band_features(self) -> list[tuple[float, float, float]]:
        """(centre, half-width, scale) of frequency structure a graded grid must resolve beyond the boson's and
        ω = 0's (spacing scale/GRID_FACTOR, mirrored to −centre): none for the infinite flat band."""
        return []

    @property
    def dw(self) -> float:
        """Uniform grid: the frequency step."""
        return self.omega_max / ((self.n_omega - 1) // 2)

    @property
    def lowest_resolved_T(self) -> float:
        """The lowest temperature the grid resolves (spec §8.1: spacing ≤ T/5 where F_el steps)."""
        if self.graded:
            return min(self.grid_T, self.gamma) / self.grid_refine
        return self.GRID_FACTOR * self.dw

    @property
    def equilibrium(self) -> bool:
        """T_b = T_el and no drive: the FDT holds and the Matsubara axis applies."""
        return self.T_b == self.T_el and self.drive_n == 0.0

    def resolution_scales(self) -> dict[str, float]:
        """The narrowest features the grid must resolve (spec §8.1): Δω ≤ scale/5."""
        scales = {"gamma": self.gamma, "kappa": self.kappa, "T_el": self.T_el, "T_b": self.T_b}
        if self.drive_n > 0:
            scales["drive_sigma"] = self.drive_sigma
        return scales

    def check_grid(self, factor: float = GRID_FACTOR):
        """Reject grids too coarse for γ, κ, T (spec §8.1) or too narrow for the drive."""
        if self.graded:
            self.check_graded()
        key, scale = min(self.resolution_scales().items(), key=lambda kv: kv[1])
        if not self.graded and self.dw > scale / factor:
            need = 2 * int(np.ceil(factor * self.omega_max / scale)) + 1
            n_max = int(self.specs()["n_omega"].hi)
            fix = (f"use n_omega >= {need} (or a smaller omega_max)" if need <= n_max else
                   f"even the largest grid (n_omega = {n_max}) cannot resolve it at omega_max = {self.omega_max:g}: "
                   f"raise '{key}' to >= {factor * 2 * self.omega_max / (n_max - 1):.3g} or lower omega_max")
            raise ParameterError(
                f"grid too coarse for '{key}' = {scale:g}: Δω = omega_max/((n_omega−1)/2) = {self.dw:.3g} "
                f"must be <= {key}/{factor:g} = {scale / factor:.3g}; {fix}")
        if self.drive_n > 0 and self.drive_omega + 6 * self.drive_sigma > 0.5 * self.omega_max:
            raise ParameterError(
                f"parameter 'omega_max' = {self.omega_max:g} too small for the drive: must be >= "
                f"2·(drive_omega + 6·drive_sigma) = {2 * (self.drive_omega + 6 * self.drive_sigma):g}")

    def check_graded(self):
        """A graded grid takes no n_omega, and exists for models that have it."""
        if not self.GRADED:
            raise ParameterError("parameter 'frequency_grid' = 'graded' is not available for this model: use "
                                 "'uniform' (or leave it out)")
        if self.n_omega is not None:
            raise ParameterError("parameter 'n_omega' sets a uniform grid: with frequency_grid = 'graded' the nodes "
                                 "follow from the physics scales (use grid_refine for a finer grid), or set "
                                 "frequency_grid = 'uniform'")

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        return SPECS


# Extra keys of the ξ-resolved (frequency–momentum) model, ELIASHBERG_SPEC §2.2, §5.6, §7.
XI_SPECS: dict[str, Spec] = {
    **SPECS,
    "W": Spec(float, "band half-width W (electron states at −W ≤ ξ ≤ W) [Ω]; the band edges are resolved when "
              "omega_max ≥ W + 6, for W ≫ omega_max they enter only through O(Ω/W) off-shell tails", 0.0, 1e5),
    "dos": Spec(str, "DOS shape ν(ξ)/N0: 'flat' (1) or 'semicircle' (√(1 − ξ²/W²))", choices=("flat", "semicircle")),
    "kernel": Spec(str, "coupling kernel V(ξ,ξ')/g²: 'local' (1, Holstein), 'lorentzian' (width w, forward "
                   "scattering; normalised by kernel_norm) or 'xi_local' (δ(ξ−ξ'), the w → 0 limit of the "
                   "integral-normalised Lorentzian: the ξ rows decouple, spec §5.6)",
                   choices=("local", "lorentzian", "xi_local")),
    "kernel_norm": Spec(str, "Lorentzian normalisation: 'integral' (∫K dξ' = 1 [Ω], K = (w/π)/((ξ−ξ')² + w²): λ keeps "
                        "its meaning as w → 0 and the limit is xi_local) or 'peak' (K(0) = 1, K = w²/((ξ−ξ')² + w²): "
                        "∫K = πw → 0 as w → 0; λ_c(peak) = λ_c(integral)/(πw))", choices=("integral", "peak")),
    "w": Spec(float, "width w of the Lorentzian kernel (momentum range of the coupling, w ~ v_F q_c) [Ω]", 0.0, 1e5),
    "xi_grid": Spec(str, "ξ cells of the Lorentzian kernel: 'graded' (fine at ξ = 0, growing by xi_growth up to "
                    "xi_hmax; kernel integrated exactly with the resolvents) or 'uniform' (n_xi equal cells in "
                    "|ξ| ≤ min(W, omega_max), kernel averaged per cell: needs cells ≤ w)",
                    choices=("graded", "uniform")),
    "xi_h0": Spec(float, "graded grid: width of the central ξ cell [Ω]; 0 = automatic, max(w, γ)/4 capped at 0.1",
                  0.0, 10.0, lo_open=False),
    "xi_growth": Spec(float, "graded grid: growth ratio of neighbouring ξ cells", 1.0, 3.0),
    "xi_hmax": Spec(float, "graded grid: largest ξ cell width [Ω]", 0.0, 10.0),
    "n_xi": Spec(int, "uniform grid (and the semicircle DOS with the local kernel): ξ cells in |ξ| ≤ min(W, omega_max); "
                 "beyond it cells grow geometrically (ratio 1.3) to W", 1, 4096, lo_open=False),
    "glue": Spec(str, "non-thermal anomalous Keldysh channel δφ^K: 'on', or 'off' (δφ^K := 0)", choices=("on", "off")),
}


@dataclass(frozen=True)
class EliashbergXiParams(EliashbergParams):
    """ξ-resolved model (spec §2.2, §5.6, §7): band half-width W, DOS shape, kernel and its
    normalisation, ξ discretization, glue switch.

    Energies in units of Ω = 1.  With kernel 'local' and dos 'flat' the whole band is one ξ cell
    (the cell integrals are exact).  'xi_local' has no ξ integral at all: each row ξ is its own
    problem, and λ_c is the smallest over the rows (the most unstable row is reported).
    """

    W: float = 20.0
    dos: str = "flat"
    kernel: str = "local"
    kernel_norm: str = "integral"
    w: float = 1.0
    xi_grid: str = "graded"
    xi_h0: float = 0.0
    xi_growth: float = 1.2
    xi_hmax: float = 0.5
    n_xi: int = 48
    glue: str = "on"

    DEFAULT_GRID = (4097, 12.0)
    # No grid given: uniform while it needs ≤ 16385 points, graded below that scale (T, γ, κ ≲ 0.007).  Measured
    # (benchmarks/bench_graded.py --xi): on the ξ model's many rows the dense product integration costs N² per row
    # and matvec, the FFT N log N, so at moderate scales the uniform grid is faster; the graded one never rejects.
    GRADED_FROM = 16385

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        return XI_SPECS

    EDGE_RATE = 0.1                     # floor of the electron rate above the boson threshold [Ω] (graded grid)
    LOW_BAND = 1.5                      # |ω| ≤ 1.5Ω: below the threshold the rate can be as small as γ

    def band_features(self) -> list[tuple[float, float, float]]:
        """Graded grid (spacing scale/GRID_FACTOR): the band edges ±W, where the cell-integrated resolvents have a
        log (flat) or square-root (semicircle) edge broadened by the electron rate there (≥ γ + EDGE_RATE: above
        the threshold the bosons add to γ); for the Lorentzian kernel the rows' resolvents peak near ω ≈ ξ_i/Z
        with width w + γ, resolved where that width is not hidden by a larger rate, |ω| ≤ LOW_BAND.  (The ξ-local
        rows are the model's own: `xi_row_features`.)"""
        feats = []
        if self.W < self.omega_max:
            rate = self.gamma + self.EDGE_RATE
            feats.append((self.W, 6.0 * rate, rate))
        if self.kernel == "lorentzian":
            top = min(self.W, self.LOW_BAND * self.Omega)
            feats.append((0.5 * top, 0.5 * top + 4.0 * self.gamma, self.w + self.gamma))
        return feats

    def xi_row_features(self, rows) -> list[tuple[float, float, float]]:
        """Graded grid of ξ-local rows: the pole of 1/(ω − ξ − Σ) lies in (0, ξ] (Z ≥ 1), sharp (width γ) below the
        threshold; above it (ξ > LOW_BAND Ω) it is broadened by ≥ γ + EDGE_RATE."""
        feats = []
        for x in np.unique(np.abs(np.asarray(rows, dtype=float))):
            low = min(float(x), self.LOW_BAND * self.Omega)
            if low > 0:
                feats.append((0.5 * low, 0.5 * low + 4.0 * self.gamma, self.gamma))
            if x > self.LOW_BAND * self.Omega:
                rate = self.gamma + self.EDGE_RATE
                feats.append((float(x), 6.0 * rate, rate))
        return feats

    @property
    def xi_inner(self) -> float:
        """Half-width of the uniform inner ξ window: min(W, omega_max)."""
        return min(self.W, self.omega_max)

    @property
    def central_cell(self) -> float:
        """Graded grid: width of the central cell (xi_h0, or max(w, γ)/4 capped at 0.1)."""
        return self.xi_h0 if self.xi_h0 > 0 else min(0.25 * max(self.w, self.gamma), 0.1)

    def check_grid(self, factor: float = 5.0):
        """Frequency grid as in the flat-band model; uniform ξ cells must resolve the kernel width w;
        the ξ-local limit exists only for the integral normalisation."""
        super().check_grid(factor)
        if self.kernel == "lorentzian" and self.xi_grid == "uniform":
            h = 2.0 * self.xi_inner / self.n_xi
            if h > self.w:
                need = int(np.ceil(2.0 * self.xi_inner / self.w))
                raise ParameterError(
                    f"ξ grid too coarse for 'w' = {self.w:g}: inner cell width 2·min(W, omega_max)/n_xi = {h:.3g} "
                    f"must be <= w with xi_grid = 'uniform'; use n_xi >= {need} (or xi_grid = 'graded')")
        if self.kernel == "xi_local" and self.kernel_norm != "integral":
            raise ParameterError("parameter 'kernel_norm' = 'peak' is not allowed with kernel = 'xi_local': the "
                                 "w → 0 limit of the peak-normalised kernel is empty (∫K = πw → 0); use 'integral'")




def parse_assignments(items, base: EliashbergParams | None = None, cls=None) -> EliashbergParams:
    """Build parameters (of `cls`, default: the type of `base`, else EliashbergParams) from
    'KEY=VALUE' strings (CLI --set); unknown keys are errors."""
    cls = cls or (type(base) if base is not None else EliashbergParams)
    specs = cls.specs()
    changes = {}
    for item in items:
        if "=" not in item:
            raise ParameterError(f"--set expects KEY=VALUE, got {item!r}; keys: {', '.join(specs)}")
        key, value = (s.strip() for s in item.split("=", 1))
        if key not in specs:
            raise ParameterError(f"unknown parameter '{key}': allowed keys are {', '.join(specs)}")
        spec = specs[key]
        if spec.kind is not str:
            try:
                value = float(value)
            except ValueError:
                raise ParameterError(f"parameter '{key}' = {value!r} is not {spec.describe()}") from None
        changes[key] = value
    defaults = (base or cls()).given_dict()
    try:
        return cls(**{**defaults, **changes})
    except TypeError as err:       # a key of the wrong kind that the dataclass rejects
        raise ParameterError(str(err)) from None
