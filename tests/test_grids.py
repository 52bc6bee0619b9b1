"""FFT convolutions against a direct O(N²) sum and against closed forms (spec §8.2)."""
import numpy as np
import pytest

from nepsolve.grids import Convolver, FrequencyGrid, convolve, dense_convolve


def test_grid_is_odd_and_symmetric():
    g = FrequencyGrid(101, 5.0)
    assert g.omega[50] == 0.0
    np.testing.assert_allclose(g.omega, -g.omega[::-1], atol=0)
    with pytest.raises(ValueError, match="odd"):
        FrequencyGrid(100, 5.0)


def test_fft_convolution_matches_direct_sum():
    g = FrequencyGrid(401, 8.0)
    rng = np.random.default_rng(1)
    f = np.exp(-g.omega**2) * (1 + 0.3 * rng.standard_normal(g.n)) + 1j * np.exp(-(g.omega - 1) ** 2)
    h = 1 / (1 + g.omega**2) + 0.1j * g.omega / (1 + g.omega**4)
    np.testing.assert_allclose(convolve(g, f, h), dense_convolve(g, f, h), atol=1e-12)


def test_gaussian_convolution_closed_form():
    """∫dν e^{−(ω−ν)²} e^{−ν²} = sqrt(π/2) e^{−ω²/2}: exponential accuracy of the trapezoid sum."""
    g = FrequencyGrid(801, 10.0)
    out = convolve(g, np.exp(-g.omega**2), np.exp(-g.omega**2)).real
    inner = np.abs(g.omega) < 4
    np.testing.assert_allclose(out[inner], np.sqrt(np.pi / 2) * np.exp(-g.omega[inner] ** 2 / 2), atol=1e-13)


def test_extended_input_gives_exact_convolution_with_nondecaying_function():
    """(erf ∗ e^{−ν²})(ω) = √π erf(ω/√2): exact only if erf (→ ±1) is held on the 2-extended grid."""
    from scipy.special import erf

    g = FrequencyGrid(801, 8.0)
    exact = np.sqrt(np.pi) * erf(g.omega / np.sqrt(2))
    out = Convolver(g, {"k": np.exp(-g.omega**2)}, p_in=2, p_out=1)(erf(g.extended(2)), "k").real
    np.testing.assert_allclose(out, exact, atol=1e-12)
    # the same function truncated to the base grid is wrong near the edges (spec pitfall 6)
    wrong = convolve(g, erf(g.omega), np.exp(-g.omega**2)).real
    assert np.max(np.abs(wrong - exact)) > 0.5
