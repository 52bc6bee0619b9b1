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

API: `nambu_steady_state` (observables at given Δ, ν, μ̃, n), `NambuState`, `bath_channels`, `bdg_matrix`.
The closed-form ω integrals are in `closed_forms`, the nonlinear problem in `keldysh`, its solve in
`keldysh_solve`, the imaginary-axis reference in `matsubara_ref`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bands import Bands, make_bands
from .closed_forms import fermi, pair_integrals

NAMBU = 4
C, V_ = 0, 1                          # Nambu entries c_k, v_k (holes c†_{−k}, v†_{−k} at +2)


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

