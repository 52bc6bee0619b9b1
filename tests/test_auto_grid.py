"""Issue 13 (first part): low temperature with no grid given.  The real-axis λ_c on the chosen grid and the
independent Matsubara solver (its own cutoff, FFT–Lanczos) agree at T = 0.001."""
import pytest

from nepsolve import api
from nepsolve.models import matsubara
from nepsolve.physics.params import EliashbergParams


@pytest.mark.slow
def test_low_temperature_lambda_c_without_a_grid_matches_matsubara():
    p = EliashbergParams(T_el=0.001, T_b=0.001, lam=0.5, frequency_grid="uniform")   # κ = 0.1, γ = 0.05; no n_omega
    assert p.n_omega == 262145 and p.dw <= 0.001 / 5
    real = api.critical_coupling(p)
    ref = matsubara.lambda_c(0.001, p.kappa, p.gamma)
    assert real["converged"]
    # measured 2026-12-06: 0.5056829 (real axis, 34 s) vs 0.5056811 (Matsubara, 7 s)
    assert real["lambda_c"] == pytest.approx(ref, rel=2e-5)


@pytest.mark.parametrize("grid", ["graded", "uniform"])
def test_accuracy_target_by_refinement_matches_the_matsubara_solver(grid):
    """`--tol`: the grid is refined until the error estimate is < tol (uniform: two successive λ_c differ by
    < tol; graded: the O(h²) estimate |Δ|/3, answer the Richardson value); the answer agrees with the
    independent Matsubara solver within the reported estimate (equilibrium, defaults)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    nepsolve = Path(sys.executable).parent / "nepsolve"
    r = subprocess.run([str(nepsolve), "critical", "--tol", "1e-5", "--json", "--set", f"frequency_grid={grid}"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    ref = matsubara.lambda_c(0.05, 0.1, 0.05)
    assert len(d["grids"]) >= 2 and d["grid_error_estimate"] <= 1e-5
    # measured 2026-12-06: uniform 0.7408430 (grids 8193/16 → 20481/20, estimate 4.0e-6), graded 0.7408410
    # (527 → 1053 → 2105 nodes) vs Matsubara 0.7408409
    assert abs(d["lambda_c"] - ref) / ref <= 2 * d["grid_error_estimate"] + 1e-6
    for bad in (["--model", "bcs", "--tol", "1e-4"], ["--axis", "matsubara", "--tol", "1e-4"], ["--tol", "2"]):
        r = subprocess.run([str(nepsolve), "critical", *bad], capture_output=True, text=True, timeout=300)
        assert r.returncode == 2 and "tol" in r.stderr, (bad, r.stderr)
