#!/usr/bin/env python
"""Performance benchmark of the flat-band Keldysh–Eliashberg solver (units: Ω = 1).

Prints ratios measured within one run (no pass/fail thresholds):

  1. nonlinear gap-residual time vs N_ω = 2^k + 1 (bath mode): t/(N log2 N) and the fitted exponent p
     of t ∝ N^p (O(N log N) FFT convolutions give p ≈ 1);
  2. FFT vs dense O(N²) application of the linear gap operator 𝓛 at one N_ω (agreement, time ratio,
     separate build time of the dense Toeplitz matrices);
  3. nonlinear solvers on one superconducting point: SNES Newton–Krylov (matrix-free) vs SNES Anderson
     vs plain linear mixing — residual evaluations and wall time to ‖R‖ ≤ 1e-10·max(‖x0‖, 1),
     in bath and kinetic (6-block) mode;
  4. λ_c by the eigen route (leading eigenvalue of 𝓛 = 1; matvecs) vs bisection on nonlinear solves,
     both expressed in residual-evaluation units.

Run from the repository root:  .venv/bin/python benchmarks/bench_flatband.py [--quick]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before numpy is imported: serial BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import inspect
import math
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import environment, header  # noqa: E402  (benchmarks/common.py)
import numpy as np
import scipy
from scipy.linalg import toeplitz

from nepsolve import api
from nepsolve.models.eliashberg import FlatBandEliashberg
from nepsolve.physics.params import EliashbergParams
from nepsolve.solvers import mixing, snes

# Options of the three solvers compared in part 3.  Newton–Krylov: exactly the first rung of the
# solver ladder, passed explicitly with fallback=False (solve(options=None, fallback=False) would still
# run the whole ladder).  Anderson: as in the brief, plus the ladder's -snes_max_it (with a user
# -snes_type and fallback=False only the user options are set, so PETSc's default of 50 would apply).
NK_OPTIONS = " ".join(f"-{k} {v}" for k, v in snes.LADDER[0][1].items())
ANDERSON_OPTIONS = ("-snes_type anderson -snes_anderson_m 10 -snes_anderson_beta 0.5 "
                    "-snes_linesearch_type basic -snes_max_it 3000")
MIX_BETA = 0.3
TOL = 1e-10
SC_THRESHOLD = 1e-6          # "superconducting" if max|φ| exceeds this
# snes.solve may run an Anderson warm-up before the ladder (keyword `warmup`, default changed during
# development); the pure-method runs pass warmup=0, the "solve() default" rows keep the library default.
_SOLVE_PARAMS = inspect.signature(snes.solve).parameters
SOLVE_HAS_WARMUP = "warmup" in _SOLVE_PARAMS
DEFAULT_WARMUP = _SOLVE_PARAMS["warmup"].default if SOLVE_HAS_WARMUP else 0


def pure(has_warmup: bool) -> dict:
    """Keyword arguments that make a solve run only the requested method."""
    return {"warmup": 0} if has_warmup else {}


# The physical point of parts 2–4 (superconducting: λ_c ≈ 0.78 on these baths).
POINT = dict(lam=1.2, kappa=0.2, gamma=0.05, T_el=0.05, T_b=0.05)
KINETIC_CHANGES = dict(fel_mode="kinetic", T_b=0.1)   # hotter boson bath: F_el ≠ tanh(ω/2T_el)


# ------------------------------------------------------------------------------------------ helpers
def best_time(fn, min_time: float, repeat: int = 5) -> float:
    """Best-of-`repeat` seconds per call, each repeat looping until ≥ min_time (timeit style)."""
    fn()                                               # warm-up (plans, caches)
    number = 1
    while True:
        t = timeit.timeit(fn, number=number)
        if t >= min_time or number >= 1 << 20:
            break
        number *= 2 if t <= 0 else max(2, min(10, int(math.ceil(1.2 * min_time / t))))
    times = [t / number] + [timeit.timeit(fn, number=number) / number for _ in range(repeat - 1)]
    return min(times)


def params(n_omega: int, omega_max: float, **changes) -> EliashbergParams:
    return EliashbergParams(**{**POINT, "n_omega": n_omega, "omega_max": omega_max, **changes})


def electron_distribution(model: FlatBandEliashberg):
    """F_el on the 2-extended grid; in kinetic mode solved with SNES (returns result for reporting)."""
    if model.params.fel_mode == "bath":
        return model.bath_distribution(), None
    res = snes.solve(model.kinetic_problem(), tol=1e-11)
    if not res.converged:
        raise RuntimeError(f"kinetic equation did not converge: {res.message}")
    return res.x, res


# ------------------------------------------------------------------------------- 1. residual scaling
def bench_residual_scaling(ks, omega_max: float, min_time: float, repeat: int) -> dict:
    header(f"1. Nonlinear gap residual R(x) = x − M(x), bath mode: time vs N_ω = 2^k+1, k = {ks[0]}..{ks[-1]}"
           f"  (omega_max = {omega_max:g}, best of {repeat})")
    print(f"{'N_omega':>9} {'FFT len':>9} {'t_res [s]':>11} {'t/(N log2 N) [ns]':>18} {'local p':>8}")
    rows = []
    for k in ks:
        n = 2**k + 1
        model = FlatBandEliashberg(params(n, omega_max))
        problem = model.gap_problem(model.bath_distribution())
        x = problem.initial_guess()
        out = np.empty_like(x)
        t = best_time(lambda: problem.residual(x, out), min_time, repeat)
        local = ""
        if rows:
            local = f"{math.log(t / rows[-1][1]) / math.log(n / rows[-1][0]):8.2f}"
        rows.append((n, t))
        print(f"{n:>9d} {model.conv_ext.nfft:>9d} {t:11.3e} {1e9 * t / (n * math.log2(n)):18.2f} {local:>8}",
              flush=True)
        del model, problem, x, out
    N = np.array([r[0] for r in rows], float)
    T = np.array([r[1] for r in rows])
    p = float(np.polyfit(np.log(N), np.log(T), 1)[0])
    q = float(np.polyfit(np.log(N * np.log2(N)), np.log(T), 1)[0])
    ratio = T[-1] / T[0]
    print(f"fitted exponent p (t ∝ N^p, least squares over all rows): p = {p:.3f}"
          f"   [t ∝ (N log2 N)^q: q = {q:.3f}]")
    print(f"t({int(N[-1])})/t({int(N[0])}) = {ratio:.1f}  vs  N ratio {N[-1] / N[0]:.1f}, "
          f"N log2 N ratio {N[-1] * math.log2(N[-1]) / (N[0] * math.log2(N[0])):.1f}, "
          f"N^2 ratio {(N[-1] / N[0]) ** 2:.3g}")
    print("(FFT lengths are scipy next_fast_len sizes, not powers of two: some of the scatter in t/(N log N)"
          " is the radix mix; large N also leaves the CPU caches)")
    return {"p": p, "q": q, "rows": rows}


# ---------------------------------------------------------------------------- 2. FFT vs dense kernel
def toeplitz_kernel(g: np.ndarray, m: int, dw: float) -> np.ndarray:
    """Dense K with (K u)_i = Δω Σ_j g(ω_i − ω_j) u_j = dw·g[i − j + m] (0 outside the grid)."""
    n = g.size
    c = np.zeros(n, dtype=g.dtype)
    r = np.zeros(n, dtype=g.dtype)
    c[: m + 1] = dw * g[m:]            # i ≥ j: g[(i − j) + m]
    r[: m + 1] = dw * g[m::-1]         # j > i: g[m − (j − i)]
    return toeplitz(c, r)


def bench_dense(n: int, omega_max: float, min_time: float, dense_repeat: int) -> dict:
    header(f"2. Linear gap operator 𝓛[φ]: FFT convolutions vs dense O(N²) Toeplitz matrices, N_ω = {n}")
    model = FlatBandEliashberg(params(n, omega_max))
    g = model.grid
    op = model.gap_operator(model.bath_distribution(), "full")
    t0 = time.perf_counter()
    Tn = toeplitz_kernel(model.n, g.m, g.dw)          # real   N×N  (noise kernel n(ν))
    TL = toeplitz_kernel(model.Lam, g.m, g.dw)        # complex N×N (coupling Λ^R(ν))
    t_build = time.perf_counter() - t0
    gbytes = (Tn.nbytes + TL.nbytes) / 1e9
    w, weight, F = op.omega_tilde, getattr(op, "weight", 1.0), op.F_el

    def dense_apply(phi):
        # 𝓛[φ] = (iπ/2) K_n u − (1/2) K_Λ (F_el Re u),  u = φ/ω̃  (same formula as GapOperator.apply)
        u = weight * phi / w
        U = Tn @ np.column_stack([u.real, u.imag])    # real matrix on Re and Im parts (one dgemm)
        return 0.5j * np.pi * (U[:, 0] + 1j * U[:, 1]) - 0.5 * (TL @ (F * u.real))

    rng = np.random.default_rng(1)
    phis = {"BCS seed 0.1/(1+ω²)": 0.1 / (1 + g.omega**2) + 0j,
            "random complex": rng.standard_normal(n) + 1j * rng.standard_normal(n)}
    for name, phi in phis.items():
        y_fft, y_dense = op.apply(phi), dense_apply(phi)
        diff = float(np.max(np.abs(y_fft - y_dense)))
        print(f"agreement ({name:>20}): max|FFT − dense| = {diff:.2e}   "
              f"(relative to max|𝓛φ| = {diff / float(np.max(np.abs(y_fft))):.2e})")
    phi = phis["random complex"]
    t_fft = best_time(lambda: op.apply(phi), min_time)
    t_dense = best_time(lambda: dense_apply(phi), 0.0, dense_repeat)
    print(f"dense build (scipy.linalg.toeplitz, 1 real + 1 complex N×N, {gbytes:.2f} GB): {t_build:.3f} s"
          f"  = {t_build / t_fft:.3g} FFT applications")
    print(f"time per application:  FFT {t_fft:.3e} s   dense {t_dense:.3e} s   ratio dense/FFT = "
          f"{t_dense / t_fft:.1f}")
    del Tn, TL
    return {"n": n, "t_fft": t_fft, "t_dense": t_dense, "t_build": t_build, "ratio": t_dense / t_fft}


# ------------------------------------------------------------------------- 3. nonlinear solvers
def run_solver(method: str, problem, repeats: int):
    """Best wall time over `repeats` runs (evaluation counts are deterministic)."""
    best, res = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        if method == "newton-krylov":
            res = snes.solve(problem, NK_OPTIONS, tol=TOL, fallback=False, **pure(SOLVE_HAS_WARMUP))
        elif method == "anderson":
            res = snes.solve(problem, ANDERSON_OPTIONS, tol=TOL, fallback=False, **pure(SOLVE_HAS_WARMUP))
        elif method == "solve() default":
            res = snes.solve(problem, tol=TOL)
        else:
            res = mixing.linear_mixing(problem, beta=MIX_BETA, tol=TOL)
        best = min(best, time.perf_counter() - t0)
    return res, best


def bench_solvers(n: int, omega_max: float, seeds, repeats: int) -> dict:
    header(f"3. Nonlinear solvers, N_ω = {n}, omega_max = {omega_max:g}: evaluations and wall time to "
           f"‖R‖ ≤ {TOL:g}·max(‖x0‖,1)")
    print(f"Newton–Krylov: {NK_OPTIONS}")
    print(f"Anderson:      {ANDERSON_OPTIONS}")
    print(f"mixing:        x ← x − {MIX_BETA}·R(x)")
    print(f"solve() default: the library's default snes.solve (" +
          (f"Anderson warm-up of {DEFAULT_WARMUP} its, then the ladder" if DEFAULT_WARMUP
           else "no warm-up: the ladder, Newton–Krylov first") +
          f"); NK and Anderson rows run {'with warmup=0, ' if SOLVE_HAS_WARMUP else ''}fallback=False")
    print(f"wall time: best of {repeats}; evals: residual evaluations incl. those inside the matrix-free Jacobian")
    points = {"bath": params(n, omega_max), "kinetic": params(n, omega_max, **KINETIC_CHANGES)}
    # PETSc start-up (first SNES) outside the timings
    warm = FlatBandEliashberg(params(n, omega_max, lam=0.3))
    snes.solve(warm.gap_problem(warm.bath_distribution()), NK_OPTIONS, fallback=False, **pure(SOLVE_HAS_WARMUP))
    out = {}
    for label, p in points.items():
        model = FlatBandEliashberg(p)
        t0 = time.perf_counter()
        F_ext, kin = electron_distribution(model)
        print(f"\n[{label}] lam={p.lam:g} kappa={p.kappa:g} gamma={p.gamma:g} T_el={p.T_el:g} T_b={p.T_b:g} "
              f"fel_mode={p.fel_mode}", end="")
        if kin is not None:
            print(f"; kinetic F_el by SNES: {kin.function_evals} evals, {time.perf_counter() - t0:.3f} s, "
                  f"max|F_el − tanh(ω/2T_el)| = {np.max(np.abs(model.grid.center(F_ext, 2) - model.F_bath)):.3f}")
        else:
            print()
        blocks = model.gap_problem(F_ext).n_blocks
        print(f"unknowns: {blocks} blocks × {n} = {blocks * n}")
        print(f"{'seed':>5} {'method':>15} {'conv':>5} {'evals':>6} {'its':>5} {'wall [s]':>9} "
              f"{'evals/NK':>9} {'time/NK':>8} {'max|phi|':>10} {'Delta0':>8} {'state':>7}")
        for seed in seeds:
            problem = model.gap_problem(F_ext, seed)
            rows = {}
            for method in ("newton-krylov", "anderson", "mixing", "solve() default"):
                res, wall = run_solver(method, problem, repeats)
                sol = problem.solution(res.x)
                phi_max = float(np.max(np.abs(sol["phi"])))
                rows[method] = dict(conv=res.converged, evals=res.function_evals, its=res.iterations, wall=wall,
                                    phi=phi_max, delta0=sol["delta0"], sc=phi_max > SC_THRESHOLD)
            nk = rows["newton-krylov"]
            for method, r in rows.items():
                print(f"{seed:5.2g} {method:>15} {str(r['conv']):>5} {r['evals']:6d} {r['its']:5d} {r['wall']:9.4f} "
                      f"{r['evals'] / nk['evals']:9.2f} {r['wall'] / nk['wall']:8.2f} {r['phi']:10.3e} "
                      f"{r['delta0']:8.4f} {'SC' if r['sc'] else 'normal':>7}")
            same = len({r["sc"] for r in rows.values()}) == 1 and all(r["conv"] for r in rows.values())
            if not same:
                odd = ", ".join(m for m, r in rows.items() if not r["sc"])
                print(f"      -> seed {seed:g}: not all solvers reach the same solution ({odd}: normal state φ = 0, "
                      f"an unstable root that Newton converges to); ratios for this seed compare different states")
            out[(label, seed)] = {"rows": rows, "same_state": same}
    return out


# ---------------------------------------------------------------------------- 4. λ_c two ways
def gap_default(p: EliashbergParams) -> dict:
    """The library's nonlinear gap solve, all defaults (BCS seed 0.1)."""
    return api.solve_gap(p, tol=TOL)


def gap_plain(p: EliashbergParams, options: str, seed: float = 0.1) -> dict:
    """One SNES method on the plain (undeflated) gap problem from the BCS seed (bypasses api.solve_gap)."""
    model = FlatBandEliashberg(p)
    F_ext, _ = electron_distribution(model)
    problem = model.gap_problem(F_ext, seed)
    res = snes.solve(problem, options, tol=TOL, fallback=False, **pure(SOLVE_HAS_WARMUP))
    return {"converged": res.converged, "phi_max": float(np.max(np.abs(problem.unpack(res.x)[1]))),
            "function_evals": res.function_evals, "method": res.method}


def bisection(p: EliashbergParams, lo: float, hi: float, rel: float, solve_fn, threshold: float = SC_THRESHOLD):
    """Bisection on λ with nonlinear solves `solve_fn(params)`; returns a record of every solve."""
    log = []

    def superconducting(lam):
        d = solve_fn(p.replace(lam=lam))
        sc = bool(d["converged"] and d["phi_max"] > threshold)
        log.append(dict(lam=lam, sc=sc, conv=d["converged"], evals=d["function_evals"], phi=d["phi_max"],
                        method=d["method"]))
        return sc

    t0 = time.perf_counter()
    ok_lo, ok_hi = not superconducting(lo), superconducting(hi)
    valid = ok_lo and ok_hi
    while valid and hi - lo > rel * 0.5 * (hi + lo):
        mid = 0.5 * (lo + hi)
        if superconducting(mid):
            hi = mid
        else:
            lo = mid
    wall = time.perf_counter() - t0
    return dict(lambda_c=0.5 * (lo + hi) if valid else float("nan"), valid=valid, lo=lo, hi=hi, log=log,
                threshold=threshold,
                evals=sum(r["evals"] for r in log), solves=len(log), wall=wall,
                unconverged=sum(not r["conv"] for r in log))


def bench_lambda_c(n: int, omega_max: float, bracket, rel: float, min_time: float, repeats: int,
                   strict: float = 1e-4) -> dict:
    p = params(n, omega_max)
    header(f"4. Critical coupling λ_c, N_ω = {n}, omega_max = {omega_max:g} (kappa={p.kappa:g} gamma={p.gamma:g}"
           f" T_el=T_b={p.T_el:g}): eigen route vs bisection on nonlinear solves")
    # unit costs on this grid
    model = FlatBandEliashberg(p)
    F_ext = model.bath_distribution()
    op = model.gap_operator(F_ext, "even")
    y = np.random.default_rng(2).standard_normal(op.size)
    t_mv = best_time(lambda: op.matvec(y), min_time)
    problem = model.gap_problem(F_ext)
    x = problem.initial_guess()
    r = np.empty_like(x)
    t_res = best_time(lambda: problem.residual(x, r), min_time)
    c = t_mv / t_res
    print(f"unit costs: one matvec of 𝓛 (even sector, {op.size} reals) {t_mv:.3e} s; one nonlinear residual "
          f"({problem.size} reals) {t_res:.3e} s  →  1 matvec = {c:.3f} residual evaluations")

    # eigen route (ρ(λ) = 1 by bracketing + Brent, ARPACK per ρ), started from params.lam
    eig = {}
    for rtol in (1e-8, rel):
        best = None
        for _ in range(repeats):
            d = api.critical_coupling(p, rtol=rtol)
            if best is None or d["wall_time"] < best["wall_time"]:
                best = d
        eig[rtol] = best
    # bisection with the default api.solve_gap, and with plain SNES Anderson (both from the BCS seed 0.1)
    bis = bisection(p, bracket[0], bracket[1], rel, gap_default)
    bis_strict = bisection(p, bracket[0], bracket[1], rel, gap_default, threshold=strict)
    bis_and = bisection(p, bracket[0], bracket[1], rel, lambda q: gap_plain(q, ANDERSON_OPTIONS))
    routes = (("bisection, solve_gap default", bis), (f"bisection, solve_gap default, |φ|>{strict:g}", bis_strict),
              ("bisection, plain Anderson", bis_and))
    # the point of part 3 (λ = 1.2 > λ_c) from the BCS seed 0.1: default solve_gap and pure Newton–Krylov
    probes = {"solve_gap default": api.solve_gap(p, tol=TOL),
              "plain Newton–Krylov": gap_plain(p, NK_OPTIONS)}

    print(f"{'route':>44} {'lambda_c':>12} {'work':>22} {'resid-equiv':>12} {'wall [s]':>9}")
    for rtol, d in eig.items():
        name = f"eigen (Brent rtol={rtol:g}, start λ={p.lam:g})"
        work = f"{d['matvecs']} matvecs / {d['rho_evaluations']} ρ"
        print(f"{name:>44} {d['lambda_c']:12.8f} {work:>22} {d['matvecs'] * c:12.1f} {d['wall_time']:9.3f}")
    for name, b in routes:
        lam_txt = f"{b['lambda_c']:12.8f}" if b["valid"] else f"{'invalid':>12}"
        work = f"{b['evals']} evals / {b['solves']} solves"
        print(f"{name:>44} {lam_txt} {work:>22} {b['evals']:12d} {b['wall']:9.3f}")
    ref = eig[1e-8]
    ref_equiv = ref["matvecs"] * c
    print(f"bisection bracket [{bracket[0]:g}, {bracket[1]:g}] → final width < {rel:g} relative; "
          f"superconducting ⇔ converged and max|φ| > {SC_THRESHOLD:g} (or the stated threshold); "
          f"λ_c(bisection) = bracket midpoint")
    print("  solve_gap default = api.solve_gap(params) as shipped; plain Anderson = snes.solve(gap problem, "
          "Anderson options above, fallback=False)")
    for name, b in (("default", bis), (f"default |φ|>{strict:g}", bis_strict), ("Anderson", bis_and)):
        if not b["valid"]:
            print(f"  {name}: bracket endpoints not classified normal/SC: {b['log'][:2]}")
            continue
        print(f"  {name}: λ_c(bisection) − λ_c(eigen) = {b['lambda_c'] - ref['lambda_c']:+.2e} "
              f"(bracket half-width {0.5 * (b['hi'] - b['lo']):.1e}); unconverged solves: {b['unconverged']}; "
              f"evals per solve {min(r['evals'] for r in b['log'])}..{max(r['evals'] for r in b['log'])}")
        wrong = [r for r in b["log"] if r["sc"] and r["lam"] < ref["lambda_c"]]
        for r in wrong:
            print(f"      classified SC below λ_c(eigen): λ = {r['lam']:.6f} ({r['lam'] / ref['lambda_c'] - 1:+.1e} rel), "
                  f"max|φ| = {r['phi']:.2e}, method {r['method']}  (normal state blurred along the soft mode)")
    print(f"ratio bisection(default)/eigen(rtol=1e-8): residual-equivalents {bis['evals'] / ref_equiv:.1f}, "
          f"wall time {bis['wall'] / ref['wall_time']:.1f}")
    mt = eig[rel]
    print(f"ratio bisection(default)/eigen(rtol={rel:g}, same tolerance): residual-equivalents "
          f"{bis['evals'] / (mt['matvecs'] * c):.1f}, wall time {bis['wall'] / mt['wall_time']:.1f}")
    for name, d in probes.items():
        sc = d["converged"] and d["phi_max"] > SC_THRESHOLD
        print(f"check at λ = {p.lam:g} (> λ_c), BCS seed 0.1, {name}: {'SC' if sc else 'NORMAL state'} "
              f"(max|φ| = {d['phi_max']:.2e}, {d['function_evals']} evals, method {d['method']})"
              + ("" if sc else " -> a bisection bracket reaching this λ would be misclassified"))
    return {"c": c, "eig": eig, "bis": bis, "bis_strict": bis_strict, "bis_and": bis_and}


# ------------------------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke test (< 1 min): k = 12..14, N_ω = 2049 (omega_max = 8) in parts 2–4")
    ap.add_argument("--kmax", type=int, help="largest k of part 1 (N_ω = 2^k+1); default 18 (quick: 14)")
    ap.add_argument("--dense-n", type=int, help="N_ω of part 2; default 8193 (quick: 2049)")
    ap.add_argument("--solver-n", type=int, help="N_ω of parts 3 and 4; default 4097 (quick: 2049)")
    ap.add_argument("--bracket", type=float, nargs=2, default=(0.5, 1.0), metavar=("LO", "HI"),
                    help="λ bracket of the bisection in part 4 (default 0.5 1.0)")
    ap.add_argument("--parts", default="1234", help="which parts to run, e.g. 13 (default 1234)")
    args = ap.parse_args(argv)

    quick = args.quick
    kmax = args.kmax or (14 if quick else 18)
    ks = list(range(12, kmax + 1))
    omega_small = 8.0 if quick else 12.0          # Δω = omega_max/M ≤ min(γ, κ, T)/5 = 0.01
    dense_n = args.dense_n or (2049 if quick else 8193)
    solver_n = args.solver_n or (2049 if quick else 4097)
    min_time = 0.05 if quick else 0.2
    repeats = 1 if quick else 3

    t_start = time.perf_counter()
    have_petsc = environment('flat-band', args.quick)
    res = {}
    if "1" in args.parts:
        res[1] = bench_residual_scaling(ks, 12.0, min_time, 3 if quick else 5)
    if "2" in args.parts:
        res[2] = bench_dense(dense_n, omega_small if dense_n < 4097 else 12.0, min_time, 3)
    if not have_petsc and ("3" in args.parts or "4" in args.parts):
        print("\npetsc4py is not importable: parts 3 and 4 (SNES) skipped")
    else:
        if "3" in args.parts:
            res[3] = bench_solvers(solver_n, omega_small if solver_n < 4097 else 12.0, (0.1, 0.5), repeats)
        if "4" in args.parts:
            res[4] = bench_lambda_c(solver_n, omega_small if solver_n < 4097 else 12.0, args.bracket, 1e-4,
                                    min_time, repeats)

    header("SUMMARY (ratios measured in this run)")
    if 1 in res:
        r = res[1]
        print(f"residual time exponent, N_ω = 2^{ks[0]}+1..2^{ks[-1]}+1:      p = {r['p']:.2f}  "
              f"(t ∝ N^p; O(N log N) expected, O(N²) would give 2)")
    if 2 in res:
        r = res[2]
        print(f"dense/FFT time per 𝓛 application, N_ω = {r['n']}:          {r['ratio']:.0f}×  "
              f"(+ {r['t_build']:.2f} s to build the dense matrices)")
    if 3 in res:
        for label in ("bath", "kinetic"):
            for seed in (0.5, 0.1):
                d = res[3].get((label, seed))
                if d is None:
                    continue
                rows = d["rows"]
                nk = rows["newton-krylov"]
                normal = [m for m, r in rows.items() if not r["sc"]]
                tag = "" if d["same_state"] else f"  [normal state reached by: {', '.join(normal) or 'none'}]"
                print(f"solvers {label:>7}, seed {seed:g}: evals NK {nk['evals']}, Anderson {rows['anderson']['evals']}"
                      f" ({rows['anderson']['evals'] / nk['evals']:.2f}×), mixing {rows['mixing']['evals']}"
                      f" ({rows['mixing']['evals'] / nk['evals']:.1f}×), solve() default {rows['solve() default']['evals']}; "
                      f"wall Anderson/NK "
                      f"{rows['anderson']['wall'] / nk['wall']:.2f}, mixing/NK {rows['mixing']['wall'] / nk['wall']:.1f}"
                      f"{tag}")
    if 4 in res:
        r = res[4]
        e, b, bs, ba = r["eig"][1e-8], r["bis"], r["bis_strict"], r["bis_and"]
        equiv = e["matvecs"] * r["c"]
        print(f"λ_c eigen: {e['lambda_c']:.6f} ({e['matvecs']} matvecs = {equiv:.0f} residual-equivalents, "
              f"{e['wall_time']:.2f} s)")
        if b["valid"]:
            print(f"λ_c bisection (default solve_gap): {b['lambda_c']:.6f} (diff {b['lambda_c'] - e['lambda_c']:+.1e}; "
                  f"{b['evals']} residual evals in {b['solves']} solves, {b['wall']:.2f} s)  →  bisection/eigen = "
                  f"{b['evals'] / equiv:.1f}× evals, {b['wall'] / e['wall_time']:.1f}× wall")
        if bs["valid"]:
            print(f"  same, threshold |φ| > {bs['threshold']:g}:      {bs['lambda_c']:.6f} (diff {bs['lambda_c'] - e['lambda_c']:+.1e}; "
                  f"{bs['evals']} residual evals, {bs['wall']:.2f} s)  →  bisection/eigen = "
                  f"{bs['evals'] / equiv:.1f}× evals, {bs['wall'] / e['wall_time']:.1f}× wall")
        if ba["valid"]:
            print(f"λ_c bisection (plain Anderson):    {ba['lambda_c']:.6f} (diff {ba['lambda_c'] - e['lambda_c']:+.1e}; "
                  f"{ba['evals']} residual evals, {ba['wall']:.2f} s)  →  bisection/eigen = "
                  f"{ba['evals'] / equiv:.1f}× evals, {ba['wall'] / e['wall_time']:.1f}× wall")
    print(f"total benchmark wall time: {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
