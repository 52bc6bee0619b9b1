"""NESS machinery: equilibrium consistency (T5), sum rules and causality (T6), energy balance (§3.2)."""
import numpy as np
import pytest

from nepsolve import api
from nepsolve.models.eliashberg import FlatBandEliashberg
from nepsolve.physics.distributions import fermion_F, kinetic_nonthermal_kernel
from nepsolve.physics.params import EliashbergParams
from nepsolve.solvers import snes

EQ = EliashbergParams(lam=1.0, kappa=0.1, gamma=0.02, T_el=0.05, T_b=0.05, n_omega=6145, omega_max=12.0)
NESS = EQ.replace(T_b=0.03, drive_n=0.3, drive_omega=3.0, drive_sigma=0.2, fel_mode="kinetic")


def test_T5_nonthermal_kernel_vanishes_in_equilibrium_and_only_there():
    w = np.linspace(-3, 3, 301)[:, None]
    nu = np.linspace(-3, 3, 300)[None, :]        # even count: ν = 0 excluded (coth pole)
    T = 0.07
    K = kinetic_nonthermal_kernel(fermion_F(w, T), fermion_F(w - nu, T), 1 / np.tanh(nu / (2 * T)))
    assert np.max(np.abs(K)) < 1e-13
    K_hot = kinetic_nonthermal_kernel(fermion_F(w, T), fermion_F(w - nu, T), 1 / np.tanh(nu / (4 * T)))
    assert np.max(np.abs(K_hot)) > 0.1


def test_T5_collision_integral_vanishes_and_kinetic_equation_returns_tanh():
    m = FlatBandEliashberg(EQ.replace(fel_mode="kinetic"))
    F_eq = m.bath_distribution()
    assert np.max(np.abs(m.collision_integral(F_eq))) < 1e-13
    x0 = np.tanh(m.w_ext / (2 * 0.08))                 # start from a hotter distribution
    res = snes.solve(m.kinetic_problem(), tol=1e-12, x0=x0)
    assert res.converged, res.message
    assert np.max(np.abs(res.x - F_eq)) < 1e-9


def test_T5_lambda_c_identical_for_bath_and_kinetic_in_equilibrium():
    a = api.critical_coupling(EQ)["lambda_c"]
    b = api.critical_coupling(EQ.replace(fel_mode="kinetic"))["lambda_c"]
    assert b == pytest.approx(a, rel=1e-9)


def test_T5_nonlinear_kinetic_equals_bath_solution_in_equilibrium():
    """With the Keldysh block solved self-consistently (§4.3), equilibrium gives Ĥ = F(Re N τ0 + Re P τ1)."""
    p = EQ.replace(lam=1.2)
    bath = api.solve_gap(p)
    kin = api.solve_gap(p.replace(fel_mode="kinetic"))
    assert bath["converged"] and kin["converged"]
    assert bath["delta0"] > 0.05
    np.testing.assert_allclose(kin["arrays"]["phi"], bath["arrays"]["phi"], atol=1e-8)
    np.testing.assert_allclose(kin["arrays"]["F_el"], bath["arrays"]["F_el"], atol=1e-8)


@pytest.fixture(scope="module")
def ness_kinetic():
    m = FlatBandEliashberg(NESS)
    res = snes.solve(m.kinetic_problem(), tol=1e-12)
    assert res.converged, res.message
    return m, res.x


def test_T6_distribution_bounds_rates_and_symmetry(ness_kinetic):
    m, F = ness_kinetic
    assert np.max(np.abs(F)) <= 1 + 1e-12                        # |F_el| ≤ 1
    np.testing.assert_allclose(F[::-1], -F, atol=1e-12)          # F_el(−ω) = −F_el(ω)
    assert np.max(np.abs(F - m.F_bath_ext)) > 1e-3               # visibly non-thermal
    assert np.all(m.scattering_rate(F) >= -1e-14)                # Γ_eph ≥ 0
    sigma = m.normal_self_energy(F)
    assert np.all(sigma.imag <= 0)                               # Im Σ^R ≤ 0
    wt = m.omega - sigma
    np.testing.assert_allclose(wt[::-1], -np.conj(wt), atol=1e-12)   # ω̃(−ω) = −ω̃(ω)*


def test_T6_energy_balance(ness_kinetic):
    """∫ω I_coll = γ∫ω(F − F_bath) (kinetic equation) = (π/2)∫ν² a [F_b^eh − F_b] (spec §3.2)."""
    m, F = ness_kinetic
    g, w = m.grid, m.w_ext
    J_coll = g.dw * np.sum(w * m.collision_integral(F))
    J_bath = NESS.gamma * g.dw * np.sum(w * (F - m.F_bath_ext))
    assert J_coll == pytest.approx(J_bath, rel=1e-6)
    # boson-side form: F_b^eh(ν) = ν^{-2}∫dω ω[1 − F(ω)F(ω−ν)], evaluated by direct sums
    nu = m.omega[np.abs(m.omega) <= 6][::8]
    nu = nu[np.abs(nu) > 1e-9]
    k = np.rint(nu / g.dw).astype(int)
    Fb_eh = np.array([g.dw * np.sum((w * (1 - F * np.roll(F, kk)))[2 * abs(kk): -2 * abs(kk) or None]) for kk in k]) / nu**2
    b = m.boson
    integrand = nu**2 * b.eliashberg_function(nu) * (Fb_eh - b.distribution(nu))
    J_boson = 0.5 * np.pi * 8 * g.dw * np.sum(integrand)
    assert J_boson == pytest.approx(J_coll, rel=2e-3)


def test_T6_kramers_kronig_of_gap_function():
    """φ^R(ω) is analytic in the upper half plane and decays: Re φ = H[Im φ] (discrete Hilbert transform)."""
    res = api.solve_gap(EQ.replace(lam=1.2, T_b=0.04, T_el=0.05))
    assert res["converged"]
    w, phi = res["arrays"]["omega"], res["arrays"]["phi"]
    dw = w[1] - w[0]
    # Re φ(ω_i) = (1/π) P∫ Im φ(ω')/(ω' − ω_i) dω' by the alternate-point (Maclaurin) rule
    for i in np.searchsorted(w, [0.0, 0.15, 0.5, 1.3]):
        j = np.arange(w.size)
        odd = (j - i) % 2 == 1
        hil = (2 * dw / np.pi) * np.sum(phi.imag[odd] / (w[odd] - w[i]))
        assert hil == pytest.approx(phi.real[i], abs=2e-3 * np.max(np.abs(phi)))
