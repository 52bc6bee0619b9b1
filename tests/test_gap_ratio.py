"""Nonlinear real-axis gap against BCS (spec §9 T4): 2Δ0/T_c → 2π e^{−γ_E} = 3.528 at weak coupling,
larger at strong coupling, and Δ(T) vanishes at the temperature where the linear eigenvalue is 1."""
import numpy as np
import pytest

from nepsolve import api
from nepsolve.physics.params import EliashbergParams

BCS_RATIO = 2 * np.pi * np.exp(-np.euler_gamma)      # 3.5278, the weak-coupling (BCS) value

# γ ≪ T_c (bath pair breaking small), Δω ≤ γ/5, T = T_c/4 (Δ(T)/Δ(0) = 1 − O(e^{−7}) in BCS)
CASES = {0.3: dict(gamma=5e-4, n_omega=160001, omega_max=8.0, T0=0.009),
         0.4: dict(gamma=1e-3, n_omega=100001, omega_max=10.0, T0=0.021),
         1.0: dict(gamma=2e-3, n_omega=50001, omega_max=10.0, T0=0.11)}


def point(lam, T):
    c = CASES[lam]
    return EliashbergParams(lam=lam, kappa=0.05, gamma=c["gamma"], T_el=T, T_b=T,
                            n_omega=c["n_omega"], omega_max=c["omega_max"])


@pytest.fixture(scope="module")
def ratios():
    out = {}
    for lam, c in CASES.items():
        tc = api.critical_temperature(point(lam, c["T0"]))
        assert tc["converged"], tc["message"]
        gap = api.solve_gap(point(lam, tc["T_c"] / 4), seed=0.02)
        assert gap["converged"] and gap["superconducting"], gap["message"]
        out[lam] = (tc["T_c"], gap["delta0"])
    return out


@pytest.mark.slow
def test_T4_weak_coupling_ratio_approaches_bcs(ratios):
    r = {lam: 2 * d / tc for lam, (tc, d) in ratios.items()}
    assert r[0.3] < r[0.4] < r[1.0]                       # strong-coupling corrections grow with λ
    assert abs(r[0.3] / BCS_RATIO - 1) < 0.015            # → 3.53 as λ → 0
    assert r[1.0] > BCS_RATIO + 0.4                       # clearly larger at λ = 1


@pytest.mark.slow
def test_T4_gap_closes_where_the_linear_eigenvalue_crosses_one(ratios):
    tc, d_low = ratios[1.0]
    below = api.solve_gap(point(1.0, 0.97 * tc), seed=0.02)
    above = api.solve_gap(point(1.0, 1.03 * tc), seed=0.02)
    assert below["converged"] and below["superconducting"]
    # mean-field: Δ(T)/Δ(0) ≈ 1.74 √(1 − T/T_c) = 0.30 at T = 0.97 T_c
    assert 0.15 < below["delta0"] / d_low < 0.45
    assert not above["superconducting"] and above["phi_max"] < 1e-4
