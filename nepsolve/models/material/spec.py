"""Registration of the material model (issue 14).  Energies and temperatures in meV (T_c also in kelvin)."""
from __future__ import annotations

from ...io import CONVENTIONS
from ...registry import Figure, ModelSpec, Quantity, register
from ..eliashberg import commands as flat
from ..eliashberg.quantities import GRID_OBSERVABLES, delta0_record, lambda_c_record, t_c_record
from ..eliashberg.spec import frequency_cost
from . import commands
from .a2f import K_PER_MEV
from .model import MaterialFlatBand
from .params import MaterialParams

_FIG = "nepsolve.models.material.figures:"
FIGURES = {
    "mustar": Figure(_FIG + "plot_mustar", "T_c [K] vs mu*: real axis, Matsubara (both-index cutoff), Allen-Dynes"),
    "tc_ratio": Figure(_FIG + "plot_tc_ratio", "T_c/T_c0 vs the boson frequency (T_c0: the static channel alone)"),
}
UNITS_TEXT = "energies, temperatures and frequencies in meV (hbar = k_B = 1); T_c_K in kelvin"
ARRAY_UNITS = {"omega": "meV", "delta": "meV", "phi": "meV", "omega_tilde": "meV", "Z": "1", "F_el": "1"}
OBSERVABLES = {"T_c_K": ("K", "critical temperature in kelvin (T_c / k_B, k_B = 0.08617333262 meV/K)"),
               **GRID_OBSERVABLES}
LABELS = {"T_b": "$T_b$ [meV]", "T_el": "$T_{el}$ [meV]", "lam": "λ", "mustar": "μ*", "gamma": "γ [meV]",
          "drive_n": "drive $n_d$", "drive_omega": "$ω_d$ [meV]", "omega_b": "$ω_b$ [meV]", "omega_c": "$ω_c$ [meV]",
          "lam_static": "$λ_s$", "lambda_c": "$λ_c$", "T_c": "$T_c$ [meV]", "T_c_K": "$T_c$ [K]",
          "delta0": "$Δ_0$ [meV]"}
KEY_UNITS = {"lam": "1", "drive_n": "1", "n_omega": "1", "mustar": "1", "lam_static": "1"}
HELP = {"critical": "--model material: energies in meV; --quantity Tc prints T_c [meV] and T_c_K [K] (the search "
                    "scales T_el and channel 1's T_b together); lambda_c scales every boson channel; --axis matsubara "
                    "is the imaginary-axis reference (equilibrium; μ* cut on both Matsubara indices).",
        "solve": "--model material: the nonlinear gap (eigen-seeded Newton–Krylov), Δ(ω), Z(ω), F_el(ω) in meV."}


def _kelvin(record):
    """The T_c record with T_c_K; a T_c on a cutoff step (commands.cutoff_step: where ω_k crosses ω_c) is noted in
    the message."""
    def compute(params, petsc_options=None, comm=None) -> dict:
        rec = record(params, petsc_options, comm=comm)
        rec["T_c_K"] = rec["value"] * K_PER_MEV
        k = commands.cutoff_step(rec["value"], params)
        if k >= 0:
            rec["message"] = f"{rec['message']}; T_c on the cutoff step of ω_{k} (quantized by the sharp cutoff)"
        return rec
    return compute


def material_quantities(observables, multi_rank: bool = False, seeded: bool = True) -> dict:
    """λ_c (the whole spectrum scaled), T_c with T_c_K, Δ0 of a material model."""
    return {
        "lambda_c": Quantity("lambda_c", lambda_c_record(observables), "1",
                             "critical total boson coupling lambda_c (every channel scaled by the same factor)",
                             multi_rank=multi_rank),
        "T_c": Quantity("T_c", _kelvin(t_c_record(observables)), "meV",
                        "critical electron-bath temperature T_c at fixed lam (channel 1's T_b/T_el fixed)"),
        "delta0": Quantity("delta0", delta0_record(observables, seeded=seeded), "meV",
                           "gap edge Delta0 of the nonlinear solution (0: normal)"),
    }


QUANTITIES = material_quantities(OBSERVABLES)

SPEC = register(ModelSpec(
    name="material",
    summary="boson channels from a tabulated alpha^2F(nu) file or Lorentzian modes (own baths and drives), "
            "Coulomb mu* and a static attraction with cutoff omega_c; flat band; energies in meV",
    params=MaterialParams,
    energy_unit="meV",
    units_text=UNITS_TEXT,
    conventions=CONVENTIONS,
    quantities=QUANTITIES,
    observables=OBSERVABLES,
    cost=frequency_cost,
    keys_heading="--model material (energies in meV):",
    build=lambda params, **_: MaterialFlatBand(params),
    critical=commands.critical,
    refines=True,
    solve=commands.solve,
    write_solution=flat.write_solution,
    report_keys=flat.REPORT_KEYS,
    array_units=ARRAY_UNITS,
    labels=LABELS,
    key_units=KEY_UNITS,
    help=HELP,
    figures=FIGURES,
    example={"quantity": "lambda_c", "fixed": {"T_el": 1.0, "T_b": 1.0, "gamma": 0.5, "kappa": 1.0, "omega_b": 10.0,
                                             "n_omega": 2049, "omega_max": 80.0, "omega_c": 30.0}, "axis": ("mustar", [0.0, 0.1])},
))


# ----------------------------------------------------------------------------------- the ξ-resolved material model
def _critical_xi(params, quantity: str = "lambda_c", petsc_options=None, axis: str = "real",
                 decompose: bool = False, tol: float | None = None) -> dict:
    """The ξ model's critical search (ξ-local rows, --decompose) with the spectrum's λ/ω_log/SHA-256 and T_c in kelvin;
    axis 'matsubara': the band-cutoff imaginary-axis reference (local kernel, flat DOS, equilibrium)."""
    from ..eliashberg_xi import critical as xi_critical

    if axis == "matsubara":
        return commands.critical_band_matsubara(params, quantity)
    out = xi_critical.critical(params, quantity, petsc_options, axis, decompose, tol)
    out.update(commands.spectrum_info(params))
    return commands.with_kelvin(out, params)


def _solve_xi(params, petsc_options=None, quantity: str = "delta0", **options) -> dict:
    from ..eliashberg_xi import critical as xi_critical

    out = xi_critical.solve(params, petsc_options, quantity, **options)
    out.update(commands.spectrum_info(params))
    return out


def _build_xi(params, xi_rows=None, **_):
    from .xi import MaterialXi

    return MaterialXi(params, xi_rows)


def _xi_spec():
    from ..eliashberg_xi import critical as xi_critical
    from ..eliashberg_xi.spec import FIGURES as XI_FIGURES, OBSERVABLES as XI_OBSERVABLES, check_point, xi_cost
    from .xi import MaterialXiParams

    observables = {**XI_OBSERVABLES, "T_c_K": OBSERVABLES["T_c_K"]}
    quantities = material_quantities(observables, multi_rank=True, seeded=False)
    return ModelSpec(
        name="material-xi",
        summary="the material model (alpha^2F channels, baths, drives; meV) on a finite band resolved in xi: local, "
                "Lorentzian or xi-local kernel, glue switch; static channel with a band cutoff |xi| < omega_c",
        params=MaterialXiParams,
        energy_unit="meV",
        units_text=UNITS_TEXT,
        conventions=CONVENTIONS,
        quantities=quantities,
        observables=observables,
        cost=xi_cost,
        check_point=check_point,
        keys_heading="--model material-xi (energies in meV):",
        build=_build_xi,
        critical=_critical_xi,
        refines=True,
        critical_rows=xi_critical.critical_rows,
        solve=_solve_xi,
        write_solution=flat.write_solution,
        report_keys=flat.REPORT_KEYS,
        array_units={**ARRAY_UNITS, "xi": "meV"},
        labels={**LABELS, "W": "$W$ [meV]", "w": "$w$ [meV]"},
        key_units=KEY_UNITS,
        help={"critical": "--model material-xi: as --model material on a band |ξ| < W resolved in ξ (kernel local, "
                          "lorentzian or xi_local; glue on/off; --decompose); the static channel (lam_static − μ*) "
                          "acts for |ξ|, |ξ'| < omega_c (BCS band cutoff, no T_c quantization); --axis matsubara: the "
                          "band-cutoff imaginary-axis reference (local kernel, flat DOS, equilibrium).",
              "solve": "--model material-xi: the nonlinear Nambu–Keldysh gap of the ξ-resolved model (Newton–Krylov "
                       "with the normal state deflated; not on the graded Lorentzian ξ grid), Δ(ω), Z(ω), F_el(ω) of "
                       "the row nearest ξ = 0, φ of every row, in meV."},
        figures={"tc_ratio": FIGURES["tc_ratio"], "decomposition": XI_FIGURES["decomposition"]},
        figure_slice={"glue": "on"},
        example={"quantity": "lambda_c", "fixed": {"T_el": 1.0, "T_b": 1.0, "gamma": 0.5, "kappa": 1.0,
                                                 "omega_b": 10.0, "W": 60.0, "n_omega": 2049, "omega_max": 80.0,
                                                 "omega_c": 30.0, "lam_static": 0.1},
                 "axis": ("mustar", [0.0, 0.1])},
    )


SPEC_XI = register(_xi_spec())
