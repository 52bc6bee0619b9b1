"""The ξ model's side of the critical search (the rows of the ξ-local kernel, each row its own problem)
and the decomposition of λ_c into full / glue off / heating off / both off (ELIASHBERG_SPEC §5.6, §9 T8)),
and its gap solve with a graded grid's error estimate.  Energies in units of Ω = 1."""
from __future__ import annotations

import numpy as np

from ...physics.params import EliashbergXiParams, ParameterError
from ..eliashberg import commands


def xi_scan_rows(params: EliashbergXiParams) -> np.ndarray:
    """ξ ≥ 0 rows scanned by the ξ-local search: 0, then spacings growing from γ/2 by 1.35 up to
    min(W, omega_max/2) (rows near the grid edge would lose their on-shell frequencies)."""
    top = min(params.W, 0.5 * params.omega_max)
    xs, step = [0.0], 0.5 * params.gamma
    while xs[-1] + step < top:
        xs.append(xs[-1] + step)
        step *= 1.35
    return np.array(xs + [top])


def critical_rows(params: EliashbergXiParams, pinned: float | None = None):
    """The rows a critical search runs over: None for a coupled kernel (one problem), the ξ ≥ 0 scan of
    `xi_scan_rows` for the ξ-local kernel (ρ(−ξ) = ρ(ξ) by particle–hole symmetry), or the row `pinned`."""
    if params.kernel != "xi_local":
        return None
    return xi_scan_rows(params) if pinned is None else [pinned]


def decomposition(params: EliashbergXiParams, petsc_options=None, rtol: float = 1e-8, comm=None) -> dict:
    """λ_c of the full NESS model and with ingredients removed (spec §9 T8): glue off = δφ^K := 0;
    heating off = fel_mode 'bath' (F_el frozen to the bath); both off.  Also the fraction of the
    heating shift that the glue offsets, (λ_c(glue off) − λ_c(full))/(λ_c(glue off) − λ_c(both off))."""
    from ... import api

    full = api.critical_coupling(params, petsc_options, rtol=rtol, comm=comm)
    runs = {"glue_off": params.replace(glue="off"), "heating_off": params.replace(fel_mode="bath"),
            "both_off": params.replace(glue="off", fel_mode="bath")}
    for name, p in runs.items():
        if p == params:
            r = full
        elif name == "both_off" and params.fel_mode == "bath":
            r = {"lambda_c": full["lambda_c_glue_off"], "converged": full["glue_off_converged"],
                 "status": full["glue_off_status"], "wall_time": 0.0}
        else:
            r = api.critical_coupling(p, petsc_options, rtol=rtol, comm=comm)
        full[f"lambda_c_{name}"] = r["lambda_c"]
        full[f"{name}_converged"] = r["converged"]
        full[f"{name}_status"] = r.get("status", "ok")
        if r is not full:
            full["wall_time"] += r["wall_time"]
            if "xi_star" in r:
                full[f"xi_star_{name}"] = r["xi_star"]
    heat = full["lambda_c_glue_off"] - full["lambda_c_both_off"]
    glue = full["lambda_c_glue_off"] - full["lambda_c"]
    full["glue_offset_fraction"] = glue / heat if heat != 0 and np.isfinite(heat) else float("nan")
    return full


def critical(params, quantity: str = "lambda_c", petsc_options=None, axis: str = "real",
             decompose: bool = False, tol: float | None = None) -> dict:
    """The Eliashberg critical point (`commands.critical`), or with `decompose` the four λ_c of `decomposition`."""
    if decompose:
        if quantity != "lambda_c" or axis != "real" or tol is not None:
            raise ParameterError("--decompose needs --quantity lambda_c and --axis real, without --tol")
        return decomposition(params, petsc_options)
    return commands.critical(params, quantity, petsc_options, axis=axis, tol=tol)


def solve(params, petsc_options=None, quantity: str = "delta0", seed: float = 0.1, fallback: bool = True,
          warmup: int = 0, deflate: bool = True, **_ignored) -> dict:
    """Δ0 of the nonlinear ξ-resolved NESS (api.solve_gap).  On a graded grid with one refinement: the gap edge of the
    first solve places the gap-edge patch (grid_gap) of a grid twice as fine (grid_refine × 2), whose solution is
    reported with `grid_error_estimate` = |Δ0(fine) − Δ0(first)|/Δ0(fine), an upper estimate (the first grid has
    no gap patch), and `grids` = [nodes, grid_refine] of both."""
    from ..eliashberg.graded import build_grid

    first = commands.solve(params, petsc_options, quantity, seed, fallback, warmup, deflate)
    first["grid_error_estimate"] = float("nan")
    if not (params.graded and first["converged"] and first["superconducting"] and first["delta0"] > 0):
        return first
    fine_p = params.replace(grid_refine=2.0 * params.grid_refine, grid_gap=first["delta0"])
    fine = commands.solve(fine_p, petsc_options, quantity, seed, fallback, warmup, deflate)
    fine["wall_time"] += first["wall_time"]
    fine["grids"] = [[build_grid(q).n, q.grid_refine] for q in (params, fine_p)]
    ok = fine["converged"] and fine["delta0"] > 0
    fine["grid_error_estimate"] = abs(fine["delta0"] - first["delta0"]) / fine["delta0"] if ok else float("nan")
    return fine
