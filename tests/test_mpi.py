"""Real MPI ranks: `mpiexec -n 2` with PETSc built against the venv's MPI."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nepsolve import api
from nepsolve.physics.params import EliashbergParams

MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")


@pytest.mark.mpi
@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec on PATH")
def test_two_ranks_share_points_and_match_a_serial_run(root):
    T_b = [0.06, 0.1, 0.15]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(root)}
    out = subprocess.run([MPIEXEC, "-n", "2", sys.executable, str(root / "tests" / "mpi_ranks.py"),
                          ",".join(map(str, T_b))], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["size"] == 2 and res["petsc_size"] == 2 and res["vec_sum"] == 4.0
    base = EliashbergParams(lam=1.0, kappa=0.3, gamma=0.05, T_el=0.1, T_b=0.1, fel_mode="kinetic",
                            n_omega=4097, omega_max=12.0)
    serial = [api.critical_coupling(base.replace(T_b=tb))["lambda_c"] for tb in T_b]
    assert res["lambda_c"] == pytest.approx(serial, rel=1e-10)
    assert res["lambda_c"][0] < res["lambda_c"][1] < res["lambda_c"][2]


@pytest.mark.mpi
@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec on PATH")
def test_xi_point_on_a_distributed_vec_matches_serial(root):
    """One ξ-model point on 2 ranks (PETSc MPI Vec owned by rows; the eigen-solves by Krylov–Schur with the
    basis split by rows): same normal state and λ_c as the serial run (ARPACK)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(root)}
    out = subprocess.run([MPIEXEC, "-n", "2", sys.executable, str(root / "tests" / "mpi_xi_normal.py")],
                         capture_output=True, text=True, timeout=900, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["ranks"] == 2
    assert res["sigma_F_diff"] < 1e-10
    assert res["lambda_c"] == pytest.approx(res["lambda_c_serial"], rel=1e-9)
