"""Single-point commands of the material model: T_c (meV and kelvin) and λ_c on the real axis or with the
imaginary-axis reference, and the nonlinear gap.  Energies in meV."""
from __future__ import annotations

import numpy as np

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


STEP_RTOL = 1e-6


def cutoff_step(T_c: float, params) -> int:
    """k if the model has a static channel and T_c = ω_c/(π(2k + 1)) to STEP_RTOL, else −1.  The sharp Matsubara
    cutoff makes ρ(T) jump where a
    Matsubara frequency crosses ω_c; a T_c search that lands there found a jump across ρ = 1, not a crossing: the
    T_c of the definition, but quantized (a static channel with ω_c/2πT_c of a few frequencies shows it)."""
    omega_c = params.omega_c
    if not params.sharp_static_cutoff or not (T_c > 0 and omega_c > 0):
        return -1
    k = int(round((omega_c / (np.pi * T_c) - 1.0) / 2.0))
    if k >= 0 and abs(omega_c / (np.pi * (2 * k + 1)) - T_c) <= STEP_RTOL * T_c:
        return k
    return -1


def with_kelvin(result: dict, params=None) -> dict:
    """T_c [meV] also in kelvin (T_c_K); a T_c on a cutoff step (cutoff_step) gets a `warning`."""
    if "T_c" in result:
        result["T_c_K"] = result["T_c"] * K_PER_MEV
        if params is not None and params.sharp_static_cutoff:
            k = cutoff_step(result["T_c"], params)
            result["cutoff_step"] = k
            if k >= 0:
                result["warning"] = (f"T_c sits where the Matsubara frequency ω_{k} crosses omega_c (ρ jumps across 1 "
                                     "there): the sharp-cutoff T_c is quantized at these steps")
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
        return with_kelvin(out, params)
    out = flat.critical(params, "lambda_c" if quantity == "lambda_c" else "T_c", petsc_options, tol=tol)
    out.update(spectrum_info(params))
    return with_kelvin(out, params)


def critical_band_matsubara(params, quantity: str) -> dict:
    """The imaginary-axis reference of the ξ-resolved material model (matsubara.band_pair_eigenvalue): local kernel,
    flat DOS, equilibrium."""
    if not params.equilibrium:
        raise ParameterError("--axis matsubara needs equilibrium: every channel's T_b = T_el and no drive")
    if params.kernel != "local" or params.dos != "flat":
        raise ParameterError("--axis matsubara with --model material-xi: kernel = 'local' and dos = 'flat' only")
    if quantity == "lambda_c":
        out = {"quantity": "lambda_c", "lambda_c": matsubara.critical_coupling(params, cut="band"), "converged": True}
    else:
        out = {"quantity": "T_c", "T_c": matsubara.critical_temperature(params, cut="band"), "converged": True}
    out.update(axis="matsubara", cut="band", status="ok", **spectrum_info(params))
    return with_kelvin(out, params)


def solve(params, petsc_options=None, quantity: str = "delta0", **options) -> dict:
    """The nonlinear gap Δ(ω), Z(ω), F_el(ω) (flat-band strategy: eigen seed, then Newton–Krylov)."""
    out = flat.solve_flat_band(params, petsc_options, quantity, **options)
    out.update(spectrum_info(params))
    return out
