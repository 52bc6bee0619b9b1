"""Forward scattering (ELIASHBERG_SPEC §5.6): λ_c cost against w/Γ_el for the graded ξ grid (Lorentzian kernel
integrated exactly with the resolvents) and for the uniform cells of the previous method (kernel averaged
per cell, cells ≤ w, so n_xi = 2·min(W, L)/w).

    python benchmarks/bench_forward.py            # w/Γ_el = 10, 3, 1, 0.3, 0.1 (≈ 30 min on 2 cores)
    python benchmarks/bench_forward.py --quick    # w/Γ_el = 3, 0.3

Every case runs in its own process (peak memory = that process's maximum resident set).  Printed: for
each w, the graded grid's full λ_c search (time, cells, ρ evaluations, matvecs, peak memory), and one ρ
evaluation (normal state from the bath guess + gap operator + ARPACK) at that λ_c on both grids, with
the ratio uniform/graded; the uniform grid's full λ_c search where it has ≤ 200 cells.  Then the cost of
the w/Γ_el = 0.1 point over the w/Γ_el = 3 point on the graded grid.  Equilibrium, T = γ = 0.05, κ = 0.1,
W = 5, N_ω = 1331 on ±6.5 (Γ_el(0) ≈ 0.0534).  Ratios are from the same run; no thresholds.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from common import ROOT, environment, header

BASE = dict(kappa=0.1, gamma=0.05, T_el=0.05, T_b=0.05, W=5.0, kernel="lorentzian", n_omega=1331,
            omega_max=6.5, lam=0.6)
GAMMA_EL = 0.0534            # Γ_el(0) of these parameters (measured; the output prints each point's own)
UNIFORM_FULL_MAX = 200


def child(spec: dict) -> dict:
    """One measurement (run in a fresh process): 'lambda_c' (full search) or 'rho' (one evaluation)."""
    import numpy as np

    from nepsolve import api
    from nepsolve.physics.params import EliashbergXiParams
    from nepsolve.solvers import eigen

    p = EliashbergXiParams(**spec["params"])
    t = time.perf_counter()
    if spec["what"] == "lambda_c":
        r = api.critical_coupling(p)
        out = {"lambda_c": r["lambda_c"], "rho_evaluations": r["rho_evaluations"], "matvecs": r["matvecs"],
               "Gamma_el0": r.get("Gamma_el0"), "subspace_residual": r.get("subspace_residual")}
    else:
        model = api.build_model(p)
        normal = api.NormalStateSolver()
        ns = normal(model)
        op = model.gap_operator(ns)
        res = eigen.leading_real_eigenvalue(op)
        out = {"rho": res.rho, "matvecs": res.matvecs, "normal_evals": normal.last.function_evals}
    out.update(seconds=time.perf_counter() - t, cells=int(api.build_model(p).n_cells),
               peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
    return {k: (float(v) if isinstance(v, (np.floating, np.integer)) else v) for k, v in out.items()}


def run(spec: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                          cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    if not environment("forward-scattering", args.quick):
        return
    ratios = [3.0, 0.3] if args.quick else [10.0, 3.0, 1.0, 0.3, 0.1]
    header("λ_c cost vs w/Γ_el: graded ξ grid (exact kernel integration) vs uniform cells (kernel averaged, h ≤ w)")
    print(f"{'w/Γ':>5} {'w':>8} | {'graded: λ_c':>11} {'cells':>5} {'t [s]':>7} {'ρ-ev':>4} {'mv':>5} {'MB':>6} "
          f"| {'1 ρ: graded [s]':>15} {'uniform [s]':>11} {'cells':>5} {'MB':>6} {'ratio':>6} "
          f"| {'uniform λ_c':>11} {'t [s]':>7}")
    graded_time = {}
    for r in ratios:
        w = round(r * GAMMA_EL, 6)
        g = run({"what": "lambda_c", "params": {**BASE, "w": w}})
        if "error" in g:
            print(f"{r:>5g} {w:>8.4g} | graded failed: {g['error']}")
            continue
        graded_time[r] = g["seconds"]
        lam = g["lambda_c"]
        n_xi = int(-(-2 * min(BASE["W"], BASE["omega_max"]) // w))
        g1 = run({"what": "rho", "params": {**BASE, "w": w, "lam": lam}})
        u1 = run({"what": "rho", "params": {**BASE, "w": w, "lam": lam, "xi_grid": "uniform", "n_xi": n_xi}})
        uf = (run({"what": "lambda_c", "params": {**BASE, "w": w, "xi_grid": "uniform", "n_xi": n_xi}})
              if n_xi <= UNIFORM_FULL_MAX else None)
        ratio = u1["seconds"] / g1["seconds"] if "seconds" in u1 and "seconds" in g1 else float("nan")
        ufs = f"{uf['lambda_c']:>11.6f} {uf['seconds']:>7.1f}" if uf and "lambda_c" in uf else f"{'(' + str(n_xi) + ' cells)':>19}"
        print(f"{r:>5g} {w:>8.4g} | {lam:>11.6f} {g['cells']:>5d} {g['seconds']:>7.1f} {g['rho_evaluations']:>4d} "
              f"{g['matvecs']:>5d} {g['peak_mb']:>6.0f} | {g1['seconds']:>15.2f} {u1.get('seconds', float('nan')):>11.2f} "
              f"{u1.get('cells', 0):>5d} {u1.get('peak_mb', float('nan')):>6.0f} {ratio:>6.1f} | {ufs}", flush=True)
        print(f"{'':>16}Γ_el(0) = {g['Gamma_el0']:.4f} (w/Γ_el = {w / g['Gamma_el0']:.3g}); ρ at the graded λ_c: graded "
              f"{g1['rho']:.6f}, uniform {u1.get('rho', float('nan')):.6f}; subspace residual {g['subspace_residual']:.1e}",
              flush=True)
    lo, hi = min(graded_time), max(graded_time)
    if lo != hi:
        print(f"\ngraded grid: λ_c at w/Γ_el = {lo:g} costs {graded_time[lo] / graded_time[hi]:.2f}× the point at "
              f"w/Γ_el = {hi:g} ({graded_time[lo]:.1f} s vs {graded_time[hi]:.1f} s)")
    if 3.0 in graded_time and lo < 3.0:
        print(f"graded grid: w/Γ_el = {lo:g} costs {graded_time[lo] / graded_time[3.0]:.2f}× the w/Γ_el = 3 point")


if __name__ == "__main__":
    main()
