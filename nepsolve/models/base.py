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


# ------------------------------------------------------------------ capabilities the solvers use
# A solver asks a problem for an optional capability with isinstance(problem, <Protocol>) — never by
# probing attribute names — and a solver that needs one checks it with `require`.

@runtime_checkable
class DenseJacobian(Protocol):
    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """dR/dx as a dense (size × size) array (small problems: SNES Newton with LU)."""


@runtime_checkable
class Bounded(Protocol):
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the unknowns (variational-inequality Newton; roots outside are rejected)."""


@runtime_checkable
class TimeDerivativeForm(Protocol):
    def rate(self, x: np.ndarray) -> np.ndarray:
        """dx/dt of a relaxation whose fixed points are the roots (pseudo-transient continuation)."""

    def rate_jacobian(self, x: np.ndarray) -> np.ndarray:
        """d(rate)/dx, dense."""


@runtime_checkable
class SplittableResidual(Protocol):
    """A residual whose work splits into `n_units` units of `unit_size` unknowns over a group of ranks."""
    n_units: int
    unit_size: int

    def residual_local(self, x, out_local, part: int, n_parts: int, reduce) -> None:
        """This part's units of R(x) (x is the full vector; `reduce` sums partial arrays over the group)."""


@runtime_checkable
class SplittableOperator(Protocol):
    """A linear operator whose matvec rows split over a group of ranks."""
    n_units: int
    unit_size: int

    def matvec_local(self, y, part: int, n_parts: int, reduce) -> np.ndarray:
        """This part's rows of 𝓛y."""


@runtime_checkable
class DistributedResidual(Protocol):
    """A problem already split over a communicator (solvers.distributed.Distributed): a PETSc MPI Vec."""
    local_range: tuple[int, int]

    def gather(self, x_local: np.ndarray) -> np.ndarray:
        """The full vector from the local parts."""


@runtime_checkable
class EigenDiagnostics(Protocol):
    """A gap operator that reports model observables and invariant checks of its critical eigenvector."""

    def eigen_diagnostics(self, vec, rho, normal) -> dict:
        """Observables at the eigenvector `vec` (eigenvalue `rho`) around the normal state `normal`."""


def require(problem, protocol, who: str) -> None:
    """TypeError naming what `problem` lacks for the solver `who`."""
    if not isinstance(problem, protocol):
        names = [n for n in getattr(protocol, "__protocol_attrs__", ()) if not hasattr(problem, n)]
        raise TypeError(f"{who} needs a problem with {protocol.__name__} ({', '.join(sorted(names)) or 'members'} "
                        f"missing on {type(problem).__name__})")
