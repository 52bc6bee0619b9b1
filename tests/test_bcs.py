"""The BCS model (nepsolve/models/bcs) against closed forms and limits it does not use to compute:
Δ00 = 1/sinh(1/λ) at T = 0; the weak-coupling limits T_c0 → (2e^γ/π)e^{−1/λ} and Δ00/T_c0 → πe^{−γ};
Abrikosov–Gor'kov: dT_c/dΓ = −π/4 at Γ → 0 and T_c → 0 at Γ_c = Δ_BCS/2; the Zeeman field acts like Γ with
the same |z| = |Γ + ih| only through Re ψ (checked by the small-h expansion T_c0 − T_c ≈ 7ζ(3)h²/(4π²T_c0));
Δ(T → T_c) ≈ 3.06 T_c √(1 − T/T_c); and the registry contract (tests/test_registry.py) covers the rest."""
import numpy as np
import pytest
from scipy.special import zeta

from nepsolve.models.bcs import physics as b

G = 0.5772156649015329


def test_zero_temperature_gap_and_weak_coupling_limits():
    for lam in (0.2, 0.3, 0.5):
        assert b.gap(lam, 0.0) == pytest.approx(1 / np.sinh(1 / lam), rel=1e-10)
    lam = 0.12                                  # weak coupling: cutoff corrections ~ e^{-2/λ} = 6e-8
    assert b.tc0(lam) == pytest.approx(2 * np.exp(G) / np.pi * np.exp(-1 / lam), rel=1e-6)
    assert b.delta00(lam) / b.tc0(lam) == pytest.approx(np.pi * np.exp(-G), rel=1e-6)


def test_abrikosov_gorkov_slope_and_critical_rate():
    lam = 0.25
    t0 = b.tc0(lam)
    g = 1e-4 * t0
    assert (t0 - b.tc(lam, g)) / g == pytest.approx(np.pi / 4, rel=1e-3)
    d_bcs = np.pi * np.exp(-G) * t0
    assert b.tc(lam, 0.4999 * d_bcs) < 0.05 * t0 and b.tc(lam, 0.5001 * d_bcs) == 0.0


def test_small_field_expansion():
    lam = 0.25
    t0 = b.tc0(lam)
    h = 0.02 * t0
    expected = 7 * zeta(3) * h**2 / (4 * np.pi**2 * t0)
    assert t0 - b.tc(lam, 0.0, h) == pytest.approx(expected, rel=2e-3)


def test_gap_near_tc_and_lambda_c_inverts_tc():
    lam = 0.2
    t0 = b.tc0(lam)
    d = b.gap(lam, 0.999 * t0)
    assert d == pytest.approx(np.sqrt(8 * np.pi**2 / (7 * zeta(3))) * t0 * np.sqrt(1e-3), rel=2e-3)
    assert b.gap(lam, 1.001 * t0) == 0.0
    assert b.lambda_c(b.tc(0.3, 0.01, 0.005), 0.01, 0.005) == pytest.approx(0.3, rel=1e-9)
