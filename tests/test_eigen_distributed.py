"""The Krylov–Schur eigen-solver with its basis split by rows (solvers.krylov_schur, ELIASHBERG_SPEC §6.1):
serial checks on matrices of known spectrum (a trivial 1-rank communicator), and real MPI ranks
(`mpiexec -n 2` runs this file as a script: the rank side is `main` below) against serial ARPACK on
the ξ gap operator and for a λ_c point."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nepsolve.solvers import eigen
from nepsolve.solvers.krylov_schur import RowGroup, krylov_schur

MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
TOP = np.array([3.0 + 0.5j, 3.0 - 0.5j, 2.5, 2.0])     # a complex pair right of the largest real eigenvalue


def known_matrix(n=120, seed=1, top=TOP):
    """A = X D X⁻¹, nonsymmetric and non-normal, with the eigenvalues `top` (a complex pair as a 2×2
    block) and n − len(top) real ones in [−1, 1.5].  Returns (A, eigenvector of 2.5 if present)."""
    rng = np.random.default_rng(seed)
    D = np.zeros((n, n))
    i = 0
    for lam in top:
        if lam.imag > 0:
            D[i:i + 2, i:i + 2] = [[lam.real, lam.imag], [-lam.imag, lam.real]]
            i += 2
        elif lam.imag == 0:
            D[i, i] = lam.real
            i += 1
    D[np.arange(i, n), np.arange(i, n)] = np.linspace(-1.0, 1.5, n - i)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    X = Q @ (np.eye(n) + np.triu(rng.standard_normal((n, n)), 1) * (0.5 / np.sqrt(n)))
    A = X @ D @ np.linalg.inv(X)
    j = int(np.flatnonzero(np.isclose(np.diag(D), 2.5))[0]) if np.any(np.isclose(top, 2.5)) else 0
    return A, X[:, j] / np.linalg.norm(X[:, j])


class DenseRows:
    """A dense matrix as a splittable operator (rows in units of `unit`): the test's stand-in for a
    model operator offering matvec_local."""

    def __init__(self, A, unit=4):
        self.A, self.size, self.unit_size = A, A.shape[0], unit
        self.n_units = self.size // unit

    def matvec(self, y):
        return self.A @ y

    def matvec_local(self, y, part, n_parts, reduce):
        q, r = divmod(self.n_units, n_parts)
        lo = (part * q + min(part, r)) * self.unit_size
        hi = lo + (q + (1 if part < r else 0)) * self.unit_size
        return self.A[lo:hi] @ y


def check_known_spectrum(res, x_exact, A):
    """The EigenResult of `known_matrix`: ρ = 2.5, the complex pair reported as leading."""
    assert res.rho == pytest.approx(2.5, rel=1e-10)
    assert res.complex_dominant
    assert res.leading.real == pytest.approx(3.0, rel=1e-10) and abs(res.leading.imag) == pytest.approx(0.5, rel=1e-9)
    assert np.sort_complex(res.eigenvalues) == pytest.approx(np.sort_complex(TOP), rel=1e-9)
    assert abs(res.vector @ x_exact) == pytest.approx(1.0, abs=1e-9)
    lead = res.leading_vector
    assert np.linalg.norm(A @ lead - res.leading * lead) < 1e-8


def test_known_spectrum_with_a_trivial_communicator():
    """Krylov–Schur through the distributed operator on a 1-rank communicator: ρ, the complex pair to its
    right (complex_dominant), the eigenvector; the same answer as ARPACK."""
    from mpi4py import MPI

    from nepsolve.solvers.distributed import DistributedOperator

    A, x = known_matrix()
    op = DistributedOperator(DenseRows(A), MPI.COMM_SELF)
    ks = eigen.leading_real_eigenvalue(op, method="krylov-schur")
    check_known_spectrum(ks, x, A)
    arpack = eigen.leading_real_eigenvalue(DenseRows(A), method="arpack")
    check_known_spectrum(arpack, x, A)
    assert ks.rho == pytest.approx(arpack.rho, rel=1e-12)


def test_auto_is_arpack_on_one_rank_and_both_are_deterministic():
    A, _ = known_matrix(seed=2)
    a = eigen.leading_real_eigenvalue(DenseRows(A))
    b = eigen.leading_real_eigenvalue(DenseRows(A), method="arpack")
    assert a.matvecs == b.matvecs and np.array_equal(a.vector, b.vector)
    c = eigen.leading_real_eigenvalue(DenseRows(A), method="krylov-schur")
    d = eigen.leading_real_eigenvalue(DenseRows(A), method="krylov-schur")
    assert c.matvecs == d.matvecs and np.array_equal(c.vector, d.vector)
    with pytest.raises(ValueError):
        eigen.leading_real_eigenvalue(DenseRows(A), method="slepc")


@pytest.mark.parametrize("block", [1, 2])
def test_thick_restarts_with_a_double_eigenvalue(block):
    """A small ncv forces thick restarts; block 2 finds a doubly degenerate leading eigenvalue twice
    (block 1 sees one vector of the eigenplane from its start vector, the second only through rounding)."""
    top = np.array([2.0, 2.0, 1.9, 1.8])
    A, _ = known_matrix(n=150, seed=3, top=top)
    res = krylov_schur(lambda U: U @ A.T, RowGroup(150), nev=4, block=block, ncv=12, tol=1e-11)
    assert res.converged and res.restarts > 0
    assert res.values[0].real == pytest.approx(2.0, rel=1e-9)
    if block == 2:
        assert res.values.real == pytest.approx(top, rel=1e-9)
    for i in range(res.values.size):
        v = res.vector(i)
        assert np.linalg.norm(A @ v - res.values[i] * v) < 1e-9


@pytest.mark.parametrize("ncv", [8, 9, 11])
def test_thick_restarts_keep_complex_pairs_whole(ncv):
    """Restarts with a complex pair among the kept Schur vectors (never split between kept and dropped)."""
    A, x = known_matrix(n=200, seed=4)
    res = krylov_schur(lambda U: U @ A.T, RowGroup(200), nev=4, ncv=ncv, tol=1e-11)
    assert res.converged and res.restarts > 0
    assert np.sort_complex(res.values) == pytest.approx(np.sort_complex(TOP), rel=1e-9)


def test_breakdown_in_an_invariant_subspace():
    """A start vector in an invariant subspace ends the Krylov space early: the solver continues with
    fresh (seeded) directions and still finds the top of the spectrum."""
    d = np.linspace(0.0, 3.0, 60)
    A = np.diag(d)
    v0 = np.zeros(60)
    v0[[0, 1]] = 1.0                   # spans an invariant plane of eigenvalues 0 and 0.05
    res = krylov_schur(lambda U: U @ A.T, RowGroup(60), v0=v0, nev=3, ncv=16)
    assert res.converged
    assert res.values.real == pytest.approx(d[::-1][:3], rel=1e-10)


def test_row_group_slices_sums_and_gathers_serially():
    g = RowGroup(10)
    x = np.arange(10.0)
    assert np.array_equal(g.gather(g.local(x)), x) and g.agree(True) and not g.agree(False)
    assert np.array_equal(g.sum(np.array([1.0, 2.0])), [1.0, 2.0])
    with pytest.raises(ValueError):
        RowGroup(10, None, counts=[4, 4])


# ---------------------------------------------------------------------------------------- real MPI ranks
def _run_ranks(root, *args, timeout=900):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(root)}
    out = subprocess.run([MPIEXEC, "-n", "2", sys.executable, str(Path(__file__).resolve()), *args],
                         capture_output=True, text=True, timeout=timeout, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.mpi
@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec on PATH")
def test_two_ranks_known_spectrum_and_xi_operator_match_serial_arpack(root):
    """On 2 ranks: the known matrix (ρ, complex pair, eigenvector), and the ξ gap operator of a small
    Lorentzian point: ρ within 1e-8 of serial ARPACK, the eigenvector in ARPACK's eigenspace of ρ (the
    leading eigenvalue is doubly degenerate: a phase-rotation symmetry), a small true residual, and the
    same result bitwise on both ranks."""
    res = _run_ranks(root, "operator")
    assert res["ranks"] == 2 and res["known_ok"]
    assert abs(res["rho"] - res["rho_arpack"]) <= 1e-8 * abs(res["rho_arpack"])
    assert res["outside_eigenspace"] < 1e-6
    assert res["residual"] < 1e-8
    assert res["same_on_ranks"]
    assert res["matvecs"] > 0


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec on PATH")
def test_two_ranks_lambda_c_matches_one_rank(root):
    """λ_c of a small Lorentzian ξ point: 2 ranks (distributed Krylov–Schur, and the redundant-ARPACK
    path) agree with 1 rank (ARPACK) within 1e-7."""
    res = _run_ranks(root, "lambda_c")
    assert res["lambda_c_ks"] == pytest.approx(res["lambda_c_serial"], rel=1e-7)
    assert res["lambda_c_arpack_2"] == pytest.approx(res["lambda_c_serial"], rel=1e-7)
    assert res["converged"]


# ------------------------------------------------------------------------------------ the rank side
def small_xi_point():
    from nepsolve.physics.params import EliashbergXiParams

    return EliashbergXiParams(lam=2.0, kappa=0.1, gamma=0.1, T_el=0.1, T_b=0.08, W=4.0, kernel="lorentzian",
                              w=0.5, n_xi=16, fel_mode="kinetic", n_omega=1025, omega_max=8.0)


def eigenspace(op, rho, k=6):
    """Orthonormal real basis of ARPACK's eigenvectors (k of largest real part, tol 1e-12) whose
    eigenvalues lie within 1e-8·|ρ| of ρ."""
    from scipy.sparse.linalg import LinearOperator, eigs

    n = op.size
    w, V = eigs(LinearOperator((n, n), matvec=op.matvec, dtype=float), k=k, which="LR", tol=1e-12,
                v0=np.ones(n) / np.sqrt(n))
    E = V[:, np.abs(w - rho) <= 1e-8 * abs(rho)]
    U, s, _ = np.linalg.svd(np.concatenate([E.real, E.imag], axis=1), full_matrices=False)
    return U[:, s > 1e-8 * s[0]]


def rank_operator_checks(comm):
    """ξ gap operator of `small_xi_point` (normal state solved serially on every rank): distributed
    Krylov–Schur against serial ARPACK; and the known matrix on the group."""
    from nepsolve import api
    from nepsolve.solvers.distributed import DistributedOperator

    A, x = known_matrix()
    check_known_spectrum(eigen.leading_real_eigenvalue(DistributedOperator(DenseRows(A), comm),
                                                       method="krylov-schur"), x, A)
    model = api.build_model(small_xi_point())
    op = model.gap_operator(api.NormalStateSolver()(model))
    ref = eigen.leading_real_eigenvalue(op, method="arpack")
    res = eigen.leading_real_eigenvalue(DistributedOperator(op, comm), method="krylov-schur")
    E = eigenspace(op, ref.rho)
    v = res.vector
    Av = op.matvec(v)
    vecs = comm.allgather(v)
    return {"ranks": comm.Get_size(), "known_ok": True, "rho": res.rho, "rho_arpack": ref.rho,
            "eigenspace_dim": E.shape[1], "outside_eigenspace": float(np.linalg.norm(v - E @ (E.T @ v))),
            "residual": float(np.linalg.norm(Av - res.rho * v) / np.linalg.norm(Av)),
            "eigenvalues": [[z.real, z.imag] for z in res.eigenvalues],
            "eigenvalues_arpack": [[z.real, z.imag] for z in ref.eigenvalues],
            "same_on_ranks": bool(all(np.array_equal(vecs[0], u) for u in vecs)),
            "matvecs": res.matvecs, "matvecs_arpack": ref.matvecs}


def rank_lambda_c(comm):
    """λ_c of `small_xi_point` on the group (Krylov–Schur; then the redundant-ARPACK path) and serially."""
    from petsc4py import PETSc

    from nepsolve import api

    p = small_xi_point()
    pcomm = PETSc.COMM_WORLD
    ks = api.critical_coupling(p, comm=pcomm)
    eigen.METHOD = "arpack"
    try:
        arpack_2 = api.critical_coupling(p, comm=pcomm)
    finally:
        eigen.METHOD = "auto"
    serial = api.critical_coupling(p)
    return {"lambda_c_ks": ks["lambda_c"], "lambda_c_arpack_2": arpack_2["lambda_c"],
            "lambda_c_serial": serial["lambda_c"], "converged": bool(ks["converged"] and serial["converged"]),
            "matvecs_ks": ks["matvecs"], "matvecs_serial": serial["matvecs"]}


def main(mode):
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    out = rank_operator_checks(comm) if mode == "operator" else rank_lambda_c(comm)
    if comm.Get_rank() == 0:
        print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
