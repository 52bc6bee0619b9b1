"""Single-point commands of the material model: T_c (meV and kelvin) and λ_c on the real axis or with the
imaginary-axis reference, and the nonlinear gap.  Energies in meV."""
from __future__ import annotations

from ...physics.spec import ParameterError
from ..eliashberg import commands as flat
from . import matsubara
from .a2f import K_PER_MEV


def spectrum_info(params) -> dict:
    """What the result needs to say about the spectrum it was computed for: per file its λ, ω_log and SHA-256
    (the result is bound to the file's content, not only its path)."""
    out = {"lambda_total": params.lam, "static_coupling": params.static_lam, "omega_c": params.omega_c}
    for i, c in enumerate(params.own_channels(), start=1):
        if c.a2f:
            sp = c.spectrum
            out[f"a2f_{i}"] = {"path": sp.path, "sha256": sp.sha256, "lambda": sp.lam, "omega_log_meV": sp.omega_log}
    return out


def with_kelvin(result: dict) -> dict:
    """T_c [meV] also in kelvin (T_c_K), and the boson-bath temperature at T_c."""
    if "T_c" in result:
        result["T_c_K"] = result["T_c"] * K_PER_MEV
    return result


def critical(params, quantity: str = "lambda_c", petsc_options=None, axis: str = "real",
             decompose: bool = False, tol: float | None = None) -> dict:
    """λ_c (the whole boson spectrum scaled) or T_c; axis 'matsubara': the imaginary-axis reference (equilibrium
    only; the static channel cut on both Matsubara indices, its usual definition)."""
    if decompose:
        raise ParameterError("--decompose: the material model has no glue/heating decomposition")
    if axis == "matsubara":
        if not params.equilibrium:
            raise ParameterError("--axis matsubara needs equilibrium: every channel's T_b = T_el and no drive")
        if quantity == "lambda_c":
            out = {"quantity": "lambda_c", "lambda_c": matsubara.critical_coupling(params), "converged": True}
        else:
            out = {"quantity": "T_c", "T_c": matsubara.critical_temperature(params), "converged": True}
        out.update(axis="matsubara", cut="both", status="ok", **spectrum_info(params))
        return with_kelvin(out)
    out = flat.critical(params, "lambda_c" if quantity == "lambda_c" else "T_c", petsc_options, tol=tol)
    out.update(spectrum_info(params))
    return with_kelvin(out)


def solve(params, petsc_options=None, quantity: str = "delta0", **options) -> dict:
    """The nonlinear gap Δ(ω), Z(ω), F_el(ω) (flat-band strategy: eigen seed, then Newton–Krylov)."""
    out = flat.solve_flat_band(params, petsc_options, quantity, **options)
    out.update(spectrum_info(params))
    return out
