"""Block Krylov–Schur with the Krylov basis split by rows over a group of ranks (ELIASHBERG_SPEC §6.1, §8.4).

The few eigenvalues of largest real part of a real operator A, by thick-restart (Krylov–Schur: Stewart,
SIAM J. Matrix Anal. Appl. 23, 601 (2001)) block Arnoldi — the method the spec names for SLEPc's EPS,
written here for a group of ranks without SLEPc.

Krylov decomposition kept between restarts (p multiplied basis vectors, block size b):

    A V_p = V_p S + U Bᵀ,        [V_p U] orthonormal (n × (p + b)),  S (p × p),  B (p × b).

Expansion: A U is orthogonalized column by column against the basis (classical Gram–Schmidt with the
DGKS reorthogonalization) and appended, which extends V, S and B.  A Ritz pair (θ, V y) of S has the
residual ‖A V y − θ V y‖ = ‖Bᵀ y‖ (ARPACK's estimate; converged when ≤ tol·max(ε^⅔, |θ|)); it is
checked after every block step.  Restart at p ≥ ncv: the real Schur form S = Z T Zᵀ ordered with the
eigenvalues of largest real part first; the leading Schur vectors V Z₁ (about half the basis) are kept
with S ← T₁₁, Bᵀ ← Bᵀ Z₁ (the decomposition stays exact).

Distribution: every vector is held as the local row slice of each rank (`RowGroup`).  Inner products of
a column with the basis are one deterministic sum over the group per Gram–Schmidt pass (`RowGroup.sum`:
all ranks get bitwise the same numbers, so the small projected problem, solved redundantly with
numpy/scipy, and every branch taken agree on all ranks; loop exits are additionally agreed with an
Allreduce, and the restart transformation and the final Ritz pairs are rank 0's, broadcast).  The
operator enters as `apply_block(U_local) → (A U)_local` on the local rows of a block.

Block size: b = 1 is the default.  b = 2 sees both vectors of a doubly degenerate eigenvalue from the
start — the ξ gap operator has them: it commutes with the global phase rotation φ_12 → iφ_12,
φ_21 → −iφ_21 (checked: ‖𝓛Jv − ρJv‖ ~ 1e-15, Jv ⊥ v) — where b = 1 finds the second only through
rounding; but on that operator b = 2 needed about twice the matvecs for the same four eigenvalues.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.linalg import eig, schur

EPS23 = np.finfo(float).eps ** (2.0 / 3.0)
SQRT_HALF = np.sqrt(0.5)
BREAKDOWN = 1e-12       # a new column this much smaller than A u lies in the basis: replace it


class RowGroup:
    """Row slices of length-n vectors over the ranks of an mpi4py communicator (None: one rank).

    `counts[r]` rows of every vector belong to rank r, in rank order."""

    def __init__(self, n: int, comm=None, counts=None):
        self.n = int(n)
        self.comm = comm if comm is not None and comm.Get_size() > 1 else None
        self.size = 1 if self.comm is None else self.comm.Get_size()
        self.rank = 0 if self.comm is None else self.comm.Get_rank()
        if counts is None:
            q, r = divmod(self.n, self.size)
            counts = [q + (1 if p < r else 0) for p in range(self.size)]
        self.counts = np.asarray(counts, dtype=int)
        if self.counts.size != self.size or int(self.counts.sum()) != self.n:
            raise ValueError(f"row counts {list(self.counts)} do not split {self.n} rows over {self.size} ranks")
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(int)
        self.lo = int(self.offsets[self.rank])
        self.hi = self.lo + int(self.counts[self.rank])

    def local(self, full: np.ndarray) -> np.ndarray:
        """This rank's rows of a full vector (or of the rows of a stack of vectors)."""
        return full[..., self.lo:self.hi]

    def sum(self, a: np.ndarray) -> np.ndarray:
        """Σ over ranks of a small array, in rank order on every rank (bitwise identical everywhere)."""
        a = np.ascontiguousarray(a, dtype=float)
        if self.comm is None:
            return a.copy()
        from mpi4py import MPI

        parts = np.empty((self.size,) + a.shape)
        self.comm.Allgather([a, MPI.DOUBLE], [parts, MPI.DOUBLE])
        out = parts[0].copy()
        for p in range(1, self.size):
            out += parts[p]
        return out

    def agree(self, flag: bool) -> bool:
        """True on every rank iff `flag` holds on every rank (a loop exit all ranks take together)."""
        if self.comm is None:
            return bool(flag)
        from mpi4py import MPI

        return bool(self.comm.allreduce(int(bool(flag)), op=MPI.MIN))

    def same(self, obj):
        """Rank 0's `obj` (small: the projected problem's results) on every rank."""
        return obj if self.comm is None else self.comm.bcast(obj, root=0)

    def gather(self, x_local: np.ndarray) -> np.ndarray:
        """The full vector on every rank (Allgatherv of the row slices)."""
        x_local = np.ascontiguousarray(x_local, dtype=float)
        if self.comm is None:
            return x_local.copy()
        from mpi4py import MPI

        full = np.empty(self.n)
        self.comm.Allgatherv([x_local, MPI.DOUBLE], [full, self.counts, self.offsets, MPI.DOUBLE])
        return full


@runtime_checkable
class RowDistributedOperator(Protocol):
    """A linear operator whose vectors are split by rows over a group (solvers.distributed)."""
    size: int

    def row_group(self) -> RowGroup:
        """The group and the row slices of its vectors."""

    def apply_block(self, U_local: np.ndarray) -> np.ndarray:
        """Local rows of A·u for each local row slice u in the block U_local (collective)."""


@dataclass
class KrylovSchurResult:
    values: np.ndarray          # converged Ritz values among the `nev` wanted, largest real part first
    residuals: np.ndarray       # their residual estimates ‖A x − θ x‖ (unit x)
    matvecs: int
    restarts: int
    converged: bool             # all `nev` wanted pairs converged
    basis: np.ndarray           # local rows of the final basis V (p × local rows)
    coefficients: np.ndarray    # x_i = V·y_i: the unit eigenvectors y_i of S (p × len(values), complex)

    def vector(self, i: int) -> np.ndarray:
        """Local rows of the unit Ritz vector of values[i] (complex only if the value is)."""
        y = self.coefficients[:, i]
        x = y.real @ self.basis
        return x + 1j * (y.imag @ self.basis) if np.any(y.imag) else x


def start_block(group: RowGroup, v0: np.ndarray | None, block: int) -> np.ndarray:
    """Local rows of the b start vectors: v0 (default ones/√n) and, for b > 1, fixed pseudo-random
    vectors (seeded, generated at full length: the same on any number of ranks)."""
    first = np.ones(group.n) if v0 is None else np.asarray(v0, dtype=float)
    cols = [group.local(first)]
    for i in range(1, block):
        cols.append(group.local(np.random.default_rng(7919 + i).standard_normal(group.n)))
    return np.array(cols)


def _project_out(group: RowGroup, basis: np.ndarray, w: np.ndarray, with_norm: bool = False):
    """One classical Gram–Schmidt pass, w ← w − basis·c with c = basisᵀw: one group sum (of [c, wᵀw] with
    `with_norm`: then also returns ‖w‖ before the pass)."""
    local = basis @ w
    s = group.sum(np.append(local, w @ w) if with_norm else local)
    c = s[:basis.shape[0]]
    if c.size:
        w -= c @ basis
    return c, (float(np.sqrt(max(s[-1], 0.0))) if with_norm else None)


def _norm(group: RowGroup, w: np.ndarray) -> float:
    return float(np.sqrt(group.sum(np.array([w @ w]))[0]))


def orthonormalize(group: RowGroup, basis: np.ndarray, w: np.ndarray, seed: int):
    """Orthonormalize the local column w (in place) against the orthonormal local rows `basis`: classical
    Gram–Schmidt, one group sum per pass, with one reorthogonalization when the first pass cancelled more
    than 1 − 1/√2 of ‖w‖ (the DGKS test of ARPACK and SLEPc; decided on group sums, so every rank takes
    the same branch).  Returns (h, β) with w_in = basisᵀ·h + β·w_out.  β = 0 on breakdown (w_in in the
    span): w_out is then a fresh seeded pseudo-random direction orthonormalized the same way."""
    h, beta, norm0 = _cgs2(group, basis, w)
    if beta > BREAKDOWN * norm0 and beta > 0.0:
        w /= beta
        return h, beta
    for attempt in range(3):
        w[:] = group.local(np.random.default_rng(seed + 104729 * attempt).standard_normal(group.n))
        _, beta_fresh, norm_fresh = _cgs2(group, basis, w)
        if beta_fresh > 1e-3 * norm_fresh:
            w /= beta_fresh
            return h, 0.0
    raise RuntimeError(f"Krylov basis of {basis.shape[0]} vectors cannot be extended in dimension {group.n}")


def _cgs2(group: RowGroup, basis: np.ndarray, w: np.ndarray):
    """w ← (1 − basis basisᵀ) w by classical Gram–Schmidt with the DGKS reorthogonalization (see
    `orthonormalize`).  Returns (basisᵀw, ‖w‖ after, ‖w‖ before)."""
    h, norm0 = _project_out(group, basis, w, with_norm=True)
    beta = _norm(group, w)
    if beta < SQRT_HALF * norm0:
        c, _ = _project_out(group, basis, w)
        h = h + c
        beta = _norm(group, w)
    return h, beta, norm0


def _ordered_schur(S: np.ndarray, keep: int, limit: int):
    """Real Schur form S = Z T Zᵀ with the k eigenvalues of largest real part in the leading block, k the
    cut nearest above `keep` (else below) that splits neither a near-degenerate cluster nor a complex
    pair, k ≤ `limit`.  Returns (T, Z, k)."""
    T, Z = schur(S, output="real")
    re = np.sort(_schur_eigenvalues(T).real)[::-1]
    gap = re[:-1] - re[1:] > 1e-8 * max(1.0, float(np.max(np.abs(re))))    # gap[i]: a cut after i + 1
    cuts = [k for k in range(keep, limit + 1) if gap[k - 1]] or [k for k in range(keep - 1, 0, -1) if gap[k - 1]]
    if not cuts:                                  # one cluster: every leading block is as good
        k = limit - (1 if T[limit, limit - 1] != 0.0 else 0)
        return T, Z, k
    k = cuts[0]
    thr = 0.5 * (re[k - 1] + re[k])               # dgees shows the selector the eigenvalues of T above
    T, Z, sdim = schur(S, output="real", sort=lambda x, y: x > thr)
    k = min(int(sdim), limit)
    return T, Z, k - (1 if T[k, k - 1] != 0.0 else 0)


def _schur_eigenvalues(T: np.ndarray) -> np.ndarray:
    """Eigenvalues of a real quasi-triangular matrix (1×1 and 2×2 diagonal blocks)."""
    n = T.shape[0]
    vals = np.empty(n, dtype=complex)
    i = 0
    while i < n:
        if i + 1 < n and T[i + 1, i] != 0.0:
            vals[i:i + 2] = np.linalg.eigvals(T[i:i + 2, i:i + 2])
            i += 2
        else:
            vals[i] = T[i, i]
            i += 1
    return vals


def _ritz(S: np.ndarray, Bt: np.ndarray, nev: int, tol: float):
    """Ritz pairs of S, largest real part first: values, unit eigenvectors y of S, residual estimates
    ‖Bᵀy‖, and whether each is converged (‖Bᵀy‖ ≤ tol·max(ε^⅔, |θ|), ARPACK's test)."""
    vals, Y = eig(S)
    order = np.argsort(-vals.real, kind="stable")
    vals, Y = vals[order], Y[:, order]
    Y = Y / np.linalg.norm(Y, axis=0)
    res = np.linalg.norm(Bt @ Y, axis=0)
    return vals, Y, res, res <= tol * np.maximum(EPS23, np.abs(vals))


def _expand(apply_block, group, V, H, p, b, seed):
    """One block step: A U for the block U = V[p:p+b], orthonormalized column by column into V[p+b:p+2b],
    coefficients into H[:, p:p+b].  Returns the new p."""
    W = apply_block(V[p:p + b])
    for i in range(b):
        q = p + b + i
        V[q] = W[i]
        h, beta = orthonormalize(group, V[:q], V[q], seed=seed + q)
        H[:q, p + i] = h
        H[q, p + i] = beta
    return p + b


def _restart(group, V, H, p, b, keep):
    """Keep the leading Schur vectors of S = H[:p, :p] (thick restart): V[:k] ← V Z₁, S ← T₁₁,
    Bᵀ ← Bᵀ Z₁, the residual block U moves to V[k:k+b].  Rank 0's Schur form is used everywhere (the
    inputs are bitwise equal on all ranks; this keeps the basis size agreed even if LAPACKs differ).
    Returns (H, k)."""
    T, Z, k = group.same(_ordered_schur(H[:p, :p], keep, p - b))
    V[:k] = Z[:, :k].T @ V[:p]
    V[k:k + b] = V[p:p + b]
    Hk = np.zeros_like(H)
    Hk[:k, :k] = T[:k, :k]
    Hk[k:k + b, :k] = H[p:p + b, :p] @ Z[:, :k]
    return Hk, k


def krylov_schur(apply_block, group: RowGroup, v0=None, nev: int = 4, block: int = 1, ncv: int = 20,
                 tol: float = 1e-10, max_restarts: int = 1000) -> KrylovSchurResult:
    """The `nev` eigenvalues of largest real part of A (module docstring), A given as `apply_block`
    (local rows of a block of b vectors → local rows of A times them; collective).  `ncv`: the basis size
    at which to restart; convergence is also checked after every block step from 2·nev + b vectors on."""
    b = int(block)
    ncv = min(max(int(ncv), nev + 2 * b), group.n - b)     # the basis (ncv + b vectors) must fit in ℝⁿ
    if ncv < nev + b:
        raise ValueError(f"Krylov-Schur: dimension {group.n} too small for {nev} eigenvalues with block {b}")
    V = np.empty((ncv + 2 * b, group.hi - group.lo))
    H = np.zeros((ncv + 2 * b, ncv + b))            # [S; Bᵀ] of the decomposition A V_p = V_p S + U Bᵀ
    V[:b] = start_block(group, v0, b)
    for i in range(b):
        orthonormalize(group, V[:i], V[i], seed=31 * (i + 1))
    p, restarts, matvecs = 0, 0, 0
    while True:
        p = _expand(apply_block, group, V, H, p, b, seed=1000003 * (restarts + 1))
        matvecs += b
        if p < min(2 * nev + b, ncv):
            continue
        vals, Y, res, ok = _ritz(H[:p, :p], H[p:p + b, :p], nev, tol)
        wanted = min(nev, vals.size)
        if group.agree(bool(ok[:wanted].all()) or (p >= ncv and restarts >= max_restarts)):
            break
        if p >= ncv:
            keep = min(max(nev + b, (p + int(ok[:wanted].sum())) // 2), p - b)
            H, p = _restart(group, V, H, p, b, keep)
            restarts += 1
    vals, Y, res, ok = group.same((vals, Y, res, ok))
    idx = np.flatnonzero(ok[:wanted])
    return KrylovSchurResult(vals[idx], res[idx], matvecs, restarts, bool(ok[:wanted].all()), V[:p], Y[:, idx])
