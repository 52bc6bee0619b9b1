"""Level B (PORTA_SPEC §4.4, §6.3): the nonlinear gap problem of the Keldysh mean field, in the conventions
of `nambu` (4×4 Nambu–band basis, condensate frame ν, rotating-frame probe potentials μ̃).

Unknowns and residual (§6.3 Level B): x = (Δ, ν) + (μ̃_c, μ̃_v) when the probe potentials are free, with
    F = (Re[1 − U S/Δ], Im[U S/Δ], J_c/Γ^ph, J_v/Γ^ph),   S = Σ_k w_k F_k.
The pair term is the only non-conserving part of H_MF: continuity gives J_c + J_v + J_res = 4 Im(Δ* S)
(J: particle currents from the baths into the system).  Without reservoirs this is 4Δ Im S, which vanishes
once the Im equation holds, so the last two equations are degenerate (a zero mode: the total number).  There the
last equation is replaced by the number constraint Σ_k w_k (n_c + n_v) = N_tot (default N_tot = Σ_k w_k,
the filled valence band of the initial state, as in Level A); J_v = 0 then follows.  With Ω = 0 and
γ_r = 0 nothing exchanges c and v, N_c − N_v is conserved too, and the probe potentials must be given
(`mu_tilde=(μ̃_c, μ̃_v)`: grand-canonical probes).

API: `KeldyshGapProblem` (NonlinearProblem of models/base.py), `default_mu_guess`; solved by `keldysh_solve`.
"""
from __future__ import annotations

import numpy as np

from .bands import Bands, make_bands
from .nambu import NambuState, nambu_steady_state, probes_active


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

    def warm_start(self, n_c, n_v) -> None:
        """Start the radiative self-consistency of the next residual evaluations from these occupations."""
        self._n = (n_c, n_v)

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

