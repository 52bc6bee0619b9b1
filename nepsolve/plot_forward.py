"""Figures of the forward-scattering studies (ELIASHBERG_SPEC §5.6): how much of the drive heating the
non-thermal glue offsets, in the ξ-local limit and across the crossover w/Γ_el.

Read from aggregated phase diagrams only (`plot.read_phase_diagram`).  The decomposition of a study
(axes `glue` × `fel_mode`): full = (on, kinetic), glue off = (off, kinetic), heating off = (on, bath),
both off = (off, bath).  Shifts, all from λ_c of the same grid:
    heating shift = λ_c(glue off)/λ_c(both off) − 1,   glue shift = λ_c(full)/λ_c(glue off) − 1,
    offset fraction = (λ_c(glue off) − λ_c(full)) / (λ_c(glue off) − λ_c(both off))
(1: the glue cancels the heating; > 1: it overcompensates).  Energies in units of Ω = 1.
"""
from __future__ import annotations

import itertools

import numpy as np

from .plot import (_format_value, _save_all, _subtitle, _symbol, axis_first, decomposition, label,
                   read_phase_diagram, subset)


def shifts(curves: dict) -> dict:
    """Heating shift, glue shift (relative) and offset fraction from the decomposition curves."""
    full, off, both = curves["full"], curves["glue off"], curves["glue & heating off"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"heating": off / both - 1.0, "glue": full / off - 1.0,
                "offset": (off - full) / (off - both)}


def _heat(ax, fig, xv, yv, z, title, cmap, fmt="{:.2f}", norm="symlog"):
    """Annotated heat map of z[x, y]; norm 'symlog' (percent shifts spanning 0.01 … 10⁴, linear below 1)
    or 'unit' (the offset fraction on [0, 1], clipped)."""
    import matplotlib.colors as mcolors

    finite = np.isfinite(z)
    if norm == "unit":
        nm = mcolors.Normalize(0.0, 1.0, clip=True)
    else:
        top = max(np.nanmax(np.abs(z)) if finite.any() else 1.0, 1.0)
        nm = mcolors.SymLogNorm(linthresh=1.0, vmin=-top, vmax=top)
    im = ax.imshow(np.ma.masked_invalid(z.T), origin="lower", cmap=cmap, norm=nm, aspect="auto")
    for i, j in itertools.product(range(len(xv)), range(len(yv))):
        text = fmt.format(z[i, j]) if np.isfinite(z[i, j]) else "n/a"
        ax.text(i, j, text, ha="center", va="center", fontsize="x-small",
                color="k" if np.isfinite(z[i, j]) else "red")
    ax.set_xticks(range(len(xv)), [_format_value(v) for v in xv])
    ax.set_yticks(range(len(yv)), [_format_value(v) for v in yv])
    ax.set_title(title, fontsize="small", loc="left")
    fig.colorbar(im, ax=ax, shrink=0.85)


def plot_glue_offset(path, out, *, x="drive_omega", y="drive_n", where=None, formats=None):
    """Maps over (x, y) (default ω_d × n_d, the equilibrium row y = 0 excluded), one column per
    combination of the other axes: the full λ_c relative to equilibrium (the y = 0 point) in %, the
    heating shift and the glue shift in %, and the offset fraction.  Failed points read 'n/a'."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pd = subset(read_phase_diagram(path), **(where or {}))
    for a in (x, y):
        if a not in pd["axes"]:
            raise ValueError(f"{path}: {a!r} is not an axis (axes: {pd['axes']})")
    pd = axis_first(axis_first(pd, y), x)             # axes: x, y, …
    curves = decomposition(pd)
    sh = shifts(curves)
    rest = [a for a in pd["axes"] if a not in (x, y, "glue", "fel_mode")]
    combos = list(itertools.product(*(range(len(pd["coords"][a])) for a in rest)))
    xv, yv = pd["coords"][x], pd["coords"][y]
    eq_at = np.flatnonzero(np.isclose(yv.astype(float), 0.0)) if yv.dtype.kind != "U" else np.array([])
    keep = np.array([j for j in range(len(yv)) if j not in set(eq_at)])
    rows = [("full: $λ_c/λ_c^{eq} - 1$ [%]", "RdBu_r", "{:+.1f}", "symlog"),
            ("heating shift: $λ_c$(glue off)/$λ_c$(both off) − 1 [%]", "RdBu_r", "{:+.1f}", "symlog"),
            ("glue shift: $λ_c$(full)/$λ_c$(glue off) − 1 [%]", "RdBu_r", "{:+.1f}", "symlog"),
            ("offset fraction (glue off − full)/(glue off − both off)", "viridis", "{:.2f}", "unit")]
    fig, axs = plt.subplots(len(rows), max(len(combos), 1), figsize=(4.3 * max(len(combos), 1), 3.4 * len(rows)),
                            layout="constrained", squeeze=False)
    for c, combo in enumerate(combos):
        idx = (slice(None), slice(None)) + tuple(combo)
        full = curves["full"][idx]
        eq = full[:, eq_at[0]] if eq_at.size else np.full(len(xv), np.nan)
        data = [100 * (full / eq[:, None] - 1), 100 * sh["heating"][idx], 100 * sh["glue"][idx], sh["offset"][idx]]
        head = ", ".join(f"{_symbol(a)} = {_format_value(pd['coords'][a][k])}" for a, k in zip(rest, combo))
        for r, ((title, cmap, fmt, norm), z) in enumerate(zip(rows, data)):
            ax = axs[r, c]
            _heat(ax, fig, xv, yv[keep], z[:, keep], (head + "\n" if r == 0 and head else "") + title, cmap,
                  fmt=fmt, norm=norm)
            ax.set_xlabel(label(x))
            ax.set_ylabel(label(y))
    sub = _subtitle(pd)
    fig.suptitle(f"{pd['study']}: drive heating and the non-thermal glue (n/a: a decomposition needed has no real "
                 f"crossing, e.g. no $λ_c$ ≤ 50, or a complex leading eigenvalue)" + (f"\n{sub}" if sub else ""),
                 fontsize="large")
    return _save_all(fig, out, formats)


def plot_crossover(path, out, *, formats=None):
    """λ_c of the four decompositions vs w/Γ_el (Lorentzian kernel, integral normalisation; Γ_el = Gamma_el0
    of each full point) with the ξ-local values (kernel axis value 'xi_local') as horizontal lines, and
    the heating shift, glue shift and offset fraction below; one column per value of the other axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pd = read_phase_diagram(path)
    for a in ("w", "kernel"):
        if a not in pd["axes"]:
            raise ValueError(f"{path}: the crossover figure needs the axes w and kernel (axes: {pd['axes']})")
    if "Gamma_el0" not in pd["data"]:
        raise ValueError(f"{path}: no Gamma_el0 dataset (aggregate a ξ-model λ_c study)")
    pd = axis_first(axis_first(pd, "kernel"), "w")                 # axes: w, kernel, …
    curves = decomposition(pd)
    sh = shifts(curves)
    gam = np.asarray(pd["data"]["Gamma_el0"], dtype=float)
    gam_full = decomposition({**pd, "values": gam, "status": np.zeros_like(pd["status"])})["full"]
    kern = list(pd["coords"]["kernel"])
    if "lorentzian" not in kern or "xi_local" not in kern:
        raise ValueError(f"{path}: the kernel axis needs 'lorentzian' and 'xi_local' (has {kern})")
    kl, kx = kern.index("lorentzian"), kern.index("xi_local")
    rest = [a for a in pd["axes"] if a not in ("w", "kernel", "glue", "fel_mode")]
    combos = list(itertools.product(*(range(len(pd["coords"][a])) for a in rest)))
    w = pd["coords"]["w"].astype(float)
    order = np.argsort(w)
    styles = {"full": dict(color="C0", marker="o"), "glue off": dict(color="C3", marker="s", linestyle="--"),
              "heating off": dict(color="C2", marker="^", linestyle="-."),
              "glue & heating off": dict(color="0.5", marker="v", linestyle=":")}
    fig, axs = plt.subplots(3, max(len(combos), 1), figsize=(5.2 * max(len(combos), 1), 11), layout="constrained",
                            squeeze=False)
    for c, combo in enumerate(combos):
        sel = (order, kl) + tuple(combo)
        xr = w[order] / gam_full[sel]
        head = ", ".join(f"{_symbol(a)} = {_format_value(pd['coords'][a][k])}" for a, k in zip(rest, combo))
        ax = axs[0, c]
        for name, st in styles.items():
            y = curves[name][sel]
            ax.plot(xr, y, label=name, **st)
            ref = curves[name][(order[0], kx) + tuple(combo)]
            if np.isfinite(ref):
                ax.axhline(ref, color=st["color"], linewidth=0.9, alpha=0.6, linestyle=st.get("linestyle", "-"))
        drawn = np.concatenate([np.ravel(curves[n][sel]) for n in styles])
        drawn = drawn[np.isfinite(drawn)]
        if drawn.size and drawn.max() / max(drawn.min(), 1e-300) > 8:
            ax.set_yscale("log")
        ax.set_ylabel(label(pd["quantity"]) + "  (lines: ξ-local)")
        ax.set_title(head, fontsize="medium", loc="left")
        ax.legend(fontsize="x-small")
        ax = axs[1, c]
        for key, st, lab in (("heating", styles["glue off"], "heating shift"), ("glue", styles["full"], "glue shift")):
            ax.plot(xr, 100 * sh[key][sel], label=lab, **st)
            ref = sh[key][(order[0], kx) + tuple(combo)]
            if np.isfinite(ref):
                ax.axhline(100 * ref, color=st["color"], linewidth=0.9, alpha=0.6)
        ax.axhline(0, color="0.6", linewidth=0.8)
        both = 100 * np.concatenate([np.ravel(sh["heating"][sel]), np.ravel(sh["glue"][sel])])
        if np.nanmax(np.abs(both)) > 100:
            ax.set_yscale("symlog", linthresh=10.0)
        ax.set_ylabel("shift [%]  (lines: ξ-local)")
        ax.legend(fontsize="x-small")
        ax = axs[2, c]
        ax.plot(xr, sh["offset"][sel], color="C4", marker="D", label="Lorentzian")
        ref = sh["offset"][(order[0], kx) + tuple(combo)]
        if np.isfinite(ref):
            ax.axhline(ref, color="C4", linewidth=0.9, alpha=0.6, label=f"ξ-local ({ref:.2f})")
        ax.axhline(1, color="0.6", linewidth=0.8, linestyle=":")
        ax.set_ylabel("offset fraction")
        ax.legend(fontsize="x-small")
        for a in axs[:, c]:
            a.set_xscale("log")
            a.grid(alpha=0.3, which="both")
            a.axvline(1.0, color="0.6", linewidth=0.8, linestyle=":")
            a.set_xlabel("$w/Γ_{el}(0)$   (Lorentzian width over the electron inverse lifetime)")
    sub = _subtitle(pd)
    fig.suptitle(f"{pd['study']}: from a broad Lorentzian kernel to the ξ-local limit" + (f"\n{sub}" if sub else ""),
                 fontsize="large")
    return _save_all(fig, out, formats)
