"""Spec T2b: the real-axis solution continued to the imaginary axis equals the Matsubara solver.

For a retarded function analytic in the upper half plane and decaying, f(iω_n) = (1/π)∫dω' Im f(ω')/(ω' − iω_n).
The normal self-energy is −i(γ + Γ_b) + X(ω) with X decaying; a constant −iΓ continues to −iΓ sgn ω_n.
"""
import numpy as np
import pytest

from nepsolve import api
from nepsolve.models import matsubara
from nepsolve.models.eliashberg import FlatBandEliashberg
from nepsolve.physics.params import EliashbergParams
from nepsolve.solvers.eigen import leading_real_eigenvalue

T, KAPPA, GAMMA = 0.08, 0.15, 0.04
BASE = EliashbergParams(lam=1.0, kappa=KAPPA, gamma=GAMMA, T_el=T, T_b=T, n_omega=20481, omega_max=40.0)


def continue_to_matsubara(omega, im_f, wn):
    """(1/π)∫dω' Im f(ω')/(ω' − iω_n) by the trapezoid rule (Im f decays, no pole on the real axis)."""
    dw = omega[1] - omega[0]
    return np.array([dw / np.pi * np.sum(im_f / (omega - 1j * w)) for w in wn])


def test_T2b_normal_self_energy_on_matsubara_axis():
    lam = 0.9
    m = FlatBandEliashberg(BASE.replace(lam=lam))
    sigma = m.normal_self_energy(m.bath_distribution())
    const = GAMMA + m.Gamma_b
    X = sigma + 1j * const
    wn = np.pi * T * (2 * np.arange(12) + 1)
    sigma_iw = -1j * const + continue_to_matsubara(m.omega, X.imag, wn)
    wt_real = wn + 1j * sigma_iw                     # iω̃_n = iω_n − Σ(iω_n)
    ref = matsubara.omega_tilde(lam, T, KAPPA, GAMMA, n_freq=12)
    np.testing.assert_allclose(wt_real.imag, 0, atol=1e-10)
    np.testing.assert_allclose(wt_real.real, ref, rtol=2e-5)


def test_T2b_gap_eigenvector_on_matsubara_axis():
    lc = api.critical_coupling(BASE)["lambda_c"]
    m = FlatBandEliashberg(BASE.replace(lam=lc))
    op = m.gap_operator(m.bath_distribution(), "full")
    res = leading_real_eigenvalue(op)
    assert res.rho == pytest.approx(1.0, abs=1e-7)
    phi = op.expand(res.vector)
    ref = matsubara.solve_lambda_c(T, KAPPA, GAMMA)
    assert ref.lam == pytest.approx(lc, rel=1e-4)
    wn = ref.omega_n[:10]
    phi_iw = continue_to_matsubara(m.omega, phi.imag, wn)
    np.testing.assert_allclose(phi_iw.imag / np.abs(phi_iw[0]), 0, atol=1e-9)
    np.testing.assert_allclose(phi_iw.real / phi_iw.real[0], ref.phi_n[:10] / ref.phi_n[0], rtol=2e-4)
