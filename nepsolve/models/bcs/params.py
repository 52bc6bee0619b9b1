"""Parameters of the BCS model.  Energies and temperatures in units of the pairing cutoff ω_D = 1 (ħ = k_B = 1)."""
from __future__ import annotations

from dataclasses import dataclass

from ...physics.spec import ParameterError, Spec, ValidatedParams

BCS_SPECS: dict[str, Spec] = {
    "lam": Spec(float, "dimensionless pairing coupling λ = N(0)V (weak coupling: λ ≲ 0.5)", 0.0, 2.0),
    "T": Spec(float, "temperature T [ω_D] (quantity delta0, and lambda_c: the coupling with T_c = T)", 0.0, 1.0,
              lo_open=False),
    "Gamma": Spec(float, "pair-breaking rate Γ [ω_D] (Abrikosov–Gor'kov; Γ_c = Δ00/2 at T = 0)", 0.0, 1.0,
                  lo_open=False),
    "h": Spec(float, "Zeeman-like field h [ω_D] (splits E → E ± h; second-order line only)", 0.0, 1.0,
              lo_open=False),
}


@dataclass(frozen=True)
class BCSParams(ValidatedParams):
    lam: float = 0.3
    T: float = 0.0
    Gamma: float = 0.0
    h: float = 0.0

    def __post_init__(self):
        self.check_keys()

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        return BCS_SPECS

    @classmethod
    def preset(cls, name: str, **changes) -> "BCSParams":
        raise ParameterError(f"model 'bcs' has no presets (asked for {name!r})")
