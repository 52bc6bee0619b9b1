"""Plain linear mixing x ← x − β R(x): the textbook fixed-point iteration, kept as the baseline
the benchmarks compare SNES against (ELIASHBERG_SPEC §8.4)."""
from __future__ import annotations

import numpy as np

from .snes import SolveResult


def linear_mixing(problem, beta: float = 0.3, tol: float = 1e-10, max_it: int = 20000,
                  x0: np.ndarray | None = None) -> SolveResult:
    x = problem.initial_guess() if x0 is None else np.array(x0, dtype=float)
    scale = max(float(np.linalg.norm(x)), 1.0)
    r = np.empty_like(x)
    for it in range(max_it + 1):
        problem.residual(x, r)
        norm = float(np.linalg.norm(r))
        if not np.isfinite(norm):
            return SolveResult(x, False, -4, "DIVERGED_FNORM_NAN", it, norm, it + 1, "linear-mixing")
        if norm <= tol * scale:
            return SolveResult(x, True, 2, "CONVERGED_FNORM_ABS", it, norm, it + 1, "linear-mixing")
        x = x - beta * r
    return SolveResult(x, False, -5, "DIVERGED_MAX_IT", max_it, norm, max_it + 1, "linear-mixing")
