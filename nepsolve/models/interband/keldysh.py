"""Level B: Keldysh mean field of the driven two-band model in the 4×4 Nambu–band basis
(PORTA_SPEC §3.4, §4.1–4.4, §6.3 'Level B').

Conventions (fixed here; the tests check them against the equilibrium FDT and a Matsubara solve)
--------------------------------------------------------------------------------------------
* Basis Ψ_k = (c_k, v_k, c†_{−k}, v†_{−k}), spinless, 1D grids (each grid point stands for ±k; the
  bands are even in k, so h_{−k} = h_k).  Symmetric rotating frame (§2.3) plus condensate frame ν (§4.1):
      H_BdG(k) = [[h_k − ν/2, D], [D†, −(h_k^T − ν/2)]],  h_k = [[ε̃_c, Ω], [Ω, ε̃_v]],  D = Δ iσ_y,
  i.e. H_MF = Σ_k (Δ c†_k v†_{−k} + h.c.),  Δ = (U/V) Σ_k ⟨v_{−k} c_k⟩,  U = −g (g > 0 attractive).
* Components: G^K_ij(t, t) = −i⟨[Ψ_i, Ψ_j†]⟩, hence the one-body (Nambu) density matrix
      ρ_ij(k) ≡ ⟨Ψ_j† Ψ_i⟩ = ½ [δ_ij − i ∫dω/2π G^K_ij(k, ω)],
  n_c = ρ_11, n_v = ρ_22, p_k = ⟨v†_k c_k⟩ = ρ_12, pair amplitude F_k ≡ ⟨v_{−k} c_k⟩ = ρ_14 (§4.4).
* The gap of the contact interaction is k independent: `delta_k` ≡ Δ on every k, and
  Δ = −g Σ_k w_k F_k (w_k: quadrature weights, Σ_k w_k ↔ (1/V)Σ_k).
* Lab quasi-Fermi levels: μ_c = μ̃_c + ω_L/2, μ_v = μ̃_v − ω_L/2 (§2.3).

Baths (§3.4, Nambu extension §4.4).  Every bath acts on one band α with an ω-independent retarded part
Σ^R_αα = −iΓ/2 and a Keldysh part Σ^K_αα(ω) = −iΓ φ(ω), φ = 1 − 2f.  In the condensate frame a bath of
rotating-frame distribution f(ε) gives the particle entry φ_p(ω) = 1 − 2f(ω + ν/2) and the hole entry
φ_h(ω) = −φ_p(−ω) = 1 − 2[1 − f(−ω + ν/2)]; the hole retarded part is −[Σ^R_p(−ω)]^* = −iΓ/2 again.
For a Fermi function of potential μ̃ and temperature T both are tanh((ω − a)/2T) with
a_p = μ̃ − ν/2 and a_h = ν/2 − μ̃.
* Büttiker probes (the phonon thermaliser): rate Γ^ph on each band, T_ph, potentials μ̃_c, μ̃_v;
  'global' mode: f at the dressed frequency (rotating-frame KMS, the Keldysh analogue of K2); 'local':
  f at the bare band energy ε̃_α(k) (ω independent).  Active when Γ^ph > 0 and phonon ≠ 'none'.
* Wide-band reservoirs Γ_c, Γ_v at lab μ_R, T_R, i.e. rotating-frame potentials μ_R ∓ ω_L/2 (§2.7).
  reservoir_mode='ideal' replaces them by f_c^R ≡ 0, f_v^R ≡ 1 (the Lindblad/RWA limit in which the
  closed form of §3.2 is exact; thermal reservoirs differ from it by their Lorentzian tails, O(Γ/ω_L)).
* Radiative recombination (Markov, zero-T photons, §3.4): Σ^>_cc = −iγ_r(1 − n_v), Σ^<_vv = +iγ_r n_c,
  i.e. a c bath with rate γ_r(1 − n_v) and f = 0 and a v bath with rate γ_r n_c and f = 1.  It is local in
  k, so for given (Δ, ν, μ̃) the self-consistent n_c(k), n_v(k) solve independent 2-unknown problems; they
  are found per k by a vectorised Newton iteration inside every residual evaluation (machine precision in a
  few steps) instead of being SNES unknowns: SNES keeps 2–4 unknowns.  The anomalous Born term ∝ γ_r F_k of
  the photon self-energy is not included (the spec's Σ_rad is band diagonal).
* The kinetic dephasing key `gamma_2` is NOT used: in Level B the interband coherence decays through the
  baths, γ_2^B(k) = [Γ_c + Γ_v + 2Γ^ph + γ_r(1 − n_v + n_c)]/2 (a pure dephasing would be a further
  self-consistent σ_z-vertex self-energy, not among the baths of §3.4).  Compare with Level A at
  gamma_2 = γ_2^B.
* `recomb` is ignored: the Born self-energy carries the factorised Pauli factor (1 − n_v).

Frequency integrals are done exactly.  With ω-independent Σ^R, G^R(ω) = (ω − M)^{-1} with the constant
non-Hermitian M = H_BdG + Σ^R = V diag(z) V^{-1} (Im z < 0), and every integral is a sum of
    ∫dω/2π φ(ω) / ((ω − z_l)(ω − z̄_m)),  φ = 1 or tanh((ω − a)/2T),
given in closed form by `pair_integrals` (digamma functions; no ω grid).

Unknowns and residual (§6.3 Level B): x = (Δ, ν) + (μ̃_c, μ̃_v) when the probe potentials are free, with
    F = (Re[1 − U S/Δ], Im[U S/Δ], J_c/Γ^ph, J_v/Γ^ph),   S = Σ_k w_k F_k.
The pair term is the only non-conserving part of H_MF: continuity gives J_c + J_v + J_res = 4 Im(Δ* S)
(J: particle currents from the baths into the system).  Without reservoirs this is 4Δ Im S, which vanishes
once the Im equation holds, so the last two equations are degenerate (a zero mode: the total number).  There the
last equation is replaced by the number constraint Σ_k w_k (n_c + n_v) = N_tot (default N_tot = Σ_k w_k,
the filled valence band of the initial state, as in Level A); J_v = 0 then follows.  With Ω = 0 and
γ_r = 0 nothing exchanges c and v, N_c − N_v is conserved too, and the probe potentials must be given
(`mu_tilde=(μ̃_c, μ̃_v)`: grand-canonical probes).

API: `nambu_steady_state` (observables at given Δ, ν, μ̃, n), `KeldyshGapProblem` (NonlinearProblem),
`solve_normal`, `solve_keldysh`, `pair_susceptibility` (χ^R(ν), §4.2), `matsubara_gap` (equilibrium
imaginary-axis reference), `pair_integrals` (the closed-form ω integrals).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import digamma

from .bands import Bands, make_bands

NAMBU = 4
C, V_ = 0, 1                          # Nambu entries c_k, v_k (holes c†_{−k}, v†_{−k} at +2)


# ---------------------------------------------------------------------------------------------------
# closed-form frequency integrals
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


# ---------------------------------------------------------------------------------------------------
# baths
@dataclass
class Channel:
    """One bath on one Nambu entry: Σ^R_ee = −i rate/2, Σ^K_ee(ω) = −i rate φ(ω), with
    φ = tanh((ω − a)/2T) (a given) or the ω-independent array `const`."""

    entry: int
    rate: np.ndarray
    a: float | None = None
    T: float = 0.0
    const: np.ndarray | None = None
    label: str = ""

    def key(self):
        return ("const",) if self.a is None else ("tanh", float(self.a), float(self.T))

    def phi(self, omega: np.ndarray) -> np.ndarray:
        """φ at frequencies omega, shape (K, Nω)."""
        omega = np.asarray(omega, dtype=float)
        if self.a is None:
            return np.broadcast_to(self.const[:, None], (self.const.size, omega.size))
        K = np.size(self.rate)
        if self.T > 0:
            val = np.tanh((omega - self.a) / (2.0 * self.T))
        else:
            val = np.sign(omega - self.a)
        return np.broadcast_to(val[None, :], (K, omega.size))


def probes_active(p) -> bool:
    """Büttiker probes are on when Γ^ph > 0 and the phonon bath is not switched off."""
    return p.Gamma_ph > 0 and p.phonon != "none"


def _thermal_pair(label, band, rate, mu_t, T, nu) -> list[Channel]:
    """Particle and hole channels of a Fermi bath at rotating-frame potential mu_t (§4.4)."""
    return [Channel(band, rate, a=mu_t - 0.5 * nu, T=T, label=label + "_p"),
            Channel(band + 2, rate, a=0.5 * nu - mu_t, T=T, label=label + "_h")]


def _const_pair(label, band, rate, phi_p) -> list[Channel]:
    """Particle and hole channels of an ω-independent bath with particle φ_p = 1 − 2f (hole: −φ_p)."""
    phi_p = np.asarray(phi_p, dtype=float) * np.ones_like(rate)
    return [Channel(band, rate, const=phi_p, label=label + "_p"),
            Channel(band + 2, rate, const=-phi_p, label=label + "_h")]


def bath_channels(p, bands: Bands, nu: float, mu_c: float, mu_v: float, n_c=None, n_v=None,
                  reservoir_mode: str = "thermal") -> list[Channel]:
    """All Nambu bath channels of §3.4 for condensate frame ν, probe potentials μ̃_c, μ̃_v and the
    occupations n_c, n_v that enter the radiative self-energy."""
    K = bands.size
    one = np.ones(K)
    eps_c = bands.eps_c - 0.5 * p.omega_L
    eps_v = bands.eps_v + 0.5 * p.omega_L
    out: list[Channel] = []
    if probes_active(p):
        rate = p.Gamma_ph * one
        if p.probe_mode == "global":
            out += _thermal_pair("probe_c", C, rate, mu_c, p.T_ph, nu)
            out += _thermal_pair("probe_v", V_, rate, mu_v, p.T_ph, nu)
        else:
            out += _const_pair("probe_c", C, rate, 1.0 - 2.0 * fermi(eps_c - mu_c, p.T_ph))
            out += _const_pair("probe_v", V_, rate, 1.0 - 2.0 * fermi(eps_v - mu_v, p.T_ph))
    for band, gamma, shift in ((C, p.Gamma_c, -0.5), (V_, p.Gamma_v, +0.5)):
        if gamma <= 0:
            continue
        name = "res_" + "cv"[band]
        if reservoir_mode == "ideal":
            out += _const_pair(name, band, gamma * one, 1.0 if band == C else -1.0)
        elif reservoir_mode == "thermal":
            out += _thermal_pair(name, band, gamma * one, p.mu_R + shift * p.omega_L, p.T_R, nu)
        else:
            raise ValueError(f"reservoir_mode = {reservoir_mode!r}: must be 'thermal' or 'ideal'")
    if p.gamma_r > 0:
        n_c, n_v = np.clip(n_c, 0.0, 1.0), np.clip(n_v, 0.0, 1.0)
        out += _const_pair("rad_c", C, p.gamma_r * (1.0 - n_v), 1.0)     # c → v emission: f = 0
        out += _const_pair("rad_v", V_, p.gamma_r * n_c, -1.0)           # v filled by it: f = 1
    return out


def broadening(channels: list[Channel], K: int) -> np.ndarray:
    """Γ_e(k) = Σ rates on Nambu entry e, shape (K, 4); A = G^R diag(Γ) G^A."""
    g = np.zeros((K, NAMBU))
    for ch in channels:
        g[:, ch.entry] += ch.rate
    return g


def bdg_matrix(p, bands: Bands, delta: complex, nu: float) -> np.ndarray:
    """H_BdG(k) of §4.1 in the condensate frame, shape (K, 4, 4) (Δ may be complex)."""
    K = bands.size
    H = np.zeros((K, NAMBU, NAMBU), dtype=complex)
    ec = bands.eps_c - 0.5 * p.omega_L - 0.5 * nu
    ev = bands.eps_v + 0.5 * p.omega_L - 0.5 * nu
    H[:, 0, 0], H[:, 1, 1], H[:, 2, 2], H[:, 3, 3] = ec, ev, -ec, -ev
    H[:, 0, 1] = H[:, 1, 0] = p.Omega
    H[:, 2, 3] = H[:, 3, 2] = -p.Omega
    H[:, 0, 3], H[:, 1, 2] = delta, -delta                    # D = Δ iσ_y
    H[:, 3, 0], H[:, 2, 1] = np.conj(delta), -np.conj(delta)  # D†
    return H


# ---------------------------------------------------------------------------------------------------
# steady state at given (Δ, ν, μ̃)
@dataclass
class NambuState:
    """The Level-B steady state for given (Δ, ν, μ̃_c, μ̃_v) and radiative occupations.

    rho: (K, 4, 4) density matrix ρ_ij = ⟨Ψ_j†Ψ_i⟩; spectral: ∫A dω/2π (identity by the sum rule);
    currents: (J_c, J_v) into the system from the probes (zero if no probes)."""

    params: object
    bands: Bands
    delta: complex
    nu: float
    mu_c: float
    mu_v: float
    M: np.ndarray
    channels: list
    gamma: np.ndarray
    rho: np.ndarray
    spectral: np.ndarray
    currents: tuple
    eig_cond: float
    n_rad: tuple = field(default=(None, None))

    @property
    def n_c(self):
        return self.rho[:, 0, 0].real

    @property
    def n_v(self):
        return self.rho[:, 1, 1].real

    @property
    def p_k(self):
        """Interband coherence p_k = ⟨v†_k c_k⟩ (§3.2)."""
        return self.rho[:, 0, 1]

    @property
    def F_k(self):
        """Pair amplitude F_k = ⟨v_{−k} c_k⟩ (§4.4)."""
        return self.rho[:, 0, 3]

    @property
    def S(self) -> complex:
        """S = Σ_k w_k ⟨v_{−k}c_k⟩, so the self-consistency reads Δ = U S (§2.4)."""
        return complex(np.sum(self.bands.w * self.F_k))

    @property
    def N_k(self):
        return 1.0 - self.n_c - self.n_v

    def greens(self, omega) -> tuple[np.ndarray, np.ndarray]:
        """G^R(k, ω) and G^K(k, ω) = G^R Σ^K G^A at real frequencies, shapes (K, Nω, 4, 4)."""
        omega = np.atleast_1d(np.asarray(omega, dtype=float))
        K = self.bands.size
        eye = np.eye(NAMBU)
        GR = np.linalg.inv(omega[None, :, None, None] * eye - self.M[:, None])
        sk = np.zeros((K, omega.size, NAMBU), dtype=complex)
        for ch in self.channels:
            sk[:, :, ch.entry] += -1j * ch.rate[:, None] * ch.phi(omega)
        GK = GR @ (sk[..., :, None] * np.conj(np.swapaxes(GR, -1, -2)))
        return GR, GK


def _integrate(M, channels, gamma, probe_keys):
    """Closed-form ∫dω/2π of G^K, of A and of tanh·A_αα (probe currents), batched over k.

    With M = V diag(z) V⁻¹ and u_e = V⁻¹ e_e, a channel on entry e contributes
    ∫ G^R Σ^K G^A = −i·rate · V [(u_e u_e†) ∘ I] V†, I from `pair_integrals`; A = G^R diag(Γ) G^A likewise.
    Returns X = ∫G^K, ∫A, {α: ∫tanh((ω − a_α)/2T) A_αα} and the largest Frobenius condition number
    ‖V‖‖V⁻¹‖ of the eigenvector matrices (4 for normal M; large near exceptional points)."""
    z, V = np.linalg.eig(M)
    Vi = np.linalg.inv(V)
    Vh = np.conj(np.swapaxes(V, -1, -2))
    cond = float(np.max(np.linalg.norm(V, axis=(1, 2)) * np.linalg.norm(Vi, axis=(1, 2))))
    outer = np.einsum("kli,kmi->kilm", Vi, np.conj(Vi))          # outer[k, e] = u_e u_e†
    integrals: dict = {("const",): pair_integrals(z)}

    def I(key):
        if key not in integrals:
            integrals[key] = pair_integrals(z, key[1], key[2])
        return integrals[key]

    weights: dict = {}
    for ch in channels:
        w = -1j * ch.rate if ch.a is not None else -1j * ch.rate * ch.const
        weights[ch.key()] = weights.get(ch.key(), 0) + w[:, None, None] * outer[:, ch.entry]
    X = np.zeros_like(M)
    for key, W in weights.items():
        X += V @ (W * I(key)) @ Vh
    W_gamma = np.einsum("ke,kelm->klm", gamma, outer)
    spectral = V @ (W_gamma * I(("const",))) @ Vh
    tanh_A = {alpha: np.einsum("kl,klm,km->k", V[:, alpha, :], W_gamma * I(key), np.conj(V[:, alpha, :]))
              for alpha, key in probe_keys.items()}
    return X, spectral, tanh_A, cond


def _evaluate(p, bands, delta, nu, mu_c, mu_v, n_c, n_v, reservoir_mode) -> NambuState:
    K = bands.size
    channels = bath_channels(p, bands, nu, mu_c, mu_v, n_c, n_v, reservoir_mode)
    gamma = broadening(channels, K)
    if np.any(gamma <= 0):
        raise ValueError("Level B needs a bath on every band (probes Gamma_ph > 0 with phonon != 'none', or "
                         "reservoirs Gamma_c, Gamma_v > 0): an undamped mode has no steady state")
    M = bdg_matrix(p, bands, delta, nu) - 0.5j * gamma[:, None, :] * np.eye(NAMBU)
    probes = probes_active(p)
    probe_keys = {}
    if probes and p.probe_mode == "global":
        for ch in channels:
            if ch.label in ("probe_c_p", "probe_v_p"):
                probe_keys[ch.entry] = ch.key()
    X, spectral, tanh_A, cond = _integrate(M, channels, gamma, probe_keys)
    rho = 0.5 * (np.eye(NAMBU) - 1j * X)
    currents = (0.0, 0.0)
    if probes:
        J = []
        eps = (bands.eps_c - 0.5 * p.omega_L, bands.eps_v + 0.5 * p.omega_L)
        for alpha, mu in ((C, mu_c), (V_, mu_v)):
            n = rho[:, alpha, alpha].real
            if p.probe_mode == "global":    # ∫ f A = ½ (∫A − ∫ tanh A)
                fA = 0.5 * (spectral[:, alpha, alpha].real - tanh_A[alpha].real)
            else:
                fA = fermi(eps[alpha] - mu, p.T_ph)
            J.append(float(p.Gamma_ph * np.sum(bands.w * (fA - n))))
        currents = tuple(J)
    return NambuState(p, bands, delta, nu, mu_c, mu_v, M, channels, gamma, rho, spectral, currents, cond,
                      (n_c, n_v))


def nambu_steady_state(params, delta: complex, nu: float, mu_c_tilde: float = 0.0, mu_v_tilde: float = 0.0,
                       n=None, bands: Bands | None = None, reservoir_mode: str = "thermal",
                       self_consistent: bool = True, tol: float = 1e-14, max_iter: int = 50) -> NambuState:
    """n_c(k), n_v(k), p_k, F_k = ⟨v_{−k}c_k⟩ and the probe currents for given (Δ, ν, μ̃_c, μ̃_v).

    n = (n_c, n_v) are the occupations in the radiative self-energy (start values if self_consistent).
    With γ_r > 0 and self_consistent=True they are solved per k (vectorised Newton, finite-difference
    2×2 Jacobians) so that the output n's equal those in Σ_rad to `tol`."""
    p = params
    bands = bands or make_bands(p)
    K = bands.size
    if n is None:
        n_c, n_v = np.zeros(K), np.ones(K)
    else:
        n_c, n_v = (np.broadcast_to(np.asarray(x, dtype=float), (K,)).copy() for x in n)
    args = (p, bands, delta, nu, mu_c_tilde, mu_v_tilde)
    if p.gamma_r <= 0 or not self_consistent:
        return _evaluate(*args, n_c, n_v, reservoir_mode)
    x = np.stack([n_c, n_v], axis=1)
    for _ in range(max_iter):
        st = _evaluate(*args, x[:, 0], x[:, 1], reservoir_mode)
        f0 = np.stack([st.n_c, st.n_v], axis=1) - x
        if np.max(np.abs(f0)) < tol:
            return st
        h = np.where(x > 0.5, -1e-7, 1e-7)
        Jac = np.empty((K, 2, 2))
        for j in range(2):
            xs = x.copy()
            xs[:, j] += h[:, j]
            sj = _evaluate(*args, xs[:, 0], xs[:, 1], reservoir_mode)
            Jac[:, :, j] = (np.stack([sj.n_c, sj.n_v], axis=1) - xs - f0) / h[:, j, None]
        x = np.clip(x - np.linalg.solve(Jac, f0[..., None])[..., 0], 0.0, 1.0)
    st = _evaluate(*args, x[:, 0], x[:, 1], reservoir_mode)
    err = np.max(np.abs(np.stack([st.n_c, st.n_v], axis=1) - x))
    if err > 1e3 * tol:
        raise RuntimeError(f"radiative self-consistency did not converge (|Δn| = {err:.3g})")
    return st


# ---------------------------------------------------------------------------------------------------
# the nonlinear problem
class KeldyshGapProblem:
    """NonlinearProblem (models/base.py) of the Level-B gap equation (§4.4, §6.3).

    gapped=True: x = (Δ, ν[, μ̃_c, μ̃_v]); gapped=False (normal state, Δ = 0, ν = 0): x = ([μ̃_c, μ̃_v]).
    The probe potentials are unknowns unless `mu_tilde` fixes them or there are no probes.
    Residual: (1 + g Re S/Δ, −g Im S/Δ) for the gap, then (J_c, J_v)/Γ^ph with reservoirs, or
    (J_c/Γ^ph, (N − N_tot)/N_tot) without (see the module docstring)."""

    def __init__(self, params, gapped: bool = True, mu_tilde=None, n_total: float | None = None,
                 reservoir_mode: str = "thermal", guess: dict | None = None, bands: Bands | None = None):
        p = params
        self.params, self.gapped, self.reservoir_mode = p, gapped, reservoir_mode
        self.bands = bands or make_bands(p)
        self.probes = probes_active(p)
        if not self.probes and not (p.Gamma_c > 0 and p.Gamma_v > 0):
            raise ValueError("Level B needs probes (Gamma_ph > 0, phonon != 'none') or reservoirs on both bands")
        self.free_mu = self.probes and mu_tilde is None
        self.number_constraint = self.free_mu and not p.reservoirs
        if self.number_constraint and p.Omega == 0 and p.gamma_r == 0:
            raise ValueError("Omega = 0 and gamma_r = 0 with probes only: N_c and N_v are separately conserved; "
                             "pass mu_tilde=(mu_c_tilde, mu_v_tilde)")
        self.n_total = float(np.sum(self.bands.w)) if n_total is None else float(n_total)
        if mu_tilde is not None:
            self.mu_fixed = tuple(float(m) for m in mu_tilde)
        elif not self.probes:
            self.mu_fixed = (np.nan, np.nan)
        else:
            self.mu_fixed = None
        self.size = (2 if gapped else 0) + (2 if self.free_mu else 0)
        self.guess = dict(guess or {})
        self._n = None                     # warm start of the radiative occupations
        self.last_state: NambuState | None = None

    # -- packing
    def unpack(self, x) -> tuple:
        x = np.asarray(x, dtype=float)
        if self.gapped:
            delta, nu, rest = abs(x[0]), x[1], x[2:]
        else:
            delta, nu, rest = 0.0, 0.0, x
        mu = tuple(rest) if self.free_mu else self.mu_fixed
        return delta, nu, mu[0], mu[1]

    def state(self, x, n=None) -> NambuState:
        delta, nu, mu_c, mu_v = self.unpack(x)
        mu_c = 0.0 if np.isnan(mu_c) else mu_c
        mu_v = 0.0 if np.isnan(mu_v) else mu_v
        st = nambu_steady_state(self.params, delta, nu, mu_c, mu_v, n=n if n is not None else self._n,
                                bands=self.bands, reservoir_mode=self.reservoir_mode)
        self._n = (st.n_c, st.n_v)
        self.last_state = st
        return st

    def residual(self, x, out):
        p = self.params
        delta = max(abs(float(x[0])), 1e-9) if self.gapped else 0.0
        xs = np.array(x, dtype=float)
        if self.gapped:
            xs[0] = delta
        st = self.state(xs)
        i = 0
        if self.gapped:
            r = p.g * st.S / delta           # −U S/Δ
            out[0], out[1] = 1.0 + r.real, -r.imag
            i = 2
        if self.free_mu:
            out[i] = st.currents[0] / p.Gamma_ph
            if self.number_constraint:
                out[i + 1] = (np.sum(self.bands.w * (st.n_c + st.n_v)) - self.n_total) / self.n_total
            else:
                out[i + 1] = st.currents[1] / p.Gamma_ph

    def initial_guess(self) -> np.ndarray:
        g = self.guess
        mu_c, mu_v = default_mu_guess(self.params, self.bands)
        mu = [g.get("mu_c_tilde", mu_c), g.get("mu_v_tilde", mu_v)]
        x = [g.get("delta", 0.1), g.get("nu", mu[0] + mu[1])] if self.gapped else []
        return np.array(x + (mu if self.free_mu else []), dtype=float)


def default_mu_guess(p, bands: Bands) -> tuple[float, float]:
    """A common rotating-frame potential holding one electron per k (N = Σ_k w_k at T → 0)."""
    e = np.concatenate([bands.eps_c - 0.5 * p.omega_L, bands.eps_v + 0.5 * p.omega_L])
    w = np.concatenate([bands.w, bands.w])
    order = np.argsort(e)
    cum = np.cumsum(w[order])
    mu = float(e[order][np.searchsorted(cum, 0.5 * cum[-1])])
    return mu, mu


def _lab(p, mu_c, mu_v):
    return mu_c + 0.5 * p.omega_L, mu_v - 0.5 * p.omega_L


def _guess_mu(guess: dict, p) -> dict:
    """Accept rotating-frame (mu_c_tilde) or lab (mu_c) potentials in a guess."""
    g = dict(guess or {})
    if "mu_c" in g and "mu_c_tilde" not in g:
        g["mu_c_tilde"] = g["mu_c"] - 0.5 * p.omega_L
    if "mu_v" in g and "mu_v_tilde" not in g:
        g["mu_v_tilde"] = g["mu_v"] + 0.5 * p.omega_L
    return g


# 2–4 unknowns: Newton with a dense finite-difference Jacobian and LU (robust where the drive couples
# μ̃_c − μ̃_v only weakly); user options are applied on top.
DEFAULT_OPTIONS = {"snes_mf": "false", "snes_fd": "true", "ksp_type": "preonly", "pc_type": "lu",
                   "snes_max_it": "100"}


def _snes_solve(problem, options, tol, x0):
    from ...solvers import snes

    opts = {**DEFAULT_OPTIONS, **snes.parse_petsc_options(options)}
    return snes.solve(problem, opts, tol=tol, x0=x0)


def _state_dict(p, problem: KeldyshGapProblem, st: NambuState) -> dict:
    mu_c, mu_v = st.mu_c, st.mu_v
    if problem.mu_fixed is not None and np.isnan(problem.mu_fixed[0]):
        mu_c = mu_v = np.nan
    lab_c, lab_v = _lab(p, mu_c, mu_v)
    F = st.F_k.copy()
    return {"delta": float(abs(st.delta)), "nu": float(st.nu), "mu_c_tilde": float(mu_c), "mu_v_tilde": float(mu_v),
            "mu_c": float(lab_c), "mu_v": float(lab_v), "n_c": st.n_c.copy(), "n_v": st.n_v.copy(),
            "N_k": st.N_k.copy(), "p_k": st.p_k.copy(), "F_k": F, "delta_k": np.full(F.size, float(abs(st.delta))),
            "S": st.S, "J_c": st.currents[0], "J_v": st.currents[1],
            "N_total": float(np.sum(st.bands.w * (st.n_c + st.n_v))), "eig_cond": st.eig_cond}


def solve_normal(params, guess: dict | None = None, options=None, mu_tilde=None, n_total=None,
                 reservoir_mode: str = "thermal", tol: float = 1e-12, bands: Bands | None = None) -> dict:
    """The normal NESS (Δ = 0) of Level B.  Returns the observables of `solve_keldysh` (delta = 0,
    nu = μ̃_c + μ̃_v, the quasi-thermal pair frequency of §4.1) plus 'state' (NambuState) and 'snes'."""
    p = params
    guess = _guess_mu(guess, p)
    prob = KeldyshGapProblem(p, gapped=False, mu_tilde=mu_tilde, n_total=n_total, reservoir_mode=reservoir_mode,
                             guess=guess, bands=bands)
    summary = {"converged": True, "snes_reason": "NO_UNKNOWNS"}
    x = prob.initial_guess()
    if prob.size:
        res = _snes_solve(prob, options, tol, x)
        x, summary = res.x, res.summary()
    st = prob.state(x)
    out = _state_dict(p, prob, st)
    out["nu"] = out["mu_c_tilde"] + out["mu_v_tilde"]
    out.update(converged=bool(summary["converged"]), snes_reason=summary["snes_reason"], snes=summary, state=st,
               problem=prob)
    return out


def _delta_scan(prob: KeldyshGapProblem, nu: float, mu: list, normal: dict, n_scan: int = 28) -> list:
    """Sign changes (− → +) of Re F(Δ) on a log Δ grid at fixed ν and μ̃: [(Δ_seed, |Im F|)], largest Δ
    first (the BCS branch before a Sarma branch)."""
    prob._n = (normal["n_c"], normal["n_v"])
    scale = max(np.ptp(prob.bands.eps_c), np.ptp(prob.bands.eps_v), 1e-3)
    grid = np.geomspace(1e-5 * scale, scale, n_scan)
    f = np.empty(prob.size)
    vals = np.empty((n_scan, 2))
    for j, d in enumerate(grid):
        prob.residual(np.array([d, nu] + mu), f)
        vals[j] = f[:2]
    idx = np.nonzero((vals[:-1, 0] < 0) & (vals[1:, 0] >= 0))[0][::-1]
    return [(float(np.sqrt(grid[i] * grid[i + 1])), float(abs(vals[i, 1]) + abs(vals[i + 1, 1]))) for i in idx]


def _gap_seeds(prob: KeldyshGapProblem, guess: dict, normal: dict, wide: bool = False) -> list[np.ndarray]:
    """Starting points x0 for the gapped solve.  wide=False: the guess, then the Δ scan at the guessed ν
    (default the quasi-thermal μ̃_c + μ̃_v, or for reservoirs only the median pair energy).
    wide=True: Δ scans on a ν grid over the pair-energy range, best |Im F| first (at most 4)."""
    mu = [] if not prob.free_mu else [guess.get("mu_c_tilde", normal["mu_c_tilde"]),
                                      guess.get("mu_v_tilde", normal["mu_v_tilde"])]
    P = prob.bands.eps_c + prob.bands.eps_v
    if not wide:
        if "nu" in guess:
            nu0 = guess["nu"]
        elif np.isfinite(normal["nu"]):
            nu0 = normal["nu"]
        else:
            nu0 = float(np.median(P))
        seeds = []
        if guess.get("delta", 0) > 0:
            seeds.append(np.array([guess["delta"], nu0] + mu))
        return seeds + [np.array([d, nu0] + mu) for d, _ in _delta_scan(prob, nu0, mu, normal)]
    margin = 0.25 * max(np.ptp(P), 1.0)
    found = []
    for nu in np.linspace(P.min() - margin, P.max() + margin, 15):
        found += [(im, d, nu) for d, im in _delta_scan(prob, nu, mu, normal, n_scan=20)]
    found.sort()
    return [np.array([d, nu] + mu) for _, d, nu in found[:4]]


def solve_keldysh(params, guess: dict | None = None, options=None, mu_tilde=None, n_total: float | None = None,
                  reservoir_mode: str = "thermal", tol: float = 1e-11, delta_min: float = 1e-7,
                  wide_scan: bool | None = None) -> dict:
    """Level-B steady state (§4.4): the gapped solution if one is found, else the normal state.

    Seeds (a gapped root is looked for from several starts; the Δ-divided residual has no trivial root):
    the guess, then sign changes of Re F along a log Δ scan at the guessed ν (largest Δ first), then, if
    `wide_scan` (default: only without probes, where no quasi-thermal ν exists), Δ scans on a ν grid.

    guess: optional 'delta', 'nu', 'mu_c_tilde', 'mu_v_tilde' (or lab 'mu_c', 'mu_v').
    mu_tilde: fixed probe potentials (grand canonical) instead of unknowns.
    n_total: particle number per site for the number constraint (default Σ_k w_k, filled valence band).

    Returns delta, nu, mu_c_tilde, mu_v_tilde, mu_c, mu_v (lab), n_c, n_v, N_k, p_k, F_k (= ⟨v_{−k}c_k⟩),
    delta_k (≡ Δ), S, J_c, J_v, N_total, gapped (bool), converged, snes_reason, snes (summary of the
    gapped solve, or of the normal solve if none was found), gap_snes (last failed gapped attempt, if no
    gap), seeds_tried, state (the NambuState, not serialisable) and 'normal' (the same observables for
    Δ = 0, with nu = μ̃_c + μ̃_v).  Probe potentials are NaN when there are no probes."""
    p = params
    guess = _guess_mu(guess, p)
    normal = solve_normal(p, guess={k: v for k, v in guess.items() if k.startswith("mu")}, options=options,
                          mu_tilde=mu_tilde, n_total=n_total, reservoir_mode=reservoir_mode, tol=tol)
    prob = KeldyshGapProblem(p, gapped=True, mu_tilde=mu_tilde, n_total=n_total, reservoir_mode=reservoir_mode,
                             guess=guess, bands=normal["problem"].bands)
    found, last, tried = None, None, 0
    if wide_scan is None:
        wide_scan = not prob.probes and "nu" not in guess
    for wide in (False, True):
        if found is not None or (wide and not wide_scan):
            break
        for x0 in _gap_seeds(prob, guess, normal, wide=wide):
            prob._n = (normal["n_c"], normal["n_v"])
            last = _snes_solve(prob, options, tol, x0)
            tried += 1
            if last.converged and abs(last.x[0]) > delta_min:
                found = last
                break
    normal_out = {k: v for k, v in normal.items() if k not in ("state", "problem")}
    if found is None:
        out = dict(normal_out)
        out.update(gapped=False, seeds_tried=tried, normal=normal_out, state=normal["state"],
                   gap_snes=None if last is None else last.summary())
        return out
    st = prob.state(found.x)
    out = _state_dict(p, prob, st)
    s = found.summary()
    out.update(gapped=True, converged=bool(s["converged"]), snes_reason=s["snes_reason"], snes=s,
               seeds_tried=tried, normal=normal_out, state=st)
    return out


# ---------------------------------------------------------------------------------------------------
# pair susceptibility
def pair_susceptibility(params, nu, normal: dict | None = None, mu_tilde=None, reservoir_mode: str = "thermal",
                        eps: float | None = None, per_k: bool = False, **normal_kw) -> np.ndarray:
    """Keldysh χ^R(ν) = −i∫dt e^{iνt}θ(t)⟨[B(t), B†]⟩/V in the normal NESS (§4.2): complex, shape of nu
    (per_k=True: shape nu + (K,), the k-resolved terms with χ = Σ_k w_k χ_k).

    Computed as the exact linear response of the Level-B pair amplitude (real ν): in the condensate frame ν
    with a small gap ε (normal-state self-energies, probe potentials and radiative n's frozen),
    F_k(ε) = χ_k(ν) ε + O(ε³); F/ε is even in ε, so [4F(ε/2)/(ε/2) − F(ε)/ε]/3 has error O(ε⁴)
    (ε = 1e-3 × the smallest broadening by default).  Equal to the G^R G^K formula of §4.2 (tested).
    `normal`: a `solve_normal` result (solved here if None, with mu_tilde and **normal_kw)."""
    p = params
    if normal is None:
        normal = solve_normal(p, mu_tilde=mu_tilde, reservoir_mode=reservoir_mode, **normal_kw)
    st0: NambuState = normal["state"]
    mu_c, mu_v = st0.mu_c, st0.mu_v
    n = (normal["n_c"], normal["n_v"])
    eps = eps or 1e-3 * float(np.min(st0.gamma))
    nus = np.atleast_1d(np.asarray(nu, dtype=float)).ravel()
    out = np.empty((nus.size, st0.bands.size), dtype=complex)
    for j, v in enumerate(nus):
        F = [nambu_steady_state(p, d, v, mu_c, mu_v, n=n, bands=st0.bands, reservoir_mode=reservoir_mode,
                                self_consistent=False).F_k / d for d in (eps, 0.5 * eps)]
        out[j] = (4.0 * F[1] - F[0]) / 3.0
    if not per_k:
        out = out @ st0.bands.w
    return out.reshape(np.shape(nu) + out.shape[1:])


# ---------------------------------------------------------------------------------------------------
# imaginary-axis equilibrium reference (T-E3)
def matsubara_gap(params, mu_tilde: float, T: float | None = None, n_freq: int = 128, n_tail: int = 16,
                  delta_max: float | None = None, bands: Bands | None = None) -> dict:
    """Equilibrium reference for T-E3, independent of the real-axis machinery: all baths thermal at one
    rotating-frame potential μ̃ and temperature T (default T_ph), constant rates Γ_α = Γ^ph + Γ_α^res,
    no recombination, condensate frame ν = 2μ̃.  Explicit Matsubara sums
        ⟨Ψ_j†Ψ_i⟩ = T Σ_n G_ij(iω_n) e^{iω_n0⁺},  G(iω_n) = (iω_n − H_BdG + i(Γ/2) sgn ω_n)^{-1},
    over |n| < n_freq by 4×4 inversions, plus the tail |n| ≥ n_freq from the expansion
    G = Σ_m K^m/(iω_n)^{m+1} (K = H_BdG ∓ iΓ/2) summed with Hurwitz zeta functions (m ≤ n_tail).
    Δ is the largest root of 1 + g Σ_k w_k F_k(Δ)/Δ = 0 (F_k = T Σ_n G_14), found by a scan and brentq.

    Returns delta (0 if no root), nu, F_k, n_c, n_v, N_total, and the root-function values of the scan."""
    from scipy.optimize import brentq
    from scipy.special import zeta

    p = params
    if p.gamma_r > 0:
        raise ValueError("matsubara_gap is the equilibrium reference: gamma_r must be 0")
    bands = bands or make_bands(p)
    T = p.T_ph if T is None else T
    g_ph = p.Gamma_ph if probes_active(p) else 0.0
    gam = np.array([g_ph + p.Gamma_c, g_ph + p.Gamma_v] * 2)
    xi_c = bands.eps_c - 0.5 * p.omega_L - mu_tilde
    xi_v = bands.eps_v + 0.5 * p.omega_L - mu_tilde
    K = bands.size
    wn = np.pi * T * (2 * np.arange(-n_freq, n_freq) + 1)
    sgn = np.sign(wn)

    def hamiltonian(delta):
        H = np.zeros((K, 4, 4))
        H[:, 0, 0], H[:, 1, 1], H[:, 2, 2], H[:, 3, 3] = xi_c, xi_v, -xi_c, -xi_v
        H[:, 0, 1] = H[:, 1, 0] = p.Omega
        H[:, 2, 3] = H[:, 3, 2] = -p.Omega
        H[:, 0, 3] = H[:, 3, 0] = delta
        H[:, 1, 2] = H[:, 2, 1] = -delta
        return H

    def density(delta):
        """T Σ_n G(iω_n) (symmetric sum) → ρ = that + ½·1 (the e^{iω0⁺} factor of the diagonal)."""
        H = hamiltonian(delta)
        A = ((1j * wn)[None, :, None, None] * np.eye(4) + 0.5j * np.diag(gam) * sgn[None, :, None, None]
             - H[:, None])
        total = T * np.linalg.inv(A).sum(axis=1)
        for s in (+1, -1):                  # tails ω_n ≷ ±π T (2 n_freq + 1)
            Km = H - s * 0.5j * np.diag(gam)
            P = Km.copy()
            for m in range(1, n_tail + 1):
                coef = (s * 2j * np.pi * T) ** (-(m + 1)) * zeta(m + 1, n_freq + 0.5)
                total = total + T * coef * P
                P = P @ Km
        return total + 0.5 * np.eye(4)

    def root_fn(delta):
        rho = density(delta)
        return 1.0 + p.g * float(np.sum(bands.w * rho[:, 0, 3]).real) / delta

    scale = delta_max or max(np.ptp(bands.eps_c), np.ptp(bands.eps_v), 1e-3)
    grid = np.geomspace(1e-5 * scale, scale, 22)
    vals = np.array([root_fn(d) for d in grid])
    idx = np.nonzero((vals[:-1] < 0) & (vals[1:] >= 0))[0]
    delta = 0.0
    if idx.size:
        i = idx[-1]
        delta = brentq(root_fn, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-14, maxiter=200)
    rho = density(delta)
    return {"delta": float(delta), "nu": 2.0 * mu_tilde, "F_k": rho[:, 0, 3], "n_c": rho[:, 0, 0].real,
            "n_v": rho[:, 1, 1].real, "N_total": float(np.sum(bands.w * (rho[:, 0, 0] + rho[:, 1, 1]).real)),
            "rho": rho, "scan": (grid, vals)}
