"""Leading real eigenvalue of a real-linear operator (ELIASHBERG_SPEC §6.1, §8.4).

Several eigenvalues of largest real part are computed; the instability is decided by the largest *real*
one.  A complex pair with larger real part is reported (it would signal an oscillating, finite-frequency
instability of the NESS) but does not define ρ.

Two solvers, one contract (`EigenResult`):
* ARPACK (implicitly restarted Arnoldi, `scipy.sparse.linalg.eigs`) on a matrix-free operator: one
  rank, and the reference.
* Krylov–Schur (`solvers.krylov_schur`) with the Krylov basis split by rows over a group of ranks: the
  default for an operator distributed over several ranks (`RowDistributedOperator`), where ARPACK would
  run redundantly on every rank on full vectors.
Both start from ones/√n unless given v0, so the results are deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigs

from .krylov_schur import RowDistributedOperator, RowGroup, krylov_schur

METHODS = ("auto", "arpack", "krylov-schur")
METHOD = "auto"      # default of leading_real_eigenvalue: 'auto' = Krylov–Schur on several ranks, else ARPACK
# Restarts of either solver before it returns what converged.  ARPACK's own default (10 × size) was a hang when the
# k-th eigenvalue sat in a cluster: measured on the ξ material model (65537 ω, two rows) the leading pair converged
# in 40 restarts while the 3rd/4th did not, and a T_c search ran for > 30 min on one eigenvalue.  The same bound
# holds for Krylov–Schur on a group of ranks (it was 1000 there).
MAX_RESTARTS = 60


@dataclass
class EigenResult:
    rho: float                      # largest real eigenvalue (−inf if none found)
    vector: np.ndarray | None
    eigenvalues: np.ndarray         # all computed eigenvalues, largest real part first
    matvecs: int
    complex_dominant: bool = False  # a complex pair lies to the right of rho
    notes: list = field(default_factory=list)
    leading_vector: np.ndarray | None = None   # eigenvector of `leading` (complex if it is)

    @property
    def leading(self) -> complex:
        """The computed eigenvalue of largest real part (complex: a finite-frequency instability)."""
        return complex(self.eigenvalues[0]) if self.eigenvalues.size else complex("nan")


def leading_real_eigenvalue(problem, v0=None, k: int = 4, tol: float = 1e-10, ncv: int | None = None,
                            maxiter: int | None = None, method: str | None = None) -> EigenResult:
    """ρ = largest real eigenvalue of `problem.matvec` (size `problem.size`); `k` eigenvalues of largest
    real part are computed to relative accuracy `tol`.  `method` (default `METHOD`): 'arpack',
    'krylov-schur', or 'auto'.  On several ranks every rank gets the same result, vectors in full."""
    method = method or METHOD
    if method not in METHODS:
        raise ValueError(f"eigen method {method!r}: one of {METHODS}")
    n = problem.size
    k = min(k, n - 2)
    ncv = ncv or min(n, max(2 * k + 1, 20))
    if method == "auto":
        distributed = isinstance(problem, RowDistributedOperator) and problem.row_group().size > 1
        method = "krylov-schur" if distributed else "arpack"
    solve = _krylov_schur if method == "krylov-schur" else _arpack
    vals, vector_of, count, notes = solve(problem, v0, k, tol, ncv, maxiter)
    return _result(vals, vector_of, count, notes)


def _arpack(problem, v0, k, tol, ncv, maxiter):
    """ARPACK 'LR' on full vectors: (eigenvalues, largest real part first; their vectors by index;
    matvec count; notes)."""
    count = [0]

    def mv(x):
        count[0] += 1
        return problem.matvec(x)

    n = problem.size
    op = LinearOperator((n, n), matvec=mv, dtype=float)
    if v0 is None:            # ARPACK's default start is random: results would differ in the last bits
        v0 = np.ones(n) / np.sqrt(n)
    notes = []
    restarts = maxiter or MAX_RESTARTS
    try:
        vals, vecs = eigs(op, k=k, which="LR", tol=tol, v0=v0, ncv=ncv, maxiter=restarts)
    except ArpackNoConvergence as err:  # keep what converged (the leading ones converge first)
        vals, vecs = err.eigenvalues, err.eigenvectors
        notes.append(f"ARPACK: {vals.size} of {k} eigenvalues converged in {restarts} restarts")
    order = np.argsort(-vals.real)
    vals, vecs = vals[order], vecs[:, order]
    return vals, lambda i: vecs[:, i], count[0], notes


def _krylov_schur(problem, v0, k, tol, ncv, maxiter):
    """Krylov–Schur (solvers.krylov_schur) on the problem's row group (one rank: the whole vector):
    like `_arpack`, vectors gathered in full on every rank when asked for (collective)."""
    if isinstance(problem, RowDistributedOperator):
        group, apply_block = problem.row_group(), problem.apply_block
    else:
        group = RowGroup(problem.size)

        def apply_block(U):
            return np.array([problem.matvec(u) for u in U])
    res = krylov_schur(apply_block, group, v0=v0, nev=k, tol=tol, ncv=ncv,
                       max_restarts=maxiter if maxiter is not None else MAX_RESTARTS)

    def vector_of(i):
        x = res.vector(i)
        full = group.gather(x.real)
        return full + 1j * group.gather(x.imag) if np.iscomplexobj(x) else full
    notes = [] if res.converged else [f"Krylov-Schur: {res.values.size} of {k} eigenvalues converged "
                                      f"after {res.restarts} restarts"]
    return res.values, vector_of, res.matvecs, notes


def _result(vals, vector_of, count: int, notes: list) -> EigenResult:
    """EigenResult from eigenvalues sorted by decreasing real part and `vector_of(i)` (the full vector
    of vals[i]; called the same way on every rank): ρ is the first real one (|Im| ≤ 1e-8·scale)."""
    scale = max(1.0, float(np.max(np.abs(vals)))) if vals.size else 1.0
    real = np.abs(vals.imag) <= 1e-8 * scale
    lead = None
    if vals.size and not real[0]:
        lead = vector_of(0)
        lead = lead / np.linalg.norm(lead)
    if not np.any(real):
        return EigenResult(-np.inf, None, vals, count, bool(vals.size), notes + ["no real eigenvalue found"], lead)
    i = int(np.argmax(real))
    vec = np.asarray(vector_of(i)).real
    vec = vec / np.linalg.norm(vec)
    return EigenResult(float(vals[i].real), vec, vals, count, complex_dominant=i > 0, notes=notes,
                       leading_vector=vec if i == 0 else lead)
