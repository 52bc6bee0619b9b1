"""Snapshot of the non-equilibrium distributions of a driven ξ-model point (drive study figure).

For the point (drive_omega, drive_n) of an aggregated drive study, at the full NESS (glue on,
fel_mode kinetic) and λ = λ_c(full) of that point (the state at the instability), for every kernel
of the study: the self-consistent normal state, F_el(ω) on the ξ row nearest ξ = 0, and the boson
distribution F_b(ν) (bath + drive).  Writes the figure (nepsolve.plot.plot_distributions) and a JSON
summary: max|F_el − tanh(ω/2T_el)|, the effective temperature of the slope at ω = 0,
T_eff = 1/(2 F_el'(0)), and the parameters used.  Units: Ω = 1.

    python workflow/scripts/xi_distributions.py results/xi_drive/phase_diagram.h5 results/xi_drive/plan.json \
        --out results/xi_drive/distributions --drive-omega 2 [--drive-n 0.3] [--format png --format pdf]
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

import nepsolve
from nepsolve import io, plot
from nepsolve.models.eliashberg_xi import XiEliashberg
from nepsolve.physics.params import EliashbergXiParams


def _matches(params: dict, want: dict) -> bool:
    return all(params.get(k) == v if isinstance(v, str) else np.isclose(params.get(k, np.nan), v)
               for k, v in want.items())


def snapshot(pd_path, plan_path, drive_omega: float, drive_n: float | None = None):
    pd = plot.read_phase_diagram(pd_path)
    with open(plan_path) as fh:
        plan = json.load(fh)
    if pd["attrs"].get("config_hash") != plan["config_hash"]:
        raise SystemExit(f"{pd_path} and {plan_path} belong to different configs")
    if drive_n is None:
        drive_n = float(max(p["params"]["drive_n"] for p in plan["points"]))
    lam_by_id = dict(zip(np.asarray(pd["data"]["point_id"]).ravel(), pd["values"].ravel()))
    want = {"drive_omega": drive_omega, "drive_n": drive_n, "glue": "on", "fel_mode": "kinetic"}
    points = [p for p in plan["points"] if _matches(p["params"], want)]
    if not points:
        raise SystemExit(f"no full-NESS point with {want} in {plan_path}")
    states, summary = {}, {"drive_omega": drive_omega, "drive_n": drive_n, "states": []}
    T_el = T_b = nu = F_b = omega = None
    for p in points:
        lam = float(lam_by_id.get(p["id"], np.nan))
        if not np.isfinite(lam):
            print(f"skipping {p['params'].get('kernel')}: no λ_c at this point", file=sys.stderr)
            continue
        params = EliashbergXiParams(**{**p["params"], "lam": lam})
        model = XiEliashberg(params)
        normal = nepsolve.normal_state(model)
        row = model.row0                        # the row nearest ξ = 0
        omega = model.omega
        F = np.asarray(normal.F[row], dtype=float)
        th = np.tanh(omega / (2 * params.T_el))
        m = model.grid.m
        slope = (F[m + 1] - F[m - 1]) / (2 * model.grid.dw)
        xi0 = float(model.rows_xi[row])
        lab = f"{params.kernel} kernel, λ = $λ_c$ = {lam:.3g}"
        states[lab] = F
        summary["states"].append({"kernel": params.kernel, "W": params.W, "w": params.w, "lambda": lam,
                                  "xi_row": xi0, "max_abs_F_minus_tanh": float(np.max(np.abs(F - th))),
                                  "omega_at_max": float(omega[np.argmax(np.abs(F - th))]),
                                  "T_eff_slope": float(1.0 / (2.0 * slope)), "T_el": params.T_el,
                                  "Gamma_el0": float(-normal.sigma[row, m].imag)})
        T_el, T_b = params.T_el, params.T_b
        nu = omega
        F_b = model.boson.distribution(nu)
    if not states:
        raise SystemExit("no point with a finite λ_c: nothing to draw")
    summary["params_fixed"] = {k: v for k, v in points[0]["params"].items() if k not in ("kernel", "w", "lam")}
    return omega, states, T_el, nu, F_b, T_b, summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("phase_diagram")
    ap.add_argument("plan")
    ap.add_argument("--out", required=True, help="output stem (extension from --format)")
    ap.add_argument("--drive-omega", type=float, required=True)
    ap.add_argument("--drive-n", type=float, default=None, help="default: the largest drive_n of the study")
    ap.add_argument("--format", action="append", dest="formats", default=None)
    ap.add_argument("--json", default=None, help="summary JSON (default: <out>.json)")
    a = ap.parse_args(argv)
    omega, states, T_el, nu, F_b, T_b, summary = snapshot(a.phase_diagram, a.plan, a.drive_omega, a.drive_n)
    wd = summary["drive_omega"]
    title = (f"NESS distributions at the instability: drive $ω_d$ = {wd:g}, $n_d$ = {summary['drive_n']:g}, "
             f"$σ_d$ = {summary['params_fixed']['drive_sigma']:g}, fel_mode kinetic, glue on\n"
             f"γ = {summary['params_fixed']['gamma']:g}, κ = {summary['params_fixed']['kappa']:g}, "
             f"W = {summary['params_fixed']['W']:g}; $F_{{el}}$ on the ξ row nearest ξ = 0")
    lim = (-min(wd + 2, omega[-1]), min(wd + 2, omega[-1]))
    paths = plot.plot_distributions(omega, states, T_el, nu, F_b, T_b, a.out, formats=a.formats or ["png", "pdf"],
                                    title=title, omega_lim=lim, nu_lim=(0, lim[1]))
    io.write_text_atomic(a.json or f"{a.out}.json", json.dumps(summary, indent=1))
    for p in paths:
        print(p)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
