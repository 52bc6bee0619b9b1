"""Issue 13 (first part): low temperature with no grid given.  The real-axis λ_c on the chosen grid and the
independent Matsubara solver (its own cutoff, FFT–Lanczos) agree at T = 0.001."""
import pytest

from nepsolve import api
from nepsolve.models import matsubara
from nepsolve.physics.params import EliashbergParams


@pytest.mark.slow
def test_low_temperature_lambda_c_without_a_grid_matches_matsubara():
    p = EliashbergParams(T_el=0.001, T_b=0.001, lam=0.5)          # κ = 0.1, γ = 0.05; no grid given
    assert p.n_omega == 262145 and p.dw <= 0.001 / 5
    real = api.critical_coupling(p)
    ref = matsubara.lambda_c(0.001, p.kappa, p.gamma)
    assert real["converged"]
    # measured 2026-12-06: 0.5056829 (real axis, 34 s) vs 0.5056811 (Matsubara, 7 s)
    assert real["lambda_c"] == pytest.approx(ref, rel=2e-5)
