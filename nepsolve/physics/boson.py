"""Damped Einstein boson on its own bath, with an optional incoherent drive (ELIASHBERG_SPEC §1.3–1.5).

Units: Ω = 1 by default (all energies in units of the bare boson frequency).

    D^R(ν) = 2Ω/((ν + iκ)² − Ω²)                                   (§1.3)
    B(ν)   = −Im D^R/π = (4κΩ/π) ν / ([(ν−Ω)²+κ²][(ν+Ω)²+κ²])       (odd, ≥ 0 for ν > 0)
    λ      = −g²N0 D^R(0) = 2g²N0Ω/(Ω²+κ²)   ⇒  g²N0 = λ(Ω²+κ²)/(2Ω)  (§1.5)
    a(ν)   = g²N0 B(ν)   (α²F for ν > 0),   Λ^R(ν) = g²N0 D^R(ν)
    F_b(ν) = coth(ν/2T_b) + 2 n_d s(|ν|) sgn ν,  s(x) = exp[−(x−ω_d)²/2σ_d²]   (§1.4, simplified form)
    n(ν)   = F_b(ν) a(ν)   (even, ≥ 0; formed without the coth pole, pitfall 2)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import nu_coth


@dataclass(frozen=True)
class EinsteinBoson:
    """Lorentzian-damped Einstein mode with coupling λ, bath temperature T_b and drive (n_d, ω_d, σ_d)."""

    lam: float
    kappa: float
    T_b: float
    drive_n: float = 0.0
    drive_omega: float = 2.0
    drive_sigma: float = 0.1
    Omega: float = 1.0

    @property
    def g2N0(self) -> float:
        """g²N0 = λ(Ω²+κ²)/(2Ω) (spec §1.5)."""
        return self.lam * (self.Omega**2 + self.kappa**2) / (2.0 * self.Omega)

    def D_R(self, nu):
        """Retarded propagator of φ = b + b† (spec §1.3)."""
        return 2.0 * self.Omega / ((np.asarray(nu) + 1j * self.kappa) ** 2 - self.Omega**2)

    def B_over_nu(self, nu):
        """B(ν)/ν, even and regular at ν = 0."""
        nu = np.asarray(nu, dtype=float)
        W, k = self.Omega, self.kappa
        return (4.0 * k * W / np.pi) / (((nu - W) ** 2 + k**2) * ((nu + W) ** 2 + k**2))

    def spectral(self, nu):
        """Boson spectral function B(ν) = −Im D^R(ν)/π."""
        return np.asarray(nu, dtype=float) * self.B_over_nu(nu)

    def eliashberg_function(self, nu):
        """a(ν) = g²N0 B(ν) (odd; α²F(ν) for ν > 0)."""
        return self.g2N0 * self.spectral(nu)

    def coupling_retarded(self, nu):
        """Λ^R(ν) = g²N0 D^R(ν); Λ^R(0) = −λ."""
        return self.g2N0 * self.D_R(nu)

    def drive_shape(self, nu):
        """s(|ν|) = exp[−(|ν| − ω_d)²/(2σ_d²)]."""
        x = np.abs(np.asarray(nu, dtype=float))
        return np.exp(-((x - self.drive_omega) ** 2) / (2.0 * self.drive_sigma**2))

    def distribution(self, nu):
        """F_b(ν) = coth(ν/2T_b) + 2 n_d s(|ν|) sgn ν (singular at ν = 0; use `noise` for products)."""
        nu = np.asarray(nu, dtype=float)
        with np.errstate(divide="ignore"):
            return 1.0 / np.tanh(nu / (2.0 * self.T_b)) + 2.0 * self.drive_n * self.drive_shape(nu) * np.sign(nu)

    def noise(self, nu):
        """n(ν) = F_b(ν) a(ν) (spec §1.5), with n(0) = 2T_b a'(0)."""
        nu = np.asarray(nu, dtype=float)
        a_over_nu = self.g2N0 * self.B_over_nu(nu)
        thermal = a_over_nu * nu_coth(nu, self.T_b)
        return thermal + 2.0 * self.drive_n * self.drive_shape(nu) * np.abs(nu) * a_over_nu

    def added_occupation(self) -> float:
        """δn_b = ∫_0^∞ dν B(ν) n_d s(ν): occupation the drive adds to the mode (report this, pitfall 11)."""
        if self.drive_n == 0.0:
            return 0.0
        from scipy.integrate import quad

        val, _ = quad(lambda x: self.spectral(x) * self.drive_shape(x), 0.0, np.inf, limit=400,
                      points=None)
        return float(self.drive_n * val)
