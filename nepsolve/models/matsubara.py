r"""Imaginary-axis (Matsubara) linearized Eliashberg solver for equilibrium.

Independent reference for the real-frequency Keldysh solver (ELIASHBERG_SPEC §1.3, §9 tests T1/T2/T2b)
and a fast equilibrium :math:`T_c` / :math:`\lambda_c` for users. Pure NumPy/SciPy.

Model and units
---------------
Units: boson frequency Ω = 1, ħ = k_B = 1; every energy/temperature below is in units of Ω.
Electrons in a flat band (Fermi-surface limit) couple locally to one damped Einstein boson
(retarded propagator D^R(ν) = 2Ω/((ν+iκ)² − Ω²), spec §1.3) and every electron state couples to a
wide-band fermionic bath with rate γ (spec §1.2). Everything is at one temperature T, μ* = 0.

* Coupling constant λ ≡ −g²N0 D^R(0). On the Matsubara axis (ν_l = 2πT l) the pairing kernel is

      λ(ν_l) = λ (Ω² + κ²) / ((|ν_l| + κ)² + Ω²).

* Bath self-energy Σ_bath(iω_n) = −iγ sgn(ω_n), ω_n = πT(2n+1).
* Linearized (isotropic) Eliashberg equations:

      ω̃_n ≡ ω_n Z_n = ω_n + γ sgn(ω_n) + πT Σ_m λ(ω_n − ω_m) sgn(ω_m)
      φ_n          = πT Σ_m λ(ω_n − ω_m) φ_m / |ω̃_m|

  With the even-frequency symmetry φ_{−n−1} = φ_n both reduce to n, m ≥ 0:

      K_nm   = πT [λ(ω_n − ω_m) + λ(ω_n + ω_m)] / |ω̃_m|,
      |ω̃_n| = ω_n + γ + πT Σ_{m≥0} [λ(ω_n − ω_m) − λ(ω_n + ω_m)].

* ρ(λ, T, κ, γ) = largest eigenvalue of K; the superconducting instability is ρ = 1.
  K = πT M D⁻¹ with M symmetric and elementwise positive and D = diag|ω̃_n| > 0, so K is similar to the
  symmetric matrix A = πT D^{-1/2} M D^{-1/2}; ρ is its Perron (largest, simple) eigenvalue and
  φ = D^{1/2} x for the eigenvector x of A.

Frequency cutoff and the Z sum (the "tail")
-------------------------------------------
The Z sum, if truncated at ω_c, has an error ~ λ ω_n / ω_c². Here it is summed to infinity exactly:
with ω_n − ω_m = 2πT(n−m) and ω_n + ω_m = 2πT(n+m+1), and λ_l ≡ λ(2πT l),

    Σ_{m≥0} [λ(ω_n−ω_m) − λ(ω_n+ω_m)] = Σ_{l=−∞}^{n} λ_|l| − Σ_{l=n+1}^{∞} λ_l = λ_0 + 2 Σ_{l=1}^{n} λ_l

(both infinite sums converge absolutely because λ_l ~ 1/l², so the rearrangement is legal). The analytic
tail correction is therefore *exact*: |ω̃_n| carries no cutoff error at all. Only the pairing sum
(φ) is truncated at N Matsubara frequencies with ω_{N−1} = πT(2N−1) ≥ ``omega_c``; its terms decay like
1/ω³ and the resulting error of ρ is ~ πT λ²/ω_c⁴ (far below 1e-10 for the default ω_c = 400 Ω).

The eigenproblem is solved densely (``numpy.linalg.eigvalsh`` / ``scipy.linalg.eigh``) for small N and,
for larger N, with ARPACK Lanczos (``scipy.sparse.linalg.eigsh``) on a matrix-free operator: M is
Toeplitz + Hankel in (n, m), so M·u costs two real FFTs of length 2N. This is what makes the default
cutoff affordable down to T ≈ 0.00064 Ω (N ≤ ``max_freq`` = 100000 by default; λ_c at T = 0.001 in ≈ 10 s).

Public API
----------
``pairing_kernel(nu, lam, kappa)``             λ(ν) on bosonic Matsubara frequencies
``n_matsubara(T, omega_c, max_freq)``          number N of positive fermionic frequencies used
``omega_tilde(lam, T, kappa, gamma, n_freq)``  |ω̃_n| for n = 0..N−1 (exact Z sum)
``pair_eigenvalue(lam, T, kappa, gamma)``      ρ
``pair_eigenproblem(lam, T, kappa, gamma)``    ``MatsubaraSolution`` (ρ, ω_n, Z_n, φ_n)
``lambda_c(T, kappa, gamma)``                  λ_c (float), root of ρ(λ) = 1
``solve_lambda_c(T, kappa, gamma)``            ``MatsubaraSolution`` at λ = λ_c
``T_c(lam, kappa, gamma)``                     T_c (float; 0.0 if no instability above T_min)
``solve_T_c(lam, kappa, gamma)``               ``MatsubaraSolution`` at T = T_c (raises if none)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.linalg
from scipy.optimize import brentq
from scipy.sparse.linalg import LinearOperator, eigsh

__all__ = [
    "DEFAULT_OMEGA_C",
    "DEFAULT_MAX_FREQ",
    "MatsubaraSolution",
    "NoInstabilityError",
    "pairing_kernel",
    "n_matsubara",
    "matsubara_frequencies",
    "omega_tilde",
    "pair_eigenvalue",
    "pair_eigenproblem",
    "lambda_c",
    "solve_lambda_c",
    "T_c",
    "solve_T_c",
]

DEFAULT_OMEGA_C = 400.0
"""Default Matsubara cutoff of the pairing sum, in units of Ω."""

DEFAULT_MAX_FREQ = 100000
"""Default cap on the number N of positive Matsubara frequencies: with the FFT–Lanczos route N = 63663
(T = 0.001 at ω_c = 400) takes ≈ 10 s for a λ_c on one core (measured 2026-12-06), so T ≥ 0.00064 is
reached with the default cutoff."""

_DENSE_MAX = 300  # N at or below which the dense symmetric eigensolver is used (method="auto")
_MIN_FREQ = 8  # never use fewer positive Matsubara frequencies than this


class NoInstabilityError(ValueError):
    """Raised when no superconducting instability (ρ = 1) exists in the searched range."""


@dataclass(frozen=True)
class MatsubaraSolution:
    """Leading solution of the linearized Matsubara Eliashberg problem (n ≥ 0 only).

    Attributes
    ----------
    lam, T, kappa, gamma : float
        Parameters (units of Ω). For ``solve_lambda_c``, ``lam`` is λ_c; for ``solve_T_c``, ``T`` is T_c.
    rho : float
        Largest eigenvalue of K (≈ 1 at λ_c or T_c, up to the root tolerance).
    omega_n : ndarray, shape (N,)
        Fermionic Matsubara frequencies ω_n = πT(2n+1), n = 0..N−1.
    Z_n : ndarray, shape (N,)
        Z(iω_n) = |ω̃_n|/ω_n, including the bath term γ/ω_n.
    phi_n : ndarray, shape (N,)
        Leading eigenvector φ(iω_n), normalised to φ_0 = 1 (arbitrary overall scale of a linear problem).
        Even in frequency: φ_{−n−1} = φ_n.
    omega_c : float
        Requested cutoff of the pairing sum; the actual last frequency is omega_n[-1] ≥ omega_c.
    """

    lam: float
    T: float
    kappa: float
    gamma: float
    rho: float
    omega_n: np.ndarray
    Z_n: np.ndarray
    phi_n: np.ndarray
    omega_c: float

    @property
    def n_freq(self) -> int:
        """Number N of positive Matsubara frequencies used."""
        return int(self.omega_n.size)

    @property
    def delta_n(self) -> np.ndarray:
        """Gap function Δ(iω_n) = φ_n / Z_n (same arbitrary normalisation as ``phi_n``)."""
        return self.phi_n / self.Z_n


# ----------------------------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------------------------
def _check_real(name: str, value, *, positive: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and not v > 0.0:
        raise ValueError(f"{name} must be > 0 (units of Omega), got {v!r}")
    if not positive and v < 0.0:
        raise ValueError(f"{name} must be >= 0 (units of Omega), got {v!r}")
    return v


def _check_common(T, kappa, gamma, omega_c, max_freq):
    T = _check_real("T", T, positive=True)
    kappa = _check_real("kappa", kappa)
    gamma = _check_real("gamma", gamma)
    omega_c = _check_real("omega_c", omega_c, positive=True)
    if int(max_freq) != max_freq or max_freq < _MIN_FREQ:
        raise ValueError(f"max_freq must be an integer >= {_MIN_FREQ}, got {max_freq!r}")
    return T, kappa, gamma, omega_c, int(max_freq)


# ----------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------
def pairing_kernel(nu, lam: float, kappa: float = 0.0):
    """λ(ν_l) = λ (Ω²+κ²)/((|ν_l|+κ)² + Ω²) with Ω = 1 (spec §1.3, §9 T2).

    ``nu`` is a (bosonic Matsubara) frequency or array of them; λ(0) = λ.
    """
    nu = np.abs(np.asarray(nu, dtype=float))
    return lam * (1.0 + kappa * kappa) / ((nu + kappa) ** 2 + 1.0)


def n_matsubara(T: float, omega_c: float = DEFAULT_OMEGA_C, max_freq: int = DEFAULT_MAX_FREQ) -> int:
    """Number N of positive fermionic Matsubara frequencies with ω_{N−1} = πT(2N−1) ≥ omega_c.

    At least 8. Raises ``ValueError`` if N would exceed ``max_freq`` (T too small for the cutoff).
    """
    T, _, _, omega_c, max_freq = _check_common(T, 0.0, 0.0, omega_c, max_freq)
    n = max(_MIN_FREQ, math.ceil(0.5 * (omega_c / (math.pi * T) + 1.0)))
    if n > max_freq:
        t_min = omega_c / (math.pi * (2 * max_freq - 1))
        raise ValueError(
            f"T = {T:g} is too small for omega_c = {omega_c:g}: it needs {n} Matsubara frequencies "
            f"> max_freq = {max_freq} (smallest allowed T is {t_min:.4g}); "
            "pass a larger max_freq or a smaller omega_c (the pairing sum converges like 1/omega_c^4)"
        )
    return n


def matsubara_frequencies(T: float, n_freq: int) -> np.ndarray:
    """ω_n = πT(2n+1) for n = 0..n_freq−1."""
    return math.pi * T * (2.0 * np.arange(n_freq) + 1.0)


def _boson_kernel(lam, T, kappa, n_freq):
    """a_l = λ(2πT l) for l = 0..2N−1 (all the bosonic lags needed by M_nm)."""
    return pairing_kernel(2.0 * math.pi * T * np.arange(2 * n_freq), lam, kappa)


def _omega_tilde_from(a, T, gamma, n_freq):
    # exact Z sum: Σ_{m≥0}[λ(ω_n−ω_m) − λ(ω_n+ω_m)] = λ_0 + 2 Σ_{l=1}^{n} λ_l  (see module docstring)
    s = np.empty(n_freq)
    s[0] = a[0]
    if n_freq > 1:
        s[1:] = a[0] + 2.0 * np.cumsum(a[1:n_freq])
    return matsubara_frequencies(T, n_freq) + gamma + math.pi * T * s


def omega_tilde(lam: float, T: float, kappa: float = 0.0, gamma: float = 0.0, n_freq: int = 64) -> np.ndarray:
    """|ω̃_n| = ω_n Z_n for n = 0..n_freq−1, with the Z sum over all m ≥ 0 done exactly (no cutoff).

    |ω̃_n| = ω_n + γ + πT[λ_0 + 2 Σ_{l=1}^{n} λ(2πT l)]  (telescoped form of
    ω_n + γ + πT Σ_{m≥0}[λ(ω_n−ω_m) − λ(ω_n+ω_m)]).
    """
    T, kappa, gamma, _, _ = _check_common(T, kappa, gamma, 1.0, DEFAULT_MAX_FREQ)
    lam = _check_real("lam", lam)
    n_freq = int(n_freq)
    if n_freq < 1:
        raise ValueError(f"n_freq must be >= 1, got {n_freq}")
    return _omega_tilde_from(_boson_kernel(lam, T, kappa, n_freq), T, gamma, n_freq)


# ----------------------------------------------------------------------------------------------
# eigenproblem
# ----------------------------------------------------------------------------------------------
def _dense_matrix(a, T, wt):
    n = wt.size
    idx = np.arange(n)
    m = a[np.abs(idx[:, None] - idx[None, :])] + a[idx[:, None] + idx[None, :] + 1]
    s = 1.0 / np.sqrt(wt)
    return (math.pi * T) * (s[:, None] * m * s[None, :])


def _fft_operator(a, T, wt):
    """Matrix-free A = πT D^{-1/2} (Toeplitz + Hankel) D^{-1/2}, via real FFTs of length 2N."""
    n = wt.size
    p = 2 * n
    # Toeplitz a_{|n−m|}: circulant of length 2N with first column (a_0..a_{N−1}, 0, a_{N−1}..a_1)
    c = np.concatenate([a[:n], [0.0], a[n - 1 : 0 : -1]])
    c_hat = scipy.fft.rfft(c)
    # Hankel a_{n+m+1}: with v_k = u_{N−1−k}, y_n = (a * v)[n+N]; no wrap-around at length 2N
    a_hat = scipy.fft.rfft(a[:p])
    s = 1.0 / np.sqrt(wt)
    pref = math.pi * T

    def matvec(x):
        x = np.asarray(x, dtype=float).reshape(-1)
        u = s * x
        y = scipy.fft.irfft(c_hat * scipy.fft.rfft(u, p), p)[:n]
        y += scipy.fft.irfft(a_hat * scipy.fft.rfft(u[::-1], p), p)[n:p]
        return pref * s * y

    return LinearOperator((n, n), matvec=matvec, dtype=float)


def _leading_eig(a, T, wt, method, want_vector):
    n = wt.size
    if method not in ("auto", "dense", "lanczos"):
        raise ValueError(f"method must be 'auto', 'dense' or 'lanczos', got {method!r}")
    use_dense = method == "dense" or (method == "auto" and n <= _DENSE_MAX) or n < 16
    if use_dense:
        A = _dense_matrix(a, T, wt)
        if want_vector:
            w, v = scipy.linalg.eigh(A, subset_by_index=[n - 1, n - 1])
            return float(w[0]), v[:, 0]
        return float(np.linalg.eigvalsh(A)[-1]), None
    op = _fft_operator(a, T, wt)
    # deterministic positive start vector (close to the Perron vector): results do not depend on RNG state
    v0 = (a[:n] + a[1 : n + 1]) / np.sqrt(wt)
    w, v = eigsh(op, k=1, which="LA", v0=v0, tol=1e-13, ncv=min(n - 1, 24), maxiter=10 * n)
    return float(w[0]), (v[:, 0] if want_vector else None)


def _solve(lam, T, kappa, gamma, omega_c, max_freq, method, want_vector):
    n = n_matsubara(T, omega_c, max_freq)
    a = _boson_kernel(lam, T, kappa, n)
    wt = _omega_tilde_from(a, T, gamma, n)
    if lam == 0.0:
        rho, x = 0.0, (np.eye(n)[0] if want_vector else None)
    else:
        rho, x = _leading_eig(a, T, wt, method, want_vector)
    if not want_vector:
        return rho, None
    phi = np.sqrt(wt) * x
    phi = phi / phi[0]
    omega_n = matsubara_frequencies(T, n)
    return rho, MatsubaraSolution(
        lam=lam, T=T, kappa=kappa, gamma=gamma, rho=rho,
        omega_n=omega_n, Z_n=wt / omega_n, phi_n=phi, omega_c=omega_c,
    )


def pair_eigenvalue(
    lam: float,
    T: float,
    kappa: float = 0.0,
    gamma: float = 0.0,
    *,
    omega_c: float = DEFAULT_OMEGA_C,
    max_freq: int = DEFAULT_MAX_FREQ,
    method: str = "auto",
) -> float:
    """ρ(λ, T, κ, γ): largest eigenvalue of the linearized Matsubara gap kernel K (module docstring).

    Parameters (units of Ω): ``lam`` ≥ 0, ``T`` > 0, ``kappa`` ≥ 0, ``gamma`` ≥ 0. ``omega_c``: cutoff
    of the pairing sum (N chosen with ω_{N−1} ≥ omega_c, see ``n_matsubara``). ``method``: 'auto'
    (dense for N ≤ 300, else matrix-free Lanczos), 'dense' or 'lanczos'. ρ = 1 is the instability.
    """
    lam = _check_real("lam", lam)
    T, kappa, gamma, omega_c, max_freq = _check_common(T, kappa, gamma, omega_c, max_freq)
    return _solve(lam, T, kappa, gamma, omega_c, max_freq, method, False)[0]


def pair_eigenproblem(
    lam: float,
    T: float,
    kappa: float = 0.0,
    gamma: float = 0.0,
    *,
    omega_c: float = DEFAULT_OMEGA_C,
    max_freq: int = DEFAULT_MAX_FREQ,
    method: str = "auto",
) -> MatsubaraSolution:
    """Like ``pair_eigenvalue`` but returns the full ``MatsubaraSolution`` (ρ, ω_n, Z_n, φ_n)."""
    lam = _check_real("lam", lam)
    T, kappa, gamma, omega_c, max_freq = _check_common(T, kappa, gamma, omega_c, max_freq)
    return _solve(lam, T, kappa, gamma, omega_c, max_freq, method, True)[1]


# ----------------------------------------------------------------------------------------------
# critical coupling and critical temperature
# ----------------------------------------------------------------------------------------------
def lambda_c(
    T: float,
    kappa: float = 0.0,
    gamma: float = 0.0,
    *,
    omega_c: float = DEFAULT_OMEGA_C,
    max_freq: int = DEFAULT_MAX_FREQ,
    lam_max: float = 50.0,
    rtol: float = 1e-11,
) -> float:
    """Critical coupling λ_c(T, κ, γ): the root of ρ(λ) = 1 (spec §9 T2 reference).

    ρ grows monotonically with λ (ρ(0) = 0); the root is bracketed by doubling λ from 0.5 and polished
    with Brent's method to relative tolerance ``rtol``. Raises ``NoInstabilityError`` (a ``ValueError``)
    if ρ(lam_max) < 1.
    """
    return _lambda_c(T, kappa, gamma, omega_c, max_freq, lam_max, rtol)[0]


def _lambda_c(T, kappa, gamma, omega_c, max_freq, lam_max, rtol):
    T, kappa, gamma, omega_c, max_freq = _check_common(T, kappa, gamma, omega_c, max_freq)
    lam_max = _check_real("lam_max", lam_max, positive=True)
    n_matsubara(T, omega_c, max_freq)  # fail early on a too-small T

    def f(lam):
        return _solve(lam, T, kappa, gamma, omega_c, max_freq, "auto", False)[0] - 1.0

    lo, hi = 0.0, min(0.5, lam_max)
    f_hi = f(hi)
    while f_hi < 0.0:
        if hi >= lam_max:
            raise NoInstabilityError(
                f"no superconducting instability for lam <= lam_max = {lam_max:g} at T = {T:g}, "
                f"kappa = {kappa:g}, gamma = {gamma:g} (rho(lam_max) = {f_hi + 1.0:.6g} < 1)"
            )
        lo, hi = hi, min(2.0 * hi, lam_max)
        f_hi = f(hi)
    if f_hi == 0.0:
        return hi, T, kappa, gamma, omega_c, max_freq
    root = brentq(f, lo, hi, xtol=1e-14, rtol=rtol, maxiter=200)
    return root, T, kappa, gamma, omega_c, max_freq


def solve_lambda_c(
    T: float,
    kappa: float = 0.0,
    gamma: float = 0.0,
    *,
    omega_c: float = DEFAULT_OMEGA_C,
    max_freq: int = DEFAULT_MAX_FREQ,
    lam_max: float = 50.0,
    rtol: float = 1e-11,
) -> MatsubaraSolution:
    """λ_c as in ``lambda_c``, returned as a ``MatsubaraSolution`` (``.lam`` = λ_c) with Z_n, φ_n."""
    lam, T, kappa, gamma, omega_c, max_freq = _lambda_c(T, kappa, gamma, omega_c, max_freq, lam_max, rtol)
    return _solve(lam, T, kappa, gamma, omega_c, max_freq, "auto", True)[1]


def _t_c(lam, kappa, gamma, omega_c, max_freq, T_min, T_max, rtol):
    lam = _check_real("lam", lam)
    _, kappa, gamma, omega_c, max_freq = _check_common(1.0, kappa, gamma, omega_c, max_freq)
    t_floor = omega_c / (math.pi * (2 * max_freq - 1)) * (1.0 + 1e-9)  # smallest T the cap allows
    if T_min is None:
        T_min = t_floor
    T_min = _check_real("T_min", T_min, positive=True)
    if T_min < t_floor * (1.0 - 1e-12):
        raise ValueError(
            f"T_min = {T_min:g} is below the smallest T allowed by omega_c = {omega_c:g} and "
            f"max_freq = {max_freq} ({t_floor:.4g}); raise max_freq or lower omega_c"
        )
    T_min = max(T_min, t_floor)
    T_max = _check_real("T_max", T_max, positive=True)
    if T_max <= T_min:
        raise ValueError(f"T_max = {T_max:g} must exceed T_min = {T_min:g}")
    params = (lam, kappa, gamma, omega_c, max_freq)
    if lam == 0.0:
        return None, params

    def f(logt):
        t = min(max(math.exp(logt), T_min), T_max)
        return _solve(lam, t, kappa, gamma, omega_c, max_freq, "auto", False)[0] - 1.0

    # Scan downward from T_max in factors of 2 for the highest T with rho >= 1
    # (rho(T) decreases with T; the scan finds the highest-T crossing).
    hi = math.log(T_max)
    f_hi = f(hi)
    if f_hi >= 0.0:
        raise ValueError(
            f"rho(T_max = {T_max:g}) = {f_hi + 1.0:.6g} >= 1 for lam = {lam:g}: T_c > T_max; raise T_max"
        )
    log_tmin = math.log(T_min)
    while True:
        lo = max(hi - math.log(2.0), log_tmin)
        f_lo = f(lo)
        if f_lo >= 0.0:
            break
        if lo <= log_tmin:
            return None, params
        hi, f_hi = lo, f_lo
    if f_lo == 0.0:
        return math.exp(lo), params
    root = brentq(f, lo, hi, xtol=rtol, rtol=4 * np.finfo(float).eps, maxiter=200)
    return math.exp(root), params


def T_c(
    lam: float,
    kappa: float = 0.0,
    gamma: float = 0.0,
    *,
    omega_c: float = DEFAULT_OMEGA_C,
    max_freq: int = DEFAULT_MAX_FREQ,
    T_min: float | None = None,
    T_max: float = 20.0,
    rtol: float = 1e-11,
) -> float:
    """Critical temperature T_c(λ, κ, γ) in units of Ω: the highest root of ρ(T) = 1.

    Brent's method on ln T after bracketing by halving T from ``T_max``. ``T_min`` defaults to the
    smallest T allowed by ``omega_c`` and ``max_freq`` (≈ 0.0032 for the defaults).
    Returns **0.0** if ρ < 1 everywhere on [T_min, T_max] (no instability above T_min, e.g. strong pair
    breaking or tiny λ); use ``solve_T_c`` to get an exception instead. ``rtol`` is the tolerance on ln T.
    """
    tc, _ = _t_c(lam, kappa, gamma, omega_c, max_freq, T_min, T_max, rtol)
    return 0.0 if tc is None else tc


def solve_T_c(
    lam: float,
    kappa: float = 0.0,
    gamma: float = 0.0,
    *,
    omega_c: float = DEFAULT_OMEGA_C,
    max_freq: int = DEFAULT_MAX_FREQ,
    T_min: float | None = None,
    T_max: float = 20.0,
    rtol: float = 1e-11,
) -> MatsubaraSolution:
    """T_c as in ``T_c``, returned as a ``MatsubaraSolution`` at T = T_c with ω_n, Z(iω_n), φ(iω_n).

    Raises ``NoInstabilityError`` (a ``ValueError``) when there is no T_c above T_min.
    """
    tc, (lam, kappa, gamma, omega_c, max_freq) = _t_c(lam, kappa, gamma, omega_c, max_freq, T_min, T_max, rtol)
    if tc is None:
        raise NoInstabilityError(
            f"no superconducting instability above T_min for lam = {lam:g}, kappa = {kappa:g}, gamma = {gamma:g}"
        )
    return _solve(lam, tc, kappa, gamma, omega_c, max_freq, "auto", True)[1]


# ----------------------------------------------------------------------------------------------
# finite band (reference for the ξ-resolved real-axis model, ELIASHBERG_SPEC §7)
# ----------------------------------------------------------------------------------------------
def band_S(a, W: float, dos: str = "flat"):
    """S(a) = ∫dξ ρ(ξ) a/(a² + ξ²) for real a (ρ(0) = 1, half-width W):
    flat 2 atan(W/a); semicircle ρ = √(1−ξ²/W²): π sgn(a)(√(W²+a²) − |a|)/W.  W → ∞: π sgn(a)."""
    a = np.asarray(a, dtype=float)
    if dos == "flat":
        return 2.0 * np.arctan(W / a)
    if dos == "semicircle":
        return np.pi * np.sign(a) * (np.sqrt(W * W + a * a) - np.abs(a)) / W
    raise ValueError(f"dos must be 'flat' or 'semicircle', got {dos!r}")


def band_pair_eigenvalue(lam: float, T: float, kappa: float, gamma: float, W: float, dos: str = "flat",
                         omega_c: float = 200.0) -> float:
    """ρ of the linearized Eliashberg equations for a band of half-width W (local coupling, p-h
    symmetric, equilibrium, electron bath γ):

        ω̃_n = ω_n + γ + T Σ_{m≥0} [λ(ω_n−ω_m) − λ(ω_n+ω_m)] S(ω̃_m)     (self-consistent in ω̃),
        φ_n = T Σ_{m≥0} [λ(ω_n−ω_m) + λ(ω_n+ω_m)] S(ω̃_m)/ω̃_m φ_m,

    the flat-band equations with π sgn → S (the ξ integral of G over the finite band).  The π-part of
    the Z sum is telescoped exactly (module docstring); the remainder, with π − S(ω̃_m) and a kernel
    difference ~ 1/m³, is summed to the cutoff.  Dense symmetric eigenproblem (N ≲ 2000)."""
    if not (W > 0):
        raise ValueError(f"W must be > 0, got {W!r}")
    T, kappa, gamma, omega_c, _ = _check_common(T, kappa, gamma, omega_c, DEFAULT_MAX_FREQ)
    n = max(_MIN_FREQ, math.ceil(0.5 * (omega_c / (math.pi * T) + 1.0)))
    a, diff, summ = _folded_kernels(lam, T, kappa, n)
    wt_inf = _omega_tilde_from(a, T, gamma, n)          # π-part, exact
    wt = wt_inf.copy()
    for _ in range(500):
        new = wt_inf - T * diff @ (np.pi - band_S(wt, W, dos))
        if np.max(np.abs(new - wt)) < 1e-15 * np.max(wt):
            wt = new
            break
        wt = new
    g = band_S(wt, W, dos) / wt                          # I(ω̃_m) = S/ω̃ > 0
    s = np.sqrt(g)
    A = T * (s[:, None] * summ * s[None, :])             # similar to T·summ·diag(g), symmetric
    return float(np.linalg.eigvalsh(A)[-1])


def _unit_crossing(rho, start: float, rtol: float, where: str) -> float:
    """λ with rho(λ) = 1 for an increasing rho: doubling from `start`, then Brent."""
    f = lambda lam: rho(lam) - 1.0   # noqa: E731
    hi = start
    while f(hi) < 0:
        hi *= 2
        if hi > 100:
            raise NoInstabilityError(f"no instability for lam <= 100 at {where}")
    return brentq(f, hi / 2 if hi > start else 1e-3, hi, xtol=1e-14, rtol=rtol)


def fold_lags(a: np.ndarray, n: int):
    """(λ(ω_n − ω_m), λ(ω_n + ω_m)) for n, m < n from the lags a_l = λ(2πT l), l ≤ 2n: the sums over m < 0 folded
    onto m ≥ 0 (ω_{−m−1} = −ω_m)."""
    idx = np.arange(n)
    return a[np.abs(idx[:, None] - idx[None, :])], a[idx[:, None] + idx[None, :] + 1]


def _folded_kernels(lam, T, kappa, n):
    """λ(ω_n − ω_m) ∓ λ(ω_n + ω_m) for n, m < n (the sums over m < 0 folded onto m ≥ 0)."""
    a = _boson_kernel(lam, T, kappa, n)
    minus, plus = fold_lags(a, n)
    return a, minus - plus, minus + plus


def band_lambda_c(T: float, kappa: float, gamma: float, W: float, dos: str = "flat",
                  omega_c: float = 200.0, rtol: float = 1e-10) -> float:
    """λ_c of the finite band (root of band_pair_eigenvalue = 1, Brent)."""
    return _unit_crossing(lambda lam: band_pair_eigenvalue(lam, T, kappa, gamma, W, dos, omega_c), 0.5, rtol,
                          f"T = {T:g}, W = {W:g}")


# ----------------------------------------------------------------------------------------------
# ξ-local limit (reference for the real-axis kernel = 'xi_local', ELIASHBERG_SPEC §5.6)
# ----------------------------------------------------------------------------------------------
def xi_local_normal_state(lam: float, T: float, kappa: float, gamma: float, xi: float, rho: float = 1.0,
                          omega_c: float = 60.0):
    """(ω_n, ω̃_n, χ_n), n = 0..N−1, of one ξ row of the ξ-local model V = g²δ(ξ − ξ') (∫K = 1 Ω):
    the flat-band Matsubara equations with the ξ integral removed,

        ω̃_n = ω_n + γ + T Σ_{m≥0} [λ(ω_n−ω_m) − λ(ω_n+ω_m)] ρ ω̃_m/D_m,
        χ_n  = −T Σ_{m≥0} [λ(ω_n−ω_m) + λ(ω_n+ω_m)] ρ ξ̄_m/D_m,        D_m = ω̃_m² + ξ̄_m², ξ̄ = ξ + χ,

    (ω̃ odd and χ even in ω_n; the sums over m < 0 folded).  Every term decays like 1/m⁴, so the sums
    are cut at ω_c with an error ~ λT/ω_c³.  Solved by Newton (scipy `root`) from the bath-only state."""
    from scipy.optimize import root

    T, kappa, gamma, omega_c, _ = _check_common(T, kappa, gamma, omega_c, DEFAULT_MAX_FREQ)
    n = max(_MIN_FREQ, math.ceil(0.5 * (omega_c / (math.pi * T) + 1.0)))
    _, diff, summ = _folded_kernels(lam, T, kappa, n)
    w = matsubara_frequencies(T, n)

    def residual(x):
        wt, chi = x[:n], x[n:]
        xb = xi + chi
        D = wt * wt + xb * xb
        return np.concatenate([wt - (w + gamma + T * rho * diff @ (wt / D)),
                               chi + T * rho * summ @ (xb / D)])

    sol = root(residual, np.concatenate([w + gamma, np.zeros(n)]), method="hybr", tol=1e-14)
    if not sol.success or np.max(np.abs(residual(sol.x))) > 1e-10:
        raise ValueError(f"xi-local Matsubara normal state did not converge at lam={lam:g}, xi={xi:g}: {sol.message}")
    return w, sol.x[:n], sol.x[n:], summ


def xi_local_pair_eigenvalue(lam: float, T: float, kappa: float, gamma: float, xi: float = 0.0,
                             rho: float = 1.0, omega_c: float = 60.0) -> float:
    """ρ of the linearized ξ-local gap equation φ_n = T Σ_{m≥0} [λ(ω_n−ω_m) + λ(ω_n+ω_m)] ρ φ_m/D_m
    (row ξ, normal state of `xi_local_normal_state`); dense symmetric eigenproblem."""
    _, wt, chi, summ = xi_local_normal_state(lam, T, kappa, gamma, xi, rho, omega_c)
    g = rho / (wt * wt + (xi + chi) ** 2)
    s = np.sqrt(g)
    return float(np.linalg.eigvalsh(T * (s[:, None] * summ * s[None, :]))[-1])


def xi_local_lambda_c(T: float, kappa: float, gamma: float, xi: float = 0.0, rho: float = 1.0,
                      omega_c: float = 60.0, rtol: float = 1e-10) -> float:
    """λ_c of one row of the ξ-local model (root of xi_local_pair_eigenvalue = 1, Brent)."""
    return _unit_crossing(lambda lam: xi_local_pair_eigenvalue(lam, T, kappa, gamma, xi, rho, omega_c), 0.25, rtol,
                          f"T = {T:g}, xi = {xi:g}")
