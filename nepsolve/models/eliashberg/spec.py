"""Registration of the flat-band Eliashberg model (ELIASHBERG_SPEC §2.1–§6): local coupling, infinite flat
band.  Energies in units of the boson frequency Ω = 1."""
from __future__ import annotations

import math

from ...physics.params import EliashbergParams
from ...io import CONVENTIONS
from ...registry import ModelSpec, Quantity, register
from .quantities import GRID_OBSERVABLES, delta0_record, lambda_c_record, t_c_record
from . import commands
from .flatband import FlatBandEliashberg
from .graded import GradedFlatBand, build_grid

UNITS_TEXT = "energies, temperatures and frequencies in units of the boson frequency Omega = 1 (hbar = k_B = 1)"
ARRAY_UNITS = {"omega": "Omega", "delta": "Omega", "phi": "Omega", "omega_tilde": "Omega", "Z": "1", "F_el": "1"}
# figure labels of keys, quantities and observables (energies in Ω = 1); shared with the ξ model
LABELS = {
    "T_b": "$T_b$ [Ω]", "T_el": "$T_{el}$ [Ω]", "lam": "λ", "kappa": "κ [Ω]", "gamma": "γ [Ω]",
    "drive_n": "drive $n_d$", "drive_omega": "$ω_d$ [Ω]", "drive_sigma": "$σ_d$ [Ω]",
    "lambda_c": "$λ_c$", "T_c": "$T_c$ [Ω]", "delta0": "$Δ_0$ [Ω]",
    "W": "$W$ [Ω]", "w": "$w$ [Ω]", "kernel": "kernel", "glue": "glue", "dos": "DOS", "n_xi": "$n_ξ$",
    "glue_ratio": "$‖δφ^K‖/‖φ^R‖$", "Gamma_el0": "$Γ_{el}(0)$ [Ω]",
}
HELP = {
    "critical": "--model eliashberg / eliashberg-xi: T_c scales both bath temperatures together (T_b/T_el fixed) "
                "and reports the electron-bath temperature; --axis matsubara needs equilibrium (T_b = T_el, "
                "drive_n = 0; eliashberg-xi: kernel local, or xi_local at the row ξ = 0).",
    "solve": "--model eliashberg / eliashberg-xi: the normal state (always a root) is deflated, and matrix-free "
             "Newton–Krylov searches for the gapped branch; if none is found, the undeflated ladder "
             "(Newton–Krylov, Anderson, NGMRES unless --no-fallback) reports the state it reaches.  delta0 is "
             "the gap edge (Re Δ(Δ0) = Δ0; 0 if normal); `superconducting` means max|φ| > 1e-4 (a gapless "
             "state, φ ≠ 0 but no gap edge, has delta0 = 0 and gapless = true).  --out stores Δ(ω), Z(ω), "
             "φ(ω), ω̃(ω) and F_el(ω).",
}
KEY_UNITS = {"lam": "1", "drive_n": "1", "n_omega": "1", "n_xi": "1", "xi_growth": "1"}
_QUANTITY_COST = {"lambda_c": 1.0, "T_c": 1.5, "delta0": 3.0}


def frequency_cost(params: dict, quantity: str) -> float:
    """Rough core-seconds of one flat-band point, calibrated on measured point times (demo: 0.2 s bath and
    0.5 s kinetic at N_ω = 4097): 6e-5 s per frequency point (× log₂N/12), ×2.5 self-consistent F_el,
    T_c ×1.5, Δ0 ×3.  Points near threshold or at large λ_c cost more; expect a factor 2 either way."""
    kinetic = 2.5 if params["fel_mode"] == "kinetic" else 1.0
    if params.get("frequency_grid") == "graded":
        return graded_cost(params, quantity) * kinetic
    n = params["n_omega"]
    return 6e-5 * n * math.log2(n) / 12.0 * kinetic * _QUANTITY_COST[quantity]


_GRADED_QUANTITY_COST = {"lambda_c": 1.0, "T_c": 2.8, "delta0": 1.0}


def graded_cost(params: dict, quantity: str) -> float:
    """Graded grid (dense product-integration weights, one refinement to 2N nodes): 4e-6 s × N² for the node
    count N of the first grid, calibrated on λ_c at the defaults (N = 527: 1.2 s) and T = 0.001 (703: 1.7 s),
    T_c (627: 4.4 s) and the weak-coupling Δ0 (1963: 14 s)."""
    n = build_grid(EliashbergParams(**params)).n
    return 4e-6 * n * n * _GRADED_QUANTITY_COST[quantity]


def eliashberg_quantities(observables=(), multi_rank_lambda_c: bool = False, seeded_delta0: bool = False) -> dict:
    """λ_c, T_c and Δ0 of an Eliashberg model as registry quantities."""
    return {
        "lambda_c": Quantity("lambda_c", lambda_c_record(observables), "1",
                             "critical coupling lambda_c (leading eigenvalue of the linear gap operator = 1)",
                             multi_rank=multi_rank_lambda_c),
        "T_c": Quantity("T_c", t_c_record(observables), "Omega",
                        "critical electron-bath temperature T_c at fixed lam (T_b/T_el fixed)"),
        "delta0": Quantity("delta0", delta0_record(observables, seeded_delta0), "Omega",
                           "gap edge Delta0 of the nonlinear solution, Re Delta(Delta0) = Delta0 (0: normal)"),
    }


SPEC = register(ModelSpec(
    name="eliashberg",
    summary="local coupling, infinite flat band (Fermi-surface limit)",
    params=EliashbergParams,
    energy_unit="Omega",
    units_text=UNITS_TEXT,
    conventions=CONVENTIONS,
    quantities=eliashberg_quantities(seeded_delta0=True),
    observables=GRID_OBSERVABLES,
    cost=frequency_cost,
    keys_heading="--model eliashberg:",
    build=lambda params, **_: GradedFlatBand(params) if params.graded else FlatBandEliashberg(params),
    critical=commands.critical,
    refines=True,
    solve=commands.solve_flat_band,
    write_solution=commands.write_solution,
    report_keys=commands.REPORT_KEYS,
    array_units=ARRAY_UNITS,
    labels=LABELS,
    key_units=KEY_UNITS,
    default=True,
    help=HELP,
    example={"quantity": "lambda_c", "fixed": {"fel_mode": "bath", "n_omega": 2049, "omega_max": 10.0, "T_el": 0.1, "T_b": 0.1,
                                             "kappa": 0.3}, "axis": ("gamma", [0.05, 0.1])},
))
