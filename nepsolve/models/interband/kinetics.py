"""Level A: Boltzmann–Bloch kinetics of the driven two-band semiconductor (PORTA_SPEC §3.1–3.3, §6.3).

Unknowns n_c(k), n_v(k) on the NESS grid; the coherence follows from the stationary Bloch equation
p_k = −iΩ(n_v − n_c)/(γ_2 + iδ_k) (§3.2).  Rates per k:

    ∂_t n_c = +G_k − R_k + C^ph_c[n_c] + Γ_c (f_c^R − n_c)
    ∂_t n_v = −G_k + R_k + C^ph_v[n_v] + Γ_v (f_v^R − n_v)

    K1:  G_k = Ω² L_k (n_v − n_c)
    K2:  G_k = Ω² L_k [w_+(δ_k) n_v(1 − n_c) − w_−(δ_k) n_c(1 − n_v)],  w_±(δ) = 2/(1 + e^{±δ/T_ph})
    L_k = 2γ_2/(γ_2² + δ_k²),  R_k = γ_r n_c(1 − n_v) ('factorised') or γ_r n_c ('linear').

The SNES unknowns are the occupations themselves, bounded to [0, 1] by PETSc's variational-inequality
Newton (vinewtonrsls) with the dense analytic Jacobian; the residual is ∂_t n/Γ_ref.  (Measured: logit
unknowns y = ln(n/(1 − n)), spec §6.3, fail here — with the absolute rate residual the Jacobian columns of
states with n ~ e^{−ΔE/T} vanish (zero LU pivots); with the relative rate ∂_t y the physically
irrelevant deep tails dominate: the residual of R1's thermal guess was 1e23, from n_c holes ~ e^{−100}.)  Conservation laws are imposed explicitly (§6.3), by
replacing redundant equations:
  * phonons + drive/recombination: one zero mode, Σ_k w_k(n_c + n_v) = N_tot (last valence equation);
  * phonons alone (Ω = γ_r = 0): two, Σ w n_c = N_c and Σ w n_v = N_v (last c and v equations);
  * no phonons: vertical processes conserve n_c + n_v at each k (every valence equation);
  * reservoirs: none.
The conserved numbers come from the start state (default: the filled valence band, n_v = 1, n_c = 0).

Soft modes (measured): when the resonance lies inside a region where both bands are full or both empty
(R2 with K2; R1 with ω_L > 2), the exchange between the bands is thermally blocked and μ_c − μ_v relaxes at
a rate ~ e^{−ΔE/T} (spec §3.3).  The residual along that mode is ~1e-11 Γ_ref even away from the fixed point:
it is below the rounding noise of the cancelling phonon terms, and the gross rates are carried by hole
populations 1 − n ≲ 1e-16 that occupation unknowns cannot represent.  Newton therefore cannot locate the
splitting there; the start does: `quasi_thermal_levels` solves number conservation and the global balance
ΣwG = ΣwR for Fermi functions with exact tails (f(x) and f(−x) separately), and Newton then only polishes
the fast modes.  (R2/K2: the splitting is 1.34722 against ω_L = 1.35164; a start at μ_c − μ_v = ω_L was
"converged" as well, 4e-3 off.)  `observables` reports the balance splitting next to the NESS's.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from . import phonons
from .bands import make_bands

def fermi(x: np.ndarray, T: float) -> np.ndarray:
    """f_FD(x) = 1/(e^{x/T} + 1), overflow-safe."""
    return expit(-np.asarray(x) / T)


class KineticModel:
    """Rates of the Level-A kinetic equations for one parameter set (spec §3.2)."""

    def __init__(self, params, bands=None):
        p = self.params = params
        self.bands = bands or make_bands(p)
        b = self.bands
        self.w = b.w
        self.delta = b.detuning(p.omega_L)
        g2 = p.dephasing
        self.L = 2.0 * g2 / (g2**2 + self.delta**2) if p.Omega > 0 else np.zeros_like(self.delta)
        self.rabi = p.Omega**2 * self.L                    # Ω² L_k
        self.w_plus = 2.0 * expit(-self.delta / p.T_ph)     # w_+(δ) = 2/(1 + e^{δ/T})
        self.w_minus = 2.0 * expit(self.delta / p.T_ph)
        self.S = {}
        for band, eps, lam in (("c", b.eps_c, p.lam_ph_c), ("v", b.eps_v, p.lam_ph_v)):
            if p.phonon == "none" or lam == 0:
                self.S[band] = None
            elif p.phonon == "shell":
                self.S[band] = phonons.shell_kernel(eps, lam, p.omega_D, p.T_ph)
            else:
                self.S[band] = phonons.acoustic_kernel(b, eps, lam, p.c_s, p.eta, p.T_ph)
        self.f_res = {"c": fermi(b.eps_c - p.mu_R, p.T_R), "v": fermi(b.eps_v - p.mu_R, p.T_R)}
        self._balance = {}

    def balance_levels(self, number: float) -> dict:
        """`quasi_thermal_levels` at this conserved number, computed once per model (the NESS start and
        the observables both need it; ~0.1 s at n_k = 241)."""
        key = float(number)
        if key not in self._balance:
            self._balance[key] = quasi_thermal_levels(self, key)
        return self._balance[key]

    @property
    def has_phonons(self) -> bool:
        return self.S["c"] is not None or self.S["v"] is not None

    @property
    def interband(self) -> bool:
        return self.params.Omega > 0 or self.params.gamma_r > 0

    def rate_scale(self) -> float:
        """Γ_ref: the fastest generic rate (sets the residual scale)."""
        p = self.params
        ph = max(p.lam_ph_c, p.lam_ph_v) * (p.omega_D if p.phonon == "shell" else p.c_s) if self.has_phonons else 0
        return max(ph, float(np.max(self.rabi, initial=0.0)), p.gamma_r, p.Gamma_c, p.Gamma_v, 1e-12)

    # ---------------------------------------------------------------- the rates
    # The local rates take n and m = 1 − n separately: `quasi_thermal_levels` passes exact Fermi tails
    # f(x), f(−x), so rates carried by holes far below 1e-16 keep their relative precision.
    def generation(self, nc, nv, mc, mv):
        """G_k = G⁺_k − G⁻_k (K1 or K2) and its derivatives ∂G/∂n_c, ∂G/∂n_v."""
        (gp, gp_c, gp_v), (gm, gm_c, gm_v) = self.generation_gross(nc, nv, mc, mv)
        return gp - gm, gp_c - gm_c, gp_v - gm_v

    def generation_gross(self, nc, nv, mc, mv):
        """Absorption G⁺ and emission G⁻ with their derivatives (∂/∂n_c, ∂/∂n_v):
        K1: G⁺ = Ω²L n_v, G⁻ = Ω²L n_c;  K2: G⁺ = Ω²L w_+ n_v(1 − n_c), G⁻ = Ω²L w_− n_c(1 − n_v)."""
        r = self.rabi
        if self.params.lineshape == "K1":
            return (r * nv, 0.0 * r, r), (r * nc, r, 0.0 * r)
        wp, wm = self.w_plus, self.w_minus
        return (r * wp * nv * mc, -r * wp * nv, r * wp * mc), (r * wm * nc * mv, r * wm * mv, -r * wm * nc)

    def recombination(self, nc, nv, mc, mv):
        """R_k and its derivatives (spec §3.2; 'linear' for the exact single-electron sector)."""
        g = self.params.gamma_r
        if self.params.recomb == "linear":
            return g * nc, np.full_like(nc, g), np.zeros_like(nc)
        return g * nc * mv, g * mv, -g * nc

    def rhs(self, nc, nv):
        """(∂_t n_c, ∂_t n_v) of spec §3.2."""
        p = self.params
        mc, mv = 1.0 - nc, 1.0 - nv
        G, _, _ = self.generation(nc, nv, mc, mv)
        R, _, _ = self.recombination(nc, nv, mc, mv)
        dc, dv = G - R, R - G
        if self.S["c"] is not None:
            dc = dc + phonons.collision(self.S["c"], self.w, nc, mc)
        if self.S["v"] is not None:
            dv = dv + phonons.collision(self.S["v"], self.w, nv, mv)
        if p.reservoirs:
            dc = dc + p.Gamma_c * (self.f_res["c"] - nc)
            dv = dv + p.Gamma_v * (self.f_res["v"] - nv)
        return dc, dv

    def rhs_jacobian(self, nc, nv) -> np.ndarray:
        """∂(∂_t n_c, ∂_t n_v)/∂(n_c, n_v), dense 2M × 2M."""
        p = self.params
        mc, mv = 1.0 - nc, 1.0 - nv
        M = nc.size
        J = np.zeros((2 * M, 2 * M))
        _, Gc, Gv = self.generation(nc, nv, mc, mv)
        _, Rc, Rv = self.recombination(nc, nv, mc, mv)
        i = np.arange(M)
        J[i, i] += Gc - Rc
        J[i, M + i] += Gv - Rv
        J[M + i, i] += Rc - Gc
        J[M + i, M + i] += Rv - Gv
        if self.S["c"] is not None:
            J[:M, :M] += phonons.collision_jacobian(self.S["c"], self.w, nc, mc)
        if self.S["v"] is not None:
            J[M:, M:] += phonons.collision_jacobian(self.S["v"], self.w, nv, mv)
        if p.reservoirs:
            J[i, i] -= p.Gamma_c
            J[M + i, M + i] -= p.Gamma_v
        return J

    # ---------------------------------------------------------------- conservation laws (§3.1, §6.3)
    def constraints(self, start):
        """[(row replaced, weight vector c over (n_c, n_v), target)] of the conserved numbers."""
        nc0, nv0 = start
        M, w, z = nc0.size, self.w, np.zeros_like(self.w)
        if self.params.reservoirs:
            return []
        if not self.has_phonons:
            if not self.interband:
                raise ValueError("no process acts: set Omega, gamma_r, a phonon kernel or reservoirs")
            out = []
            for k in range(M):            # n_c + n_v conserved at every k
                c = np.zeros(2 * M)
                c[k] = c[M + k] = 1.0
                out.append((M + k, c, nc0[k] + nv0[k]))
            return out
        if not self.interband:
            return [(M - 1, np.concatenate([w, z]), float(w @ nc0)),
                    (2 * M - 1, np.concatenate([z, w]), float(w @ nv0))]
        return [(2 * M - 1, np.concatenate([w, w]), float(w @ (nc0 + nv0)))]


class NessProblem:
    """R(n) = 0 for the occupations n = (n_c, n_v) of the NESS (spec §6.3), with the conservation rows.

    Rows: −∂_t n/Γ_ref, except the rows replaced by conservation laws.  The unknowns are bounded,
    0 ≤ n ≤ 1 (`bounds()`: PETSc's variational-inequality Newton keeps every iterate physical).  The sign
    matters there: VI Newton accepts a variable pinned at its lower bound when R ≥ 0, which must mean
    "the population would decrease", i.e. R = −∂_t n (with +∂_t n every state stuck at n = 0 passed).
    `jacobian(n)` is the dense analytic Jacobian (collision terms are quadratic in n)."""

    def __init__(self, model: KineticModel, start=None, guess=None):
        self.model = model
        M = model.bands.size
        self.size = 2 * M
        self.start = start if start is not None else (np.zeros(M), np.ones(M))
        self.rows = model.constraints(self.start)
        self.scale = model.rate_scale()
        self.guess = guess

    def occupations(self, x):
        """(n_c, n_v) of the unknowns."""
        return x[: self.size // 2], x[self.size // 2:]

    def bounds(self):
        return np.zeros(self.size), np.ones(self.size)

    def residual(self, x, out):
        out[:] = -np.concatenate(self.model.rhs(*self.occupations(x))) / self.scale
        for row, c, target in self.rows:
            out[row] = c @ x - target

    def jacobian(self, x) -> np.ndarray:
        J = -self.model.rhs_jacobian(*self.occupations(x)) / self.scale
        for row, c, _ in self.rows:
            J[row, :] = c
        return J

    def initial_guess(self):
        return self.guess if self.guess is not None else quasi_thermal_guess(self.model, self.start)

    # the rate equation itself, for time stepping (pseudo-transient continuation, benchmarks)
    def rate(self, x) -> np.ndarray:
        """∂_t n at x (conservation is automatic in time)."""
        return np.concatenate(self.model.rhs(*self.occupations(x)))

    def rate_jacobian(self, x) -> np.ndarray:
        return self.model.rhs_jacobian(*self.occupations(x))


# ---------------------------------------------------------------------------------------- guesses
def quasi_thermal_guess(model: KineticModel, start) -> np.ndarray:
    """Occupations of a starting NESS: per-band Fermi functions at T_ph with the quasi-Fermi levels of
    `quasi_thermal_levels` (number conservation + global balance, spec §3.3) — this places the start on the
    right point of the soft mode, which Newton cannot resolve by itself (module docstring); the two-level
    closed forms without phonons (§3.2, T-E7) or with reservoirs."""
    p, b = model.params, model.bands
    nc0, nv0 = start
    if p.Omega == 0 and p.gamma_r > 0 and not p.reservoirs and float(model.w @ (nc0 + nv0)) <= model.w.sum():
        # no generation: recombination empties the conduction band; the filled valence band (of the
        # conserved number) is the exact NESS
        return np.concatenate([np.zeros_like(nc0), nc0 + nv0])
    if p.reservoirs or not model.has_phonons:
        R = model.rabi
        if p.reservoirs:
            Gc, Gv = max(p.Gamma_c, 1e-12), max(p.Gamma_v, 1e-12)
            nc = model.f_res["c"] + R * Gv / (Gc * Gv + R * (Gc + Gv))
            nv = model.f_res["v"] - (Gc / Gv) * R * Gv / (Gc * Gv + R * (Gc + Gv))
        else:
            tot = nc0 + nv0
            nc = tot * R / (p.gamma_r + 2 * R + 1e-300)
            nv = tot - nc
        return np.clip(np.concatenate([nc, nv]), 0.0, 1.0)
    w, T = model.w, p.T_ph
    if not model.interband:          # each band keeps its number
        mu_c = band_chemical_potential(b.eps_c, w, float(w @ nc0), T)
        mu_v = band_chemical_potential(b.eps_v, w, float(w @ nv0), T)
    else:       # Fermi functions whose levels obey number conservation and the global balance (§3.3)
        lv = model.balance_levels(float(w @ (nc0 + nv0)))
        mu_c, mu_v = lv["mu_c"], lv["mu_v"]
    return np.concatenate([fermi(b.eps_c - mu_c, T), fermi(b.eps_v - mu_v, T)])


def band_chemical_potential(eps, w, number, T) -> float:
    """μ with Σ_k w_k f_FD(ε_k − μ; T) = number (the band's Fermi level at its own particle number)."""
    total = float(w.sum())
    if not 0.0 < number < total:
        return float("-inf") if number <= 0 else float("inf")
    lo, hi = eps.min() - 60 * T - 1.0, eps.max() + 60 * T + 1.0
    return float(brentq(lambda mu: w @ fermi(eps - mu, T) - number, lo, hi, xtol=1e-14, rtol=1e-15))


def quasi_thermal_levels(model: KineticModel, number: float) -> dict:
    """The phonon-dominated NESS of spec §3.3: per-band Fermi functions at T_ph whose quasi-Fermi levels obey
    (1) the conserved number Σ_k w_k [f(ε_c − μ_c) + f(ε_v − μ_v)] = number and (2) the global balance
    Σ_k w_k G_k = Σ_k w_k R_k.  The balance is solved as ln ΣwG⁺ = ln Σw(G⁻ + R) with the occupations and
    their complements evaluated separately (f(x) and f(−x)), so rates carried by populations far below 1e-16
    — the thermally blocked exchange of §3.3 — keep their relative precision.  Returns μ_c, μ_v and the
    splitting s = μ_c − μ_v (lab frame); exact for phonons ≫ drive and recombination."""
    b, w, T = model.bands, model.w, model.params.T_ph

    def levels(s):
        def excess(mu):
            return w @ (fermi(b.eps_c - mu - s / 2, T) + fermi(b.eps_v - mu + s / 2, T)) - number

        lo = min(b.eps_c.min(), b.eps_v.min()) - 60 * T - abs(s)
        hi = max(b.eps_c.max(), b.eps_v.max()) + 60 * T + abs(s)
        mu = brentq(excess, lo, hi, xtol=1e-14)
        return mu + s / 2, mu - s / 2

    def imbalance(s):
        mu_c, mu_v = levels(s)
        xc, xv = b.eps_c - mu_c, b.eps_v - mu_v
        nc, mc, nv, mv = fermi(xc, T), fermi(-xc, T), fermi(xv, T), fermi(-xv, T)
        (gp, _, _), (gm, _, _) = model.generation_gross(nc, nv, mc, mv)
        R, _, _ = model.recombination(nc, nv, mc, mv)
        return np.log(w @ gp + 1e-300) - np.log(w @ (gm + R) + 1e-300)

    span = float(max(b.eps_c.max(), b.eps_v.max()) - min(b.eps_c.min(), b.eps_v.min()))
    grid = np.linspace(-span, 2 * span, 601)
    vals = np.array([imbalance(s) for s in grid])
    idx = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]
    if idx.size == 0:
        raise ValueError("no quasi-thermal balance: generation and recombination do not cross")
    # the physical branch: the crossing nearest the laser (ω_L), where absorption turns into emission
    i = idx[np.argmin(np.abs(grid[idx] - model.params.omega_L))]
    s = brentq(imbalance, grid[i], grid[i + 1], xtol=1e-14)
    mu_c, mu_v = levels(s)
    return {"mu_c": float(mu_c), "mu_v": float(mu_v), "splitting": float(s)}
