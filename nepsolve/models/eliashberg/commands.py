"""Single-point commands of the Eliashberg models (flat band and ξ-resolved): the critical point on the real
axis or with the independent Matsubara solver, and the nonlinear solve.  Bad combinations raise
ParameterError (the CLI shows it as a usage error).  Energies in units of Ω = 1."""
from __future__ import annotations

from ...physics.params import ParameterError


def critical(params, quantity: str = "lambda_c", petsc_options=None, axis: str = "real",
             decompose: bool = False) -> dict:
    """λ_c (quantity 'lambda_c') or T_c ('Tc'); axis 'matsubara' uses the imaginary-axis reference solver.
    The flat band has no glue/heating decomposition (the ξ model's `critical` adds it)."""
    from ... import api

    if decompose:
        raise ParameterError("--decompose: this model has no glue/heating decomposition (models with one "
                             "register it in their `critical`)")
    if axis == "matsubara":
        return matsubara_critical(params, quantity)
    if quantity == "lambda_c":
        return api.critical_coupling(params, petsc_options)
    return api.critical_temperature(params, petsc_options)


def matsubara_critical(p, quantity: str) -> dict:
    """λ_c or T_c from the Matsubara-axis solvers (equilibrium only): flat band, finite band with the local
    kernel, or the ξ-local kernel at the row ξ = 0 (the most unstable one in equilibrium)."""
    from .. import matsubara

    if not p.equilibrium:
        raise ParameterError(
            "--axis matsubara needs equilibrium: T_b must equal T_el and drive_n must be 0 "
            f"(got T_el={p.T_el:g}, T_b={p.T_b:g}, drive_n={p.drive_n:g}); use --axis real for a NESS")
    base = {"axis": "matsubara", "params": p.as_dict()}
    band = {"W": p.W, "dos": p.dos} if hasattr(p, "W") else {}
    if band and p.kernel == "lorentzian":
        raise ParameterError("--axis matsubara supports kernel = local and xi_local, not lorentzian")
    if band and quantity != "lambda_c":
        raise ParameterError("--axis matsubara --quantity Tc is available for the flat-band model only")
    try:
        if band and p.kernel == "xi_local":
            lam_c = matsubara.xi_local_lambda_c(p.T_el, p.kappa, p.gamma, 0.0)
            return {"quantity": "lambda_c", "lambda_c": lam_c, "xi_star": 0.0, "converged": True,
                    "message": "converged (row xi = 0, the most unstable one in equilibrium)", **base}
        if quantity == "lambda_c":
            lam_c = (matsubara.band_lambda_c(p.T_el, p.kappa, p.gamma, band["W"], band["dos"]) if band
                     else matsubara.lambda_c(p.T_el, p.kappa, p.gamma))
            return {"quantity": "lambda_c", "lambda_c": lam_c, "converged": True, "message": "converged", **base}
        T_c = matsubara.T_c(p.lam, p.kappa, p.gamma)
        ok = T_c > 0
        return {"quantity": "T_c", "T_c": T_c if ok else float("nan"), "converged": ok,
                "message": "converged" if ok else "no instability above the lowest resolvable T", **base}
    except ValueError as err:
        return {"quantity": quantity, "converged": False, "message": str(err), **base}


def solve(params, petsc_options=None, quantity: str = "delta0", seed: float = 0.1, fallback: bool = True,
          warmup: int = 0, deflate: bool = True, **_ignored) -> dict:
    """The nonlinear NESS gap equations (api.solve_gap): Δ0, SNES reason, iterations, residual."""
    from ... import api

    if quantity != "delta0":
        raise ParameterError("--quantity Tc with an Eliashberg model: use `nepsolve critical --quantity Tc`")
    return api.solve_gap(params, petsc_options, seed=seed, fallback=fallback, warmup=warmup, deflate=deflate)


def write_solution(path, result: dict) -> None:
    from ... import io

    io.write_solution(path, result)


REPORT_KEYS = ("delta0", "superconducting", "converged", "snes_reason", "iterations", "residual_norm", "method",
               "wall_time", "out")
