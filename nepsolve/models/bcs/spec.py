"""Registration of the weak-coupling BCS model: T_c (digamma equation with pair breaking Γ and field h), the
gap Δ(T, h), and λ_c(T).  Energies in units of the pairing cutoff ω_D = 1."""
from __future__ import annotations

import time

import numpy as np

from ...physics.spec import ParameterError
from ...registry import ModelSpec, Quantity, register
from . import physics
from .params import BCSParams

UNITS_TEXT = "energies and temperatures in units of the pairing cutoff omega_D = 1 (hbar = k_B = 1)"
OBSERVABLES = {"T_c0": ("omega_D", "T_c without pair breaking or field"),
               "delta00": ("omega_D", "T = 0 gap without field, 1/sinh(1/lambda)")}


def _record(value: float, found: bool, message: str, p) -> dict:
    """A sweep record: no SNES here (closed forms and Brent roots): reason 0, name 'CLOSED_FORM'."""
    return {"value": value if found else float("nan"), "status": "ok" if found else "failed",
            "message": message, "snes_reason": 0, "snes_reason_name": "CLOSED_FORM", "iterations": 0,
            "residual_norm": 0.0, "T_c0": physics.tc0(p.lam), "delta00": physics.delta00(p.lam)}


def t_c(p, petsc_options=None, comm=None) -> dict:
    value = physics.tc(p.lam, p.Gamma, p.h)
    return _record(value, True, "converged" if value > 0 else "no transition: |Gamma + i h| >= Delta_BCS/2", p)


def delta0(p, petsc_options=None, comm=None) -> dict:
    check_point(p, "delta0")
    value = physics.gap(p.lam, p.T, p.h)
    return _record(value, True, "converged" if value > 0 else "normal: no root of the gap equation", p)


def lambda_c(p, petsc_options=None, comm=None) -> dict:
    value = physics.lambda_c(p.T, p.Gamma, p.h)
    ok = bool(np.isfinite(value))
    return _record(value, ok, "converged" if ok else "no coupling below 2 has T_c = T", p)


def check_point(p, quantity: str) -> None:
    if quantity == "delta0" and p.Gamma > 0:
        raise ParameterError("quantity 'delta0' of model 'bcs' needs 'Gamma' = 0 (the Abrikosov–Gor'kov gap "
                             "equation is not built; T_c with Gamma > 0 is)")
    if quantity == "lambda_c" and p.T <= 0:
        raise ParameterError("quantity 'lambda_c' of model 'bcs' needs 'T' > 0 (the coupling with T_c = T)")


def critical(p, quantity: str = "lambda_c", petsc_options=None, axis: str = "real", decompose: bool = False) -> dict:
    if axis != "real" or decompose:
        raise ParameterError("model 'bcs' has closed forms only: no --axis matsubara, no --decompose")
    t0 = time.perf_counter()
    if quantity == "lambda_c":
        check_point(p, "lambda_c")
        value = physics.lambda_c(p.T, p.Gamma, p.h)
        out = {"quantity": "lambda_c", "lambda_c": value, "converged": bool(np.isfinite(value))}
    else:
        value = physics.tc(p.lam, p.Gamma, p.h)
        out = {"quantity": "T_c", "T_c": value, "converged": True}
    out.update(message="converged", params=p.as_dict(), T_c0=physics.tc0(p.lam), delta00=physics.delta00(p.lam),
               wall_time=time.perf_counter() - t0)
    return out


def solve(p, petsc_options=None, quantity: str = "delta0", **_ignored) -> dict:
    check_point(p, "delta0")
    t0 = time.perf_counter()
    d = physics.gap(p.lam, p.T, p.h)
    return {"quantity": "delta0", "delta0": d, "superconducting": d > 0, "converged": True, "message": "converged",
            "T_c": physics.tc(p.lam, 0.0, p.h), "delta00": physics.delta00(p.lam), "params": p.as_dict(),
            "wall_time": time.perf_counter() - t0}


def write_solution(path, result: dict) -> None:
    from ...io import atomic_h5

    with atomic_h5(path) as f:
        f.attrs["kind"] = "bcs_solution"
        f.attrs["units"] = UNITS_TEXT
        for k, v in result.items():
            if isinstance(v, (bool, int, float, str)):
                f.attrs[k] = v


SPEC = register(ModelSpec(
    name="bcs",
    summary="weak-coupling BCS with a pair-breaking rate Gamma and a Zeeman-like field h (closed forms)",
    params=BCSParams,
    energy_unit="omega_D",
    units_text=UNITS_TEXT,
    conventions="weak-coupling BCS: T_c from ln(T_c0/T_c) = Re[psi(1/2 + (Gamma + i h)/(2 pi T_c)) - psi(1/2)]; "
                "Delta(T, h) on the BCS branch",
    quantities={
        "T_c": Quantity("T_c", t_c, "omega_D", "critical temperature on the second-order line"),
        "delta0": Quantity("delta0", delta0, "omega_D", "gap Delta(T, h), BCS branch (0: normal)"),
        "lambda_c": Quantity("lambda_c", lambda_c, "1", "coupling whose T_c equals T"),
    },
    observables=OBSERVABLES,
    key_units={"lam": "1"},
    cost=lambda params, quantity: 0.01,
    check_point=check_point,
    keys_heading="--model bcs (energies in units of the cutoff omega_D = 1):",
    example={"quantity": "T_c", "fixed": {"lam": 0.3, "h": 0.0}, "axis": ("Gamma", [0.0, 0.01])},
    critical=critical,
    solve=solve,
    write_solution=write_solution,
    report_keys=("delta0", "superconducting", "T_c", "delta00", "converged", "message", "wall_time", "out"),
))
