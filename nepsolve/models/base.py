"""The seam between models and solvers.

A model turns physical parameters into *problems*; solvers turn problems into numbers and never
learn which model they serve.  Two kinds of problem exist:

* `NonlinearProblem` — find x with R(x) = 0 (packed as a real vector).  Residuals are written in
  fixed-point form R(x) = x − 𝓜(x), so simple mixing, Anderson and Newton–Krylov all apply.
* `LinearOperatorProblem` — a real-linear map x ↦ 𝓛x whose leading real eigenvalue decides an
  instability (ρ = 1 at the critical point).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class NonlinearProblem(Protocol):
    size: int

    def residual(self, x: np.ndarray, out: np.ndarray) -> None:
        """Write R(x) into `out` (both real, length `size`)."""

    def initial_guess(self) -> np.ndarray:
        """A starting point for the iteration."""


@runtime_checkable
class LinearOperatorProblem(Protocol):
    size: int

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """Apply the real-linear operator to a real vector of length `size`."""


class CountingProblem:
    """Wraps a NonlinearProblem and counts residual evaluations (for benchmarks and reports)."""

    def __init__(self, problem: NonlinearProblem):
        self.problem = problem
        self.size = problem.size
        self.evaluations = 0

    def residual(self, x, out):
        self.evaluations += 1
        self.problem.residual(x, out)

    def initial_guess(self):
        return self.problem.initial_guess()
