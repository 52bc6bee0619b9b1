"""Parameters of the driven two-band (interband pairing) model, PORTA_SPEC §2, §5.2.

Units: ħ = k_B = 1.  Energies, rates and temperatures in units of the conduction-band hopping
t_c = 1 (tight binding) or of the unit of E_g (parabolic bands); momenta in inverse lattice
constants (tight binding) or in the unit implied by ε = k²/2m (parabolic bands).
(1/V)Σ_k is the per-site (per-volume) sum: (1/π)∫_0^π dk in 1D tight binding, the Brillouin-zone
average in 2D; so a filled band holds one electron per site.

Presets (spec §5.2): R1, R2, R3 (1D tight binding, energy-shell phonons) and G1 (Goldstein-type
mirror bands with fermionic reservoirs).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import ParameterError, Spec, ValidatedParams

INTERBAND_SPECS: dict[str, Spec] = {
    # bands (§2.1)
    "band": Spec(str, "dispersion: 'tb1d' / 'tb2d' (tight binding), 'par' (parabolic, explicit cutoff k_cut), "
                 "'gac' (mirror bands ε_c = −ε_v = E_g/2 + k²/2m_c)", choices=("tb1d", "tb2d", "par", "gac")),
    "concavity": Spec(str, "band class s: 'same' (s = +1, v_c v_v > 0 at the resonance) or 'opposite' (s = −1)",
                      choices=("same", "opposite")),
    "E_c": Spec(float, "tight-binding conduction-band centre E_c [t_c]", -100.0, 100.0),
    "E_v": Spec(float, "tight-binding valence-band centre E_v [t_c]", -100.0, 100.0),
    "t_c": Spec(float, "conduction hopping t_c (the energy unit of the presets)", 0.0, 100.0),
    "t_v": Spec(float, "valence hopping t_v", 0.0, 100.0),
    "E_g": Spec(float, "parabolic gap E_g (band edges at ±E_g/2)", 0.0, 100.0),
    "m_c": Spec(float, "parabolic conduction mass m_c", 0.0, 100.0),
    "m_v": Spec(float, "parabolic valence mass |m_v|", 0.0, 100.0),
    "k_cut": Spec(float, "momentum cutoff K of parabolic bands (grid k in [0, K]; for s = +1 the valence band "
                  "turns over at K: ε_v − k⁴/(4|m_v|K²))", 0.0, 100.0),
    "dim": Spec(int, "dimension of parabolic bands (1, or 2 = radial grid); tight binding: from 'band'", 1, 2,
                lo_open=False),
    "n_k": Spec(int, "k points per dimension of the NESS grid (tb1d/par: on [0, π] or [0, K]; tb2d: n_k × n_k <= 64² "
                "on the Brillouin zone)", 8, 4001, lo_open=False),
    # drive (§2.2) and decay (§2.6, §3.2)
    "omega_L": Spec(float, "laser frequency ω_L", 0.0, 100.0),
    "Omega": Spec(float, "drive (Rabi) coupling Ω (Rabi frequency 2Ω)", 0.0, 10.0, lo_open=False),
    "gamma_2": Spec(float, "interband dephasing γ_2 (with reservoirs (Γ_c+Γ_v)/2 is added)", 0.0, 10.0,
                    lo_open=False),
    "gamma_r": Spec(float, "radiative recombination rate γ_r", 0.0, 10.0, lo_open=False),
    "recomb": Spec(str, "Pauli factor of recombination: 'factorised' γ_r n_c(1−n_v) or 'linear' γ_r n_c",
                   choices=("factorised", "linear")),
    "lineshape": Spec(str, "generation line shape: 'K2' (rotating-frame KMS, detailed balance) or 'K1' "
                      "(local Lorentzian)", choices=("K1", "K2")),
    # phonons (§2.5, §3.2)
    "T_ph": Spec(float, "phonon-bath temperature T_ph", 0.0, 10.0),
    "phonon": Spec(str, "intraband phonon kernel: 'shell' (λ J(|ΔE|), J = ω e^{−ω/ω_D}), 'acoustic' "
                   "(deformation potential, broadening eta), or 'none'", choices=("shell", "acoustic", "none")),
    "lam_ph_c": Spec(float, "phonon coupling λ_c of the conduction band", 0.0, 1e3, lo_open=False),
    "lam_ph_v": Spec(float, "phonon coupling λ_v of the valence band", 0.0, 1e3, lo_open=False),
    "omega_D": Spec(float, "energy-shell kernel cutoff ω_D", 0.0, 100.0),
    "c_s": Spec(float, "sound velocity c_s (acoustic kernel)", 0.0, 100.0),
    "eta": Spec(float, "width of the discretised energy δ-function (acoustic kernel)", 0.0, 10.0),
    # Goldstein-type reservoirs (§2.7)
    "Gamma_c": Spec(float, "conduction reservoir rate Γ_c (0: no reservoir)", 0.0, 10.0, lo_open=False),
    "Gamma_v": Spec(float, "valence reservoir rate Γ_v (0: no reservoir)", 0.0, 10.0, lo_open=False),
    "mu_R": Spec(float, "reservoir chemical potential μ_R (lab frame)", -100.0, 100.0),
    "T_R": Spec(float, "reservoir temperature T_R", 0.0, 10.0),
    # pairing (§2.4, §4)
    "g": Spec(float, "pair-channel coupling g = −U (g > 0 attractive)", -100.0, 100.0),
    "level": Spec(str, "gap equation: 'quasi' (§4.5, pair-frame BCS on the kinetic NESS) or 'keldysh' (§4.4, "
                  "4×4 Nambu–Keldysh mean field with probe/reservoir/radiative baths)", choices=("quasi", "keldysh")),
    "zeeman": Spec(str, "drive in the quasi-equilibrium gap equation: 'auto' (pseudo-Zeeman field Ω when "
                   "|ω_L − (μ_c − μ_v)| <= Ω, else dropped), 'on', 'off'", choices=("auto", "on", "off")),
    "gap_refine": Spec(int, "refinement of the k quadrature of the quasi gap equation (n_k × gap_refine)", 1, 64,
                       lo_open=False),
    "Gamma_ph": Spec(float, "Büttiker-probe (phonon) rate Γ^ph of the Keldysh level", 0.0, 10.0, lo_open=False),
    "probe_mode": Spec(str, "probe distribution at the dressed frequency ω ('global', KMS) or at the bare band "
                       "energy ('local')", choices=("global", "local")),
}


@dataclass(frozen=True)
class InterbandParams(ValidatedParams):
    """Driven two-band semiconductor (PORTA_SPEC §2).  Defaults are the reference set R1 (§5.2),
    with g = 1.  Energies in units of t_c = 1 (tight binding) or of the parabolic unit."""

    band: str = "tb1d"
    concavity: str = "same"
    E_c: float = 2.0
    E_v: float = 0.0
    t_c: float = 1.0
    t_v: float = 0.4
    E_g: float = 2.0
    m_c: float = 1.0
    m_v: float = 1.0
    k_cut: float = 3.0
    dim: int = 1
    n_k: int = 241
    omega_L: float = 2.0
    Omega: float = 0.05
    gamma_2: float = 0.05
    gamma_r: float = 1e-3
    recomb: str = "factorised"
    lineshape: str = "K2"
    T_ph: float = 0.02
    phonon: str = "shell"
    lam_ph_c: float = 2.0
    lam_ph_v: float = 2.0
    omega_D: float = 0.3
    c_s: float = 0.5
    eta: float = 0.05
    Gamma_c: float = 0.0
    Gamma_v: float = 0.0
    mu_R: float = 0.0
    T_R: float = 0.01
    g: float = 1.0
    level: str = "quasi"
    zeeman: str = "auto"
    gap_refine: int = 8
    Gamma_ph: float = 0.5
    probe_mode: str = "global"

    def __post_init__(self):
        self.check_keys()
        self.check_consistency()

    # ------------------------------------------------------------------ derived
    @property
    def s(self) -> int:
        """Band class s = +1 (same concavity) or −1 (opposite), spec §2.1."""
        return 1 if self.concavity == "same" else -1

    @property
    def reservoirs(self) -> bool:
        return self.Gamma_c > 0 or self.Gamma_v > 0

    @property
    def dephasing(self) -> float:
        """γ_2 used in the Bloch line shape: γ_2 + (Γ_c + Γ_v)/2 (spec §3.2, reservoirs)."""
        return self.gamma_2 + 0.5 * (self.Gamma_c + self.Gamma_v)

    @property
    def conserving(self) -> bool:
        """Total particle number is conserved (no reservoirs), spec §3.1."""
        return not self.reservoirs

    @property
    def dimension(self) -> int:
        return {"tb1d": 1, "tb2d": 2}.get(self.band, self.dim)

    def check_consistency(self):
        """Cross-key checks: every process must have a rate, and the resonance must be resolved."""
        if self.Omega > 0 and self.dephasing <= 0:
            raise ParameterError("parameter 'gamma_2' = 0 with no reservoirs: the drive needs a dephasing "
                                 "rate (gamma_2 > 0, or Gamma_c + Gamma_v > 0)")
        if self.recomb == "linear" and self.phonon != "none" and self.gamma_r > 0:
            raise ParameterError("parameter 'recomb' = 'linear' needs phonon = 'none': γ_r n_c without the (1 − n_v) "
                                 "factor is exact only in a k-sector holding one electron (n_c + n_v = 1, spec §3.2); "
                                 "with intraband scattering it pushes n_v above 1 (measured); use 'factorised'")
        if self.band == "tb2d" and self.n_k > 64:
            raise ParameterError(f"parameter 'n_k' = {self.n_k} too large for 'tb2d': must be <= 64 "
                                 "(n_k² states, dense O(n_k⁴) collision kernel)")
        if self.phonon == "acoustic" and self.band in ("par", "gac") and self.dimension == 2:
            raise ParameterError("phonon = 'acoustic' is implemented for 1D bands and the tb2d mesh; "
                                 "use phonon = 'shell' with a 2D radial parabolic grid")
        if self.band == "gac" and self.concavity != "opposite":
            raise ParameterError("band = 'gac' (mirror bands ε_c = −ε_v) is opposite-concavity: set "
                                 "concavity = 'opposite'")
        if self.level == "keldysh" and self.band not in ("tb1d", "par", "gac"):
            raise ParameterError("level = 'keldysh' is implemented for 1D bands (tb1d, par, gac with dim = 1)")
        from ..models.interband.bands import make_bands     # lazy: bands import this module

        bands = make_bands(self)
        if self.Omega > 0:
            slope = bands.resonance_slope(self.omega_L)
            if slope is not None and slope * bands.spacing > 2.0 * self.dephasing:
                need = int(np.ceil(bands.n_k_for_spacing(2.0 * self.dephasing / slope)))
                raise ParameterError(
                    f"k grid too coarse for the drive line shape: |dδ/dk|·Δk = {slope * bands.spacing:.3g} at the "
                    f"resonance must be <= 2·γ_2 = {2 * self.dephasing:.3g}; use n_k >= {need}")

    # ------------------------------------------------------------------ protocol shared with the other models
    @classmethod
    def specs(cls) -> dict[str, Spec]:
        return INTERBAND_SPECS

    @classmethod
    def preset(cls, name: str, **changes) -> "InterbandParams":
        if name not in PRESETS:
            raise ParameterError(f"preset {name!r} is unknown: allowed presets are {', '.join(PRESETS)}")
        return cls(**{**PRESETS[name], **changes})


def _tb_detuning_omega(k0: float, s: int, E_c=2.0, E_v=0.0, t_c=1.0, t_v=0.4) -> float:
    """ω_L that puts the 1D tight-binding resonance at k0: ε_c(k0) − ε_v(k0)."""
    return (E_c - 2 * t_c * np.cos(k0)) - (E_v - 2 * s * t_v * np.cos(k0))


# Reference sets of spec §5.2 (g = 1 from the listed {0.8, 1.0, 1.2, 1.5}).
PRESETS: dict[str, dict] = {
    "R1": {"band": "tb1d", "concavity": "same", "omega_L": 2.0},
    "R2": {"band": "tb1d", "concavity": "same", "omega_L": float(_tb_detuning_omega(1.0, +1))},
    "R3": {"band": "tb1d", "concavity": "opposite", "omega_L": float(_tb_detuning_omega(1.0, -1))},
    "G1": {"band": "gac", "concavity": "opposite", "E_g": 2.0, "m_c": 1.0, "m_v": 1.0, "k_cut": 3.0, "dim": 1,
           "omega_L": 2.5, "Omega": 0.05, "gamma_2": 0.0, "gamma_r": 0.0, "phonon": "none", "lineshape": "K1", "Gamma_c": 0.1,
           "Gamma_v": 0.05, "mu_R": 0.0, "T_R": 0.01, "level": "keldysh"},
}
