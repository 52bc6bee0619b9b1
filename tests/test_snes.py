"""The SNES layer: methods agree, options pass through, failures are data (spec §8.4)."""
import numpy as np
import pytest

from nepsolve.models.eliashberg import FlatBandEliashberg
from nepsolve.physics.params import EliashbergParams
from nepsolve.solvers import snes
from nepsolve.solvers.mixing import linear_mixing

P = EliashbergParams(lam=1.2, kappa=0.2, gamma=0.05, T_el=0.05, T_b=0.05, n_omega=2049, omega_max=10.0)


@pytest.fixture(scope="module")
def problem():
    m = FlatBandEliashberg(P)
    return m.gap_problem(m.bath_distribution(), seed=0.2)


def test_newton_krylov_anderson_and_mixing_reach_the_same_solution(problem):
    nk = snes.solve(problem, fallback=False)
    assert nk.converged and nk.method == "newton-krylov" and nk.reason_name.startswith("CONVERGED")
    assert len(nk.attempts) == 1                        # fallback=False: one method only
    assert nk.residual_norm <= 10 * 1e-10 * np.linalg.norm(problem.initial_guess())
    an = snes.solve(problem, "-snes_type anderson -snes_anderson_m 8 -snes_max_it 2000", fallback=False, warmup=0)
    assert an.converged and an.method == "anderson"
    mix = linear_mixing(problem, beta=0.3, tol=1e-10)
    assert mix.converged
    np.testing.assert_allclose(an.x, nk.x, atol=1e-7)
    np.testing.assert_allclose(mix.x, nk.x, atol=1e-7)
    phi = problem.unpack(nk.x)[1]
    assert np.max(np.abs(phi)) > 0.05            # the superconducting branch, not the trivial one


def test_failure_is_reported_with_petsc_reason_not_raised(problem):
    res = snes.solve(problem, "-snes_max_it 1", fallback=False, warmup=0)
    assert not res.converged
    assert res.reason < 0 and res.reason_name == "DIVERGED_MAX_IT"
    assert res.iterations == 1 and np.isfinite(res.residual_norm)


def test_fallback_ladder_records_every_attempt(problem):
    res = snes.solve(problem, {"snes_max_it": 2}, warmup=2)      # warm-up, then the ladder
    assert [a["method"] for a in res.attempts] == ["anderson-warmup", "newton-krylov", "anderson", "ngmres"]
    assert not res.converged and "newton-krylov" in res.message


def test_residual_exception_becomes_a_divergence():
    class Broken:
        size = 4

        def residual(self, x, out):
            raise FloatingPointError("boom")

        def initial_guess(self):
            return np.ones(4)

    res = snes.solve(Broken(), fallback=False, warmup=0)
    assert not res.converged and res.reason < 0
    assert "boom" in res.attempts[0]["errors"][0]


def test_plain_newton_can_land_on_the_unstable_normal_state_and_deflation_avoids_it():
    """From a small seed, plain Newton–Krylov finds the root φ = 0 although λ > λ_c (normal state
    linearly unstable); deflating that root makes Newton find the gapped branch."""
    from nepsolve.solvers.deflation import solve_avoiding

    m = FlatBandEliashberg(P)
    prob = m.gap_problem(m.bath_distribution(), seed=0.02)
    plain = snes.solve(prob, fallback=False)
    defl = solve_avoiding(prob, [prob.trivial_root()], fallback=False)
    assert plain.converged and defl.converged and defl.method.startswith("deflated")
    assert np.max(np.abs(prob.unpack(plain.x)[1])) < 1e-8
    assert np.max(np.abs(prob.unpack(defl.x)[1])) > 0.5
    out = np.empty(prob.size)
    prob.residual(defl.x, out)
    assert np.linalg.norm(out) < 1e-8


def test_options_database_is_left_clean(problem):
    from petsc4py import PETSc

    snes.solve(problem, "-snes_type anderson", fallback=False)
    assert not [k for k in PETSc.Options().getAll() if k.startswith("nep")]


def test_parse_petsc_options():
    # parsed by PETSc: an option without a value is None (it used to become "true", which PETSc reads as a
    # viewer named "true" for monitors: 'Unsupported viewer true')
    assert snes.parse_petsc_options("-snes_type anderson -snes_monitor -snes_atol -1e-3") == {
        "snes_type": "anderson", "snes_monitor": None, "snes_atol": "-1e-3"}
    with pytest.raises(ValueError, match="must start with '-key'"):
        snes.parse_petsc_options("anderson")
