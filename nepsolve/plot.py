"""Figures and summaries of an aggregated phase diagram (`phase_diagram.h5`, see docs/sweep-contract.md).

This module knows only the aggregated HDF5 layout, never the solvers:
* root attributes `quantity` (dataset name of the plotted quantity) and `axes` (JSON list of axis names,
  in array-dimension order), plus `study`, `config_json`, provenance, ...;
* one 1-D dataset per axis (float64, or variable-length UTF-8 strings for categorical axes);
* per-point datasets of shape (len(axis_1), ..., len(axis_k)): the quantity, `status` (0 ok, 1 failed,
  2 missing), `wall_time` [s], ...

All energies and temperatures are in units of the boson frequency Ω = 1; axis labels say so.

Public API:
    read_phase_diagram(path) -> dict
    plot_phase_diagram(path, out, formats=None, return_figure=False) -> list[str] | (list[str], Figure)
    summary_table(path) -> str
  ξ-model studies (axes `glue` and `fel_mode` give the decomposition full / glue off / heating off):
    decomposition(pd) -> dict
    plot_decomposition(path, out, x, x_scale=None, equilibrium_x=None, formats=None) -> list[str]
    plot_distributions(omega, F_el, T_el, nu, F_b, T_b, out, formats=None) -> list[str]  (arrays in)
  interband studies (PORTA_SPEC §5.1; energies in t_c = 1, k in 1/a; see the section at the end):
    plot_interband_ness(cases, out)  F2 (solution files of `nepsolve solve --model interband --out`)
    plot_interband_coupling(path, out)  F3;  plot_interband_recombination(path, out)  F5
    plot_interband_zeeman(path, out)  F6;  plot_interband_phase(path, out, x, y)  F8
    interband_bcs_slope(t_c, t_v), sarma_reference(Omega, delta_0), zeeman_curves(path)  (reference curves)
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import h5py
import numpy as np

from . import registry

__all__ = ["read_phase_diagram", "plot_phase_diagram", "summary_table", "label", "decomposition",
           "plot_decomposition", "plot_distributions", "subset", "axis_first", "plot_interband_ness",
           "plot_interband_coupling", "plot_interband_recombination", "plot_interband_zeeman",
           "plot_interband_phase", "interband_bcs_slope", "sarma_reference", "zeeman_curves", "label_ib"]

STATUS_OK, STATUS_FAILED, STATUS_MISSING, STATUS_COMPLEX = 0, 1, 2, 3
MAX_PANELS = 12
MAX_CURVE_VALUES = 4          # an axis with at most this many values is drawn as one curve per value

LABELS = {
    "T_b": "$T_b$ [Ω]", "T_el": "$T_{el}$ [Ω]", "lam": "λ", "kappa": "κ [Ω]", "gamma": "γ [Ω]",
    "drive_n": "drive $n_d$", "drive_omega": "$ω_d$ [Ω]", "drive_sigma": "$σ_d$ [Ω]",
    "lambda_c": "$λ_c$", "T_c": "$T_c$ [Ω]", "delta0": "$Δ_0$ [Ω]",
    "W": "$W$ [Ω]", "w": "$w$ [Ω]", "kernel": "kernel", "glue": "glue", "dos": "DOS", "n_xi": "$n_ξ$",
    "glue_ratio": "$‖δφ^K‖/‖φ^R‖$", "Gamma_el0": "$Γ_{el}(0)$ [Ω]",
}
_PLAIN = {"lambda_c": "λ_c", "T_c": "T_c [Ω]", "delta0": "Δ_0 [Ω]"}   # for the text summary
_FAILED_STYLE = dict(marker="x", color="red", linestyle="none", markersize=8, markeredgewidth=1.8)
_COMPLEX_STYLE = dict(marker="D", markerfacecolor="none", linestyle="none", markersize=7, markeredgewidth=1.6)
_MISSING_STYLE = dict(marker="x", color="red", alpha=0.45, linestyle="none", markersize=8, markeredgewidth=1.2)
_IMAGE_SUFFIXES = {"png", "pdf", "svg", "svgz", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp"}


_MODEL = {"name": ""}      # the model of the phase diagram being drawn (interband: units of t_c)


def label(name: str) -> str:
    """Axis/quantity label with units, by the energy unit the model registers: the Ω = 1 table, the t_c = 1
    table, or (any other model) the unit of its registered quantity or observable; the raw name if unknown."""
    unit = _energy_unit(_MODEL["name"])
    if unit == "t_c":
        return label_ib(name)
    if unit in ("Omega", None):
        return LABELS.get(name, name)
    spec = registry.get(_MODEL["name"])
    units = {**{k: u for k, (u, _) in spec.observables.items()}, **{k: q.unit for k, q in spec.quantities.items()}}
    return f"{name} [{units[name]}]" if units.get(name, "1") != "1" else name


def _energy_unit(model: str):
    """The registered energy unit of `model` (None for files without a registered model)."""
    try:
        return registry.get(model).energy_unit if model else None
    except registry.RegistryError:
        return None


def _symbol(name: str) -> str:
    """Label without the unit, for "name = value" annotations."""
    unit = _energy_unit(_MODEL["name"])
    return label(name).removesuffix(" [Ω]").removesuffix(" [$t_c$]").removesuffix(f" [{unit}]")


# ---------------------------------------------------------------------------------------------- reading

def _str(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _str(value[()])
    return str(value)


def _attr(value):
    """HDF5 attribute -> plain Python (bytes decoded, numpy scalars unwrapped)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO":
            return [_str(v) for v in value.ravel()]
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_array(ds) -> np.ndarray:
    """Dataset -> numpy array; string datasets (variable or fixed length) -> array of str."""
    if h5py.check_string_dtype(ds.dtype) is not None:
        return np.array(ds.asstr()[()], dtype=str)
    data = ds[()]
    if isinstance(data, np.ndarray) and data.dtype.kind in "SO":
        return np.array([_str(v) for v in data.ravel()], dtype=str).reshape(data.shape)
    return np.asarray(data)


def read_phase_diagram(path) -> dict:
    """Read an aggregated phase-diagram file.

    Returns a dict with
      path, study, model: str;
      axes: list of axis names in array-dimension order;
      coords: {axis name: 1-D array} (float for numeric axes, str for categorical ones), in axis order;
      quantity: name of the quantity; values: its array (float, NaN where failed/missing);
      status: int array (0 ok, 1 failed, 2 missing), derived from finiteness if the file has none;
      wall_time: float array [s] or None;
      data: {name: array} of every per-point dataset (shape = grid shape), strings decoded;
      attrs: root attributes (bytes decoded, JSON left as str).
    Raises ValueError naming the file if it is not a phase-diagram file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"phase-diagram file {path} does not exist")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path} is not a phase-diagram file (not a readable HDF5 file: {exc})") from exc
    with f:
        attrs = {k: _attr(v) for k, v in f.attrs.items()}
        missing = [k for k in ("quantity", "axes") if k not in attrs]
        if missing:
            raise ValueError(f"{path} is not a phase-diagram file: root attribute(s) {', '.join(missing)} missing "
                             "(expected the aggregated layout of docs/sweep-contract.md)")
        quantity = _str(attrs["quantity"])
        axes = attrs["axes"]
        if isinstance(axes, str):
            try:
                axes = json.loads(axes)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: root attribute 'axes' is not a JSON list: {axes!r}") from exc
        if not isinstance(axes, (list, tuple)) or not axes:
            raise ValueError(f"{path}: root attribute 'axes' must be a non-empty list of axis names, got {axes!r}")
        axes = [_str(a) for a in axes]
        coords = {}
        for name in axes:
            if name not in f or not isinstance(f[name], h5py.Dataset) or f[name].ndim != 1:
                raise ValueError(f"{path}: axis {name!r} has no 1-D coordinate dataset")
            c = _read_array(f[name])
            coords[name] = c if c.dtype.kind == "U" else c.astype(float)
        shape = tuple(len(c) for c in coords.values())
        if quantity not in f:
            raise ValueError(f"{path}: quantity dataset {quantity!r} is missing")
        data = {}
        for name, obj in f.items():
            if isinstance(obj, h5py.Dataset) and name not in coords and obj.shape == shape:
                data[name] = _read_array(obj)
        if quantity not in data:
            raise ValueError(f"{path}: quantity {quantity!r} has shape {f[quantity].shape}, expected {shape} "
                             f"from the axes {axes}")
    values = np.array(data[quantity], dtype=float)
    if "status" in data:
        status = np.asarray(data["status"]).astype(int)
    else:
        status = np.where(np.isfinite(values), STATUS_OK, STATUS_FAILED)
    wall = np.asarray(data["wall_time"], dtype=float) if "wall_time" in data else None
    return {"path": str(path), "study": _str(attrs.get("study", path.parent.name or path.stem)),
            "model": _str(attrs.get("model", "")), "axes": axes, "coords": coords, "quantity": quantity,
            "values": values, "status": status, "wall_time": wall, "data": data, "attrs": attrs}


# ---------------------------------------------------------------------------------------------- helpers

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


def _format_value(v) -> str:
    return v if isinstance(v, str) else f"{float(v):.4g}"


def _set_axis(ax, which: str, name: str, c: np.ndarray):
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_label(label(name))
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
    for kind, mask, style in (("failed", (status != STATUS_OK) & (status != STATUS_MISSING), _FAILED_STYLE),
                              ("missing", status == STATUS_MISSING, _MISSING_STYLE)):
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

def _draw_1d(ax, name, c, values, status, quantity):
    idx = _order(c)
    c, values, status = c[idx], values[idx], status[idx]
    x = _positions(c)
    good = (status == STATUS_OK) & np.isfinite(values)
    ax.plot(x[good], values[good], "o-", color="C0", label=label(quantity))
    if _mark_points(ax, x, status):
        _bottom_room(ax, 0.08)
    _set_axis(ax, "x", name, c)
    ax.set_ylabel(label(quantity))
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


def _draw_curves(ax, names, coords, values, status, quantity, k, legend=True):
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
        ax.plot(x[good], values[good, j], "o-", color=colors[j], label=f"{_symbol(cname)} = {_format_value(v)}")
    stagger = np.broadcast_to(np.minimum(np.arange(len(cc)), 5), status.shape)   # one marker row per curve
    if _mark_points(ax, np.broadcast_to(x[:, None], status.shape).ravel(), status.ravel(), stagger=stagger.ravel()):
        _bottom_room(ax, 0.08 + 0.035 * int(stagger[status != STATUS_OK].max()))
    _set_axis(ax, "x", xname, xc)
    ax.set_ylabel(label(quantity))
    _note_if_empty(ax, values, status)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize="small")


def _curve_colors(n):
    import matplotlib

    if n <= 9:  # tab10 without its red (C3), which is reserved for failed points
        return [c for i, c in enumerate(matplotlib.colormaps["tab10"].colors) if i != 3][:n]
    return [matplotlib.colormaps["viridis"](t) for t in np.linspace(0, 0.9, n)]


def _draw_heatmap(ax, names, coords, values, status, quantity, norm, legend=True):
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
    _set_axis(ax, "x", xname, xc)
    _set_axis(ax, "y", yname, yc)
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


def _draw_2d(ax, names, coords, values, status, quantity, norm=None, legend=True):
    """2-axis case on one Axes; returns the QuadMesh of a heat map, None for curves."""
    k = _curve_axis(names, coords)
    if k is not None:
        _draw_curves(ax, names, coords, values, status, quantity, k, legend=legend)
        return None
    return _draw_heatmap(ax, names, coords, values, status, quantity, norm or _norm(values, status), legend=legend)


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


def _subtitle(pd) -> str:
    try:
        fixed = json.loads(pd["attrs"].get("config_json", "{}")).get("fixed", {}) or {}
    except (json.JSONDecodeError, AttributeError, TypeError):
        return ""
    text = ", ".join(f"{k} = {_format_value(v) if isinstance(v, (int, float, str)) else v}"
                     for k, v in fixed.items())
    import textwrap

    return "\n".join(textwrap.wrap(text, width=70))       # wrapped: fits the figure width


def _figure(pd):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, coords = pd["axes"], pd["coords"]
    values = np.where(pd["status"] == STATUS_OK, pd["values"], np.nan)
    status, quantity = pd["status"], pd["quantity"]
    title = f"{pd['study']}: {label(quantity)}"
    sub = _subtitle(pd)
    if len(names) == 1:
        fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
        _draw_1d(ax, names[0], coords[names[0]], values, status, quantity)
    elif len(names) == 2:
        fig, ax = plt.subplots(figsize=(6.6, 5.0), layout="constrained")
        mesh = _draw_2d(ax, names, coords, values, status, quantity)
        if mesh is not None:
            fig.colorbar(mesh, ax=ax, label=label(quantity))
    else:
        inner, extra, n_panels = _panel_axes(names, coords)
        if n_panels > MAX_PANELS and {"glue", "fel_mode"} <= set(names):
            # a decomposition study: the generic figure shows the full model; its own figures show the rest
            return _figure(subset(pd, glue="on", fel_mode="kinetic"))
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
            m = _draw_2d(ax, inner_names, coords, v_t[sel], s_t[sel], quantity, norm=norm)
            mesh = m if m is not None else mesh
            ax.set_title(", ".join(f"{_symbol(names[i])} = {_format_value(coords[names[i]][j])}"
                                   for i, j in zip(extra, combo)), fontsize="medium", loc="left")
            if p % ncols:
                ax.set_ylabel("")
            if p < n_panels - ncols:
                ax.set_xlabel("")
        for ax in axs.flat[n_panels:]:
            ax.set_visible(False)
        if mesh is not None:
            fig.colorbar(mesh, ax=axs, label=label(quantity), shrink=0.9)
    fig.suptitle(title + (f"\n{sub}" if sub else ""), fontsize="large")
    return fig


def _save(fig, stem: Path, fmt: str) -> str:
    from .io import atomic_path

    target = stem.with_name(f"{stem.name}.{fmt}")
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format=fmt, dpi=150)
    return str(target)


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
    _MODEL["name"] = pd["model"]
    try:
        fig = _figure(pd)
    finally:
        _MODEL["name"] = ""
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
    qname = _PLAIN.get(q, q)
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


# ---------------------------------------------------------------------------------------------- ξ-model studies

# The decomposition of ELIASHBERG_SPEC §9 T8 as points of the axes (glue, fel_mode):
# full NESS, non-thermal glue switched off (δφ^K := 0), heating off (F_el frozen to the bath), both off.
DECOMPOSITION = (
    ("full", {"glue": "on", "fel_mode": "kinetic"}, dict(color="k", marker="o", linestyle="-", zorder=4)),
    ("glue off", {"glue": "off", "fel_mode": "kinetic"}, dict(color="C0", marker="s", linestyle="--")),
    ("heating off", {"glue": "on", "fel_mode": "bath"}, dict(color="C1", marker="^", linestyle="-.")),
    ("glue & heating off", {"glue": "off", "fel_mode": "bath"},
     dict(color="0.55", marker="v", linestyle=":", markersize=4)),
)


def _fixed(pd) -> dict:
    try:
        return json.loads(pd["attrs"].get("config_json", "{}")).get("fixed", {}) or {}
    except (json.JSONDecodeError, AttributeError, TypeError):
        return {}


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


def subset(pd, **where) -> dict:
    """The phase diagram `pd` (from `read_phase_diagram`) with the axes in `where` fixed to a value and
    removed (the fixed values join the config's `fixed` block, so titles and lookups still see them)."""
    if not where:
        return pd
    index = []
    for a in pd["axes"]:
        if a in where:
            c = pd["coords"][a]
            hits = np.flatnonzero(c == where[a]) if c.dtype.kind == "U" else np.flatnonzero(np.isclose(c, float(where[a])))
            if not hits.size:
                raise ValueError(f"{pd['path']}: axis {a!r} has no value {where[a]!r} (values: {list(c)})")
            index.append(int(hits[0]))
        else:
            index.append(slice(None))
    index = tuple(index)
    unknown = set(where) - set(pd["axes"])
    if unknown:
        raise ValueError(f"{pd['path']}: {sorted(unknown)} are not axes (axes: {pd['axes']})")
    out = dict(pd)
    out["axes"] = [a for a in pd["axes"] if a not in where]
    out["coords"] = {a: c for a, c in pd["coords"].items() if a not in where}
    out["values"], out["status"] = pd["values"][index], pd["status"][index]
    out["wall_time"] = None if pd["wall_time"] is None else pd["wall_time"][index]
    out["data"] = {k: v[index] for k, v in pd["data"].items()}
    cfg = {}
    try:
        cfg = json.loads(pd["attrs"].get("config_json", "{}"))
    except (json.JSONDecodeError, AttributeError, TypeError):
        pass
    cfg["fixed"] = {**(cfg.get("fixed") or {}), **where}
    out["attrs"] = {**pd["attrs"], "config_json": json.dumps(cfg)}
    return out


def axis_first(pd, name) -> dict:
    """`pd` with axis `name` moved to the front (arrays transposed alike)."""
    if name not in pd["axes"]:
        raise ValueError(f"{pd['path']}: {name!r} is not an axis (axes: {pd['axes']})")
    k = pd["axes"].index(name)
    perm = [k] + [i for i in range(len(pd["axes"])) if i != k]
    out = dict(pd)
    out["axes"] = [pd["axes"][i] for i in perm]
    out["coords"] = {a: pd["coords"][a] for a in out["axes"]}
    out["values"], out["status"] = pd["values"].transpose(perm), pd["status"].transpose(perm)
    out["wall_time"] = None if pd["wall_time"] is None else pd["wall_time"].transpose(perm)
    out["data"] = {key: v.transpose(perm) for key, v in pd["data"].items()}
    return out


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


def _outputs(out, formats):
    """(stem, formats): a known image extension of `out` is stripped and, if `formats` is None, used
    as the only format; None otherwise means ("png",).  Formats are lower-case, without dots."""
    out = Path(out)
    suffix = out.suffix.lower().lstrip(".")
    stem = out.with_suffix("") if suffix in _IMAGE_SUFFIXES else out
    if formats is None:
        formats = (suffix,) if suffix in _IMAGE_SUFFIXES else ("png",)
    elif isinstance(formats, str):
        formats = (formats,)
    return stem, [f.lower().lstrip(".") for f in formats]


def _save_all(fig, out, formats):
    import matplotlib.pyplot as plt

    stem, formats = _outputs(out, formats)
    try:
        return [_save(fig, stem, f) for f in formats]
    finally:
        plt.close(fig)


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
        xlabel = f"{_symbol(x)}/{_symbol(x_scale)}"
    else:
        xlabel = label(x)
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
            for mask, what, mstyle in ((bad, "failed", _FAILED_STYLE), (cplx, "complex leading ρ", _COMPLEX_STYLE)):
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
        ax.set_title(", ".join(f"{_symbol(a)} = {_format_value(pd['coords'][a][j])}" for a, j in where.items()),
                     fontsize="medium", loc="left")
        ax.set_ylabel(label(pd["quantity"]))
        axr.set_ylabel("$λ_c/λ_c^{eq} - 1$ [%]")
        axr.set_xlabel(xlabel)
        ax.tick_params(labelbottom=False)
        for a in (ax, axr):
            a.grid(alpha=0.3)
        if p == 0 or any(line.get_gid() == "failed" for line in ax.get_lines()):
            ax.legend(fontsize="x-small")
    sub = _subtitle(pd)
    fig.suptitle(f"{pd['study']}: {label(pd['quantity'])} decomposition" + (f"\n{sub}" if sub else ""),
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


# ================================================================================================
# Interband model (PORTA_SPEC §5.1): figures F2, F3, F5, F6, F8.  Energies in units of t_c = 1 and k in
# 1/a (the lattice constant).  Inputs are the aggregated phase diagrams of the interband studies
# (config/interband_f*.yaml) and, for F2, `nepsolve solve --model interband --out` files.
# Parameters not in a study's `fixed` block take the model defaults (reference set R1, g = 1).

IB_LABELS = {
    "g": "$g = -U$ [$t_c$]", "T_ph": "$T_{ph}$ [$t_c$]", "omega_L": "$ω_L$ [$t_c$]", "Omega": "Ω [$t_c$]",
    "gamma_r": "$γ_r$ [$t_c$]", "gamma_2": "$γ_2$ [$t_c$]", "delta0": "$Δ_0$ [$t_c$]",
    "mismatch": "Fermi-point mismatch $k_v - k_c$ [1/a]", "excited_density": "excited density $N_e$ [1/site]",
    "delta_mu_L": "$ω_L - (μ_c - μ_v)$ [$t_c$]", "zeeman": "zeeman", "lineshape": "line shape",
    "T_c": "$T_c$ [$t_c$]", "mu_c": "$μ_c$ [$t_c$]", "mu_v": "$μ_v$ [$t_c$]",
}
_IB_SYMBOL = {"g": "g", "T_ph": "$T_{ph}$", "omega_L": "$ω_L$", "Omega": "Ω", "gamma_r": "$γ_r$",
              "zeeman": "zeeman", "lineshape": "line shape", "lam_ph_c": "$λ_c$", "lam_ph_v": "$λ_v$"}


def _ib_default(key):
    """Model default of an interband key (reference set R1, g = 1)."""
    from .physics.interband_params import InterbandParams

    return InterbandParams.__dataclass_fields__[key].default


def _ib_param(pd, key):
    """A parameter that is constant over a study: from `fixed`, else the model default."""
    fixed = _fixed(pd)
    return fixed[key] if key in fixed else _ib_default(key)


def _ib_check(pd, need):
    if pd["model"] and pd["model"] != "interband":
        raise ValueError(f"{pd['path']}: model {pd['model']!r} is not 'interband'")
    missing = [a for a in need if a not in pd["axes"]]
    if missing:
        raise ValueError(f"{pd['path']}: this figure needs the axis/axes {missing} (axes: {pd['axes']})")


def _ib_curves(pd, x):
    """[(label, {axis: value}, index tuple)] for every combination of the axes other than `x`;
    index selects the 1-D slice along x of any per-point array."""
    other = [a for a in pd["axes"] if a != x]
    out = []
    for combo in itertools.product(*(range(len(pd["coords"][a])) for a in other)):
        where = {a: pd["coords"][a][i] for a, i in zip(other, combo)}
        index = tuple(slice(None) if a == x else combo[other.index(a)] for a in pd["axes"])
        lab = ", ".join(f"{_IB_SYMBOL.get(a, a)} = {_format_value(v)}" for a, v in where.items())
        out.append((lab, where, index))
    return out


def _ib_array(pd, name, index):
    """1-D slice of a per-point dataset (the quantity: NaN where the point is not ok)."""
    if name == pd["quantity"]:
        arr = np.where(pd["status"] == STATUS_OK, pd["values"], np.nan)
    elif name in pd["data"]:
        arr = np.asarray(pd["data"][name], dtype=float)
    else:
        return None
    return arr[index]


def _ib_subtitle(pd, skip=()):
    fixed = {k: v for k, v in _fixed(pd).items() if k not in skip}
    text = ", ".join(f"{k} = {_format_value(v) if isinstance(v, (int, float, str)) else v}" for k, v in fixed.items())
    text = (text + "; " if text else "") + "other keys: R1 defaults (energies in $t_c$)"
    import textwrap

    return "\n".join(textwrap.wrap(text, width=90))


def _ib_failed(ax, x, status, y0, transform=None):
    """Red crosses at the abscissae of failed/missing points (at height y0 in axes coordinates)."""
    bad = np.asarray(status) != STATUS_OK
    if np.any(bad):
        import matplotlib.transforms as mtransforms

        trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
        ax.plot(np.asarray(x)[bad], np.full(int(bad.sum()), y0), transform=trans, clip_on=False,
                label="failed / missing", **_FAILED_STYLE)


# -------------------------------------------------------------------------------------------- references

def interband_bcs_slope(t_c: float = 1.0, t_v: float = 0.4) -> float:
    """Weak-coupling BCS slope d ln Δ_0 / d(1/g) = −1/ρ_pair with ρ_pair = 1/(π v̄), v̄ = t_c + t_v
    (1D tight binding at k_F = π/2, both ±k; PORTA_SPEC §5.2): −π (t_c + t_v)."""
    return -np.pi * (t_c + t_v)


def sarma_reference(Omega, delta_0: float):
    """T → 0 closed forms for a uniform pseudo-Zeeman field (PORTA_SPEC T-E4), as arrays over Ω:
    BCS branch Δ = Δ_0 for Ω < Δ_0 (NaN beyond), Sarma branch Δ_S = √(Δ_0(2Ω − Δ_0)) for
    Δ_0/2 ≤ Ω ≤ Δ_0 (NaN outside)."""
    Om = np.asarray(Omega, dtype=float)
    bcs = np.where(Om < delta_0, delta_0, np.nan)
    with np.errstate(invalid="ignore"):
        sarma = np.where((Om >= 0.5 * delta_0) & (Om <= delta_0), np.sqrt(delta_0 * (2 * Om - delta_0)), np.nan)
    return bcs, sarma


def zeeman_curves(path) -> list[dict]:
    """F6 data: per combination of the non-Ω axes, {label, where, Omega, delta, sarma, status, delta_0,
    ref_bcs, ref_sarma}, with Δ_0 = Δ at the smallest Ω whose point is ok and gapped (NaN if none) and
    the T → 0 references of `sarma_reference` computed from that Δ_0 (absolute units, t_c)."""
    pd = read_phase_diagram(path)
    _ib_check(pd, ["Omega"])
    Om = pd["coords"]["Omega"].astype(float)
    order = np.argsort(Om)
    out = []
    for lab, where, index in _ib_curves(pd, "Omega"):
        d = _ib_array(pd, pd["quantity"], index)[order]
        s = _ib_array(pd, "delta_sarma", index)
        s = np.full_like(d, np.nan) if s is None else s[order]
        st = np.asarray(pd["status"][index])[order]
        gapped = np.flatnonzero(np.isfinite(d) & (d > 0))
        d0 = float(d[gapped[0]]) if gapped.size else float("nan")
        bcs, sar = sarma_reference(Om[order], d0) if np.isfinite(d0) else (np.full_like(d, np.nan),) * 2
        out.append({"label": lab, "where": where, "Omega": Om[order], "delta": d, "sarma": s, "status": st,
                    "delta_0": d0, "ref_bcs": bcs, "ref_sarma": sar})
    return out


# -------------------------------------------------------------------------------------------- figures

def plot_interband_ness(cases, out, *, formats=None, title=None):
    """F2: NESS occupations n_c(k), n_v(k) and the pair factor N_k = 1 − n_c − n_v vs k, one panel per
    case.  cases: {label: path} or [(label, path)] of `nepsolve solve --model interband --out` files.
    Marked: the resonance k_0 (dashed) and the Fermi points k_c, k_v (dotted).  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = list(cases.items()) if isinstance(cases, dict) else list(cases)
    if not items:
        raise ValueError("plot_interband_ness needs at least one case")
    n = len(items)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig, axs = plt.subplots(nrows, ncols, figsize=(6.4 * ncols, 4.2 * nrows), squeeze=False, layout="constrained")
    for ax, (lab, path) in zip(axs.flat, items):
        with h5py.File(path, "r") as f:
            if "n_c" not in f or "result" not in f.attrs:
                raise ValueError(f"{path}: not an interband solution file (no n_c / result)")
            k, nc, nv = f["k"][()], f["n_c"][()], f["n_v"][()]
            N = f["N_k"][()] if "N_k" in f else 1.0 - nc - nv
            res = json.loads(_attr(f.attrs["result"]))
            par = json.loads(_attr(f.attrs["params_json"])) if "params_json" in f.attrs else {}
        ax.plot(k, nc, color="C0", label="$n_c(k)$")
        ax.plot(k, nv, color="C1", label="$n_v(k)$")
        ax.plot(k, N, color="k", linewidth=2, label="$N_k = 1 - n_c - n_v$")
        ax.axhline(0, color="0.6", linewidth=0.8)
        k0 = res.get("k0")
        if k0 is not None and np.isfinite(k0):
            ax.axvline(k0, color="C3", linestyle="--", linewidth=1.2, label=f"resonance $k_0$ = {k0:.3f}")
        for key, color, name in (("k_c", "C0", "$k_c$"), ("k_v", "C1", "$k_v$")):
            v = res.get(key)
            if v is not None and np.isfinite(v):
                ax.axvline(v, color=color, linestyle=":", linewidth=1.5, label=f"Fermi point {name} = {v:.3f}")
        ax.set_xlim(float(k.min()), float(k.max()))
        ax.set_ylim(-1.08, 1.08)
        ax.set_xlabel("k [1/a]")
        ax.set_ylabel("occupation")
        cls = {"same": "same concavity", "opposite": "opposite concavity"}.get(par.get("concavity"), "")
        ax.set_title(f"{lab} ({cls}, {par.get('lineshape', '')}, $ω_L$ = {par.get('omega_L', float('nan')):.4g})\n"
                     f"$μ_c$ = {res.get('mu_c', float('nan')):.4g}, $μ_v$ = {res.get('mu_v', float('nan')):.4g}, "
                     f"$Δ_0$ = {res.get('delta0', float('nan')):.3g}, max|$N_k$| = "
                     f"{float(np.max(np.abs(N))):.3g}  [$t_c$]", fontsize="small")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small", loc="lower left")
    for ax in list(axs.flat)[n:]:
        ax.set_visible(False)
    T = par.get("T_ph")
    fig.suptitle(title or f"F2: normal NESS occupations (Level A kinetics, $T_{{ph}}$ = {T:g} $t_c$, "
                          f"g = {par.get('g', float('nan')):g})", fontsize="large")
    return _save_all(fig, out, formats)


def plot_interband_coupling(path, out, *, formats=None):
    """F3: ln Δ_0 vs 1/g, one curve per combination of the other axes (e.g. zeeman × T_ph), with the
    weak-coupling BCS reference slope −1/ρ_pair = −π(t_c + t_v) (derived, not fitted; anchored at the
    g = 1 point, else the middle gapped point, of the first curve).  Points with Δ_0 = 0 (no gap root) are
    marked below the curves; dotted lines at ln(1.764 T_ph) show where each temperature cuts the
    T = 0 law.  The legend gives each curve's least-squares slope over 3 T_ph < Δ_0 < 0.15 t_c for
    comparison.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.transforms as mtransforms

    pd = read_phase_diagram(path)
    _ib_check(pd, ["g"])
    g = pd["coords"]["g"].astype(float)
    if np.any(g <= 0):
        raise ValueError(f"{path}: F3 needs attractive couplings g > 0")
    x = 1.0 / g
    order = np.argsort(x)
    slope = interband_bcs_slope(float(_ib_param(pd, "t_c")), float(_ib_param(pd, "t_v")))
    fig, ax = plt.subplots(figsize=(8.5, 6), layout="constrained")
    curves = _ib_curves(pd, "g")
    colors = _curve_colors(len(curves))
    styles = ["o-", "s--", "^-.", "v:", "D-", "P--"]
    trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    anchor = None
    Ts = set()
    for j, (lab, where, index) in enumerate(curves):
        d = _ib_array(pd, pd["quantity"], index)[order]
        st = np.asarray(pd["status"][index])[order]
        xx = x[order]
        ok = np.isfinite(d) & (d > 0)
        T = float(where.get("T_ph", _ib_param(pd, "T_ph")))
        Ts.add(T)
        fit = ok & (d > 3 * T) & (d < 0.15)
        fit_txt = ""
        if fit.sum() >= 3:
            p = np.polyfit(xx[fit], np.log(d[fit]), 1)
            fit_txt = f"; fit slope {p[0]:.2f}"
        ax.plot(xx[ok], np.log(d[ok]), styles[j % len(styles)], color=colors[j], mfc="none" if j % 2 else None,
                label=lab + fit_txt)
        zero = np.isfinite(d) & (d == 0)
        if np.any(zero):
            ax.plot(xx[zero], np.full(int(zero.sum()), 0.025 + 0.03 * j), "x", color=colors[j], markersize=5,
                    transform=trans, clip_on=False)
        _ib_failed(ax, xx, st, 0.0)
        if anchor is None and np.any(ok):
            i1 = np.flatnonzero(ok & np.isclose(xx, 1.0))
            i = int(i1[0]) if i1.size else int(np.flatnonzero(ok)[int(ok.sum()) // 2])
            anchor = (xx[i], np.log(d[i]))
    if anchor is not None:
        xr = np.array([x.min(), x.max()])
        ax.plot(xr, anchor[1] + slope * (xr - anchor[0]), color="0.35", linewidth=2.5, alpha=0.6, zorder=0,
                label=f"BCS: slope $-1/ρ_{{pair}} = -π(t_c + t_v)$ = {slope:.3f} (anchored at 1/g = {anchor[0]:.3g})")
    for T in sorted(Ts):
        ax.axhline(np.log(1.764 * T), color="0.5", linestyle=":", linewidth=1)
        ax.text(x.min(), np.log(1.764 * T), f" ln(1.764 $T_{{ph}}$), $T_{{ph}}$ = {T:g}", fontsize="x-small",
                va="bottom", ha="left", color="0.4")
    ax.plot([], [], "x", color="0.3", markersize=5, label="x (bottom, curve colour): $Δ_0$ = 0, no gap root")
    ax.set_xlabel("1/g   [1/$t_c$]")
    ax.set_ylabel("ln($Δ_0$ / $t_c$)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small", loc="upper right")
    fig.suptitle("F3: gap vs pair coupling (pair-frame BCS on the kinetic NESS)\n" + _ib_subtitle(pd),
                 fontsize="medium")
    return _save_all(fig, out, formats)


def plot_interband_recombination(path, out, *, formats=None):
    """F5: Δ_0 vs γ_r (log axis), with the Fermi-point mismatch k_v − k_c and |ω_L − (μ_c − μ_v)| (against
    Ω, the threshold of zeeman = 'auto') in two further panels; one curve per combination of the other
    axes.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pd = read_phase_diagram(path)
    _ib_check(pd, ["gamma_r"])
    gr = pd["coords"]["gamma_r"].astype(float)
    order = np.argsort(gr)
    gr = gr[order]
    fig, axs = plt.subplots(1, 3, figsize=(16, 5), layout="constrained")
    curves = _ib_curves(pd, "gamma_r")
    colors = _curve_colors(len(curves))
    styles = ["o-", "s--", "^-.", "v:", "D-", "P--"]
    for j, (lab, where, index) in enumerate(curves):
        st = dict(color=colors[j], label=lab)
        d = _ib_array(pd, pd["quantity"], index)[order]
        axs[0].plot(gr, d, styles[j % len(styles)], **st)
        _ib_failed(axs[0], gr, np.asarray(pd["status"][index])[order], 0.0)
        m = _ib_array(pd, "mismatch", index)
        if m is not None:
            axs[1].plot(gr, np.abs(m[order]), styles[j % len(styles)], **st)
        dm = _ib_array(pd, "delta_mu_L", index)
        if dm is not None:
            axs[2].plot(gr, np.abs(dm[order]), styles[j % len(styles)], **st)
    Om = float(_ib_param(pd, "Omega")) if "Omega" not in pd["axes"] else None
    if Om is not None:
        axs[2].axhline(Om, color="C3", linestyle="--", label=f"Ω = {Om:g}: above it zeeman 'auto' drops the field")
    axs[0].set_ylabel(label_ib(pd["quantity"]))
    axs[0].set_ylim(bottom=0)
    axs[1].set_ylabel("|$k_v - k_c$|  [1/a]  (Fermi-point mismatch)")
    axs[2].set_ylabel("|$ω_L - (μ_c - μ_v)$|  [$t_c$]")
    for ax in axs:
        ax.set_xscale("log")
        ax.set_xlabel(label_ib("gamma_r"))
        ax.grid(alpha=0.3, which="both")
    for ax in axs[1:]:
        ax.set_yscale("log")
    for ax in (axs[0], axs[2]):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="x-small")
    axs[0].set_title("gap", fontsize="medium")
    same = "\n(g does not enter the NESS: curves differing only in g coincide)" if "g" in pd["axes"] else ""
    axs[1].set_title("mismatch of the quasi-Fermi surfaces" + same, fontsize="small")
    axs[2].set_title("quasi-Fermi splitting vs laser" + same, fontsize="small")
    fig.suptitle("F5: radiative recombination as pair breaker\n" + _ib_subtitle(pd), fontsize="medium")
    return _save_all(fig, out, formats)


def plot_interband_zeeman(path, out, *, formats=None):
    """F6: pseudo-Zeeman depairing.  Left: Δ (BCS root, filled) and the Sarma root (open) vs Ω with the
    T → 0 uniform-field references Δ = Δ_0 and Δ_S = √(Δ_0(2Ω − Δ_0)) (dashed, from each curve's own Δ_0,
    `zeeman_curves`); right: the same as Δ/Δ_0 vs Ω/Δ_0.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import matplotlib.transforms as mtransforms

    curves = zeeman_curves(path)
    pd = read_phase_diagram(path)
    fig, axs = plt.subplots(1, 2, figsize=(14, 5.6), layout="constrained")
    colors = _curve_colors(len(curves))
    xs = np.linspace(0.0, 1.0, 401)
    for j, c in enumerate(curves):
        col, d0, Om = colors[j], c["delta_0"], c["Omega"]
        lab = f"{c['label']} ($Δ_0$ = {d0:.4g})" if c["label"] else f"$Δ_0$ = {d0:.4g}"
        gap = np.where(c["delta"] > 0, c["delta"], np.nan)
        axs[0].plot(Om, gap, "o-", color=col, markersize=4, label=lab + ": BCS root")
        axs[0].plot(Om, c["sarma"], "o", color=col, mfc="none", markersize=6, label=lab + ": Sarma root")
        zero = np.isfinite(c["delta"]) & (c["delta"] == 0)
        ztrans = [mtransforms.blended_transform_factory(a.transData, a.transAxes) for a in axs]
        zy = np.full(int(zero.sum()), 0.03 + 0.035 * j)
        axs[0].plot(Om[zero], zy, "x", color=col, markersize=5, transform=ztrans[0], clip_on=False)
        _ib_failed(axs[0], Om, c["status"], 0.0)
        if np.isfinite(d0):
            Of = np.linspace(0, Om.max(), 801)
            b, s = sarma_reference(Of, d0)
            axs[0].plot(Of, b, "--", color=col, linewidth=1)
            axs[0].plot(Of, s, "--", color=col, linewidth=1)
            axs[1].plot(Om / d0, gap / d0, "o-", color=col, markersize=4, label=lab + ": BCS root")
            axs[1].plot(Om / d0, c["sarma"] / d0, "o", color=col, mfc="none", markersize=6, label=lab + ": Sarma root")
            axs[1].plot(Om[zero] / d0, zy, "x", color=col, markersize=5, transform=ztrans[1], clip_on=False)
    b, s = sarma_reference(xs, 1.0)
    axs[1].plot(xs, b, "k--", linewidth=1.2, label="T → 0, uniform field: Δ = $Δ_0$ (Ω < $Δ_0$)")
    axs[1].plot(xs, s, "k-.", linewidth=1.2, label="T → 0: $Δ_S = \\sqrt{Δ_0(2Ω - Δ_0)}$")
    axs[0].plot([], [], "k--", linewidth=1, label="T → 0 references (dashed, each curve's $Δ_0$)")
    for a in axs:
        a.plot([], [], "x", color="0.3", label="x (bottom, curve colour): no gap root (Δ = 0)")
    axs[0].set_xlabel(label_ib("Omega"))
    axs[0].set_ylabel("Δ [$t_c$]")
    axs[1].set_xlabel("Ω / $Δ_0$")
    axs[1].set_ylabel("Δ / $Δ_0$")
    for ax in axs:
        ax.set_ylim(bottom=-0.02 * max(1e-12, np.nanmax([np.nanmax(c["delta"]) for c in curves] + [0])) if ax is axs[0]
                    else -0.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small", loc="center left")
    fig.suptitle("F6: pseudo-Zeeman (drive) depairing and the Sarma branch; $Δ_0$ = Δ at the smallest Ω\n"
                 + _ib_subtitle(pd), fontsize="medium")
    return _save_all(fig, out, formats)


def plot_interband_phase(path, out, *, x="omega_L", y="T_ph", formats=None):
    """F8: Δ_0 as colour over two axes (default ω_L, T_ph; a positive, log-spaced axis spanning > 30× is drawn
    on a log scale), with the §4.2 Thouless boundary of the kinetic N_k, contour g_c_attractive = g
    (solid), and, when recorded, the quasi-equilibrium one, g_c_quasi = g (dashed).  Points with Δ_0 = 0
    are grey; failed points red crosses.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pd = read_phase_diagram(path)
    _ib_check(pd, [x, y])
    extra = [a for a in pd["axes"] if a not in (x, y)]
    if any(len(pd["coords"][a]) > 1 for a in extra):
        raise ValueError(f"{path}: the (x, y) phase diagram takes the axes {x}, {y} only (extra: {extra})")
    index = tuple(slice(None) if a in (x, y) else 0 for a in pd["axes"])
    transpose = [a for a in pd["axes"] if a in (x, y)] == [x, y]       # -> arrays as (y, x)

    def grid(name):
        a = _ib_array(pd, name, index)
        return None if a is None else (a.T if transpose else a)

    xc, yc = pd["coords"][x].astype(float), pd["coords"][y].astype(float)
    ox, oy = np.argsort(xc), np.argsort(yc)
    xc, yc = xc[ox], yc[oy]
    D = grid(pd["quantity"])[np.ix_(oy, ox)]
    status = np.asarray(pd["status"][index])
    status = (status.T if transpose else status)[np.ix_(oy, ox)]
    g = float(_ib_param(pd, "g")) if "g" not in pd["axes"] else float(pd["coords"]["g"][0])
    logx, logy = _use_log(xc), _use_log(yc)
    fig, ax = plt.subplots(figsize=(9, 6.2), layout="constrained")
    cmap = matplotlib.colormaps["viridis"].with_extremes(under="0.85", bad="white")
    vmax = np.nanmax(D) if np.any(np.isfinite(D) & (D > 0)) else 1.0
    floor = 1e-9 * vmax
    mesh = ax.pcolormesh(_edges(xc, logx), _edges(yc, logy), np.where(np.isfinite(D), np.maximum(D, 0), np.nan),
                         cmap=cmap, vmin=floor, vmax=vmax, shading="flat")
    cb = fig.colorbar(mesh, ax=ax, extend="min")
    cb.set_label("$Δ_0$ [$t_c$]   (grey: $Δ_0$ = 0, no gap root)")
    X, Y = np.meshgrid(xc, yc)
    ax.plot(X.ravel(), Y.ravel(), ".", color="k", markersize=1.5, alpha=0.35)
    handles = [matplotlib.lines.Line2D([], [], marker=".", color="k", alpha=0.35, linestyle="none",
                                       label="computed points")]
    for name, style, text in (("g_c_attractive", "-", "Thouless (§4.2, kinetic $N_k$): $g_c^{att}$ = g"),
                              ("g_c_quasi", "--", "quasi-equilibrium gap eq. at Δ → 0: $g_c^{quasi}$ = g")):
        G = grid(name)
        if G is None:
            continue
        G = G[np.ix_(oy, ox)]
        G = np.where(np.isposinf(G), 1e6, G)
        if np.nanmin(G) < g < np.nanmax(G):
            ax.contour(X, Y, G - g, levels=[0.0], colors="red" if style == "-" else "orange", linewidths=2,
                       linestyles=style)
            handles.append(matplotlib.lines.Line2D([], [], color="red" if style == "-" else "orange", linewidth=2,
                                                   linestyle=style, label=text + f" = {g:g} (unstable on the side $g_c$ < g)"))
    bad = status != STATUS_OK
    if np.any(bad):
        ax.plot(X[bad], Y[bad], **_FAILED_STYLE)
        handles.append(matplotlib.lines.Line2D([], [], label="failed / missing", **_FAILED_STYLE))
    if x == "omega_L":
        E_c, E_v = float(_ib_param(pd, "E_c")), float(_ib_param(pd, "E_v"))
        ax.axvline(E_c - E_v, color="w", linestyle=":", linewidth=1.2)
        handles.append(matplotlib.lines.Line2D([], [], color="0.3", linestyle=":",
                                               label=f"$ω_L = E_c - E_v$ = {E_c - E_v:g} ($k_0$ = π/2, neutral matching)"))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(label_ib(x))
    ax.set_ylabel(label_ib(y))
    if handles:
        ax.legend(handles=handles, fontsize="x-small", loc="upper left", framealpha=0.85)
    fig.suptitle(f"F8: phase diagram, colour = $Δ_0$ (pair-frame BCS on the kinetic NESS)\n" + _ib_subtitle(pd),
                 fontsize="medium")
    return _save_all(fig, out, formats)


def label_ib(name: str) -> str:
    """Axis label of an interband key or observable, with units (t_c = 1)."""
    return IB_LABELS.get(name, name)
