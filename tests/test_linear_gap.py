"""Linearized real-axis gap problem against independent computations (spec §6.1, §9 T2, T3)."""
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import digamma

from nepsolve import api
from nepsolve.grids import FrequencyGrid
from nepsolve.models import matsubara
from nepsolve.models.eliashberg import FlatBandEliashberg, GapOperator
from nepsolve.physics.params import EliashbergParams
from nepsolve.solvers.eigen import leading_real_eigenvalue


@pytest.mark.parametrize("T,kappa,gamma", [(0.1, 0.1, 0.05), (0.05, 0.3, 0.02), (0.2, 0.05, 0.1)])
def test_T2_real_axis_lambda_c_matches_matsubara_solver(T, kappa, gamma):
    """Equilibrium with both baths: λ_c from the Keldysh real-axis operator equals the
    imaginary-axis value (|ω_n| → |ω_n| + γ, λ(ν_l) of the damped mode) to 1e-4 relative."""
    p = EliashbergParams(lam=1.0, kappa=kappa, gamma=gamma, T_el=T, T_b=T, n_omega=10241, omega_max=16.0)
    real = api.critical_coupling(p)
    assert real["converged"], real["message"]
    ref = matsubara.lambda_c(T, kappa, gamma)
    assert real["lambda_c"] == pytest.approx(ref, rel=1e-4)


@pytest.mark.parametrize("T,gamma", [(0.02, 0.002), (0.02, 0.01), (0.05, 0.08)])
def test_T3_bcs_limit_with_bath_pair_breaking(T, gamma):
    """Static kernel Λ^R = −λ, cutoff |ω'| < Ω_c, no noise term, ω̃ = ω + iγ (spec §9 T3):
    1/λ_c = ∫_0^{Ω_c} tanh(ω/2T) ω/(ω²+γ²) dω = ln(1.134Ω_c/T) − [ψ(1/2+γ/2πT) − ψ(1/2)] + ½ln(1+γ²/Ω_c²)."""
    omega_c, lam = 1.0, 0.3
    g = FrequencyGrid(20001, 2.5)
    w = g.omega
    window = (np.abs(w) <= omega_c + 1e-12).astype(float)
    window[np.isclose(np.abs(w), omega_c)] = 0.5            # trapezoid end weights at ±Ω_c
    op = GapOperator(g, w + 1j * gamma, np.tanh(w / (2 * T)), np.zeros(g.n),
                     -lam * np.ones(g.n, dtype=complex), sector="even", window=window)
    rho = leading_real_eigenvalue(op).rho
    inv_lam_c = rho / lam
    quadrature = quad(lambda x: np.tanh(x / (2 * T)) * x / (x * x + gamma**2), 0, omega_c, limit=200)[0]
    assert inv_lam_c == pytest.approx(quadrature, abs=1e-5)
    closed = (np.log(2 * np.exp(np.euler_gamma) / np.pi * omega_c / T)
              - (digamma(0.5 + gamma / (2 * np.pi * T)) - digamma(0.5)) + 0.5 * np.log(1 + gamma**2 / omega_c**2))
    assert inv_lam_c == pytest.approx(closed, abs=1e-5)


def test_even_sector_holds_the_leading_real_eigenvalue():
    """The physical class φ(−ω) = φ(ω)* carries the instability; checked against the full 2N space."""
    p = EliashbergParams(lam=1.0, kappa=0.2, gamma=0.05, T_el=0.08, T_b=0.05, drive_n=0.2, drive_omega=2.0,
                         drive_sigma=0.2, n_omega=4097, omega_max=12.0)
    m = FlatBandEliashberg(p)
    F = m.bath_distribution()
    even = leading_real_eigenvalue(m.gap_operator(F, "even"))
    full = leading_real_eigenvalue(m.gap_operator(F, "full"), k=6)
    assert even.rho == pytest.approx(full.rho, rel=1e-9)
    phi = m.gap_operator(F, "full").expand(full.vector)
    phi = phi / phi[m.grid.m]
    np.testing.assert_allclose(phi[::-1], np.conj(phi), atol=1e-8)   # Re φ even, Im φ odd


def test_grid_convergence_of_lambda_c():
    """λ_c changes < 1e-4 under Δω → Δω/2 and under omega_max → 1.5 omega_max (spec §8.5)."""
    base = EliashbergParams(lam=1.0, kappa=0.1, gamma=0.04, T_el=0.06, T_b=0.04, drive_n=0.1,
                            drive_omega=2.0, drive_sigma=0.3, n_omega=6145, omega_max=12.0)
    lc = api.critical_coupling(base)["lambda_c"]
    finer = api.critical_coupling(base.replace(n_omega=12289))["lambda_c"]
    wider = api.critical_coupling(base.replace(n_omega=9217, omega_max=18.0))["lambda_c"]
    assert abs(finer / lc - 1) < 1e-4
    assert abs(wider / lc - 1) < 1e-4


@pytest.mark.parametrize("fel_mode", ["bath", "kinetic"])
def test_T8a_colder_bosons_lower_lambda_c(fel_mode):
    """λ_c(T_b < T_el) < λ_c(T_b = T_el) < λ_c(T_b > T_el) (spec §9 T8a), both electron modes."""
    base = EliashbergParams(lam=1.0, kappa=0.3, gamma=0.05, T_el=0.1, T_b=0.1, fel_mode=fel_mode,
                            n_omega=4097, omega_max=12.0)
    lc = [api.critical_coupling(base.replace(T_b=tb))["lambda_c"] for tb in (0.06, 0.1, 0.15)]
    assert lc[0] < lc[1] < lc[2]
    assert lc[1] - lc[0] > 1e-3 and lc[2] - lc[1] > 1e-3      # a resolved effect, not round-off
