"""ξ-resolved Keldysh–Eliashberg model (ELIASHBERG_SPEC §2.2, §5, §7), each check against an
independent computation: quadrature, the flat-band model, the Matsubara axis, symmetry relations."""
import numpy as np
import pytest
from scipy.integrate import quad

import nepsolve
from nepsolve import api
from nepsolve.models import matsubara
from nepsolve.models.eliashberg_xi import XiEliashberg, cell_pair, cell_resolvent, xi_cells
from nepsolve.physics.params import EliashbergParams, EliashbergXiParams, ParameterError
from nepsolve.solvers import eigen

GRID = dict(n_omega=2049, omega_max=8.0)
EQ = dict(lam=1.0, kappa=0.1, gamma=0.05, T_el=0.05, T_b=0.05, **GRID)


def xi(**kw):
    return EliashbergXiParams(**{**EQ, **kw})


def operator(p, glue=None):
    model = XiEliashberg(p)
    normal = nepsolve.normal_state(model)
    return model, normal, model.gap_operator(normal, glue)


def _quad_c(f, lo, hi, points):
    pts = [x for x in points if lo < x < hi] or None
    opts = dict(points=pts, limit=400, epsabs=1e-14, epsrel=1e-12)
    return quad(lambda x: f(x).real, lo, hi, **opts)[0] + 1j * quad(lambda x: f(x).imag, lo, hi, **opts)[0]


def test_cell_integrals_match_quadrature():
    rng = np.random.default_rng(7)
    worst = 0.0
    for k in range(120):
        a = complex(rng.normal(), 0.02 + 0.1 * abs(rng.normal()))
        if k % 3 == 0:       # both poles on the same side, nearly coincident (the J_RA case at ω → 0)
            c = complex(-a.real + 1e-7 * rng.normal(), -a.imag * (1 + 1e-3 * rng.normal()))
        else:
            c = complex(rng.normal(), rng.choice([-1, 1]) * (0.02 + 0.1 * abs(rng.normal())))
        lo, hi = np.sort(rng.uniform(-3, 3, 2))
        ref = _quad_c(lambda x: 1 / ((a - x) * (c + x)), lo, hi, [a.real, -c.real])
        worst = max(worst, abs(cell_pair(a, c, lo, hi) - ref) / abs(ref))
        ref_r = _quad_c(lambda x: 1 / (a - x), lo, hi, [a.real])
        worst = max(worst, abs(cell_resolvent(a, lo, hi) - ref_r) / abs(ref_r))
    assert worst < 1e-8


def test_spec_J_RA_closed_form():
    """Spec §5.4: J_RA = [ln((a+W)/(a−W)) + ln((a*+W)/(a*−W))]/(a + a*) ≈ 2/W (W = 20, a = 0.3+0.02i)."""
    a, W = 0.3 + 0.02j, 20.0
    ref = (np.log((a + W) / (a - W)) + np.log((np.conj(a) + W) / (np.conj(a) - W))) / (a + np.conj(a))
    assert abs(cell_pair(a, np.conj(a), -W, W) - ref) < 1e-12
    assert abs(ref - 2 / W) < 1e-3 * 2 / W


def test_cells_cover_band_and_semicircle_weight():
    c = xi_cells(30.0, 8.0, 32, "semicircle")
    assert c.lo[0] == -30.0 and c.hi[-1] == 30.0 and np.all(c.hi > c.lo)
    assert np.allclose(c.lo[1:], c.hi[:-1])
    assert abs(np.sum(c.rho * c.widths) - np.pi * 30.0 / 2) < 1e-9      # ∫√(1−ξ²/W²) = πW/2


def test_lorentzian_kernel_needs_resolved_cells():
    with pytest.raises(ParameterError, match="n_xi"):
        xi(kernel="lorentzian", w=0.05, W=5.0, n_xi=20, xi_grid="uniform")


def test_flat_band_limit_is_order_one_over_W():
    """Local kernel: ρ(W) − ρ_flat ∝ 1/W (spec §7 check), and λ_c(W = 1e4) = flat-band λ_c."""
    flat, _ = api.leading_eigenvalue(EliashbergParams(**EQ))
    Ws = np.array([25.0, 50.0, 100.0])
    diffs = []
    for W in Ws:
        _, _, op = operator(xi(W=W))
        diffs.append(eigen.leading_real_eigenvalue(op).rho - flat.rho)
    slope = np.polyfit(np.log(Ws), np.log(np.abs(diffs)), 1)[0]
    assert abs(slope + 1.0) < 0.05
    lc_flat = api.critical_coupling(EliashbergParams(**EQ))["lambda_c"]
    lc_xi = api.critical_coupling(xi(W=1e4))["lambda_c"]
    assert abs(lc_xi - lc_flat) / lc_flat < 5e-5


@pytest.mark.parametrize("fel_mode", ["bath", "kinetic"])
def test_equilibrium_glue_vanishes_and_matches_matsubara(fel_mode):
    """T_b = T_el, no drive: δφ^K ≡ 0 (FDT) in the critical eigenvector, full = glue off, and λ_c
    equals the finite-band Matsubara solver's (independent, imaginary axis)."""
    p = xi(W=5.0, fel_mode=fel_mode)
    r = api.critical_coupling(p)
    assert r["converged"] and r["glue_ratio"] < 1e-12
    off = api.critical_coupling(p.replace(glue="off"))
    assert abs(off["lambda_c"] - r["lambda_c"]) < 1e-9
    ref = matsubara.band_lambda_c(p.T_el, p.kappa, p.gamma, p.W)
    assert abs(r["lambda_c"] - ref) / ref < 3e-4


@pytest.mark.parametrize("W,dos,n,L", [(2.0, "flat", 4097, 12.0), (20.0, "flat", 8193, 28.0),
                                       (6.0, "semicircle", 4097, 12.0)])
def test_finite_band_lambda_c_matches_matsubara(W, dos, n, L):
    """Equilibrium λ_c of the real-axis ξ model vs the finite-band Matsubara solver (band_lambda_c);
    the ω grid covers the band (L ≥ W + 6), so the band edges are on the grid."""
    p = xi(W=W, dos=dos, n_xi=32, n_omega=n, omega_max=L)
    lc = api.critical_coupling(p)["lambda_c"]
    ref = matsubara.band_lambda_c(p.T_el, p.kappa, p.gamma, W, dos)
    assert abs(lc - ref) / ref < (5e-4 if dos == "semicircle" else 2e-4)   # ρ_j per cell: O(h²)


def test_equilibrium_kinetic_distribution_is_thermal():
    p = xi(W=5.0, fel_mode="kinetic", kernel="lorentzian", w=1.0, n_xi=16)
    model = XiEliashberg(p)
    normal = nepsolve.normal_state(model)
    assert np.max(np.abs(normal.F - np.tanh(model.omega / (2 * p.T_el)))) < 1e-9


def test_glue_off_ness_equals_flat_band_at_large_W():
    """Glue off removes the only new channel: at W → ∞ the NESS λ_c is the flat-band one."""
    ness = dict(T_b=0.1, fel_mode="kinetic", drive_n=0.3, drive_omega=1.5, drive_sigma=0.2)
    flat = api.critical_coupling(EliashbergParams(**{**EQ, **ness}))["lambda_c"]
    for glue in ("off", "on"):
        lc = api.critical_coupling(xi(W=1e4, glue=glue, **ness))["lambda_c"]
        assert abs(lc - flat) / flat < 2e-4, glue


@pytest.mark.parametrize("grid", ["graded", "uniform"])
def test_ness_symmetry_relations_hold_unimposed(grid):
    """Spec §2.3 on a driven, self-consistent NESS with the Lorentzian kernel (ξ-dependent Σ; the
    p-h symmetric band maps ξ → −ξ): ω̃(ξ,−ω) = −ω̃(−ξ,ω)*, F_el(ξ,−ω) = −F_el(−ξ,ω) (normal state),
    φ^R_21(ξ,ω) = φ^R_12(ξ,−ω)* (critical eigenvector, not imposed), and the four-field image of the
    eigenvector keeps Σ^K_21 = −(Σ^K_12)* (the physical subspace is invariant)."""
    p = xi(W=4.0, kernel="lorentzian", w=0.5, n_xi=20, xi_grid=grid, kernel_norm="peak", fel_mode="kinetic",
           T_b=0.08, drive_n=0.2, drive_omega=1.5, drive_sigma=0.2, n_omega=1025, omega_max=6.0, gamma=0.1, T_el=0.1)
    model, normal, op = operator(p)
    wt = model.omega[None, :] - normal.sigma
    assert np.max(np.abs(wt[::-1, ::-1] + np.conj(wt))) < 1e-9 * np.max(np.abs(wt))
    assert np.max(np.abs(normal.F + normal.F[::-1, ::-1])) < 1e-9
    res = eigen.leading_real_eigenvalue(op)
    R12, R21, K12 = op.expand(res.vector)
    scale = np.max(np.abs(R12))
    assert np.max(np.abs(R21 - np.conj(R12[:, ::-1]))) < 1e-7 * scale
    check = op.subspace_check(res.vector, res.rho)
    assert check["subspace_residual"] < 1e-12 and check["eigen_residual"] < 1e-8
    d12, _ = op.delta_phi_K([R12, R21, K12])
    assert np.max(np.abs(d12)) > 1e-4 * np.max(np.abs(K12))     # the NESS glue is really there


@pytest.mark.slow
def test_grid_convergence_xi_and_omega():
    """λ_c (Lorentzian kernel on uniform cells, the reference discretization; NESS) under n_xi → 2 n_xi,
    Δω → Δω/2 and L → 1.5 L."""
    base = dict(W=3.0, kernel="lorentzian", w=0.6, n_xi=12, xi_grid="uniform", kernel_norm="peak", T_b=0.1,
                T_el=0.1, gamma=0.1, kappa=0.1, n_omega=1025, omega_max=8.0)
    lc = {n: api.critical_coupling(xi(**{**base, "n_xi": n}))["lambda_c"] for n in (12, 24, 48)}
    # K is cell-averaged against a cell-integrated resolvent: second order in the cell width h/w
    ratio = (lc[12] - lc[24]) / (lc[24] - lc[48])
    assert 3.0 < ratio < 5.0
    richardson = lc[48] + (lc[48] - lc[24]) / 3
    assert abs(lc[48] - richardson) / richardson < 1e-2
    finer_w = api.critical_coupling(xi(**{**base, "n_omega": 2049}))["lambda_c"]
    wider = api.critical_coupling(xi(**{**base, "n_omega": 1537, "omega_max": 12.0}))["lambda_c"]
    assert abs(finer_w - lc[12]) / lc[12] < 1e-5
    assert abs(wider - lc[12]) / lc[12] < 2e-4
