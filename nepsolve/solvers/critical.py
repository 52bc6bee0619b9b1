"""Critical points: the parameter value where the leading eigenvalue ρ crosses 1 (ELIASHBERG_SPEC §6.1).

Model-agnostic: the caller supplies ρ(x) (e.g. x = λ at fixed temperatures, or a temperature
scale at fixed λ).  The search brackets the crossing geometrically from a start value and then
runs Brent's method; every ρ evaluation is recorded, so a failed search still explains itself.
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
    # direction in which ρ − 1 changes sign
    go_up = (f0 < 0) == increasing
    a, fa = x0, f0
    for _ in range(max_expand):
        b = min(a * factor, hi) if go_up else max(a / factor, lo)
        fb = f(b)
        if np.sign(fb) != np.sign(fa):
            lo_b, hi_b = (a, b) if a < b else (b, a)
            root = brentq(f, lo_b, hi_b, rtol=rtol, xtol=1e-14)
            return CrossingResult(float(root), True, "converged", evals)
        if b in (lo, hi):
            break
        a, fa = b, fb
    side = "above" if go_up else "below"
    return CrossingResult(float("nan"), False,
                          f"no crossing of rho = 1 found {side} {x0:g} within [{lo:g}, {hi:g}] "
                          f"(last rho = {fa + 1:.6g})", evals)
