"""Issue 13: the graded real-frequency grid and the eigen-seeded gap solve against the uniform FFT path, on the
same run (units: boson frequency Ω = 1).  Every case runs in its own process, which reports its wall time and
its peak resident memory (ru_maxrss); ratios are printed, there are no thresholds.

    python benchmarks/bench_graded.py              # all cases; the old uniform weak-coupling solve takes ~25 min
    python benchmarks/bench_graded.py --quick      # without the old uniform weak-coupling solve (~5 min)
    python benchmarks/bench_graded.py --memory     # peak memory of one point of every shipped study
    python benchmarks/bench_graded.py --xi         # the ξ-resolved model: graded against uniform (~10 min)

Cases
1. weak coupling (λ = 0.3, T_el = T_b = 0.001, γ = 0.0002, κ = 0.005), gap Δ0:
   new  = no grid given (graded, eigen-seeded, one refinement for the error estimate);
   old  = the uniform grid today's check demands (n_omega = 800001, L = 16) with the seed-and-deflate search;
   mid  = the same uniform grid with the eigen seed (what the nonlinear strategy alone gains).
2. λ_c at T_el = T_b = 0.001 (defaults otherwise): no grid given (graded, Richardson from two grids) against the
   uniform grid chosen when n_omega is not given (262145 points), and the Matsubara solver.
4. (--xi) ξ-resolved λ_c (band W = 5; local kernel: one row; Lorentzian w = 1: one row per graded ξ cell) at moderate
   scales (T = γ = 0.05: the default picks uniform) and at T = 0.002 (a uniform grid needs 65537 points: the default
   picks graded), each on both grids; the finite-band Matsubara solver for the local kernel.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

from common import ROOT, environment, header

RUNNER = r"""
import json, resource, sys, time
spec = json.loads(sys.argv[1])
from nepsolve.physics.params import EliashbergParams, EliashbergXiParams
p = (EliashbergXiParams if spec["what"].startswith("xi") else EliashbergParams)(**spec["params"])
t = time.perf_counter()
if spec["what"] == "gap":
    from nepsolve.models.eliashberg import commands
    r = commands.solve_flat_band(p, start=spec["start"])
    out = {"value": r["delta0"], "evals": r["function_evals"], "converged": r["converged"],
           "estimate": r.get("grid_error_estimate"), "grids": r.get("grids"),
           "stages": [[s["stage"], s.get("function_evals"), s.get("reason")] for s in r.get("stages", [])],
           "attempts": [[a["method"], a["reason"], a["function_evals"]] for a in r.get("attempts", [])]}
elif spec["what"] in ("lambda_c", "xi_lambda_c"):
    from nepsolve.models.eliashberg import commands
    r = commands.critical_value(p)
    out = {"value": r["lambda_c"], "matvecs": r["matvecs"], "estimate": r.get("grid_error_estimate"),
           "grids": r.get("grids"), "converged": r["converged"]}
elif spec["what"] == "xi_matsubara":
    from nepsolve.models import matsubara
    out = {"value": matsubara.band_lambda_c(p.T_el, p.kappa, p.gamma, p.W, p.dos)}
else:
    from nepsolve.models import matsubara
    out = {"value": matsubara.lambda_c(p.T_el, p.kappa, p.gamma)}
out["grid"] = p.frequency_grid
out["n_omega"] = p.n_omega
out["wall"] = time.perf_counter() - t
out["peak_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

WEAK = dict(lam=0.3, T_el=0.001, T_b=0.001, gamma=0.0002, kappa=0.005)
LOW_T = dict(T_el=0.001, T_b=0.001, lam=0.5)


def run(what, params, start="eigen", timeout=7200):
    spec = json.dumps({"what": what, "params": params, "start": start})
    r = subprocess.run([sys.executable, "-c", RUNNER, spec], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def line(label, d):
    est = d.get("estimate")
    print(f"  {label:<44} value {d['value']:.7g}  wall {d['wall']:8.1f} s  peak {d['peak_MB']:7.0f} MB"
          + (f"  est {est:.1e}" if est is not None else "")
          + (f"  evals {d['evals']}" if "evals" in d else "") + (f"  matvecs {d['matvecs']}" if "matvecs" in d else ""))


def weak_coupling(quick: bool):
    header("1. weak-coupling gap Δ0 (λ = 0.3, T = 0.001, γ = 0.0002, κ = 0.005): one core per case")
    new = run("gap", WEAK)
    line("new: no grid (graded, eigen seed)", new)
    print(f"     grids {new['grids']}; stages {new['stages']}")
    uni = dict(WEAK, n_omega=800001, omega_max=16.0)
    mid = run("gap", uni, start="eigen")
    line("uniform 800001 points, eigen seed", mid)
    print(f"     stages {mid['stages']}")
    if quick:
        print("  (--quick: the old seed-and-deflate solve on the uniform grid skipped; full run 2026-12-06, machine shared:"
              " 3307 s, 2347 MB, deflated stage DIVERGED_MAX_IT after 3426 residual evaluations, then 260)")
        old = None
    else:
        old = run("gap", uni, start="seed")
        line("old: uniform 800001 points, seed-and-deflate", old)
        print(f"     attempts {old['attempts']}")
    ref = (old or mid)["value"]
    print(f"  Δ0 new vs uniform: {abs(new['value'] - ref) / ref:.2e} relative")
    print(f"  speed-up new vs uniform+eigen seed: {mid['wall'] / new['wall']:.1f}x;  memory {mid['peak_MB'] / new['peak_MB']:.1f}x")
    if old:
        print(f"  speed-up new vs old uniform path:   {old['wall'] / new['wall']:.1f}x;  "
              f"eigen seed alone on the uniform grid: {old['wall'] / mid['wall']:.1f}x")


def low_temperature():
    header("2. λ_c at T_el = T_b = 0.001 (κ = 0.1, γ = 0.05, λ start 0.5): one core per case")
    new = run("lambda_c", LOW_T)
    line("new: no grid (graded, Richardson of two grids)", new)
    print(f"     grids {new['grids']}")
    old = run("lambda_c", dict(LOW_T, frequency_grid="uniform"))
    line("uniform grid chosen when no n_omega (262145)", old)
    ref = run("matsubara", LOW_T)
    line("Matsubara solver (independent)", ref)
    print(f"  |new − Matsubara|/λ_c = {abs(new['value'] - ref['value']) / ref['value']:.1e};  "
          f"|uniform − Matsubara|/λ_c = {abs(old['value'] - ref['value']) / ref['value']:.1e}")
    print(f"  speed-up new vs uniform: {old['wall'] / new['wall']:.1f}x;  memory {old['peak_MB'] / new['peak_MB']:.1f}x")


def xi_model():
    header("4. ξ-resolved λ_c, W = 5, κ = 0.1: graded against uniform, one core per case")
    for T in (0.05, 0.002):
        for kernel in ("local", "lorentzian"):
            p = dict(W=5.0, kappa=0.1, gamma=T, T_el=T, T_b=T, lam=0.8, kernel=kernel, w=1.0)
            auto = run("xi_lambda_c", p)
            other = run("xi_lambda_c", dict(p, frequency_grid="uniform" if auto["grid"] == "graded" else "graded"))
            g, u = (auto, other) if auto["grid"] == "graded" else (other, auto)
            print(f"  T = γ = {T}, {kernel} kernel (no grid given → {auto['grid']})")
            line("graded (Richardson of two grids)", g)
            line(f"uniform (n_omega = {u['n_omega']})", u)
            msg = f"     uniform/graded wall time {u['wall'] / g['wall']:.2f}x, memory {u['peak_MB'] / g['peak_MB']:.2f}x"
            if kernel == "local":
                ref = run("xi_matsubara", p)
                msg += (f";  |graded − Matsubara|/λ_c {abs(g['value'] - ref['value']) / ref['value']:.1e}, "
                        f"|uniform − Matsubara|/λ_c {abs(u['value'] - ref['value']) / ref['value']:.1e}")
            print(msg, flush=True)


MEMORY_RUNNER = r"""
import json, resource, sys, time
from nepsolve import sweep, plans, registry
cfg = sweep.load_yaml(sys.argv[1])
plan = sweep.make_plan(cfg)
model = registry.get(plan["config"]["model"])
points = [plans.point(plan, i) for i in range(plans.n_points(plan))]
full = lambda pt: model.params(**pt["params"]).as_dict()
pt = max(points, key=lambda pt: model.cost(full(pt), plan["config"]["quantity"]))
q = model.quantities[plan["config"]["quantity"]]
t = time.perf_counter()
rec = q.compute(model.params(**pt["params"]), plan["config"].get("petsc_options"))
print(json.dumps({"wall": time.perf_counter() - t, "status": rec["status"],
                  "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def memory():
    header("3. peak memory of the most expensive point (by the cost model) of every shipped study, one process each")
    for cfg in sorted((ROOT / "config").glob("*.yaml")):
        r = subprocess.run([sys.executable, "-c", MEMORY_RUNNER, str(cfg)], capture_output=True, text=True,
                           timeout=3600, cwd=ROOT, env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
        if r.returncode:
            print(f"  {cfg.name:<22} failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '?'}")
            continue
        d = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"  {cfg.name:<22} peak {d['peak_MB']:7.0f} MB  wall {d['wall']:7.1f} s  status {d['status']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the old uniform weak-coupling solve (~25 min)")
    ap.add_argument("--memory", action="store_true", help="only the peak memory of the shipped studies")
    ap.add_argument("--xi", action="store_true", help="only the ξ-resolved model, graded against uniform")
    args = ap.parse_args()
    environment("graded-grid", args.quick)
    if args.memory:
        memory()
        return
    if args.xi:
        xi_model()
        return
    weak_coupling(args.quick)
    low_temperature()


if __name__ == "__main__":
    main()
