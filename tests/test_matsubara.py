"""Tests for nepsolve.models.matsubara (imaginary-axis linearized Eliashberg solver; units Ω = 1).

Every reference here is an independent computation (published anchor, analytic limit, brute-force sum,
explicit non-symmetric eigenproblem), never a number produced earlier by the module itself.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import digamma

from nepsolve.models import matsubara as ms


def lam_kernel(nu, lam, kappa):
    """Test's own copy of λ(ν_l) = λ(Ω²+κ²)/((|ν_l|+κ)²+Ω²), Ω = 1 (spec §1.3)."""
    return lam * (1.0 + kappa**2) / ((np.abs(nu) + kappa) ** 2 + 1.0)


def brute_force_omega_tilde(lam, T, kappa, gamma, n_freq, m_max):
    """|ω̃_n| = ω_n + γ + πT Σ_{m=0}^{m_max-1}[λ(ω_n−ω_m) − λ(ω_n+ω_m)], summed term by term."""
    wn = np.pi * T * (2 * np.arange(n_freq) + 1)
    wm = np.pi * T * (2 * np.arange(m_max) + 1)
    out = np.empty(n_freq)
    for i, w in enumerate(wn):
        out[i] = w + gamma + np.pi * T * np.sum(lam_kernel(w - wm, lam, kappa) - lam_kernel(w + wm, lam, kappa))
    return out


# --------------------------------------------------------------------------------------------- T1
def test_einstein_tc_public_anchor_and_allen_dynes():
    tc = ms.T_c(1.0, 0.0, 0.0)
    # published Einstein-model value (ELIASHBERG_SPEC §9 T1): T_c/Ω ≈ 0.1146 at λ = 1, μ* = 0
    assert tc == pytest.approx(0.1146, rel=0.01)
    # Allen–Dynes (PRB 12, 905 (1975)) with μ* = 0, Einstein spectrum: ω_log = ω̄2 = Ω, f2 = 1
    lam = 1.0
    f1 = (1.0 + (lam / 2.46) ** 1.5) ** (1.0 / 3.0)
    tc_ad = f1 * (1.0 / 1.2) * math.exp(-1.04 * (1.0 + lam) / lam)
    assert tc_ad == pytest.approx(0.1121, abs=5e-4)  # sanity of the formula as typed here
    assert tc == pytest.approx(tc_ad, rel=0.05)


# --------------------------------------------------------------------------------------------- weak coupling
def test_weak_coupling_exponent():
    lams = np.array([0.2, 0.25, 0.3])
    # T_c(0.2) ≈ 0.002 is below the default cap's T_min; the pairing sum converges like 1/ω_c^4,
    # so omega_c = 50 is ample here (N ≈ 4400 at the lowest T).
    tcs = np.array([ms.T_c(l, 0.0, 0.0, omega_c=50.0) for l in lams])
    assert np.all(tcs > 0)
    x = (1.0 + lams) / lams
    slope, _ = np.polyfit(x, np.log(tcs), 1)
    assert slope == pytest.approx(-1.0, rel=0.02)
    # the residual deviation is the O(λ) correction to the exponent: removing it with a third
    # fit parameter must give the BCS/Eliashberg exponent much more precisely
    coef = np.linalg.solve(np.c_[np.ones(3), x, lams], np.log(tcs))
    assert coef[1] == pytest.approx(-1.0, rel=0.005)


# --------------------------------------------------------------------------------------------- T3 / AG
def test_bath_pair_breaking_abrikosov_gorkov():
    """Weak coupling: |ω̃_n| ≈ (1+λ)|ω_n| + γ = (1+λ)(|ω_n| + γ/(1+λ)) for |ω_n| ≪ Ω, so the gap equation is
    BCS with coupling λ/(1+λ) and an AG pair-breaking rate γ_eff = γ/(1+λ) (Σ_bath = −iγ sgn ω adds γ to
    |ω̃_n|, exactly like the AG spin-flip rate). Hence ln(T_c0/T_c) = ψ(1/2 + γ_eff/2πT_c) − ψ(1/2)."""
    lam, oc = 0.25, 50.0
    tc0 = ms.T_c(lam, 0.0, 0.0, omega_c=oc)
    for ratio in (0.1, 0.3):
        gamma = ratio * tc0
        tc = ms.T_c(lam, 0.0, gamma, omega_c=oc)
        g_eff = gamma / (1.0 + lam)
        tc_ag = brentq(
            lambda t: math.log(tc0 / t) - (digamma(0.5 + g_eff / (2 * math.pi * t)) - digamma(0.5)),
            1e-3 * tc0, tc0, xtol=1e-14,
        )
        assert tc == pytest.approx(tc_ag, rel=0.01)
        # the depression itself (an unrenormalized γ would be ~30 % off here)
        assert math.log(tc0 / tc) == pytest.approx(math.log(tc0 / tc_ag), rel=0.05)


# --------------------------------------------------------------------------------------------- cutoff
def test_cutoff_convergence_lambda_c():
    l400 = ms.lambda_c(0.05, 0.1, 0.02, omega_c=400.0)
    l800 = ms.lambda_c(0.05, 0.1, 0.02, omega_c=800.0)
    assert abs(l800 / l400 - 1.0) < 2e-5
    # a deliberately tiny cutoff must be visibly worse (i.e. the test above can fail)
    l4 = ms.lambda_c(0.05, 0.1, 0.02, omega_c=4.0)
    assert abs(l4 / l800 - 1.0) > 1e-4


def test_z_sum_exact_tail_against_brute_force():
    # closed (telescoped) Z sum vs. the literal sum over m truncated far away (error ~ ω_n/ω_M² ≈ 1e-9)
    for lam, T, kappa, gamma in [(1.0, 0.05, 0.0, 0.0), (0.8, 0.05, 0.3, 0.1), (2.0, 0.2, 1.0, 0.5)]:
        n = 40
        wt = ms.omega_tilde(lam, T, kappa, gamma, n_freq=n)
        ref = brute_force_omega_tilde(lam, T, kappa, gamma, n, m_max=200_000)
        np.testing.assert_allclose(wt, ref, rtol=1e-8, atol=0)


def test_z_analytic_limits():
    lam, T, gamma = 1.3, 0.07, 0.2
    n = 4000
    wt = ms.omega_tilde(lam, T, 0.0, gamma, n_freq=n)
    wn = np.pi * T * (2 * np.arange(n) + 1)
    # n = 0: only the l = 0 term survives: Z_0 = 1 + λ + γ/(πT)
    assert wt[0] / wn[0] == pytest.approx(1.0 + lam + gamma / (np.pi * T), rel=1e-13)
    # n → ∞ (κ = 0): πT Σ_l λ/(1+ν_l²) over all l = (πλ/2) coth(1/2T); the missing tail at finite n is
    # 2πT Σ_{l>n} λ/(1+ν_l²) ≈ λ (π/2 − atan(ν_{n+1/2}))  (midpoint rule, error O(λ T²/ν_n³))
    nu_half = 2 * np.pi * T * (n - 1 + 0.5)
    expect = wn[-1] + gamma + 0.5 * np.pi * lam / np.tanh(0.5 / T) - lam * (0.5 * np.pi - np.arctan(nu_half))
    assert wt[-1] == pytest.approx(expect, rel=1e-9)


def test_eigenvalue_against_explicit_nonsymmetric_kernel():
    """Build K_nm = πT[λ(ω_n−ω_m)+λ(ω_n+ω_m)]/|ω̃_m| literally (Z by brute-force sum) and diagonalize it."""
    for lam, T, kappa, gamma, oc in [(1.0, 0.1, 0.0, 0.0, 30.0), (0.7, 0.05, 0.4, 0.1, 20.0)]:
        n = ms.n_matsubara(T, oc)
        wn = np.pi * T * (2 * np.arange(n) + 1)
        assert wn[-1] >= oc and wn[-2] < oc  # the documented cutoff rule
        wt = brute_force_omega_tilde(lam, T, kappa, gamma, n, m_max=100_000)
        K = np.pi * T * (lam_kernel(wn[:, None] - wn[None, :], lam, kappa)
                         + lam_kernel(wn[:, None] + wn[None, :], lam, kappa)) / wt[None, :]
        ev, vec = np.linalg.eig(K)
        i = np.argmax(ev.real)
        rho_ref = ev[i].real
        phi_ref = vec[:, i].real / vec[0, i].real
        for method in ("dense", "lanczos"):
            assert ms.pair_eigenvalue(lam, T, kappa, gamma, omega_c=oc, method=method) == pytest.approx(
                rho_ref, rel=1e-9)
        sol = ms.pair_eigenproblem(lam, T, kappa, gamma, omega_c=oc, method="lanczos")
        np.testing.assert_allclose(sol.phi_n, phi_ref, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(sol.Z_n * sol.omega_n, wt, rtol=1e-8)


def test_solve_results_are_at_the_instability():
    sol = ms.solve_T_c(1.0, 0.2, 0.05)
    assert sol.rho == pytest.approx(1.0, abs=1e-9)
    assert sol.T == pytest.approx(ms.T_c(1.0, 0.2, 0.05), rel=1e-12)
    assert sol.Z_n[0] == pytest.approx(1.0 + 1.0 + 0.05 / (np.pi * sol.T), rel=1e-12)
    assert np.all(sol.phi_n > 0) and sol.phi_n[0] == 1.0
    sol = ms.solve_lambda_c(0.1, 0.3, 0.1)
    assert sol.rho == pytest.approx(1.0, abs=1e-9)
    assert ms.pair_eigenvalue(sol.lam * (1 + 1e-4), 0.1, 0.3, 0.1) > 1.0 > ms.pair_eigenvalue(
        sol.lam * (1 - 1e-4), 0.1, 0.3, 0.1)


# --------------------------------------------------------------------------------------------- trends
def test_lambda_c_monotone_in_gamma_and_T():
    lc_g = [ms.lambda_c(0.05, 0.1, g) for g in (0.0, 0.05, 0.2, 0.5)]
    assert np.all(np.diff(lc_g) > 0)
    lc_t = [ms.lambda_c(t, 0.1, 0.02) for t in (0.01, 0.05, 0.2, 0.5)]
    assert np.all(np.diff(lc_t) > 0)
    # λ_c and T_c are inverse functions of each other
    assert ms.T_c(lc_t[1], 0.1, 0.02) == pytest.approx(0.05, rel=1e-8)


def test_no_instability_cases():
    assert ms.pair_eigenvalue(0.0, 0.1) == 0.0
    assert ms.T_c(0.3, 0.0, 0.5) == 0.0  # γ ≫ T_c0: fully pair-broken above T_min
    with pytest.raises(ms.NoInstabilityError):
        ms.solve_T_c(0.3, 0.0, 0.5)
    with pytest.raises(ValueError, match="lam_max"):
        ms.lambda_c(0.5, 1.0, 0.5, lam_max=0.2)


# --------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: ms.pair_eigenvalue(1.0, -0.1), "T"),
        (lambda: ms.pair_eigenvalue(1.0, 0.0), "T"),
        (lambda: ms.pair_eigenvalue(1.0, 0.1, 0.0, -0.1), "gamma"),
        (lambda: ms.pair_eigenvalue(1.0, 0.1, -0.1, 0.0), "kappa"),
        (lambda: ms.pair_eigenvalue(-1.0, 0.1), "lam"),
        (lambda: ms.lambda_c(-0.05), "T"),
        (lambda: ms.lambda_c(0.05, 0.1, -0.02), "gamma"),
        (lambda: ms.lambda_c(0.05, -0.1, 0.02), "kappa"),
        (lambda: ms.T_c(1.0, -0.1), "kappa"),
        (lambda: ms.T_c(1.0, 0.0, -0.1), "gamma"),
        (lambda: ms.T_c(1.0, 0.0, float("nan")), "gamma"),
        (lambda: ms.pair_eigenvalue(1.0, 1e-4), "max_freq"),
    ],
)
def test_bad_input_names_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()
