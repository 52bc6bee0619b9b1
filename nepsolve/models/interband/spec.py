"""Registration of the driven two-band semiconductor (PORTA_SPEC): Δ0 and T_c of the photo-induced interband
gap on the kinetic NESS.  Energies, temperatures and rates in units of t_c = 1."""
from __future__ import annotations

import numpy as np

from ...physics.interband_params import PRESETS, InterbandParams
from ...registry import Figure, ModelSpec, Quantity, register, scalar_observables

UNITS_TEXT = ("energies, temperatures and rates in units of t_c = 1 (tight binding) or of the parabolic-band "
              "unit; momenta in 1/a (hbar = k_B = 1)")

OBSERVABLES = {
    "mu_c": ("t_c", "conduction quasi-Fermi level (lab frame)"),
    "mu_v": ("t_c", "valence quasi-Fermi level (lab frame)"),
    "nu": ("t_c", "condensate frequency nu = mu_c + mu_v"),
    "excited_density": ("1/site", "excited electron density N_e = sum_k w_k n_c(k)"),
    "s_N": ("1", "pair-distribution sign indicator sgn<N_k (P_k - nu)> (+1 normal: attraction pairs)"),
    "mismatch": ("1/a", "Fermi-point mismatch k_v - k_c (1D grids)"),
    "g_c_attractive": ("t_c", "weakest attractive g = -U with an instability of the kinetic N_k (Thouless, inf: none)"),
    "g_c_repulsive": ("t_c", "weakest repulsive g = -U with an instability of the kinetic N_k (-inf: none)"),
    "g_c_quasi": ("t_c", "critical g of the quasi-equilibrium gap equation at Delta -> 0 (inf: stable for any g > 0)"),
    "delta_sarma": ("t_c", "second (Sarma) root of the quasi-equilibrium gap equation (NaN: none)"),
    "delta_mu_L": ("t_c", "omega_L - (mu_c - mu_v): 0 when the quasi-Fermi splitting locks to the laser"),
}


CONVENTIONS = ("PORTA_SPEC: symmetric rotating frame of the laser (omega_L), lab quasi-Fermi levels mu_c, mu_v; "
               "N_k = 1 - n_c - n_v; Keldysh level B in the 4x4 Nambu-band basis (c_k, v_k, c+_-k, v+_-k)")

# figure labels (energies in t_c = 1, k in 1/a)
LABELS = {
    "g": "$g = -U$ [$t_c$]", "T_ph": "$T_{ph}$ [$t_c$]", "omega_L": "$ω_L$ [$t_c$]", "Omega": "Ω [$t_c$]",
    "gamma_r": "$γ_r$ [$t_c$]", "gamma_2": "$γ_2$ [$t_c$]", "delta0": "$Δ_0$ [$t_c$]",
    "mismatch": "Fermi-point mismatch $k_v - k_c$ [1/a]", "excited_density": "excited density $N_e$ [1/site]",
    "delta_mu_L": "$ω_L - (μ_c - μ_v)$ [$t_c$]", "zeeman": "zeeman", "lineshape": "line shape",
    "T_c": "$T_c$ [$t_c$]", "mu_c": "$μ_c$ [$t_c$]", "mu_v": "$μ_v$ [$t_c$]",
}
KEY_UNITS = {"m_c": "1", "m_v": "1", "k_cut": "1/a", "dim": "1", "n_k": "1", "lam_ph_c": "1", "lam_ph_v": "1",
             "c_s": "t_c a", "gap_refine": "1"}
_FIG = "nepsolve.models.interband.figures:"
FIGURES = {
    "ness_profiles": Figure(_FIG + "plot_ness_profiles", "F2: NESS n_c(k), n_v(k), N_k for the presets R1, R2 (K1, "
                            "K2), R3 (single solves, made by the figure)"),
    "coupling": Figure(_FIG + "plot_interband_coupling", "F3: ln Delta0 vs 1/g with the weak-coupling BCS slope"),
    "recombination": Figure(_FIG + "plot_interband_recombination", "F5: Delta0 vs gamma_r, Fermi-point mismatch"),
    "zeeman": Figure(_FIG + "plot_interband_zeeman", "F6: Delta/Delta0 vs Omega/Delta0 with the Sarma branch"),
    "phase": Figure(_FIG + "plot_interband_phase", "F8: Delta0 over two axes, e.g. (omega_L, T_ph)"),
}


def _ness_record(r: dict) -> dict:
    """Solver fields of the NESS solve and the declared observables of an interband result."""
    rec = {"snes_reason": r["snes_reason_code"], "snes_reason_name": r["snes_reason"],
           "iterations": r["iterations"], "residual_norm": r["residual_norm"],
           "message": r["message"] or r["snes_reason"]}
    roots = r.get("delta_roots") or []
    sarma = {"delta_sarma": roots[1] if len(roots) > 1 else float("nan")}
    return {**rec, **scalar_observables({**r, **sarma}, OBSERVABLES)}


def _finish(rec: dict, ok: bool) -> dict:
    rec["status"] = "ok" if ok and np.isfinite(rec["value"]) else "failed"
    if rec["status"] == "failed":
        rec["value"] = float("nan")
    return rec


def delta0(params, petsc_options=None, comm=None) -> dict:
    """Δ0 (quasi or Keldysh level) with the NESS observables; 'failed' (with the PETSc reason) if the NESS
    did not converge."""
    from . import solve as run

    r = run.solve_interband(params, petsc_options)
    return _finish({**_ness_record(r), "value": r["delta0"]}, bool(r["converged"]))


def t_c(params, petsc_options=None, comm=None) -> dict:
    """T_c (the phonon temperature where the normal NESS turns unstable) with the NESS observables."""
    from . import solve as run

    r = run.solve_interband(params, petsc_options)
    tc = run.interband_critical_temperature(params, petsc_options)
    rec = {**_ness_record(r), "value": tc["T_c"], "message": tc["message"]}
    return _finish(rec, bool(r["converged"]) and bool(tc["converged"]))


def solve(params, petsc_options=None, quantity: str = "delta0", **_ignored) -> dict:
    """The kinetic NESS and the interband gap (solve.solve_interband); quantity 'Tc' adds T_c."""
    from . import solve as run

    result = run.solve_interband(params, petsc_options)
    if quantity == "Tc":
        tc = run.interband_critical_temperature(params, petsc_options)
        result.update(T_c=tc["T_c"], T_c_converged=tc["converged"], T_c_message=tc.get("message", ""))
    return result


def write_solution(path, result: dict) -> None:
    from ... import io

    io.write_interband_solution(path, result, UNITS_TEXT, CONVENTIONS)


def cost(params: dict, quantity: str) -> float:
    """Rough core-seconds: dense O(n_k²) Newton, ≈ 0.1 s at n_k = 241 (measured); T_c ≈ 25 NESS solves."""
    nk = params["n_k"] ** (2 if params["band"] == "tb2d" else 1)
    return 2e-6 * nk**2 * (1 + 2e-3 * nk) * {"delta0": 1, "T_c": 25}[quantity] + 0.05


SPEC = register(ModelSpec(
    name="interband",
    summary="laser-driven two-band semiconductor with phonon baths and radiative recombination (PORTA_SPEC)",
    params=InterbandParams,
    energy_unit="t_c",
    units_text=UNITS_TEXT,
    conventions=CONVENTIONS,
    quantities={
        "delta0": Quantity("delta0", delta0, "t_c", "interband gap Delta0 on the kinetic NESS (0: normal)"),
        "T_c": Quantity("T_c", t_c, "t_c", "phonon temperature where the normal NESS turns unstable"),
    },
    observables=OBSERVABLES,
    array_units={"k": "1/a", "weights": "1", "eps_c": "t_c", "eps_v": "t_c", "n_c": "1", "n_v": "1", "N_k": "1",
                 "delta_k": "t_c", "pair_amplitude_k": "1"},
    presets=tuple(PRESETS),
    solve_quantities=("delta0", "Tc"),
    help={"solve": "--model interband (PORTA_SPEC): the kinetic NESS n_c(k), n_v(k) by SNES Newton (dense analytic "
                   "Jacobian, explicit number conservation), then the interband gap: level=quasi (pair-frame BCS, "
                   "§4.5; all roots, BCS then Sarma, in delta_roots) or level=keldysh (4×4 Nambu–Keldysh mean "
                   "field, §4.4).  Prints delta0, mu_c, mu_v, nu, excited_density, s_N, the Thouless couplings "
                   "g_c_attractive / g_c_repulsive of the kinetic N_k, and snes_reason (of the NESS); --quantity "
                   "Tc adds T_c (the phonon temperature where the normal NESS turns unstable).  --out stores k, "
                   "n_c, n_v, N_k, delta_k."},
    labels=LABELS,
    key_units=KEY_UNITS,
    figures=FIGURES,
    cost=cost,
    solve=solve,
    write_solution=write_solution,
    report_keys=("delta0", "delta_roots", "T_c", "mu_c", "mu_v", "nu", "excited_density", "s_N", "g_c_attractive",
                 "g_c_repulsive", "superconducting", "snes_reason", "residual_norm", "warning", "message",
                 "wall_time", "out"),
    example={"quantity": "delta0", "fixed": {"n_k": 121, "T_ph": 0.01}, "axis": ("g", [1.0, 1.2])},
    keys_heading=f"--model interband (energies in units of t_c = 1; presets {' '.join(PRESETS)}):",
))
