"""Equilibrium distribution functions in the Keldysh convention of ELIASHBERG_SPEC §0.

F_el(ω) = tanh(ω/2T) = 1 − 2 f(ω),  F_b(ν) = coth(ν/2T) = 1 + 2 n_B(ν).  Energies in units of Ω.
"""
from __future__ import annotations

import numpy as np


def fermion_F(omega, T: float, mu: float = 0.0):
    """Fermionic distribution function F(ω) = tanh((ω − μ)/2T) (spec §0)."""
    return np.tanh((np.asarray(omega) - mu) / (2.0 * T))


def nu_coth(nu, T: float):
    """ν·coth(ν/2T), regular at ν = 0 where it equals 2T (spec §8.6 pitfall 2)."""
    nu = np.asarray(nu, dtype=float)
    x = nu / (2.0 * T)
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 2.0 * T, nu / np.tanh(safe))


def kinetic_nonthermal_kernel(F_w, F_wmn, Fb_n):
    """K_NT(ω, ν) = 1 + F_el(ω−ν)F_b(ν) − F_el(ω)[F_b(ν) + F_el(ω−ν)] (spec §3.2).

    Vanishes identically when F_el and F_b are thermal at the same temperature.
    """
    return 1.0 + F_wmn * Fb_n - F_w * (Fb_n + F_wmn)
