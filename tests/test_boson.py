"""Boson spectra: sum rules, FDT, causality (spec §1.3–1.5, test T6), by independent quadrature."""
import numpy as np
import pytest
from scipy.integrate import quad

from nepsolve.physics.boson import EinsteinBoson


@pytest.mark.parametrize("kappa", [0.05, 0.3, 1.0])
def test_sum_rules(kappa):
    b = EinsteinBoson(lam=0.8, kappa=kappa, T_b=0.1)
    pts = [1 - 5 * kappa, 1, 1 + 5 * kappa]
    pts = [p for p in pts if p > 0]
    inv = quad(lambda x: b.eliashberg_function(x) / x, 0, 50, points=pts, limit=500)[0] + \
        quad(lambda x: b.eliashberg_function(x) / x, 50, np.inf)[0]
    assert inv == pytest.approx(0.8 / 2, rel=1e-8)                # 2∫_0^∞ a/ν = λ
    first = 2 * (quad(lambda x: x * b.eliashberg_function(x), 0, 50, points=pts, limit=500)[0]
                 + quad(lambda x: x * b.eliashberg_function(x), 50, np.inf)[0])
    assert first == pytest.approx(2 * b.g2N0 * 1.0, rel=1e-7)     # ∫ν a dν = 2 g²N0 Ω
    assert -b.coupling_retarded(0.0).real == pytest.approx(0.8, rel=1e-14)


def test_spectral_function_is_minus_imag_DR_over_pi_and_causal():
    b = EinsteinBoson(lam=1.0, kappa=0.2, T_b=0.1)
    nu = np.linspace(-6, 6, 1201)
    np.testing.assert_allclose(b.spectral(nu), -b.D_R(nu).imag / np.pi, rtol=1e-12, atol=1e-15)
    assert np.all(b.spectral(nu[nu > 0]) > 0)
    # Kramers–Kronig: Re D^R(ν0) = P∫ B(ν')/(ν0 − ν') dν'  (poles of D^R in the lower half plane)
    for nu0 in (0.3, 1.7):
        pv = quad(lambda x: b.spectral(x), -200, 200, weight="cauchy", wvar=nu0, limit=800)[0]
        assert -pv == pytest.approx(b.D_R(nu0).real, abs=2e-4)


def test_noise_is_fdt_product_and_regular_at_zero():
    b = EinsteinBoson(lam=1.0, kappa=0.2, T_b=0.07)
    nu = np.array([-2.0, -0.5, 0.3, 1.0])
    np.testing.assert_allclose(b.noise(nu), b.eliashberg_function(nu) / np.tanh(nu / (2 * 0.07)), rtol=1e-12)
    h = 1e-6
    slope = (b.eliashberg_function(h) - b.eliashberg_function(-h)) / (2 * h)
    assert b.noise(0.0) == pytest.approx(2 * 0.07 * slope, rel=1e-8)   # n(0) = 2T a'(0)


def test_drive_adds_positive_occupation_and_keeps_Fb_sgn_above_one():
    b = EinsteinBoson(lam=1.0, kappa=0.01, T_b=0.05, drive_n=0.5, drive_omega=1.0, drive_sigma=0.5)
    nu = np.linspace(-5, 5, 1001)
    nu = nu[nu != 0]
    assert np.all(b.distribution(nu) * np.sign(nu) >= 1.0)
    assert np.all(b.noise(nu) >= 0)
    # σ_d ≫ κ and ω_d = Ω: the mode gains ≈ n_d quanta (spec §1.4)
    assert b.added_occupation() == pytest.approx(0.5, rel=0.03)
