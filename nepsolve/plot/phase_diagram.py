"""The generic phase-diagram figure of any registered model, and the text summary of a phase diagram.

    plot_phase_diagram(path, out, formats=None, return_figure=False) -> list[str] | (list[str], Figure)
    summary_table(path) -> str

1 axis: a line; 2 axes: curves (categorical axis or one with <= 4 values) or a heat map; 3+ axes: up to
12 panels of the 2-axis case.  Failed/missing points are red 'x' markers, complex-leading ones diamonds.
A study with more panels than that is cut to the model's registered `figure_slice` (e.g. the full model
of a decomposition study) when it has one.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import registry
from .common import (FAILED_STYLE, MAX_PANELS, MISSING_STYLE,
                     STATUS_MISSING, STATUS_OK, _format_value, _outputs, _save, _subtitle, label,
                     read_phase_diagram, subset, symbol)

MAX_CURVE_VALUES = 4          # an axis with at most this many values is drawn as one curve per value


def _is_categorical(c: np.ndarray) -> bool:
    return c.dtype.kind in "UOS"


def _use_log(c: np.ndarray) -> bool:
    """Positive coordinates spanning > 30x that are closer to log- than to linear spacing."""
    if _is_categorical(c) or len(c) < 2:
        return False
    c = np.unique(c[np.isfinite(c)])
    if len(c) < 2 or c[0] <= 0 or c[-1] / c[0] <= 30:
        return False
    if len(c) == 2:
        return True

    def cv(d):
        return np.std(d) / np.mean(d)

    cv_log, cv_lin = cv(np.diff(np.log(c))), cv(np.diff(c))
    return cv_log < 0.25 or cv_log < cv_lin


def _edges(c: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges of sorted cell-centre coordinates (geometric midpoints on a log axis)."""
    x = np.log(c) if log else np.asarray(c, dtype=float)
    if len(x) == 1:
        half = 0.5 if not log else 0.5 * np.log(2.0)
        if not log and x[0] != 0:
            half = 0.1 * abs(x[0])
        e = np.array([x[0] - half, x[0] + half])
    else:
        mid = 0.5 * (x[1:] + x[:-1])
        e = np.concatenate([[x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]])
    return np.exp(e) if log else e


def _positions(c: np.ndarray):
    """Plot positions of an axis: numeric coordinates, or 0..n-1 for a categorical one."""
    return np.arange(len(c), dtype=float) if _is_categorical(c) else np.asarray(c, dtype=float)



def _set_axis(ax, which: str, name: str, c: np.ndarray, model: str = ""):
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_label(label(name, model))
    if _is_categorical(c):
        (ax.set_xticks if which == "x" else ax.set_yticks)(np.arange(len(c)), list(c))
    elif _use_log(c):
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")


def _mark_points(ax, x, status, *, y=None, stagger=None, size=8.0):
    """Red 'x' markers for failed (status 1 and other codes) and missing (status 2) points.

    x, status: flat arrays of equal length; y: data y positions (heat maps) or None for the bottom
    of the axes (line plots), where `stagger` (same length, int) shifts markers of different curves.
    Returns the number of markers drawn.
    """
    x, status = np.asarray(x, dtype=float), np.asarray(status)
    n = 0
    for kind, mask, style in (("failed", (status != STATUS_OK) & (status != STATUS_MISSING), FAILED_STYLE),
                              ("missing", status == STATUS_MISSING, MISSING_STYLE)):
        count = int(mask.sum())
        if not count:
            continue
        style = dict(style, markersize=size, markeredgewidth=style["markeredgewidth"] * min(1.0, size / 6))
        if y is None:
            yy = 0.03 + (0.035 * np.asarray(stagger)[mask] if stagger is not None else 0.0)
            yy = np.broadcast_to(yy, (count,))
            ax.plot(x[mask], yy, transform=ax.get_xaxis_transform(), clip_on=False, zorder=5,
                    label=f"{kind} ({count})", gid=kind, **style)
        else:
            ax.plot(x[mask], np.asarray(y, dtype=float)[mask], zorder=5, label=f"{kind} ({count})", gid=kind,
                    **style)
        n += count
    return n


def _bottom_room(ax, frac):
    """Lower the y limit so that data stays above the bottom `frac` of the axes (where markers sit)."""
    if not any(len(line.get_xdata()) and line.get_gid() is None for line in ax.get_lines()):
        return
    ax.autoscale_view()
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo - (hi - lo) * frac / (1 - frac), hi)


def _note_if_empty(ax, values, status):
    if not np.any(np.isfinite(values) & (status == STATUS_OK)):
        ax.text(0.5, 0.5, "no converged point", transform=ax.transAxes, ha="center", va="center",
                fontsize=12, color="0.3", bbox=dict(boxstyle="round", fc="white", ec="0.6"))


def _order(c: np.ndarray) -> np.ndarray:
    """Index that sorts a numeric axis (categorical axes keep their order)."""
    return np.arange(len(c)) if _is_categorical(c) else np.argsort(c, kind="stable")


# ---------------------------------------------------------------------------------------------- drawing

def _draw_1d(ax, name, c, values, status, quantity, model=""):
    idx = _order(c)
    c, values, status = c[idx], values[idx], status[idx]
    x = _positions(c)
    good = (status == STATUS_OK) & np.isfinite(values)
    ax.plot(x[good], values[good], "o-", color="C0", label=label(quantity, model))
    if _mark_points(ax, x, status):
        _bottom_room(ax, 0.08)
    _set_axis(ax, "x", name, c, model)
    ax.set_ylabel(label(quantity, model))
    _note_if_empty(ax, values, status)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")


def _curve_axis(names, coords):
    """Index (0 or 1) of the axis drawn as one curve per value, or None for a heat map."""
    cands = [i for i in (0, 1) if _is_categorical(coords[names[i]]) or len(coords[names[i]]) <= MAX_CURVE_VALUES]
    if not cands:
        return None
    cat = [i for i in cands if _is_categorical(coords[names[i]])]
    if len(cat) == 1:
        return cat[0]
    pool = cat or cands
    # fewer curves; on a tie the second axis gives the curves, the first stays on x
    return min(reversed(pool), key=lambda i: len(coords[names[i]]))


def _draw_curves(ax, names, coords, values, status, quantity, k, legend=True, model=""):
    """One curve per value of axis k (0/1) vs the other axis; values/status have shape (n0, n1)."""
    xi = 1 - k
    if k == 0:
        values, status = values.T, status.T          # -> (n_x, n_curves)
    xname, cname = names[xi], names[k]
    xc, cc = coords[xname], coords[cname]
    idx = _order(xc)
    xc, values, status = xc[idx], values[idx], status[idx]
    x = _positions(xc)
    colors = _curve_colors(len(cc))
    for j, v in enumerate(cc):
        good = (status[:, j] == STATUS_OK) & np.isfinite(values[:, j])
        ax.plot(x[good], values[good, j], "o-", color=colors[j], label=f"{symbol(cname, model)} = {_format_value(v)}")
    stagger = np.broadcast_to(np.minimum(np.arange(len(cc)), 5), status.shape)   # one marker row per curve
    if _mark_points(ax, np.broadcast_to(x[:, None], status.shape).ravel(), status.ravel(), stagger=stagger.ravel()):
        _bottom_room(ax, 0.08 + 0.035 * int(stagger[status != STATUS_OK].max()))
    _set_axis(ax, "x", xname, xc, model)
    ax.set_ylabel(label(quantity, model))
    _note_if_empty(ax, values, status)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize="small")


def _curve_colors(n):
    import matplotlib

    if n <= 9:  # tab10 without its red (C3), which is reserved for failed points
        return [c for i, c in enumerate(matplotlib.colormaps["tab10"].colors) if i != 3][:n]
    return [matplotlib.colormaps["viridis"](t) for t in np.linspace(0, 0.9, n)]


def _draw_heatmap(ax, names, coords, values, status, quantity, norm, legend=True, model=""):
    """Heat map of values (n0, n1): axis 0 on x, axis 1 on y. Returns the QuadMesh."""
    import matplotlib

    xname, yname = names
    xc, yc = coords[xname], coords[yname]
    ix, iy = _order(xc), _order(yc)
    xc, yc = xc[ix], yc[iy]
    values, status = values[np.ix_(ix, iy)], status[np.ix_(ix, iy)]
    xlog, ylog = _use_log(xc), _use_log(yc)
    shown = np.ma.masked_invalid(np.where(status == STATUS_OK, values, np.nan)).T    # (ny, nx)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="lightgray")
    mesh = ax.pcolormesh(_edges(xc, xlog), _edges(yc, ylog), shown, cmap=cmap, norm=norm, shading="flat")
    finite = shown.compressed()
    if finite.size and np.ptp(finite) > 0 and min(shown.shape) >= 2 and shown.count() >= 4:
        try:
            cs = ax.contour(xc, yc, shown, levels=6, colors="k", linewidths=0.7, alpha=0.8)
            ax.clabel(cs, fontsize="x-small", fmt="%.3g")
        except (ValueError, TypeError):   # degenerate geometry (e.g. too few finite cells); contours are optional
            pass
    X, Y = np.meshgrid(xc, yc, indexing="ij")
    size = float(np.clip(min(180 / len(xc), 150 / len(yc)), 3, 8))     # smaller markers on dense grids
    _mark_points(ax, X.ravel(), status.ravel(), y=Y.ravel(), size=size)
    _set_axis(ax, "x", xname, xc, model)
    _set_axis(ax, "y", yname, yc, model)
    _note_if_empty(ax, values, status)
    if legend and np.any(status != STATUS_OK):   # above the axes, right-aligned, off the data
        ax.legend(fontsize="x-small", loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False,
                  borderaxespad=0.1, handletextpad=0.2, columnspacing=0.8)
    return mesh


def _norm(values, status):
    from matplotlib.colors import Normalize

    ok = values[(status == STATUS_OK) & np.isfinite(values)]
    if ok.size == 0:
        return Normalize(0.0, 1.0)
    lo, hi = float(ok.min()), float(ok.max())
    if lo == hi:
        pad = 0.05 * abs(lo) or 0.5
        lo, hi = lo - pad, hi + pad
    return Normalize(lo, hi)


def _draw_2d(ax, names, coords, values, status, quantity, norm=None, legend=True, model=""):
    """2-axis case on one Axes; returns the QuadMesh of a heat map, None for curves."""
    k = _curve_axis(names, coords)
    if k is not None:
        _draw_curves(ax, names, coords, values, status, quantity, k, legend=legend, model=model)
        return None
    return _draw_heatmap(ax, names, coords, values, status, quantity, norm or _norm(values, status), legend=legend,
                         model=model)


def _panel_axes(names, coords):
    """For 3+ axes: (the two axes drawn in every panel, the axes enumerating panels) minimising the panel count."""
    best = None
    for extra in itertools.combinations(range(len(names)), len(names) - 2):
        n = int(np.prod([len(coords[names[i]]) for i in extra]))
        # fewest panels; on a tie prefer the later axes as panel axes (config order = importance)
        key = (n, [-i for i in reversed(extra)])
        if best is None or key < best[0]:
            best = (key, extra)
    extra = best[1]
    return [i for i in range(len(names)) if i not in extra], list(extra), best[0][0]



def _figure_slice(pd) -> dict:
    """The model's registered `figure_slice` restricted to axes of `pd` (all of them must be axes)."""
    try:
        cut = dict(registry.get(pd["model"]).figure_slice) if pd["model"] else {}
    except registry.RegistryError:
        return {}
    return cut if cut and set(cut) <= set(pd["axes"]) else {}


def _figure(pd):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, coords = pd["axes"], pd["coords"]
    values = np.where(pd["status"] == STATUS_OK, pd["values"], np.nan)
    status, quantity, model = pd["status"], pd["quantity"], pd["model"]
    title = f"{pd['study']}: {label(quantity, model)}"
    sub = _subtitle(pd)
    if len(names) == 1:
        fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
        _draw_1d(ax, names[0], coords[names[0]], values, status, quantity, model=model)
    elif len(names) == 2:
        fig, ax = plt.subplots(figsize=(6.6, 5.0), layout="constrained")
        mesh = _draw_2d(ax, names, coords, values, status, quantity, model=model)
        if mesh is not None:
            fig.colorbar(mesh, ax=ax, label=label(quantity, model))
    else:
        inner, extra, n_panels = _panel_axes(names, coords)
        cut = _figure_slice(pd)
        if n_panels > MAX_PANELS and cut:
            # e.g. a decomposition study: the generic figure shows the full model; its own figures the rest
            return _figure(subset(pd, **cut))
        if n_panels > MAX_PANELS:
            sizes = " x ".join(f"{names[i]} ({len(coords[names[i]])})" for i in extra)
            raise ValueError(f"{pd['path']}: {len(names)} axes need {n_panels} panels ({sizes}); at most "
                             f"{MAX_PANELS} are drawn. Plot a slice or reorder/reduce the axes.")
        ncols = min(n_panels, 3 if n_panels in (5, 6, 9) else 4)
        nrows = -(-n_panels // ncols)
        fig, axs = plt.subplots(nrows, ncols, figsize=(4.3 * ncols + 1.0, 3.6 * nrows + 0.6), squeeze=False,
                                sharex=True, sharey=True, layout="constrained")
        order = inner + extra
        v_t, s_t = np.transpose(values, order), np.transpose(status, order)
        inner_names = [names[i] for i in inner]
        norm = _norm(values, status)
        mesh = None
        for p, combo in enumerate(itertools.product(*(range(len(coords[names[i]])) for i in extra))):
            ax = axs.flat[p]
            sel = (slice(None), slice(None)) + combo
            m = _draw_2d(ax, inner_names, coords, v_t[sel], s_t[sel], quantity, norm=norm, model=model)
            mesh = m if m is not None else mesh
            ax.set_title(", ".join(f"{symbol(names[i], model)} = {_format_value(coords[names[i]][j])}"
                                   for i, j in zip(extra, combo)), fontsize="medium", loc="left")
            if p % ncols:
                ax.set_ylabel("")
            if p < n_panels - ncols:
                ax.set_xlabel("")
        for ax in axs.flat[n_panels:]:
            ax.set_visible(False)
        if mesh is not None:
            fig.colorbar(mesh, ax=axs, label=label(quantity, model), shrink=0.9)
    fig.suptitle(title + (f"\n{sub}" if sub else ""), fontsize="large")
    return fig


def plot_phase_diagram(path, out, formats=None, *, return_figure: bool = False):
    """Draw the phase diagram of an aggregated file and write one figure per format.

    out: output path with or without extension (a known image extension is stripped and, if `formats`
    is None, used as the only format); formats: e.g. ("png", "pdf"); None means ("png",) or out's extension.
    Files are written atomically. Returns the list of written paths, or (paths, Figure) with
    return_figure=True (the figure is then left open for inspection; close it with matplotlib.pyplot.close).

    1 axis: line plot; 2 axes: curves (categorical axis or one with <= 4 values) or heat map;
    3+ axes: up to 12 panels of the 2-axis case. Failed/missing points are red 'x' markers.
    """
    stem, formats = _outputs(out, formats)
    if not formats:
        raise ValueError("plot_phase_diagram: no output format given")
    pd = read_phase_diagram(path)
    fig = _figure(pd)
    import matplotlib.pyplot as plt

    try:
        paths = [_save(fig, stem, fmt) for fmt in formats]
    except BaseException:
        plt.close(fig)
        raise
    if return_figure:
        return paths, fig
    plt.close(fig)
    return paths


# ---------------------------------------------------------------------------------------------- summary

def summary_table(path) -> str:
    """Plain-text summary: point counts by status, wall time, range of the quantity over converged points."""
    pd = read_phase_diagram(path)
    status, values, q = pd["status"], pd["values"], pd["quantity"]
    names, coords = pd["axes"], pd["coords"]
    n = status.size
    n_ok = int(np.sum(status == STATUS_OK))
    n_missing = int(np.sum(status == STATUS_MISSING))
    n_failed = n - n_ok - n_missing
    rows = [("file", pd["path"]), ("study", pd["study"])]
    if pd["model"]:
        rows.append(("model", pd["model"]))
    rows += [("quantity", q),
             ("axes", " x ".join(f"{a} ({len(coords[a])})" for a in names)),
             ("points total", str(n)),
             ("ok", f"{n_ok}"),
             ("failed", f"{n_failed}"),
             ("missing", f"{n_missing}")]
    wall = pd["wall_time"]
    if wall is not None:
        w = wall[(status != STATUS_MISSING) & np.isfinite(wall)]
        rows += [("wall time total [s]", f"{w.sum():.3f}" if w.size else "n/a"),
                 ("wall time mean [s]", f"{w.mean():.3f}  (over {w.size} points with a record)" if w.size
                  else "n/a")]
    else:
        rows += [("wall time total [s]", "n/a (no wall_time dataset)"), ("wall time mean [s]", "n/a")]
    good = (status == STATUS_OK) & np.isfinite(values)
    qname = label(q, pd["model"]).replace("$", "")
    if good.any():
        masked = np.where(good, values, np.nan)
        for word, fn in (("min", np.nanargmin), ("max", np.nanargmax)):
            idx = np.unravel_index(fn(masked), values.shape)
            where = ", ".join(f"{a} = {_format_value(coords[a][i])}" for a, i in zip(names, idx))
            rows.append((f"{qname} {word}", f"{values[idx]:.6g}  at {where}"))
    else:
        rows += [(f"{qname} min", "n/a (no converged point)"), (f"{qname} max", "n/a (no converged point)")]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


