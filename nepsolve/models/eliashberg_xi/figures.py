"""Figures of the ξ-model studies (ELIASHBERG_SPEC §5.6, §9 T5/T8), registered in `spec.FIGURES`; each is
drawn from a study's aggregated phase diagram (`nepsolve.plot.read_phase_diagram`).  Energies in Ω = 1.

The decomposition of a study (axes `glue` × `fel_mode`): full = (on, kinetic), glue off = (off, kinetic),
heating off = (on, bath), both off = (off, bath).  Shifts, all from λ_c of the same grid:
    heating shift = λ_c(glue off)/λ_c(both off) − 1,   glue shift = λ_c(full)/λ_c(glue off) − 1,
    offset fraction = (λ_c(glue off) − λ_c(full)) / (λ_c(glue off) − λ_c(both off))
(1: the glue cancels the heating; > 1: it overcompensates).

    plot_decomposition(path, out, x, ...)      λ_c vs x for the four curves, and relative to equilibrium
    plot_glue_offset(path, out, x, y, ...)     shifts and offset fraction over two axes
    plot_crossover(path, out)                  the Lorentzian width scan towards the ξ-local limit
    plot_distributions_snapshot(path, out, drive_omega, drive_n=None)
                                               F_el(ω), F_b(ν) at a driven point at λ = λ_c (re-solved)
    plot_distributions(omega, F_el, T_el, nu, F_b, T_b, out)   the same from arrays
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from ...plot.common import (COMPLEX_STYLE, FAILED_STYLE, MAX_PANELS, STATUS_COMPLEX, STATUS_OK, _fixed,
                            _format_value, _outputs, _save_all, _subtitle, axis_first, label, read_phase_diagram, subset,
                            symbol)


# The decomposition of ELIASHBERG_SPEC §9 T8 as points of the axes (glue, fel_mode):
# full NESS, non-thermal glue switched off (δφ^K := 0), heating off (F_el frozen to the bath), both off.
DECOMPOSITION = (
    ("full", {"glue": "on", "fel_mode": "kinetic"}, dict(color="k", marker="o", linestyle="-", zorder=4)),
    ("glue off", {"glue": "off", "fel_mode": "kinetic"}, dict(color="C0", marker="s", linestyle="--")),
    ("heating off", {"glue": "on", "fel_mode": "bath"}, dict(color="C1", marker="^", linestyle="-.")),
    ("glue & heating off", {"glue": "off", "fel_mode": "bath"},
     dict(color="0.55", marker="v", linestyle=":", markersize=4)),
)


def _select(pd, name, **where):
    """Array `name` with the categorical axes in `where` fixed (values absent on an axis: None)."""
    arr = np.where(pd["status"] == STATUS_OK, pd["values"], np.nan) if name == pd["quantity"] \
        else np.asarray(pd["data"][name], dtype=float)
    index = []
    for a in pd["axes"]:
        if a in where:
            hits = np.flatnonzero(pd["coords"][a] == where[a])
            if not hits.size:
                return None
            index.append(int(hits[0]))
        else:
            index.append(slice(None))
    return arr[tuple(index)]


def decomposition(pd) -> dict:
    """{curve name: array over the remaining axes (order kept)} for the curves of DECOMPOSITION
    present in a phase diagram read by `read_phase_diagram` (needs the axes `glue` and `fel_mode`,
    or one of them with the other fixed in the config)."""
    fixed = _fixed(pd)
    out = {}
    for name, where, _ in DECOMPOSITION:
        sel = {}
        ok = True
        for k, v in where.items():
            if k in pd["axes"]:
                sel[k] = v
            elif fixed.get(k, {"glue": "on", "fel_mode": "bath"}[k]) != v:
                ok = False
        if ok:
            arr = _select(pd, pd["quantity"], **sel)
            if arr is not None:
                out[name] = arr
    if "full" not in out:
        raise ValueError(f"{pd['path']}: no 'full' (glue on, fel_mode kinetic) points: the decomposition "
                         "needs the axes glue and fel_mode")
    return out


def _panel_grid(pd, keep):
    """Panel axes (all axes but `keep` and glue/fel_mode) and their value combinations."""
    panel = [a for a in pd["axes"] if a not in keep and a not in ("glue", "fel_mode")]
    combos = list(itertools.product(*(range(len(pd["coords"][a])) for a in panel)))
    return panel, combos


def plot_decomposition(path, out, x, *, x_scale=None, equilibrium_x=None, formats=None, where=None,
                       columns=None):
    """λ_c vs one axis for the decomposition curves full / glue off / heating off (/ both off),
    one column of panels per combination of the remaining axes (e.g. γ × kernel), each with
    λ_c on top and the change relative to equilibrium, (λ_c − λ_c^eq)/λ_c^eq in %, below.

    x: the axis on the abscissa; x_scale: a fixed key (e.g. 'T_el') to divide it by (abscissa
    'T_b/T_el'); equilibrium_x: abscissa of the equilibrium point (1 for T_b/T_el, 0 for drive_n),
    marked by a star and used as the reference λ_c^eq of the lower row (all curves coincide there,
    spec §9 T5).  where: axes fixed to one value (e.g. {'kappa': 0.1}: one figure per value);
    columns: the panel axis laid out in columns (default: the first remaining one).
    Returns the written paths.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pd = subset(read_phase_diagram(path), **(where or {}))
    if columns is not None:
        pd = axis_first(pd, columns)
    if x not in pd["axes"]:
        raise ValueError(f"{path}: {x!r} is not an axis (axes: {pd['axes']})")
    curves = decomposition(pd)
    codes = decomposition({**pd, "values": pd["status"].astype(float), "status": np.zeros_like(pd["status"])})
    rest = [a for a in pd["axes"] if a not in ("glue", "fel_mode")]      # axes of the curve arrays
    panel, combos = _panel_grid(pd, [x])
    if len(combos) > MAX_PANELS:
        raise ValueError(f"{path}: {len(combos)} panels; at most {MAX_PANELS}")
    xv = pd["coords"][x].astype(float)
    fixed = _fixed(pd)
    if x_scale is not None:
        if x_scale not in fixed:
            raise ValueError(f"{path}: x_scale {x_scale!r} is not a fixed parameter of the study")
        xv = xv / float(fixed[x_scale])
        xlabel = f"{symbol(x, pd['model'])}/{symbol(x_scale, pd['model'])}"
    else:
        xlabel = label(x, pd["model"])
    order = np.argsort(xv)
    # columns = values of the first panel axis, rows = the others
    ncols = len(pd["coords"][panel[0]]) if panel else 1
    nrows = max(1, len(combos) // ncols)
    fig = plt.figure(figsize=(3.9 * ncols + 0.8, 4.4 * nrows + 0.9), layout="constrained")
    grid = fig.add_gridspec(2 * nrows, ncols, height_ratios=[2, 1] * nrows)
    for p, combo in enumerate(combos):
        r, c = (p % nrows, p // nrows) if panel else (0, 0)
        ax = fig.add_subplot(grid[2 * r, c])
        axr = fig.add_subplot(grid[2 * r + 1, c], sharex=ax)
        where = dict(zip(panel, combo))
        idx = tuple(where[a] if a in where else order for a in rest)
        eq = np.nan
        if equilibrium_x is not None:
            at = np.flatnonzero(np.isclose(xv[order], equilibrium_x, rtol=1e-9, atol=1e-12))
            if at.size:
                eq = curves["full"][idx][at[0]]
        for k, (name, _, style) in enumerate(DECOMPOSITION):
            if name not in curves:
                continue
            y = curves[name][idx]
            good = np.isfinite(y)
            ax.plot(xv[order][good], y[good], label=name, **style)
            if np.isfinite(eq):
                axr.plot(xv[order][good], 100 * (y[good] / eq - 1), **style)
            cplx = ~good & (codes[name][idx] == STATUS_COMPLEX)
            bad = ~good & ~cplx
            for mask, what, mstyle in ((bad, "failed", FAILED_STYLE), (cplx, "complex leading ρ", COMPLEX_STYLE)):
                if mask.any():
                    ax.plot(xv[order][mask], np.full(mask.sum(), 0.04 + 0.06 * k), transform=ax.get_xaxis_transform(),
                            clip_on=False, gid="failed", label=f"{name}: {what} ({mask.sum()})",
                            **dict(mstyle, color=style["color"]))
        if np.isfinite(eq):
            ax.plot([equilibrium_x], [eq], marker="*", color="gold", markeredgecolor="k", markersize=15,
                    linestyle="none", zorder=6, label=f"equilibrium ($λ_c$ = {eq:.4g})")
            for a in (ax, axr):
                a.axvline(equilibrium_x, color="0.6", linewidth=0.8, linestyle=":")
            axr.axhline(0, color="0.6", linewidth=0.8)
        drawn = np.concatenate([np.ravel(c[idx]) for c in curves.values()])
        drawn = np.abs(drawn[np.isfinite(drawn)])
        if drawn.size and drawn.max() / max(drawn.min(), 1e-300) > 8:
            ax.set_yscale("log")
        ax.set_title(", ".join(f"{symbol(a, pd['model'])} = {_format_value(pd['coords'][a][j])}" for a, j in where.items()),
                     fontsize="medium", loc="left")
        ax.set_ylabel(label(pd["quantity"], pd["model"]))
        axr.set_ylabel("$λ_c/λ_c^{eq} - 1$ [%]")
        axr.set_xlabel(xlabel)
        ax.tick_params(labelbottom=False)
        for a in (ax, axr):
            a.grid(alpha=0.3)
        if p == 0 or any(line.get_gid() == "failed" for line in ax.get_lines()):
            ax.legend(fontsize="x-small")
    sub = _subtitle(pd)
    fig.suptitle(f"{pd['study']}: {label(pd['quantity'], pd['model'])} decomposition" + (f"\n{sub}" if sub else ""),
                 fontsize="large")
    return _save_all(fig, out, formats)


def plot_distributions(omega, F_el, T_el, nu, F_b, T_b, out, *, formats=None, title=None,
                       omega_lim=None, nu_lim=None):
    """Non-equilibrium distributions against the thermal ones of their baths.

    omega [Ω]: electron frequencies; F_el: array over omega, or {label: array} for several states;
    nu [Ω] (> 0 is shown): boson frequencies; F_b: array over nu.  Top row: F_el(ω) with
    tanh(ω/2T_el), F_b(ν) with coth(ν/2T_b) (log scale); bottom row: the deviations F_el − tanh and
    F_b − coth.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    omega, nu, F_b = np.asarray(omega, float), np.asarray(nu, float), np.asarray(F_b, float)
    curves = F_el if isinstance(F_el, dict) else {"$F_{el}$ (NESS)": F_el}
    th = np.tanh(omega / (2 * T_el))
    pos = nu > 0
    nu, F_b = nu[pos], F_b[pos]
    with np.errstate(divide="ignore"):
        cth = 1.0 / np.tanh(nu / (2 * T_b))
    fig, axs = plt.subplots(2, 2, figsize=(12, 7.5), sharex="col", layout="constrained",
                            gridspec_kw={"height_ratios": [3, 2]})
    axs[0, 0].plot(omega, th, color="0.5", linewidth=3, alpha=0.6, label=f"tanh(ω/2$T_{{el}}$), $T_{{el}}$ = {T_el:g}")
    for k, (lab, F) in enumerate(curves.items()):
        F = np.asarray(F, float)
        axs[0, 0].plot(omega, F, color=f"C{k}", label=lab)
        axs[1, 0].plot(omega, F - th, color=f"C{k}", label=lab)
    axs[0, 1].plot(nu, cth, color="0.5", linewidth=3, alpha=0.6, label=f"coth(ν/2$T_b$), $T_b$ = {T_b:g}")
    axs[0, 1].plot(nu, F_b, color="C3", label="$F_b$(ν) (bath + drive)")
    axs[1, 1].plot(nu, F_b - cth, color="C3")
    axs[0, 1].set_yscale("log")
    axs[0, 0].set_ylabel("$F_{el}$(ω)")
    axs[1, 0].set_ylabel("$F_{el}$(ω) − tanh(ω/2$T_{el}$)")
    axs[0, 1].set_ylabel("$F_b$(ν)")
    axs[1, 1].set_ylabel("$F_b$(ν) − coth(ν/2$T_b$)")
    axs[1, 0].set_xlabel("ω [Ω]")
    axs[1, 1].set_xlabel("ν [Ω]")
    if omega_lim is not None:
        axs[1, 0].set_xlim(*omega_lim)
    if nu_lim is not None:
        axs[1, 1].set_xlim(*nu_lim)
    for ax in axs.flat:
        ax.grid(alpha=0.3)
    axs[0, 0].legend(fontsize="x-small")
    axs[0, 1].legend(fontsize="x-small")
    axs[1, 0].legend(fontsize="x-small")
    if title:
        fig.suptitle(title, fontsize="large")
    return _save_all(fig, out, formats)


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
        head = ", ".join(f"{symbol(a, pd['model'])} = {_format_value(pd['coords'][a][k])}" for a, k in zip(rest, combo))
        for r, ((title, cmap, fmt, norm), z) in enumerate(zip(rows, data)):
            ax = axs[r, c]
            _heat(ax, fig, xv, yv[keep], z[:, keep], (head + "\n" if r == 0 and head else "") + title, cmap,
                  fmt=fmt, norm=norm)
            ax.set_xlabel(label(x, pd["model"]))
            ax.set_ylabel(label(y, pd["model"]))
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
        head = ", ".join(f"{symbol(a, pd['model'])} = {_format_value(pd['coords'][a][k])}" for a, k in zip(rest, combo))
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
        ax.set_ylabel(label(pd["quantity"], pd["model"]) + "  (lines: ξ-local)")
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


# ------------------------------------------------------------------------------------ distributions snapshot

def _matches(params: dict, want: dict) -> bool:
    return all(params.get(k) == v if isinstance(v, str) else np.isclose(params.get(k, np.nan), v)
               for k, v in want.items())


def distributions_snapshot(pd_path, plan_path, drive_omega: float, drive_n: float | None = None):
    """The non-equilibrium distributions at the instability of a driven point of a decomposition study.

    For the point (drive_omega, drive_n) (default: the largest drive_n) at the full NESS (glue on, fel_mode
    kinetic) and λ = λ_c(full) of that point, for every kernel of the study: the self-consistent normal
    state, F_el(ω) on the ξ row nearest ξ = 0, and the boson distribution F_b(ν) (bath + drive).  Returns
    (omega, {label: F_el}, T_el, nu, F_b, T_b, summary) with summary max|F_el − tanh(ω/2T_el)|, the slope
    temperature T_eff = 1/(2 F_el'(0)), Γ_el(0) and the parameters used.  Units: Ω = 1."""
    from ... import api, public
    from ...physics.params import EliashbergXiParams

    pd = read_phase_diagram(pd_path)
    with open(plan_path) as fh:
        plan = json.load(fh)
    if pd["attrs"].get("config_hash") != plan["config_hash"]:
        raise ValueError(f"{pd_path} and {plan_path} belong to different configs")
    from ... import plans

    if drive_n is None:
        drive_n = float(max(p["params"]["drive_n"] for p in plans.points(plan)))
    lam_by_id = dict(zip(np.asarray(pd["data"]["point_id"]).ravel(), pd["values"].ravel()))
    want = {"drive_omega": drive_omega, "drive_n": drive_n, "glue": "on", "fel_mode": "kinetic"}
    points = [p for p in plans.points(plan) if _matches(p["params"], want)]
    if not points:
        raise ValueError(f"no full-NESS point with {want} in {plan_path}")
    states, summary = {}, {"drive_omega": drive_omega, "drive_n": drive_n, "states": [], "skipped": []}
    T_el = T_b = nu = F_b = omega = None
    for p in points:
        lam = float(lam_by_id.get(p["id"], np.nan))
        if not np.isfinite(lam):
            summary["skipped"].append({"kernel": p["params"].get("kernel"), "reason": "no lambda_c at this point"})
            continue
        params = EliashbergXiParams(**{**p["params"], "lam": lam})
        model = api.build_model(params)         # the plan's grid (uniform or graded)
        normal = public.normal_state(model)
        row = model.row0                        # the row nearest ξ = 0
        omega = model.omega
        F = np.asarray(normal.F[row], dtype=float)
        th = np.tanh(omega / (2 * params.T_el))
        m = model.grid.m                        # the node ω = 0 (both grids are symmetric about it)
        slope = (F[m + 1] - F[m - 1]) / (omega[m + 1] - omega[m - 1])
        states[f"{params.kernel} kernel, λ = $λ_c$ = {lam:.3g}"] = F
        summary["states"].append({"kernel": params.kernel, "W": params.W, "w": params.w, "lambda": lam,
                                  "xi_row": float(model.rows_xi[row]),
                                  "max_abs_F_minus_tanh": float(np.max(np.abs(F - th))),
                                  "omega_at_max": float(omega[np.argmax(np.abs(F - th))]),
                                  "T_eff_slope": float(1.0 / (2.0 * slope)), "T_el": params.T_el,
                                  "Gamma_el0": float(-normal.sigma[row, m].imag)})
        T_el, T_b = params.T_el, params.T_b
        nu = omega
        F_b = model.boson.distribution(nu)
    if not states:
        raise ValueError(f"{pd_path}: no point with a finite λ_c at {want}: nothing to draw")
    summary["params_fixed"] = {k: v for k, v in points[0]["params"].items() if k not in ("kernel", "w", "lam")}
    return omega, states, T_el, nu, F_b, T_b, summary


def plot_distributions_snapshot(path, out, *, drive_omega: float, drive_n: float | None = None, formats=None):
    """Figure of `distributions_snapshot` for the study of the phase diagram `path` (its plan.json is read
    from the same folder), plus `<out>.json` with the summary.  Returns the written paths."""
    from ...io import write_text_atomic

    plan_path = Path(path).with_name("plan.json")
    omega, states, T_el, nu, F_b, T_b, summary = distributions_snapshot(path, plan_path, drive_omega, drive_n)
    wd, fx = summary["drive_omega"], summary["params_fixed"]
    title = (f"NESS distributions at the instability: drive $ω_d$ = {wd:g}, $n_d$ = {summary['drive_n']:g}, "
             f"$σ_d$ = {fx['drive_sigma']:g}, fel_mode kinetic, glue on\n"
             f"γ = {fx['gamma']:g}, κ = {fx['kappa']:g}, W = {fx['W']:g}; $F_{{el}}$ on the ξ row nearest ξ = 0")
    lim = (-min(wd + 2, omega[-1]), min(wd + 2, omega[-1]))
    paths = plot_distributions(omega, states, T_el, nu, F_b, T_b, out, formats=formats, title=title,
                               omega_lim=lim, nu_lim=(0, lim[1]))
    target = f"{_outputs(out, formats)[0]}.json"
    write_text_atomic(target, json.dumps(summary, indent=1))
    return paths + [target]
