"""Parameters of the material model (issue 14): boson channels with tabulated or Lorentzian spectra, each on its
own bath and drive, a static pairing channel (Coulomb μ* or an attraction) with a cutoff ω_c, electrons on a bath.

Units: meV for every energy and temperature (T_c is also reported in kelvin).  Channel 1 is given by keys: the file
`a2f` (α²F(ν) tabulated) or, without a file, a Lorentzian-damped Einstein mode (`omega_b`, `kappa`); its bath
`T_b` and drive (`drive_n`, `drive_omega`, `drive_sigma`).  Further channels: `channels`, a JSON list of objects
{"a2f": PATH, "units": "meV", "lam": λ_i (default: the file's), "T_b": ..., "drive_n": ..., ...} or
{"omega_b": ..., "kappa": ..., "lam": λ_i, "T_b": ...}; a YAML list under `channels:` in a --config file is the same.
`lam` is the total boson coupling: every channel is scaled by lam/Σλ_i (so a λ_c search scales the whole spectrum);
not given: Σλ_i as given.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ...physics.params import SPECS as FLAT_SPECS, EliashbergParams
from ...physics.spec import ParameterError, Spec
from .a2f import MEV_PER, load_spectrum

MAX_CHANNELS = 8

MATERIAL_SPECS: dict[str, Spec] = {
    "lam": Spec(float, "total boson coupling λ = Σ_i 2∫α²F_i/ν (every channel scaled by the same factor; a λ_c search "
                "scales the whole spectrum); not given: the channels' own λ (the file's)", 0.0, 50.0),
    "a2f": Spec(str, "channel 1: path of a two-column text file (ν, α²F(ν)) ['#' comments]; empty: a Lorentzian "
                "Einstein mode (omega_b, kappa)"),
    "units": Spec(str, "energy unit of the a2f file's first column", choices=tuple(MEV_PER)),
    "omega_b": Spec(float, "channel 1 without a file: Einstein mode frequency [meV]", 0.0, 1e4),
    "kappa": Spec(float, "channel 1 without a file: mode damping κ (Lorentzian width) [meV]", 0.0, 1e3),
    "T_b": Spec(float, "channel 1: boson-bath temperature [meV] (T_c searches scale it with T_el)", 0.0, 1e3),
    "drive_n": FLAT_SPECS["drive_n"],
    "drive_omega": Spec(float, "channel 1: drive centre ω_d [meV] (F_b += 2n_d exp[−(|ν|−ω_d)²/2σ_d²] sgn ν)", 0.0, 1e4),
    "drive_sigma": Spec(float, "channel 1: drive width σ_d [meV]", 0.0, 1e3),
    "channels": Spec(str, "further boson channels: JSON list of objects with a2f (+ units) or omega_b, kappa; lam, "
                     "T_b, drive_n, drive_omega, drive_sigma (module docstring); empty: none"),
    "mustar": Spec(float, "Coulomb pseudopotential μ* (static repulsion; Matsubara definition: cutoff |ω_n| < "
                   "omega_c)", 0.0, 5.0, lo_open=False),
    "lam_static": Spec(float, "static attractive pairing coupling (BCS, same cutoff omega_c): the μ* mechanism "
                       "with the other sign", 0.0, 5.0, lo_open=False),
    "omega_c": Spec(float, "cutoff ω_c of the static channel [meV] (Matsubara frequencies |ω_n| < ω_c); not given: "
                    "10 × the highest boson frequency", 0.0, 1e5),
    "gamma": Spec(float, "electron-bath coupling rate γ [meV]", 0.0, 1e3),
    "T_el": Spec(float, "electron-bath temperature [meV] (start value of T_c searches)", 0.0, 1e3),
    "fel_mode": FLAT_SPECS["fel_mode"],
    "frequency_grid": Spec(str, "real-frequency discretization: 'uniform' only for this model", choices=("uniform",)),
    "n_omega": Spec(int, "number of real-frequency points (odd); not given: the smallest 2^k + 1 with Δω ≤ "
                    "min(γ, κ, T, σ_d)/5", 65, 2**22 + 1, lo_open=False, odd=True),
    "omega_max": Spec(float, "half-range L of the frequency grid [meV]; not given: max(8 × the highest boson "
                      "frequency, 4ω_c with a static channel, 2(ω_d + 6σ_d)); must be ≥ 2 × the highest boson "
                      "frequency", 0.0, 1e5),
}
CHANNEL_KEYS = {"a2f", "units", "omega_b", "kappa", "lam", "T_b", "drive_n", "drive_omega", "drive_sigma"}


@dataclass(frozen=True)
class Channel:
    """One boson channel as given (λ before the common scaling); energies in meV."""
    lam: float
    T_b: float
    drive_n: float = 0.0
    drive_omega: float = 1.0
    drive_sigma: float = 0.1
    a2f: str = ""
    units: str = "meV"
    omega_b: float = 10.0
    kappa: float = 1.0

    @property
    def spectrum(self):
        return load_spectrum(self.a2f, self.units) if self.a2f else None

    @property
    def top(self) -> float:
        """Highest frequency of the spectrum [meV] (Lorentzian: ω_b + 10κ)."""
        return self.spectrum.top if self.a2f else self.omega_b + 10.0 * self.kappa


@dataclass(frozen=True)
class MaterialParams(EliashbergParams):
    """Boson channels (file or Lorentzian), static channel (μ*, λ_s, ω_c), electron bath; energies in meV."""

    lam: float | None = None
    kappa: float = 1.0
    gamma: float = 0.05
    T_el: float = 1.0
    T_b: float = 1.0
    drive_omega: float = 8.5
    drive_sigma: float = 0.5
    a2f: str = ""
    units: str = "meV"
    omega_b: float = 10.0
    channels: str = ""
    mustar: float = 0.0
    lam_static: float = 0.0
    omega_c: float | None = None
    frequency_grid: str | None = None
    Omega: float = field(default=1.0, repr=False)

    AUTO_KEYS = ("lam", "omega_c", "frequency_grid", "n_omega", "omega_max")
    GRADED = False
    GRADED_FROM = 2**62
    DEFAULT_GRID = (4097, 80.0)

    def __post_init__(self):
        if isinstance(self.channels, (list, tuple)):        # a YAML/Python list (--config, sweeps): its JSON text
            object.__setattr__(self, "channels", json.dumps(list(self.channels)))
        super().__post_init__()

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        return MATERIAL_SPECS

    # ---------------------------------------------------------------- channels
    def own_channels(self) -> list[Channel]:
        """The channels as given (channel 1 from keys, then `channels`), each with its own λ."""
        first_lam = load_spectrum(self.a2f, self.units).lam if self.a2f else 1.0
        out = [Channel(first_lam, self.T_b, self.drive_n, self.drive_omega, self.drive_sigma, self.a2f, self.units,
                       self.omega_b, self.kappa)]
        return out + parse_channels(self.channels)

    def scaled_channels(self) -> list[Channel]:
        """The channels with the common factor lam/Σλ_i applied."""
        own = self.own_channels()
        total = sum(c.lam for c in own)
        s = self.lam / total
        return [Channel(**{**c.__dict__, "lam": c.lam * s}) for c in own]

    @property
    def top(self) -> float:
        return max(c.top for c in self.own_channels())

    # ---------------------------------------------------------------- grid and checks
    frequency_cutoff = True           # the static channel is cut in Matsubara frequency (material.model)

    def static_range(self) -> float:
        """The grid range the static channel needs: its constant output makes u = φ/ω̃ ~ 1/ω, and the convolutions'
        truncation at ±L costs ∝ 1/L² (model.StaticChannel): 4ω_c."""
        return 4.0 * self.omega_c

    def resolve_auto(self) -> None:
        if self.lam is None:
            object.__setattr__(self, "lam", float(sum(c.lam for c in self.own_channels())))
        if self.omega_c is None:
            object.__setattr__(self, "omega_c", 10.0 * self.top)
        if self.omega_max is None:
            L = 8.0 * self.top
            if self.static_lam != 0.0:
                L = max(L, self.static_range())
            for c in self.own_channels():
                if c.drive_n > 0:
                    L = max(L, 2.0 * (c.drive_omega + 6.0 * c.drive_sigma))
            object.__setattr__(self, "omega_max", float(np.ceil(L)))
        super().resolve_auto()

    def resolution_scales(self) -> dict[str, float]:
        scales = {"gamma": self.gamma, "T_el": self.T_el}
        for i, c in enumerate(self.own_channels(), start=1):
            tag = "" if i == 1 else f" (channel {i})"
            scales["T_b" + tag] = c.T_b
            if not c.a2f:
                scales["kappa" + tag] = c.kappa
            if c.drive_n > 0:
                scales["drive_sigma" + tag] = c.drive_sigma
        return scales

    def check_grid(self, factor: float = EliashbergParams.GRID_FACTOR):
        super().check_grid(factor)
        top = self.top
        if top > 0.5 * self.omega_max:
            raise ParameterError(f"parameter 'a2f': the boson spectrum reaches {top:g} meV, beyond half the frequency "
                                 f"grid (omega_max = {self.omega_max:g} meV): use omega_max >= {2 * top:g}")

    @property
    def equilibrium(self) -> bool:
        """Every channel's bath at T_el and no drive: the FDT holds and the Matsubara axis applies."""
        return all(c.T_b == self.T_el and c.drive_n == 0.0 for c in self.own_channels())

    @property
    def sharp_static_cutoff(self) -> bool:
        """A static channel cut at Matsubara frequency ω_c (T_c can sit on its steps, commands.cutoff_step)."""
        return self.static_lam != 0.0 and self.frequency_cutoff

    @property
    def static_lam(self) -> float:
        """Coupling of the static channel: λ_s − μ* (> 0 attractive)."""
        return self.lam_static - self.mustar


def parse_channels(text: str) -> list[Channel]:
    """The `channels` key: a JSON list of channel objects (module docstring), checked key by key."""
    if not text:
        return []
    try:
        items = json.loads(text)
    except json.JSONDecodeError as err:
        raise ParameterError(f"parameter 'channels' is not valid JSON ({err.msg} at character {err.pos})") from None
    if not isinstance(items, list) or not all(isinstance(c, dict) for c in items):
        raise ParameterError("parameter 'channels' must be a list of objects, one per channel")
    if len(items) >= MAX_CHANNELS:
        raise ParameterError(f"parameter 'channels': at most {MAX_CHANNELS - 1} further channels")
    out = []
    for i, item in enumerate(items, start=2):
        unknown = set(item) - CHANNEL_KEYS
        if unknown:
            raise ParameterError(f"parameter 'channels': channel {i} has unknown keys {sorted(unknown)}; allowed: "
                                 f"{sorted(CHANNEL_KEYS)}")
        kw = {}
        for key, value in item.items():
            spec = MATERIAL_SPECS[key]
            kw[key] = spec.check(f"channels[{i}].{key}", value)
        if "T_b" not in kw:
            raise ParameterError(f"parameter 'channels': channel {i} needs its bath temperature T_b [meV]")
        if "a2f" in kw:
            kw.setdefault("lam", load_spectrum(kw["a2f"], kw.get("units", "meV"), f"channels[{i}].a2f").lam)
        elif "lam" not in kw or "omega_b" not in kw:
            raise ParameterError(f"parameter 'channels': channel {i} needs a2f, or omega_b and lam (kappa optional)")
        out.append(Channel(**kw))
    return out
