"""Observables of a normal NESS (PORTA_SPEC §3.3, §6.5, §7.2): quasi-Fermi levels, Fermi points, pair
occupation, coherence, invariants.  Energies in the model's unit (t_c = 1 for tight binding)."""
from __future__ import annotations

import numpy as np

from .kinetics import KineticModel, band_chemical_potential, fermi


def coherence(model: KineticModel, nc, nv) -> np.ndarray:
    """Stationary Bloch coherence p_k = −iΩ(n_v − n_c)/(γ_2 + iδ_k) (spec §3.2)."""
    p = model.params
    return -1j * p.Omega * (nv - nc) / (p.dephasing + 1j * model.delta)


def fermi_point(k, n) -> float:
    """First k where n(k) crosses 1/2 on a 1D/radial grid (NaN if it does not)."""
    s = np.sign(n - 0.5)
    idx = np.nonzero(s[:-1] * s[1:] < 0)[0]
    if idx.size == 0:
        return float("nan")
    i = idx[0]
    return float(k[i] + (0.5 - n[i]) * (k[i + 1] - k[i]) / (n[i + 1] - n[i]))


def ness_observables(model: KineticModel, nc, nv, start=None) -> dict:
    """Scalars of a NESS: excited density N_e = Σ w n_c, hole density, quasi-Fermi levels μ_c, μ_v (Fermi
    functions at T_ph with each band's particle number, §3.3) and how far the occupations are from them,
    ν = μ_c + μ_v, Fermi points and mismatch (1D grids), the sign indicator s_N, and the invariants of
    §7.2 (number conservation, 0 ≤ n ≤ 1, |p|² ≤ n_c n_v and (1−n_c)(1−n_v), global G = R balance,
    the thermodynamic bound μ_c − μ_v ≤ ω_L + 5T_ph)."""
    from .pairing import sign_indicator

    p, b, w, T = model.params, model.bands, model.w, model.params.T_ph
    N_e, N_h = float(w @ nc), float(w @ (1 - nv))
    mu_c = band_chemical_potential(b.eps_c, w, N_e, T)
    mu_v = band_chemical_potential(b.eps_v, w, float(w @ nv), T)
    fit_c = float(np.max(np.abs(nc - fermi(b.eps_c - mu_c, T)))) if np.isfinite(mu_c) else float("nan")
    fit_v = float(np.max(np.abs(nv - fermi(b.eps_v - mu_v, T)))) if np.isfinite(mu_v) else float("nan")
    nu = mu_c + mu_v
    N = 1.0 - nc - nv
    pk = coherence(model, nc, nv)
    G, _, _ = model.generation(nc, nv, 1 - nc, 1 - nv)
    R, _, _ = model.recombination(nc, nv, 1 - nc, 1 - nv)
    out = {"excited_density": N_e, "hole_density": N_h, "mu_c": mu_c, "mu_v": mu_v, "nu": nu,
           "fd_deviation_c": fit_c, "fd_deviation_v": fit_v,
           "N_min": float(N.min()), "N_max": float(N.max()),
           "s_N": sign_indicator(N, b.pair_energy, nu, T, w) if np.isfinite(nu) else 0,
           "generation": float(w @ G), "recombination": float(w @ R),
           "n_min": float(min(nc.min(), nv.min())), "n_max": float(max(nc.max(), nv.max())),
           "coherence_excess": float(np.max(np.abs(pk) ** 2 - np.minimum(nc * nv, (1 - nc) * (1 - nv)))),
           "delta_mu_L": float(p.omega_L - (mu_c - mu_v))}
    if start is not None and p.conserving:
        out["number_error"] = float(abs(w @ (nc + nv) - w @ (start[0] + start[1])))
    if b.kind != "tb2d":
        k_c, k_v = fermi_point(b.k, nc), fermi_point(b.k, nv)
        out.update(k_c=k_c, k_v=k_v, mismatch=k_v - k_c)
    if p.conserving and model.has_phonons and p.Omega > 0:
        try:
            out["splitting_balance"] = model.balance_levels(float(w.sum()) if start is None else
                                                            float(w @ (start[0] + start[1])))["splitting"]
        except ValueError:
            out["splitting_balance"] = float("nan")
    res = b.resonance(p.omega_L)
    out["k0"] = res["k0"] if res else float("nan")
    out["class_sign"] = res["class_sign"] if res else 0
    bound = p.omega_L + 5 * T
    out["thermo_bound_ok"] = bool(not np.isfinite(mu_c - mu_v) or mu_c - mu_v <= bound)
    return out
