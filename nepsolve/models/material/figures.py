"""Figures of the material model's studies (issue 14).  Energies in meV, T_c also in kelvin."""
from __future__ import annotations

import json

import numpy as np

from ...physics.spectra import omega_2
from ...plot.common import _save_all, _subtitle, read_phase_diagram
from .a2f import K_PER_MEV, load_spectrum


def _fixed(pd) -> dict:
    return json.loads(pd["attrs"]["config_json"]).get("fixed", {})


def plot_mustar(path, out, *, formats=None):
    """T_c [K] vs μ* (axis 'mustar') of a T_c study, with the imaginary-axis T_c (sharp cutoff on both Matsubara
    indices, material.matsubara) and the Allen–Dynes formula (with f1 f2, and the McMillan form) for the same
    spectrum, λ and ω_c; lower panel: the ratios to the real-axis value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import matsubara
    from .params import MaterialParams

    pd = read_phase_diagram(path)
    if pd["axes"] != ["mustar"] or pd["quantity"] != "T_c":
        raise ValueError(f"{path}: the mustar figure needs a T_c study over the single axis mustar")
    fixed = _fixed(pd)
    mu = pd["coords"]["mustar"].astype(float)
    tc = pd["values"] * K_PER_MEV
    base = MaterialParams(**fixed)
    sp = load_spectrum(base.a2f, base.units)
    lam, w2 = base.lam, omega_2(sp.nu, sp.a2f)
    mu_fine = np.linspace(mu.min(), mu.max(), 200)
    ad = np.array([matsubara.allen_dynes(lam, m, sp.omega_log, w2) for m in mu_fine]) * K_PER_MEV
    mcm = np.array([matsubara.allen_dynes(lam, m, sp.omega_log) for m in mu_fine]) * K_PER_MEV
    mats = np.array([matsubara.critical_temperature(base.replace(mustar=float(m))) for m in mu]) * K_PER_MEV
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.4, 7.2), layout="constrained", sharex=True,
                                  gridspec_kw={"height_ratios": [2, 1]})
    ax.plot(mu, tc, "o-", color="C0", label="real axis (this study)")
    ax.plot(mu, mats, "s", mfc="none", color="C3", label="Matsubara, cutoff on both indices")
    ax.plot(mu_fine, ad, "--", color="C2", label="Allen–Dynes (f1 f2)")
    ax.plot(mu_fine, mcm, ":", color="0.4", label="McMillan form (f1 = f2 = 1)")
    ax.set_ylabel("$T_c$ [K]")
    ax.set_title(f"{pd['study']}: λ = {lam:.3g}, ω_log = {sp.omega_log:.3g} meV, ω̄₂ = {w2:.3g} meV, "
                 f"ω_c = {base.omega_c:g} meV, γ = {base.gamma:g} meV", fontsize="small", loc="left")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    ad_pts = np.array([matsubara.allen_dynes(lam, m, sp.omega_log, w2) for m in mu]) * K_PER_MEV
    ax2.plot(mu, mats / tc, "s-", mfc="none", color="C3", label="Matsubara / real axis")
    ax2.plot(mu, ad_pts / tc, "^--", color="C2", label="Allen–Dynes / real axis")
    ax2.axhline(1.0, color="0.6", linewidth=0.8)
    ax2.set_xlabel("μ*")
    ax2.set_ylabel("ratio")
    ax2.legend(fontsize="small")
    ax2.grid(alpha=0.3)
    sub = _subtitle(pd)
    if sub:
        fig.suptitle(sub, fontsize="small")
    return _save_all(fig, out, formats)


def plot_tc_ratio(path, out, *, reference: str = "static", formats=None):
    """T_c/T_c0 vs the boson frequency (axis 'omega_b'), one line per value of the other axis; T_c0 is the static
    channel alone on the imaginary axis (equal to the real axis to 1e-6, tests/test_material.py): the Matsubara
    frequency cutoff (--model material) or the band cutoff (--model material-xi, tests/test_material_xi.py)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import matsubara
    from .params import MaterialParams

    pd = read_phase_diagram(path)
    if "omega_b" not in pd["axes"] or pd["quantity"] != "T_c":
        raise ValueError(f"{path}: the tc_ratio figure needs a T_c study with the axis omega_b")
    fixed = _fixed(pd)
    band = pd["model"] == "material-xi"
    if band:
        from .xi import MaterialXiParams
    p0 = (MaterialXiParams if band else MaterialParams)(**{**fixed, "lam": 1e-9})
    tc0 = matsubara.critical_temperature(p0, cut="band" if band else "both", T_hi=10.0 * p0.top)
    i = pd["axes"].index("omega_b")
    vals = np.moveaxis(pd["values"], i, 0)
    wb = pd["coords"]["omega_b"].astype(float)
    others = [a for a in pd["axes"] if a != "omega_b"]
    fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
    flat = vals.reshape(len(wb), -1)
    import itertools
    combos = list(itertools.product(*(pd["coords"][a] for a in others))) or [()]
    from .commands import cutoff_step

    n_step = 0
    for k, combo in enumerate(combos):
        lab = ", ".join(f"{a} = {v:g}" if not isinstance(v, str) else f"{a} = {v}" for a, v in zip(others, combo))
        line, = ax.plot(wb, flat[:, k] / tc0, "-", label=lab or None)
        step = np.array([cutoff_step(t, p0) >= 0 for t in flat[:, k]])
        n_step += int(step.sum())
        ax.plot(wb[step], flat[step, k] / tc0, "o", mfc="none", color=line.get_color())
        ax.plot(wb[~step], flat[~step, k] / tc0, "o", color=line.get_color())
    if n_step:
        ax.text(0.02, 0.97, f"open markers ({n_step}): T_c on a step of the sharp cutoff (ω_k = ω_c), quantized\n"
                f"to ≈ 2πT/ω_c = {2 * np.pi * tc0 / p0.omega_c:.1%} near T_c0", transform=ax.transAxes, va="top",
                fontsize="x-small")
    ax.axhline(1.0, color="0.6", linewidth=0.8)
    ax.axvline(tc0, color="0.6", linewidth=0.8, linestyle=":")
    ax.set_xscale("log")
    ax.set_xlabel("boson frequency $ω_b$ [meV]   (dotted: $T_{c0}$)")
    ax.set_ylabel("$T_c/T_{c0}$")
    cut = f"band cutoff |ξ| < ω_c = {p0.omega_c:g} meV" if band else f"ω_c = {p0.omega_c:g} meV"
    ax.set_title(f"{pd['study']}: static λ_s = {p0.lam_static:g} ({cut}) + boson λ = "
                 f"{fixed.get('lam')};\nT_c0 = {tc0:.4g} meV ({tc0 * K_PER_MEV:.3g} K)", fontsize="small", loc="left")
    ax.grid(alpha=0.3, which="both")
    if others:
        ax.legend(fontsize="small", title="T_b/T_el fixed in the search: T_b at T_el start")
    sub = _subtitle(pd)
    if sub:
        fig.suptitle(sub, fontsize="small")
    return _save_all(fig, out, formats)
