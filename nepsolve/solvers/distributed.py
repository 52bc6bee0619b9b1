"""One problem, several ranks: the unknown vector as a PETSc Vec distributed over a group.

A model problem that can split its work offers (see `models.eliashberg_xi.NormalProblem`):
    n_units, unit_size                 — the vector is n_units blocks of unit_size numbers
    residual_local(x, out_local, part, n_parts, reduce)
                                       — the residual of block range `part` from the full x, where
                                         `reduce(a)` sums a partial array over all parts (collective)
`Distributed(problem, comm)` turns it into a problem the SNES layer solves on a PETSc MPI Vec whose
ownership ranges are whole blocks (rank p owns the blocks the model assigns to part p).  Each residual
evaluation gathers x (Allgatherv: the vector is small next to the work on it), computes the local
part, and all ranks share the partial ξ' quadratures by one reduction (`reduce(a)`, in place: a is
overwritten by the sum).  No model code sees MPI.
"""
from __future__ import annotations

import numpy as np

from ..models.base import SplittableOperator, SplittableResidual, require


class Distributed:
    def __init__(self, problem, comm):
        from mpi4py import MPI

        if not isinstance(problem, (SplittableResidual, SplittableOperator)):
            require(problem, SplittableResidual, "a problem distributed over ranks")
        self.problem = problem
        self.comm = comm                 # a petsc4py or mpi4py communicator
        self.mpi = comm.tompi4py() if hasattr(comm, "tompi4py") else comm
        self.MPI = MPI
        self.size = problem.size
        p, n = self.mpi.rank, self.mpi.size
        counts = []
        for part in range(n):
            q, r = divmod(problem.n_units, n)
            counts.append((q + (1 if part < r else 0)) * problem.unit_size)
        self.counts = np.array(counts)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]])
        self.local_range = (int(self.offsets[p]), int(self.offsets[p] + self.counts[p]))
        self._buffers = {}               # receive buffers of `reduce`, by (shape, dtype)

    def reduce(self, a):
        """Σ over the group of the partial array a, summed in place (a is overwritten and returned;
        callers replace a partial by the total, x = reduce(x): a fresh multi-MB output per call costs
        page faults comparable to the transfer).  Two ranks exchange their partials and add them in rank
        order (bitwise the same sum on both; measured 3.5 ms for the 10 MB of a ξ-operator matvec, against
        8–9 ms for MPICH's Allreduce); more ranks use an in-place Allreduce."""
        if not (isinstance(a, np.ndarray) and a.flags.c_contiguous and a.flags.writeable):
            a = np.array(a, order="C")
        if self.mpi.size != 2:
            self.mpi.Allreduce(self.MPI.IN_PLACE, a, op=self.MPI.SUM)
            return a
        other = self._exchange_buffer(a)
        self.mpi.Sendrecv(a, dest=1 - self.mpi.rank, recvbuf=other, source=1 - self.mpi.rank)
        if self.mpi.rank == 0:
            a += other
        else:
            np.add(other, a, out=a)
        return a

    def _exchange_buffer(self, a):
        """A receive buffer like a, kept per (shape, dtype) across calls (no page faults per call)."""
        key = (a.shape, a.dtype.str)
        if key not in self._buffers:
            self._buffers[key] = np.empty_like(a)
        return self._buffers[key]

    def gather(self, x_local, out=None):
        """The full vector from every rank's local rows (Allgatherv), into `out` if given."""
        full = np.empty(self.size) if out is None else out
        self.mpi.Allgatherv(np.ascontiguousarray(x_local, dtype=float), [full, self.counts, self.offsets, self.MPI.DOUBLE])
        return full

    def residual_local(self, x_full, out_local):
        self.problem.residual_local(x_full, out_local, self.mpi.rank, self.mpi.size, self.reduce)

    def residual(self, x, out):
        """Collective full residual (every rank gets all of it)."""
        lo, hi = self.local_range
        local = np.empty(hi - lo)
        self.residual_local(np.asarray(x, dtype=float), local)
        out[:] = self.gather(local)

    def initial_guess(self):
        return self.problem.initial_guess()

    def solution(self, x):
        return self.problem.solution(x)


class DistributedOperator(Distributed):
    """A linear operator offering matvec_local(y, part, n_parts, reduce): the matvec's rows split over
    the group.  Two ways to use it:

    * `matvec(y)`: full vector in, full vector out on every rank (the local rows of 𝓛y gathered): for a
      serial eigen-solver (ARPACK) run redundantly on every rank on identical vectors.
    * `row_group()` / `apply_block(U_local)`: vectors held as this rank's rows only, the contract of the
      distributed Krylov–Schur solver (solvers.krylov_schur): per matvec the input is gathered once
      (Allgatherv; the operator needs all of y) and only the local rows of 𝓛y are computed."""

    def __init__(self, operator, comm):
        super().__init__(operator, comm)
        self.operator = operator
        self._y = None                      # the gathered input of apply_block, reused

    def matvec(self, y):
        return self.gather(self.matvec_rows(y))

    def matvec_rows(self, y_full):
        """This rank's rows of 𝓛y from the full y (collective: the parts share one reduction)."""
        return self.operator.matvec_local(np.asarray(y_full, dtype=float), self.mpi.rank, self.mpi.size, self.reduce)

    def row_group(self):
        """The group and its row slices (whole units per rank, as the model splits its rows)."""
        from .krylov_schur import RowGroup

        return RowGroup(self.size, self.mpi, self.counts)

    def apply_block(self, U_local):
        """Local rows of 𝓛u for each local row slice u of the block U_local (collective)."""
        if self._y is None:
            self._y = np.empty(self.size)
        out = np.empty_like(U_local)
        for i, u in enumerate(U_local):
            out[i] = self.matvec_rows(self.gather(u, out=self._y))
        return out

    def expand(self, y):
        return self.operator.expand(y)

    def delta_phi_K(self, fields):
        return self.operator.delta_phi_K(fields)
