"""Leading real eigenvalue of a real-linear operator (ELIASHBERG_SPEC §6.1, §8.4).

ARPACK (implicitly restarted Arnoldi, `scipy.sparse.linalg.eigs`) on a matrix-free operator.
Several eigenvalues of largest real part are requested; the instability is decided by the largest
*real* one.  A complex pair with larger real part is reported (it would signal an oscillating,
finite-frequency instability of the NESS) but does not define ρ.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigs


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
                            maxiter: int | None = None) -> EigenResult:
    """ρ = largest real eigenvalue of `problem.matvec` (size `problem.size`)."""
    count = [0]

    def mv(x):
        count[0] += 1
        return problem.matvec(x)

    n = problem.size
    op = LinearOperator((n, n), matvec=mv, dtype=float)
    if v0 is None:            # ARPACK's default start is random: results would differ in the last bits
        v0 = np.ones(n) / np.sqrt(n)
    k = min(k, n - 2)
    ncv = ncv or min(n, max(2 * k + 1, 20))
    try:
        vals, vecs = eigs(op, k=k, which="LR", tol=tol, v0=v0, ncv=ncv, maxiter=maxiter)
    except ArpackNoConvergence as err:  # keep what converged
        vals, vecs = err.eigenvalues, err.eigenvectors
    order = np.argsort(-vals.real)
    vals, vecs = vals[order], vecs[:, order]
    scale = max(1.0, float(np.max(np.abs(vals)))) if vals.size else 1.0
    real = np.abs(vals.imag) <= 1e-8 * scale
    lead = vecs[:, 0] / np.linalg.norm(vecs[:, 0]) if vals.size else None
    if not np.any(real):
        return EigenResult(-np.inf, None, vals, count[0], bool(vals.size), ["no real eigenvalue found"], lead)
    i = int(np.argmax(real))
    vec = vecs[:, i].real
    vec = vec / np.linalg.norm(vec)
    return EigenResult(float(vals[i].real), vec, vals, count[0], complex_dominant=i > 0,
                       leading_vector=vec if i == 0 else lead)
