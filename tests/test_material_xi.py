"""The ξ-resolved material model (issue 14, `--model material-xi`): the material channels on a finite band, and the
static channel with a band cutoff |ξ|, |ξ'| < ω_c.  Each check against an independent computation: the BCS gap
equation (closed form of the band-cutoff reference), the imaginary-axis solver for a finite band with a band-cutoff
static channel (material.matsubara.band_pair_eigenvalue, written apart from the real axis), the ξ-resolved model
(one Lorentzian channel), the local kernel as the w → ∞ limit of the peak-normalised Lorentzian, finite differences
of the nonlinear map."""
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

import nepsolve
from nepsolve import api
from nepsolve.models.eliashberg_xi.model import XiEliashberg
from nepsolve.models.eliashberg_xi.nonlinear import XiGapProblem
from nepsolve.models.material import matsubara as mm
from nepsolve.models.material.a2f import K_PER_MEV
from nepsolve.models.material.xi import MaterialXi, MaterialXiParams
from nepsolve.physics.params import EliashbergXiParams, ParameterError

# Lorentzian 5 meV mode + static channel cut at 15 meV on a 60 meV band (meV)
BASE = dict(omega_b=5.0, kappa=1.0, lam_static=0.2, omega_c=15.0, W=60.0, gamma=0.1, T_el=1.0, T_b=1.0)


def test_band_reference_is_the_bcs_gap_equation():
    """The reference with no boson (λ → 0), W → ∞ and γ → 0 is 1 = λ_s ∫_0^{ω_c} tanh(ξ/2T)/ξ dξ at T_c."""
    p = MaterialXiParams(**{**BASE, "lam": 1e-10, "W": 1e6, "lam_static": 0.3, "omega_c": 20.0})
    T_bcs = brentq(lambda T: 0.3 * quad(lambda x: math.tanh(x / (2 * T)) / x, 0, 20, limit=200)[0] - 1,
                   0.01, 5, rtol=1e-13)
    rho = mm.band_pair_eigenvalue(p, T=T_bcs, gamma=1e-12)
    print(f"BCS T_c = {T_bcs:.6f} meV; reference rho there = {rho:.10f}")
    assert abs(rho - 1.0) < 1e-7


@pytest.mark.parametrize("extra", [dict(), dict(lam_static=0.0, mustar=0.15)], ids=["attraction", "mustar"])
def test_lambda_c_matches_the_band_cutoff_matsubara_solver(extra):
    """Equilibrium, local kernel, flat band W = 60 meV: the real-axis λ_c (both rows, inside and outside ω_c) equals
    the imaginary-axis λ_c of the same band-cutoff problem, for an attraction and for a repulsion μ*."""
    p = MaterialXiParams(**{**BASE, **extra})
    ref = mm.critical_coupling(p, cut="band")
    r = api.critical_coupling(p)
    err = abs(r["lambda_c"] - ref) / ref
    print(f"{extra}: real {r['lambda_c']:.6f}, Matsubara {ref:.6f}, rel {err:.1e}; subspace {r['subspace_residual']:.1e}")
    assert r["converged"] and err < 1e-4
    assert r["subspace_residual"] < 1e-10


def test_one_lorentzian_channel_is_the_xi_model():
    """No static channel, one Lorentzian channel at Ω = 1: the ξ-resolved model itself (same grids), in a NESS
    (hotter boson bath, kinetic electrons) with the Lorentzian kernel."""
    common = dict(kappa=0.3, gamma=0.1, T_el=0.1, T_b=0.2, W=4.0, n_omega=1601, omega_max=8.0, fel_mode="kinetic",
                  kernel="lorentzian", w=0.5, xi_grid="uniform", n_xi=24)
    ref = api.critical_coupling(EliashbergXiParams(**common))
    mat = api.critical_coupling(MaterialXiParams(**common, omega_b=1.0, lam=1.0, xi_hmax=0.5))
    print(f"xi model {ref['lambda_c']:.10f}, material-xi {mat['lambda_c']:.10f}")
    assert abs(mat["lambda_c"] - ref["lambda_c"]) < 1e-8 * ref["lambda_c"]


def test_local_kernel_is_the_wide_lorentzian_limit_with_a_band_cutoff():
    """The peak-normalised Lorentzian K = w²/((ξ−ξ')² + w²) → 1 as w → ∞: at w = 3000 meV on a 40 meV band the cells
    split at ±ω_c and one row per cell give the local kernel's two-row λ_c to O((W/w)²) = 2e-4."""
    common = {**BASE, "W": 40.0, "n_omega": 2049, "omega_max": 60.0, "T_el": 1.5, "T_b": 1.5, "gamma": 0.3}
    local = api.critical_coupling(MaterialXiParams(**common))
    wide = api.critical_coupling(MaterialXiParams(**common, kernel="lorentzian", w=3000.0, kernel_norm="peak",
                                                  xi_grid="uniform", n_xi=16))
    err = abs(wide["lambda_c"] - local["lambda_c"]) / local["lambda_c"]
    print(f"local {local['lambda_c']:.6f}, Lorentzian w = 3000: {wide['lambda_c']:.6f}, rel {err:.1e}")
    assert err < 5e-4


@pytest.mark.parametrize("mode", [dict(fel_mode="bath", glue="on"), dict(fel_mode="kinetic", glue="on"),
                                  dict(fel_mode="kinetic", glue="off")])
def test_nonlinear_map_linearizes_to_the_gap_operator_with_a_band_static_channel(mode):
    """Finite differences of the nonlinear Nambu–Keldysh map at the normal state (hotter boson: a NESS) along the
    anomalous directions = XiGapOperator with the band-cutoff static channel (two rows), to 1e-7."""
    from test_xi_nonlinear import _check_linearization

    p = MaterialXiParams(**{**BASE, **mode, "T_b": 2.0, "W": 30.0, "n_omega": 2049, "omega_max": 40.0,
                            "gamma": 0.5, "kappa": 1.0, "T_el": 1.0})
    model = MaterialXi(p)
    assert model.n_rows == 2 and model.static is not None
    normal = nepsolve.normal_state(model)
    _check_linearization(model, normal, XiGapProblem(model, normal), mode)


def test_xi_local_kernel_refuses_a_band_static_channel_but_takes_channels():
    with pytest.raises(ParameterError, match="xi_local"):
        MaterialXiParams(**{**BASE, "kernel": "xi_local"})
    p = MaterialXiParams(**{**BASE, "kernel": "xi_local", "lam_static": 0.0, "n_omega": 2049, "omega_max": 60.0,
                            "gamma": 0.5, "T_el": 2.0, "T_b": 2.0})
    assert isinstance(MaterialXi(p, xi_rows=[0.0]), XiEliashberg)


def test_gap_with_a_band_static_channel():
    """The nonlinear gap (attraction alone dominant): converged, superconducting, φ^R_21(ω) = φ^R_12(−ω)* (spec
    §2.3, not imposed) and the gap larger inside the cutoff than outside."""
    p = MaterialXiParams(**{**BASE, "lam": 0.3, "lam_static": 0.35, "T_el": 0.3, "T_b": 0.3, "gamma": 0.1,
                            "W": 30.0, "omega_max": 40.0})
    r = api.solve_gap(p)
    a = r["arrays"]
    phi = np.asarray(a["phi_rows"])
    mid = phi.shape[1] // 2
    print(f"Δ0 = {r['delta0']:.4f} meV, symmetry {a['symmetry_violation']:.1e}, φ(0) in/out "
          f"{phi[0, mid].real:.4f}/{phi[1, mid].real:.4f}")
    assert r["converged"] and r["superconducting"] and r["delta0"] > 0.1
    assert a["symmetry_violation"] < 1e-8
    assert phi[0, mid].real > phi[1, mid].real > 0


def test_cli_prints_t_c_in_kelvin_for_the_xi_model():
    args = [sys.executable, "-m", "nepsolve", "critical", "--model", "material-xi", "--quantity", "Tc", "--json"]
    for k, v in {**BASE, "lam": 0.5, "gamma": 0.3, "n_omega": 4097, "omega_max": 60.0, "W": 30.0}.items():
        args += ["--set", f"{k}={v}"]
    out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    print(out["T_c"], out["T_c_K"])
    assert out["T_c"] > 0 and abs(out["T_c_K"] - out["T_c"] * K_PER_MEV) < 1e-9
    assert "cutoff_step" not in out          # a band cutoff does not quantize T_c


def test_xi_local_row_with_the_tabulated_spectrum_matches_matsubara():
    """kernel 'xi_local', the Pb-like α²F file, row ξ = 0 in equilibrium: the real-axis λ_c equals the ξ-local
    imaginary-axis λ_c for the same spectrum (material.matsubara.xi_local_pair_eigenvalue).  (∫K dξ' = 1 meV here:
    the ξ-local λ_c in meV units is not the Ω-unit one of --model eliashberg-xi.)"""
    from nepsolve.models.material.matsubara import xi_local_pair_eigenvalue

    p = MaterialXiParams(a2f="data/pb_like_a2f.dat", kernel="xi_local", gamma=0.1, T_el=0.5, T_b=0.5, W=200.0)
    ref = brentq(lambda lam: xi_local_pair_eigenvalue(p, lam=lam) - 1.0, 0.5, 50.0, rtol=1e-12)
    r = api.critical_coupling(p, xi_row=0.0)
    err = abs(r["lambda_c"] - ref) / ref
    print(f"xi-local row 0: real {r['lambda_c']:.6f}, Matsubara {ref:.6f}, rel {err:.1e} (n_omega {p.n_omega})")
    assert r["converged"] and err < 2e-4


MPI_POINT = dict(omega_b=5.0, kappa=1.0, lam_static=0.15, omega_c=15.0, W=60.0, gamma=0.3, T_el=0.3, T_b=0.6,
                 n_omega=2049, omega_max=40.0, kernel="lorentzian", w=5.0, kernel_norm="peak", xi_grid="uniform",
                 n_xi=24, fel_mode="kinetic")


@pytest.mark.mpi
@pytest.mark.skipif(shutil.which("mpiexec") is None, reason="no mpiexec on PATH")
def test_two_ranks_with_a_band_static_channel_match_one_rank():
    """The static channel's constant output on the rows a rank owns (the ξ' sum over all inside cells done from the
    full fields on every rank): λ_c of a NESS Lorentzian point on 2 real MPI ranks = 1 rank to 1e-9."""
    serial = api.critical_coupling(MaterialXiParams(**MPI_POINT))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(["mpiexec", "-n", "2", sys.executable, str(Path(__file__).resolve())], capture_output=True,
                         text=True, timeout=900, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    two = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"1 rank {serial['lambda_c']:.12f}, 2 ranks {two['lambda_c']:.12f}")
    assert two["ranks"] == 2 and abs(two["lambda_c"] - serial["lambda_c"]) < 1e-9 * serial["lambda_c"]
    assert two["subspace_residual"] < 1e-10


if __name__ == "__main__":          # the rank side of the MPI test
    from mpi4py import MPI

    r = api.critical_coupling(MaterialXiParams(**MPI_POINT), comm=MPI.COMM_WORLD)
    if MPI.COMM_WORLD.rank == 0:
        print(json.dumps({"ranks": MPI.COMM_WORLD.size, "lambda_c": r["lambda_c"],
                          "subspace_residual": r["subspace_residual"]}))
