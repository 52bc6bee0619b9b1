"""Sweep records of the Eliashberg models (flat band and ξ-resolved): λ_c, T_c and Δ0 of one point.

Each function turns an `api` result into the fields of a sweep record (registry.Quantity contract):
value, status, message, the SNES reason of the solve that decides the point, iterations, residual, and
the scalar observables the model declares.  Energies in units of Ω = 1.
"""
from __future__ import annotations

import numpy as np


from ...registry import scalar_observables  # noqa: F401  (re-exported: the record's observable fields)
from . import commands
from .graded import build_grid


def _status(result: dict, value: float) -> tuple[str, str | None]:
    """'ok' | 'failed' | 'complex' (a real crossing whose leading eigenvalue is complex; the warning says why)."""
    if not (result["converged"] and np.isfinite(value)):
        return "failed", None
    if result.get("status") == "complex_leading":
        return "complex", result["warning"]
    return "ok", None


GRID_OBSERVABLES = {"grid_n_omega": ("1", "real-frequency points of the grid the point used (chosen when not given)"),
                    "grid_omega_max": ("Omega", "half-range of the frequency grid the point used"),
                    "grid_error_estimate": ("1", "a-posteriori relative error estimate of the value from one grid "
                                                 "refinement (graded grids; NaN when not estimated)")}


def _grid_fields(params, result: dict) -> dict:
    n = params.n_omega if params.n_omega is not None else build_grid(params).n      # graded: its node count
    return {"grid_n_omega": float(n), "grid_omega_max": float(params.omega_max),
            "grid_error_estimate": float(result.get("grid_error_estimate", float("nan")))}


def _critical_record(result: dict, key: str, observables) -> dict:
    """Fields of a critical search: ρ evaluations; the kinetic SNES solve if there was one (bath-fixed F_el
    has none: reason 0, name 'EIGEN')."""
    value = result[key]
    status, why = _status(result, value)
    rec = {"value": value if status != "failed" else float("nan"), "status": status,
           "message": why or result["message"], "iterations": result["rho_evaluations"],
           "snes_reason": result.get("kinetic_snes_reason_code", 0),
           "snes_reason_name": result.get("kinetic_snes_reason", "EIGEN"),
           "residual_norm": result.get("kinetic_residual_norm", float("nan")),
           **scalar_observables(result, observables)}
    if status == "failed":           # the stage that failed is the critical search, not the normal state
        kinetic = result.get("kinetic_snes_reason")
        rec.update(snes_reason=0, snes_reason_name="NO_CROSSING",
                   message=f"critical search: {result['message']}"
                           + (f" (the normal-state SNES solves converged: {kinetic})" if kinetic else ""))
    return rec


def lambda_c_record(observables=()):
    """Quantity function: the critical coupling λ_c (eigen route, api.critical_coupling)."""
    def compute(params, petsc_options=None, comm=None) -> dict:
        r = commands.critical_value(params, "lambda_c", petsc_options, comm=comm)
        return {**_critical_record(r, "lambda_c", observables), **_grid_fields(params, r)}
    return compute


def t_c_record(observables=()):
    """Quantity function: the critical temperature T_c at fixed λ (api.critical_temperature)."""
    def compute(params, petsc_options=None, comm=None) -> dict:
        r = commands.critical_value(params, "T_c", petsc_options)
        return {**_critical_record(r, "T_c", observables), **_grid_fields(params, r)}
    return compute


def delta0_record(observables=(), seeded: bool = False):
    """Quantity function: the gap edge Δ0 of the nonlinear solution (api.solve_gap; `seeded`: the flat-band
    strategy that starts from the critical eigenvector, gap_strategy.seeded_gap)."""
    def compute(params, petsc_options=None, comm=None) -> dict:
        from ... import api
        from .gap_strategy import seeded_gap

        r = seeded_gap(params, petsc_options) if seeded else api.solve_gap(params, petsc_options)
        status, _ = _status(r, r["delta0"])
        return {"value": r["delta0"] if status != "failed" else float("nan"), "status": status,
                "iterations": r["iterations"], "snes_reason": r["snes_reason_code"],
                "snes_reason_name": r["snes_reason"], "residual_norm": r["residual_norm"],
                "message": r["message"] or r["snes_reason"], **scalar_observables(r, observables),
                **_grid_fields(params, r)}
    return compute
