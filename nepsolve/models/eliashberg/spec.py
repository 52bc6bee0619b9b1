"""Registration of the flat-band Eliashberg model (ELIASHBERG_SPEC §2.1–§6): local coupling, infinite flat
band.  Energies in units of the boson frequency Ω = 1."""
from __future__ import annotations

import math

from ...physics.params import EliashbergParams
from ...registry import ModelSpec, Quantity, register
from .quantities import delta0_record, lambda_c_record, t_c_record
from . import commands
from .flatband import FlatBandEliashberg

UNITS_TEXT = "energies, temperatures and frequencies in units of the boson frequency Omega = 1 (hbar = k_B = 1)"
ARRAY_UNITS = {"omega": "Omega", "delta": "Omega", "phi": "Omega", "omega_tilde": "Omega", "Z": "1", "F_el": "1"}
_QUANTITY_COST = {"lambda_c": 1.0, "T_c": 1.5, "delta0": 3.0}


def frequency_cost(params: dict, quantity: str) -> float:
    """Rough core-seconds of one flat-band point, calibrated on measured point times (demo: 0.2 s bath and
    0.5 s kinetic at N_ω = 4097): 6e-5 s per frequency point (× log₂N/12), ×2.5 self-consistent F_el,
    T_c ×1.5, Δ0 ×3.  Points near threshold or at large λ_c cost more; expect a factor 2 either way."""
    n = params["n_omega"]
    kinetic = 2.5 if params["fel_mode"] == "kinetic" else 1.0
    return 6e-5 * n * math.log2(n) / 12.0 * kinetic * _QUANTITY_COST[quantity]


def eliashberg_quantities(observables=(), multi_rank_lambda_c: bool = False) -> dict:
    """λ_c, T_c and Δ0 of an Eliashberg model as registry quantities."""
    return {
        "lambda_c": Quantity("lambda_c", lambda_c_record(observables), "1",
                             "critical coupling lambda_c (leading eigenvalue of the linear gap operator = 1)",
                             multi_rank=multi_rank_lambda_c),
        "T_c": Quantity("T_c", t_c_record(observables), "Omega",
                        "critical electron-bath temperature T_c at fixed lam (T_b/T_el fixed)"),
        "delta0": Quantity("delta0", delta0_record(observables), "Omega",
                           "gap edge Delta0 of the nonlinear solution, Re Delta(Delta0) = Delta0 (0: normal)"),
    }


SPEC = register(ModelSpec(
    name="eliashberg",
    summary="local coupling, infinite flat band (Fermi-surface limit)",
    params=EliashbergParams,
    energy_unit="Omega",
    units_text=UNITS_TEXT,
    quantities=eliashberg_quantities(),
    cost=frequency_cost,
    keys_heading="--model eliashberg:",
    build=lambda params, **_: FlatBandEliashberg(params),
    critical=commands.critical,
    solve=commands.solve,
    write_solution=commands.write_solution,
    report_keys=commands.REPORT_KEYS,
    array_units=ARRAY_UNITS,
    example={"quantity": "lambda_c", "fixed": {"fel_mode": "bath", "n_omega": 2049, "omega_max": 10.0, "T_el": 0.1, "T_b": 0.1,
                                             "kappa": 0.3}, "axis": ("gamma", [0.05, 0.1])},
))
