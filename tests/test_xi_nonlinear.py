"""Full nonlinear ξ-resolved Nambu–Keldysh NESS equations (ELIASHBERG_SPEC §2.2–2.3, §6.2, §7), each
check against an independent computation: direct quadrature, the flat-band nonlinear solver, the
linear λ_c (eigenvalue route), the linear gap operator, and an unimposed symmetry relation."""
import warnings

import numpy as np
import pytest
from scipy.integrate import IntegrationWarning, quad

import nepsolve
from nepsolve import api, io
from nepsolve.models.eliashberg_xi import XiEliashberg
from nepsolve.models.eliashberg_xi.nonlinear import XiGapProblem, cell_pair_generic, nambu_cell_integrals
from nepsolve.physics.params import EliashbergParams, EliashbergXiParams
from nepsolve.solvers import deflation

TAU3 = np.diag([1.0, -1.0])
EQ = dict(lam=1.2, kappa=0.2, gamma=0.05, T_el=0.05, T_b=0.05, n_omega=2049, omega_max=10.0)
# a NESS (temperature bias, self-consistent electron distribution) on a small grid
NESS = dict(kappa=0.2, gamma=0.06, T_el=0.07, T_b=0.06, fel_mode="kinetic", n_omega=1025, omega_max=6.0)


def _quad_c(f, lo, hi, points):
    pts = [x for x in points if lo < x < hi] or None
    opts = dict(points=pts, limit=400, epsabs=1e-14, epsrel=1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        return quad(lambda x: f(x).real, lo, hi, **opts)[0] + 1j * quad(lambda x: f(x).imag, lo, hi, **opts)[0]


def _matrix_with_roots(rng, r1, r2):
    """A 2×2 A with det(A − ξτ3) = −(ξ − r1)(ξ − r2) and random off-diagonal parts."""
    A22 = complex(rng.normal(), rng.normal())
    A11 = A22 + r1 + r2
    A12 = complex(rng.normal(), rng.normal())
    return np.array([[A11, A12], [(A11 * A22 + r1 * r2) / A12, A22]])


def _max_rel_error(A, S, lo, hi):
    GR, GK = nambu_cell_integrals(A[:, :, None], S[:, :, None], lo, hi)

    def g(x):
        d = (A[0, 0] - x) * (A[1, 1] + x) - A[0, 1] * A[1, 0]
        return np.array([[A[1, 1] + x, -A[0, 1]], [-A[1, 0], A[0, 0] - x]]) / d
    pts = list(np.linalg.eigvals(TAU3 @ A).real)
    ref_R = np.array([[_quad_c(lambda x: g(x)[a, b], lo, hi, pts) for b in (0, 1)] for a in (0, 1)])
    ref_K = np.array([[_quad_c(lambda x: (g(x) @ S @ g(x).conj().T)[a, b], lo, hi, pts) for b in (0, 1)]
                      for a in (0, 1)])
    return max(np.max(np.abs(GR[..., 0] - ref_R)) / np.max(np.abs(ref_R)),
               np.max(np.abs(GK[..., 0] - ref_K)) / np.max(np.abs(ref_K)))


def test_partial_fraction_cell_integrals_match_quadrature():
    """∫G^R and ∫G^R S G^A over a cell, G^R = (A − ξτ3)^{-1}, vs scipy quad of the 2×2 integrands:
    random complex A (roots anywhere off the real axis) and random Hermitian S to 1e-9; the
    (near-)degenerate roots of unphysical iterates (split + Richardson) to 1e-7."""
    rng = np.random.default_rng(11)
    worst, worst_degenerate = 0.0, 0.0
    for k in range(24):
        H = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
        S = H + H.conj().T
        lo, hi = np.sort(rng.uniform(-4, 4, 2))
        if k < 8:                 # random A with Im parts (retarded-like: −Im on the diagonal)
            A = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)) * 0.3 + np.diag([0.2j, 0.2j])
        else:                     # prescribed roots: one per half plane, both in one, r1 ≈ r2*
            r1 = complex(rng.normal(), 0.05 + 0.5 * abs(rng.normal()))
            r2 = [complex(rng.normal(), -0.05 - 0.5 * abs(rng.normal())),
                  complex(rng.normal(), 0.05 + 0.5 * abs(rng.normal())),
                  np.conj(r1) + 1e-7 * complex(rng.normal(), rng.normal())][k % 3]
            A = _matrix_with_roots(rng, r1, r2)
        worst = max(worst, _max_rel_error(A, S, lo, hi))
        if k % 4 == 0:            # degenerate and nearly degenerate roots
            r = complex(rng.normal(), rng.choice([-1, 1]) * (0.05 + 0.5 * abs(rng.normal())))
            for r2 in (r, r + 1e-5 * complex(rng.normal(), rng.normal())):
                worst_degenerate = max(worst_degenerate, _max_rel_error(_matrix_with_roots(rng, r, r2), S, lo, hi))
    print(f"partial fractions vs quad: generic {worst:.2e}, degenerate {worst_degenerate:.2e}")
    assert worst < 1e-9
    assert worst_degenerate < 1e-7
    # the scalar pair integral, including r ≈ s in one half plane (series branch)
    for k in range(20):
        r = complex(rng.normal(), 0.05 + abs(rng.normal()))
        near = r + 1e-6 * complex(rng.normal(), rng.normal())
        s = complex(rng.normal(), -0.05 - abs(rng.normal())) if k % 2 else near
        lo, hi = np.sort(rng.uniform(-4, 4, 2))
        ref = _quad_c(lambda x: 1 / ((x - r) * (x - s)), lo, hi, [r.real, s.real])
        assert abs(cell_pair_generic(r, s, lo, hi) - ref) < 1e-10 * abs(ref)


def test_local_wide_band_matches_flat_band_solver(tmp_path):
    """Local kernel, flat DOS, W = 1e4, bath mode, equilibrium: Δ(ω) of the nonlinear ξ model equals
    the flat-band `GapProblem` solution (spec §4.3) up to O(1/W) and round-off; HDF5 output works."""
    flat = api.solve_gap(EliashbergParams(**EQ))
    res = api.solve_gap(EliashbergXiParams(**EQ, W=1e4))
    assert flat["converged"] and res["converged"] and res["superconducting"]
    assert set(res) == set(flat)
    a, b = res["arrays"], flat["arrays"]
    rel_max = abs(res["phi_max"] - flat["phi_max"]) / flat["phi_max"]
    rel_fun = np.max(np.abs(a["phi"] - b["phi"])) / flat["phi_max"]
    print(f"W=1e4 vs flat band: max|phi| {rel_max:.2e}, phi(w) {rel_fun:.2e}, "
          f"delta0 {res['delta0']:.6f} vs {flat['delta0']:.6f}")
    assert rel_max < 1e-4
    assert rel_fun < 5e-4
    assert abs(res["delta0"] - flat["delta0"]) < 1e-4 * flat["delta0"]
    out = tmp_path / "xi.h5"
    io.write_solution(out, res)
    back = io.read_solution(out)
    assert np.allclose(back["delta"], a["delta"]) and back["attrs"]["delta0"] == res["delta0"]


@pytest.mark.parametrize("kernel", ["local", "xi_local"])
def test_nonlinear_threshold_is_linear_lambda_c(kernel):
    """W = 10 (band effects O(Ω/W) are large), or the ξ-local kernel at its most unstable row ξ = 0:
    max|φ|² of the nonlinear solutions just above the linear λ_c (eigenvalue route in the physical
    subspace, `critical_coupling`) extrapolates to zero at λ_c; just below it only the normal state exists."""
    p = EliashbergXiParams(**EQ, W=10.0, kernel=kernel)
    r = api.critical_coupling(p)
    assert r["xi_star"] == 0.0
    lc = r["lambda_c"]
    below = api.solve_gap(p.replace(lam=0.98 * lc))
    assert below["converged"] and not below["superconducting"] and below["phi_max"] < 1e-8
    steps = np.array([0.01, 0.02, 0.04])
    amp2 = []
    for s in steps:
        r = api.solve_gap(p.replace(lam=(1 + s) * lc))
        assert r["converged"] and r["superconducting"]
        amp2.append(r["phi_max"] ** 2)
    roots = np.roots(np.polyfit(steps, amp2, 2))
    onset = roots[np.argmin(np.abs(roots))].real            # (λ* − λ_c)/λ_c
    print(f"lambda_c = {lc:.8f}; nonlinear onset (lambda*/lambda_c - 1) = {onset:.2e}")
    assert abs(onset) < 1e-4


def test_nambu_symmetry_holds_unimposed_in_a_ness():
    """Spec §2.3 on a converged NESS (Lorentzian kernel: ξ-dependent Σ; self-consistent F_el; T_b ≠ T_el;
    glue on), started from a seed that violates φ^R_21(ω) = φ^R_12(−ω)* and Σ22 = −Σ11(−ω)*."""
    p = EliashbergXiParams(**NESS, W=6.0, kernel="lorentzian", w=1.5, n_xi=8, xi_grid="uniform",
                           kernel_norm="peak", lam=1.4)
    model = XiEliashberg(p)
    prob = XiGapProblem(model, nepsolve.normal_state(model))
    sR, K = prob.unpack(prob.initial_guess())
    w = model.omega
    sR[:, 0, 1] = 0.15 * np.exp(0.7j) * (1 + 0.3j * w) / (1 + w ** 2)
    sR[:, 1, 0] = 0.05 / (1 + (w - 0.3) ** 2)
    sR[:, 1, 1] += 0.02 * w / (1 + w ** 2)
    K.update(K1=0.01 * np.tanh(w) + 0 * K["K0"], K2=0.02 / (1 + w ** 2) + 0 * K["K0"])
    x0 = prob.pack(sR, K)
    assert prob.solution(x0)["symmetry_violation"] > 0.5
    res = deflation.solve_avoiding(prob, [prob.trivial_root()], tol=1e-10, x0=x0)
    sol = prob.solution(res.x)
    s11, s22 = sol["sigma11_rows"], sol["sigma22_rows"]
    nambu = np.max(np.abs(s22 + np.conj(s11[:, ::-1]))) / np.max(np.abs(s11))
    print(f"NESS: max|phi| {np.max(np.abs(sol['phi_rows'])):.4f}, phi21 symmetry {sol['symmetry_violation']:.2e}, "
          f"Sigma22 symmetry {nambu:.2e}")
    assert res.converged and np.max(np.abs(sol["phi_rows"])) > 0.1
    assert sol["symmetry_violation"] < 1e-8
    assert nambu < 1e-8


def test_equilibrium_keldysh_block_is_thermal_nonlinearly():
    """Spec T5 beyond linear order: at T_b = T_el, no drive, the self-consistent Keldysh block
    (kinetic, glue on) reproduces F_el = tanh(ω/2T) and the bath-mode / glue-off solution."""
    p = EliashbergXiParams(**EQ, W=10.0)
    ref = api.solve_gap(p.replace(glue="off"))
    kin = api.solve_gap(p.replace(fel_mode="kinetic"))
    assert ref["converged"] and kin["converged"] and ref["superconducting"]
    w = kin["arrays"]["omega"]
    dF = np.max(np.abs(kin["arrays"]["F_el"] - np.tanh(w / (2 * p.T_el))))
    dphi = np.max(np.abs(kin["arrays"]["phi"] - ref["arrays"]["phi"])) / ref["phi_max"]
    print(f"equilibrium kinetic vs bath: F_el - tanh {dF:.1e}, phi {dphi:.1e}")
    assert dF < 1e-9 and dphi < 1e-8


KERNELS = {"lorentzian": dict(kernel="lorentzian", w=1.5, n_xi=8, xi_grid="uniform", kernel_norm="peak"),
           "xi_local": dict(kernel="xi_local")}


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("mode", [dict(fel_mode="bath", glue="on"), dict(fel_mode="kinetic", glue="on"),
                                  dict(fel_mode="kinetic", glue="off"), dict(fel_mode="bath", glue="off")])
def test_normal_state_is_a_root_and_linearization_is_the_gap_operator(mode, kernel):
    """The normal state solves the nonlinear set, and the derivative of the nonlinear map there in
    the anomalous directions (finite differences) is `XiGapOperator` — an independently written
    linear map — for every fel_mode × glue, in a NESS with the Lorentzian kernel (uniform cells) and
    with the ξ-local kernel (rows at ξ = 0 and 0.3).  The nonlinear Keldysh unknowns K1, K2 are the
    anti-Hermitian Σ^K, so this also checks that the physical subspace φ^K_21 = −(φ^K_12)* is the one
    the nonlinear set lives in."""
    p = EliashbergXiParams(**{**NESS, **mode}, W=6.0, **KERNELS[kernel], lam=1.0)
    if kernel == "xi_local":
        model = XiEliashberg(p, xi_rows=[0.0, 0.3])
        normal = nepsolve.normal_state(model)
        prob = XiGapProblem(model, normal)
        return _check_linearization(model, normal, prob, mode)
    model = XiEliashberg(p)
    normal = nepsolve.normal_state(model)
    prob = XiGapProblem(model, normal)
    _check_linearization(model, normal, prob, mode)


def _check_linearization(model, normal, prob, mode):
    x0 = prob.trivial_root()
    r = np.empty(prob.size)
    prob.residual(x0, r)
    assert np.linalg.norm(r) < 1e-11 * max(np.linalg.norm(x0), 1.0)    # the normal solve's tolerance (1e-12, ×10)
    op = model.gap_operator(normal)
    rng = np.random.default_rng(3)
    env = 1.0 / (1.0 + model.omega ** 2)

    shape = (model.n_rows, model.grid.n)

    def rand():
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)) * env
    r12, r21, k12 = rand(), rand(), rand()
    lin = (op.four_field_map(r12, r21, k12, -np.conj(k12)) if op.glue
           else op.four_field_map(r12, r21, *op.thermal_keldysh(r12, r21), keldysh=False))
    sR, K = prob.unpack(x0)
    h = 1e-6

    def new(sign):
        s = sR.copy()
        s[:, 0, 1] += sign * h * r12
        s[:, 1, 0] += sign * h * r21
        Kp = dict(K)
        if prob.glue:         # Σ^K_12 = −2i(K1 − iK2)
            Kp["K1"] = K["K1"] + sign * h * (0.5j * k12).real
            Kp["K2"] = K["K2"] - sign * h * (0.5j * k12).imag
        return prob.self_energies(s, Kp)
    (Rp, Kp), (Rm, Km) = new(1), new(-1)
    dR = (Rp - Rm) / (2 * h)
    errs = [np.max(np.abs(dR[:, 0, 1] - lin[0])) / np.max(np.abs(lin[0])),
            np.max(np.abs(dR[:, 1, 0] - lin[1])) / np.max(np.abs(lin[1]))]
    if op.glue:
        dK = (Kp - Km) / (2 * h)
        errs += [np.max(np.abs(dK[:, 0, 1] - lin[2])) / np.max(np.abs(lin[2])),
                 np.max(np.abs(dK[:, 1, 0] - lin[3])) / np.max(np.abs(lin[3]))]
    assert np.max(np.abs(dR[:, 0, 0])) + np.max(np.abs(dR[:, 1, 1])) < 1e-6     # diagonal: O(φ²)
    print(f"{mode}: linearization vs XiGapOperator {max(errs):.1e}")
    assert max(errs) < 1e-7
