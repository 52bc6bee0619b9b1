"""The generic figure layer: reading an aggregated phase diagram and the helpers every figure shares.

This package knows only the aggregated HDF5 layout (docs/sweep-contract.md), never the solvers or a
particular model:
* root attributes `quantity` (dataset name of the plotted quantity), `axes` (JSON list of axis names, in
  array-dimension order), `model`, `study`, `config_json`, provenance, ...;
* one 1-D dataset per axis (float64, or variable-length UTF-8 strings for categorical axes);
* per-point datasets of shape (len(axis_1), ..., len(axis_k)): the quantity, `status` (0 ok, 1 failed,
  2 missing, 3 complex leading eigenvalue), `wall_time` [s], ...

Labels and units come from the model registry (`label(name, model)`): each model registers the labels
of its keys, quantities and observables, in its own energy unit.
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import h5py
import numpy as np

from .. import registry

STATUS_OK, STATUS_FAILED, STATUS_MISSING, STATUS_COMPLEX = 0, 1, 2, 3
MAX_PANELS = 12
FAILED_STYLE = dict(marker="x", color="red", linestyle="none", markersize=8, markeredgewidth=1.8)
COMPLEX_STYLE = dict(marker="D", markerfacecolor="none", linestyle="none", markersize=7, markeredgewidth=1.6)
MISSING_STYLE = dict(marker="x", color="red", alpha=0.45, linestyle="none", markersize=8, markeredgewidth=1.2)
_IMAGE_SUFFIXES = {"png", "pdf", "svg", "svgz", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp"}


def label(name: str, model: str = "") -> str:
    """Axis/quantity label with its unit, as the model registers it (`ModelSpec.labels`); otherwise
    the name with the registered unit of the quantity, observable or energy-valued key; otherwise the
    raw name (also for files without a registered model)."""
    try:
        spec = registry.get(model) if model else None
    except registry.RegistryError:
        spec = None
    if spec is None:
        return name
    if name in spec.labels:
        return spec.labels[name]
    unit = spec.unit_of(name)
    return f"{name} [{unit}]" if unit not in (None, "1") else name


def symbol(name: str, model: str = "") -> str:
    """The label without its unit, for "name = value" annotations."""
    return re.sub(r"\s*\[[^\]]*\]$", "", label(name, model))


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

def _format_value(v) -> str:
    return v if isinstance(v, str) else f"{float(v):.4g}"



def _subtitle(pd) -> str:
    try:
        fixed = json.loads(pd["attrs"].get("config_json", "{}")).get("fixed", {}) or {}
    except (json.JSONDecodeError, AttributeError, TypeError):
        return ""
    text = ", ".join(f"{k} = {_format_value(v) if isinstance(v, (int, float, str)) else v}"
                     for k, v in fixed.items())
    return "\n".join(textwrap.wrap(text, width=70))       # wrapped: fits the figure width


def _fixed(pd) -> dict:
    try:
        return json.loads(pd["attrs"].get("config_json", "{}")).get("fixed", {}) or {}
    except (json.JSONDecodeError, AttributeError, TypeError):
        return {}



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


def _save(fig, stem: Path, fmt: str) -> str:
    from ..io import atomic_path

    target = stem.with_name(f"{stem.name}.{fmt}")
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format=fmt, dpi=150)
    return str(target)


