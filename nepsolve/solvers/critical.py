"""Critical points: the parameter value where the leading eigenvalue ρ crosses 1 (ELIASHBERG_SPEC §6.1),
or where a state stops existing (a gap root, for first-order transitions; PORTA_SPEC §4.5).

Model-agnostic: the caller supplies ρ(x) (e.g. x = λ at fixed temperatures, or a temperature
scale at fixed λ), or a predicate inside(x).  Both searches walk a sequence of points until the side
changes (`_walk`: geometric from a start value, or a given grid) and then refine the bracket: Brent's
method on ρ − 1, geometric bisection on the predicate.  Every evaluation is recorded, so a failed search
still explains itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.optimize import brentq


@dataclass
class CrossingResult:
    value: float              # x* with ρ(x*) = 1 (NaN if not found)
    converged: bool
    message: str
    evaluations: list = field(default_factory=list)   # (x, ρ) pairs in call order


def find_crossing(rho: Callable[[float], float], x0: float, increasing: bool, lo: float, hi: float,
                  rtol: float = 1e-7, factor: float = 1.6, max_expand: int = 40) -> CrossingResult:
    """Solve ρ(x) = 1 on [lo, hi], starting from x0; ρ increasing or decreasing in x."""
    evals: list = []
    cache: dict = {}

    def f(x):
        if x not in cache:
            r = rho(x)
            cache[x] = r
            evals.append((x, r))
        return cache[x] - 1.0

    x0 = min(max(x0, lo), hi)
    f0 = f(x0)
    if f0 == 0.0:
        return CrossingResult(x0, True, "exact", evals)
    go_up = (f0 < 0) == increasing           # direction in which ρ − 1 changes sign
    a, b = _walk(lambda x: np.sign(f(x)), x0, np.sign(f0), _geometric(x0, go_up, lo, hi, factor, max_expand))
    if b is not None:
        lo_b, hi_b = (a, b) if a < b else (b, a)
        root = brentq(f, lo_b, hi_b, rtol=rtol, xtol=1e-14)
        return CrossingResult(float(root), True, "converged", evals)
    side = "above" if go_up else "below"
    rhos = [r for _, r in evals]
    trend = ("rho = -inf: no real eigenvalue among those computed (all complex)" if f(a) + 1 == -np.inf else
             f"rho went from {rhos[0]:.6g} at x = {evals[0][0]:g} to {f(a) + 1:.6g} at x = {a:g}")
    return CrossingResult(float("nan"), False,
                          f"no crossing of rho = 1 found {side} {x0:g} within [{lo:g}, {hi:g}] ({trend})", evals)


def _geometric(x0: float, up: bool, lo: float, hi: float, factor: float, max_expand: int):
    """x0·factor^k (up) or x0/factor^k, stopping at the bound lo or hi."""
    a = x0
    for _ in range(max_expand):
        b = min(a * factor, hi) if up else max(a / factor, lo)
        yield b
        if b in (lo, hi):
            return
        a = b


def _walk(side: Callable, a: float, side_a, points):
    """Walk `points` from a (whose side is side_a) to the first point b on another side: (a, b) with a the
    last point on the first side, or (last point, None) if the side never changes."""
    for b in points:
        side_b = side(b)
        if side_b != side_a:
            return a, b
        a = b
    return a, None


def find_edge(inside: Callable[[float], bool], grid, rtol: float = 1e-4) -> CrossingResult:
    """The upper edge x* of the region where `inside(x)` holds, for x on the increasing positive `grid`:
    inside(grid[0]) must hold; the grid is walked to the first point outside, and the bracket bisected
    geometrically to a relative width rtol; x* is its geometric centre.  For transitions without a
    continuous order parameter at the edge (first order: a root that disappears)."""
    evals: list = []

    def f(x):
        r = bool(inside(x))
        evals.append((x, r))
        return r

    grid = [float(x) for x in grid]
    if not f(grid[0]):
        return CrossingResult(float("nan"), False, f"not inside at the lowest point scanned ({grid[0]:.3g})", evals)
    lo, hi = _walk(f, grid[0], True, grid[1:])
    if hi is None:
        return CrossingResult(float("nan"), False, f"still inside at the highest point scanned ({grid[-1]:.3g})",
                              evals)
    while hi - lo > rtol * hi:
        mid = np.sqrt(lo * hi)
        if f(mid):
            lo = mid
        else:
            hi = mid
    return CrossingResult(float(np.sqrt(lo * hi)), True, "converged", evals)


@dataclass
class FamilyResult:
    """The most unstable member of a family of independent problems (labels x, e.g. the ξ rows of the
    ξ-local model): the smallest critical value c*(x) over x, where ρ(x, c*) = 1."""

    value: float                # min over x of the critical value (NaN if not found)
    label: float                # its x
    converged: bool
    message: str
    profile: list = field(default_factory=list)    # (x, ρ(x, value)) over the scanned labels: all ≤ 1
    evaluations: int = 0        # ρ evaluations in all


def most_unstable_member(crossing_at: Callable, rho_at: Callable, labels, tol: float = 1e-7,
                         max_rounds: int = 5) -> FamilyResult:
    """The most unstable member: the one whose crossing c*(x) is reached first — min_x c*(x) for ρ(x, c)
    increasing in c (a coupling), max_x c*(x) for ρ decreasing in c (a temperature).

    `crossing_at(x, start)` → CrossingResult of ρ(x, ·) = 1 from `start` (None: the caller's default);
    `rho_at(x, c)` → ρ.  Start at labels[0]; then, at the current critical value c, scan ρ(x, c) over
    `labels`: if some member exceeds 1 + tol it is still unstable at c, hence more unstable — its maximum is refined (bounded
    Brent between the neighbouring labels) and its own crossing becomes the new c.  Ends when the whole
    scan stays ≤ 1 + tol at c, which is also the check reported with the answer (`profile`)."""
    from scipy.optimize import minimize_scalar

    labels = [float(x) for x in labels]
    count = {"n": 0}

    def rho(x, c):
        count["n"] += 1
        return rho_at(x, c)

    x_best = labels[0]
    cr = crossing_at(x_best, None)
    count["n"] += len(cr.evaluations)
    if not cr.converged:
        return FamilyResult(float("nan"), x_best, False, f"x = {x_best:g}: {cr.message}", [], count["n"])
    c = cr.value
    for _ in range(max_rounds):
        profile = [(x, 1.0 if x == x_best else rho(x, c)) for x in labels]
        values = np.array([r for _, r in profile])
        k = int(np.argmax(values))
        if values[k] <= 1.0 + tol:
            return FamilyResult(c, x_best, True, "converged", profile, count["n"])
        lo = labels[max(k - 1, 0)]
        hi = labels[min(k + 1, len(labels) - 1)]
        opt = minimize_scalar(lambda x: -rho(x, c), bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-4 * max(hi - lo, 1e-12)})
        x_new = float(opt.x) if -opt.fun > values[k] else labels[k]
        cr = crossing_at(x_new, c)
        count["n"] += len(cr.evaluations)
        if not cr.converged:
            return FamilyResult(float("nan"), x_new, False, f"x = {x_new:g}: {cr.message}", profile, count["n"])
        x_best, c = x_new, cr.value
    return FamilyResult(c, x_best, False, f"the most unstable member did not settle in {max_rounds} rounds",
                        profile, count["n"])
