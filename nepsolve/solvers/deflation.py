"""Deflation of known roots (Farrell, Birkisson & Funke, SIAM J. Sci. Comput. 37, A2026 (2015)).

R̃(x) = Π_r (‖x − r‖^{−p} + σ) R(x) has the roots of R except the deflated r, where R̃ stays
bounded away from zero.  A gap equation always has the normal state φ = 0 as a root; deflating it
lets Newton find the gapped branch from any seed, also close to the threshold where the gapped
solution is small and plain Newton (or Anderson) is drawn back to φ = 0.
Distances are RMS over the vector (‖·‖₂/√n), so σ = 1 balances the two terms at unit scale.
"""
from __future__ import annotations

import numpy as np


class DeflatedProblem:
    def __init__(self, problem, roots, power: float = 2.0, shift: float = 1.0):
        self.problem = problem
        self.size = problem.size
        self.roots = [np.asarray(r, dtype=float) for r in roots]
        self.power, self.shift = power, shift

    def factor(self, x) -> float:
        f = 1.0
        for r in self.roots:
            d = np.linalg.norm(x - r) / np.sqrt(self.size)
            f *= d ** (-self.power) + self.shift
        return f

    def residual(self, x, out):
        self.problem.residual(x, out)
        out *= self.factor(x)

    def initial_guess(self):
        return self.problem.initial_guess()


DEFLATED_BUDGET = {"snes_max_it": "100", "ksp_max_it": "150"}


def solve_avoiding(problem, roots, options=None, tol: float = 1e-10, fallback: bool = True, warmup: int = 0,
                   x0=None):
    """Find a root of `problem` other than `roots`: deflated Newton–Krylov first (bounded budget),
    then the plain SNES ladder from the same start if no other root was found.

    The returned residual norm is that of the undeflated problem; `attempts` lists every stage.
    """
    from . import snes

    deflated = DeflatedProblem(problem, roots)
    # the deflated stage is always budgeted Newton–Krylov; of the user's options only monitors and
    # viewers reach it (method and iteration choices apply to the undeflated solve)
    passthrough = {k: v for k, v in snes.parse_petsc_options(options).items() if "monitor" in k or "view" in k}
    first = snes.solve(deflated, {**snes.LADDER[0][1], **DEFLATED_BUDGET, **passthrough}, tol=tol,
                       fallback=False, x0=x0, warmup=warmup)
    norm = snes.residual_norm(problem, first.x, np.empty(problem.size))
    for a in first.attempts:
        a["method"] = "deflated-" + a["method"]
    scale = max(float(np.linalg.norm(problem.initial_guess() if x0 is None else x0)), 1.0)
    if first.converged and norm <= 10 * tol * scale:
        first.residual_norm, first.method = norm, "deflated-" + first.method
        return first
    plain = snes.solve(problem, options, tol=tol, fallback=fallback, x0=x0, warmup=warmup)
    plain.attempts = first.attempts + plain.attempts
    plain.function_evals += first.function_evals
    return plain
