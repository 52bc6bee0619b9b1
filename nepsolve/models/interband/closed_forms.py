"""Closed-form frequency integrals of the Level-B Keldysh mean field (PORTA_SPEC §4.4): with ω-independent
retarded self-energies every integral is a sum of ∫dω/2π φ(ω)/((ω − z_l)(ω − z̄_m)), φ = 1 or
tanh((ω − a)/2T), given here by digamma functions (no ω grid); and the Fermi function.  Energies in t_c."""
from __future__ import annotations

import numpy as np
from scipy.special import digamma

def pair_integrals(z: np.ndarray, a: float | None = None, T: float = 0.0) -> np.ndarray:
    """I_lm = ∫dω/2π φ(ω) / ((ω − z_l)(ω − z̄_m)) for eigenvalues z (..., n) with Im z < 0.

    φ ≡ 1 (a is None):   I_lm = i/(z̄_m − z_l)  (close the contour around z̄_m).
    φ = tanh((ω − a)/2T): closing in the upper half plane picks up z̄_m and the Matsubara poles
    a + iπT(2n+1) of tanh (residue 2T); their sum is a digamma difference, and writing tanh(z̄_m) itself
    as a digamma difference leaves
        I_lm = [ψ(½ + i(z_l − a)/2πT) − ψ(½ − i(z̄_m − a)/2πT)] / (π (z̄_m − z_l)),
    both ψ arguments in the right half plane (no cancellation), ψ(½ − i(z̄ − a)/2πT) = conj ψ(½ + i(z − a)/2πT).
    T = 0: ψ → log.
    """
    zl = z[..., :, None]
    wm = np.conj(z)[..., None, :]
    if a is None:
        return 1j / (wm - zl)
    if T > 0:
        psi = digamma(0.5 + 1j * (z - a) / (2.0 * np.pi * T))
    else:
        psi = np.log(1j * (z - a))
    return (psi[..., :, None] - np.conj(psi)[..., None, :]) / (np.pi * (wm - zl))


def fermi(x, T: float):
    """Fermi function 1/(e^{x/T} + 1), overflow safe (T = 0: step with f(0) = ½)."""
    x = np.asarray(x, dtype=float)
    if T <= 0:
        return np.where(x > 0, 0.0, np.where(x < 0, 1.0, 0.5))
    return 0.5 * (1.0 - np.tanh(x / (2.0 * T)))

