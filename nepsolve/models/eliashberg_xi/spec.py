"""Registration of the ξ-resolved Eliashberg model (ELIASHBERG_SPEC §2.2, §5, §5.6, §7).  Energies in units
of the boson frequency Ω = 1."""
from __future__ import annotations

import math

from ...physics.params import EliashbergXiParams
from ...registry import Figure, ModelSpec, register
from ..eliashberg.spec import ARRAY_UNITS, CONVENTIONS, HELP, KEY_UNITS, LABELS, UNITS_TEXT, eliashberg_quantities, frequency_cost
from ..eliashberg import commands
from ..eliashberg.quantities import GRID_OBSERVABLES
from . import critical as xi_critical
from .graded import GradedXiEliashberg
from .model import XiEliashberg

_FIG = "nepsolve.models.eliashberg_xi.figures:"
FIGURES = {
    "decomposition": Figure(_FIG + "plot_decomposition", "lambda_c vs one axis: full / glue off / heating off / both off, "
                             "with the change relative to equilibrium"),
    "glue_offset": Figure(_FIG + "plot_glue_offset", "glue and heating shifts and the offset fraction over two axes"),
    "crossover": Figure(_FIG + "plot_crossover", "Lorentzian width scan w/Gamma_el towards the xi-local limit"),
    "distributions": Figure(_FIG + "plot_distributions_snapshot", "F_el(omega) and F_b(nu) against the bath "
                            "distributions at a driven point, at lambda = lambda_c"),
}

# Scalar observables of a point (float64 in chunk and phase-diagram files; NaN where a point has none).
OBSERVABLES = {
    "glue_ratio": ("1", "non-thermal glue in the critical eigenvector, max|dphi^K_12| / max|phi^R_12| "
                        "(0 with glue off; NaN if not computed)"),
    "Gamma_el0": ("Omega", "electron inverse lifetime -Im Sigma^R_11(xi_star, w = 0) at lambda_c (bath + bosons)"),
    "xi_star": ("Omega", "xi of the most unstable row (xi-local kernel) or of the largest |phi^R_12| of the "
                         "critical eigenvector"),
    "subspace_residual": ("1", "max|K21 + K12*|/max|K| of the four-field image of the critical eigenvector "
                               "(physical subspace Sigma^K_21 = -(Sigma^K_12)*; round-off when it holds)"),
    "eigen_residual": ("1", "max|L v - rho v|/max|L v| of the critical eigenvector under the four-field map"),
    "rho_leading_re": ("1", "real part of the eigenvalue of largest real part at lambda_c"),
    "rho_leading_im": ("1", "imaginary part of that eigenvalue (nonzero: status 3, finite-frequency instability)"),
    "xi_profile_max_rho": ("1", "xi-local kernel: max over the scanned rows of rho(xi, lambda_c) (<= 1: the "
                                "reported row is the most unstable)"),
    **GRID_OBSERVABLES,
}


def xi_cost_factor(params: dict) -> float:
    """Cost relative to the flat band at the same N_ω (measured at N_ω = 1331 on this machine): local kernel
    ≈ 8× (one row); xi_local ≈ 30× (a scan of ≈ 16 independent rows, ≈ 2 s per λ_c); Lorentzian on uniform
    cells ≈ 8 × 0.6 per row; Lorentzian on graded cells ≈ 0.3 × cells² (rows × cells × ω tensors: ≈ 50 s
    per λ_c at 50 cells)."""
    if params["kernel"] == "local":
        return 8.0
    if params["kernel"] == "xi_local":
        return 30.0
    if params.get("xi_grid", "uniform") == "graded":
        from ..xi_grid import graded_cells

        p = EliashbergXiParams(**params)
        n = graded_cells(p.W, p.central_cell, p.xi_growth, p.xi_hmax).n
        return 0.3 * n * n
    inner = min(params["W"], params["omega_max"])
    outer = 2 * math.ceil(math.log(params["W"] / inner) / math.log(1.3)) if params["W"] > inner else 0
    return 8.0 * max(1.0, 0.6 * (params["n_xi"] + outer))


def check_point(params, quantity: str) -> None:
    """Δ0 needs the nonlinear set, which refuses the graded Lorentzian grid (ParameterError, before any job)."""
    if quantity == "delta0":
        from .nonlinear import check_supported

        check_supported(params)


def xi_cost(params: dict, quantity: str) -> float:
    """Rough core-seconds of one point (flat-band frequency cost × the ξ factor)."""
    return frequency_cost(params, quantity) * xi_cost_factor(params)


SPEC = register(ModelSpec(
    name="eliashberg-xi",
    physics_version="2",      # 2: physical subspace of the gap operator, kernel_norm (issue 10)
    summary="frequency–momentum (ξ-resolved) model: band half-width W, DOS shape, local, Lorentzian (width w) "
            "or ξ-local kernel, and the non-thermal glue switch (glue = on|off)",
    params=EliashbergXiParams,
    energy_unit="Omega",
    units_text=UNITS_TEXT,
    conventions=CONVENTIONS,
    quantities=eliashberg_quantities(tuple(OBSERVABLES), multi_rank_lambda_c=True),
    observables=OBSERVABLES,
    cost=xi_cost,
    check_point=check_point,
    build=lambda params, xi_rows=None, **_: (GradedXiEliashberg if params.graded else XiEliashberg)(params, xi_rows),
    critical=xi_critical.critical,
    refines=True,
    critical_rows=xi_critical.critical_rows,
    solve=xi_critical.solve,
    write_solution=commands.write_solution,
    report_keys=commands.REPORT_KEYS,
    array_units={**ARRAY_UNITS, "xi": "Omega"},
    labels=LABELS,
    key_units=KEY_UNITS,
    figure_slice={"glue": "on", "fel_mode": "kinetic"},     # the full model of a decomposition study
    help={"critical": "--model eliashberg-xi reports, for the critical eigenvector: xi_star (kernel xi_local: the "
                      "most unstable row, found by a scan of ξ ≥ 0 and refined; otherwise the row of its largest "
                      "|φ^R_12|), Gamma_el0 there, subspace_residual (its four-field image keeps Σ^K_21 = "
                      "−(Σ^K_12)*: round-off expected) and eigen_residual.  status = complex_leading (with a "
                      "warning) when the leading eigenvalue is complex.  --decompose adds glue off / heating off "
                      "/ both off.",
          "solve": HELP["solve"]},
    figures=FIGURES,
    example={"quantity": "lambda_c", "fixed": {"kernel": "local", "fel_mode": "bath", "W": 3.0, "n_omega": 1201,
                                             "omega_max": 6.0, "T_el": 0.1, "T_b": 0.1, "kappa": 0.3},
             "axis": ("gamma", [0.05, 0.1])},
    keys_heading="keys after n_omega/omega_max only with --model eliashberg-xi:",
))
