"""The one module that knows nepsolve's HDF5 layout.

Conventions (also written into every file's attributes):
* energies, temperatures and frequencies in units of the boson frequency Ω = 1;
* complex arrays are stored as two real datasets `<name>_re`, `<name>_im`;
* 1D spectra share the dimension scale `omega`; scans use their swept parameter as scale;
* root attributes carry provenance: package version, git commit and dirty flag, library versions,
  and the parameters as JSON.
Writes are atomic: a temporary file in the target directory is renamed over the target.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np

from . import __version__

UNITS = "energies, temperatures and frequencies in units of the boson frequency Omega = 1 (hbar = k_B = 1)"


def units_for(model: str | None) -> tuple[str, str]:
    """(units sentence, unit symbol of energies) of a model's files, from the model registry."""
    from . import registry

    spec = registry.get(model)
    return spec.units_text, spec.energy_unit


CONVENTIONS = ("Keldysh (Kamenev): F_el = 1 - 2 f = tanh(w/2T) in equilibrium, F_b = 1 + 2 n_B; "
               "Delta(w) = phi(w)/Z(w), Z(w) = omega_tilde(w)/w; complex arrays stored as <name>_re/<name>_im")


def _git(*args) -> str:
    here = Path(__file__).resolve().parent
    try:
        return subprocess.run(["git", *args], cwd=here, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def provenance() -> dict:
    """Versions of nepsolve and its numerical stack, and the git state of the source tree."""
    info = {"nepsolve_version": __version__, "git_commit": _git("rev-parse", "HEAD") or "unknown",
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))}
    import scipy

    info["numpy_version"], info["scipy_version"], info["h5py_version"] = np.__version__, scipy.__version__, h5py.__version__
    try:
        import petsc4py
        from petsc4py import PETSc

        info["petsc4py_version"] = petsc4py.__version__
        info["petsc_version"] = ".".join(map(str, PETSc.Sys.getVersion()))
    except ImportError:
        info["petsc4py_version"] = info["petsc_version"] = "not installed"
    try:
        import mpi4py

        info["mpi4py_version"] = mpi4py.__version__
    except ImportError:
        info["mpi4py_version"] = "not installed"
    return info


@contextmanager
def atomic_path(path):
    """A temporary path next to `path`; renamed over `path` only if the block succeeds (atomic write).
    Temporary files of an earlier interrupted write of the same path (one writer per path) are removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):   # left by an interrupted write of path
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)        # mkstemp creates 0600; give results the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@contextmanager
def atomic_h5(path):
    """An HDF5 file written to a temporary name and renamed over `path` when the block succeeds."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        yield f


def write_text_atomic(path, text: str) -> None:
    """Write `text` durably (fsync) and atomically to `path`."""
    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


UDUNITS_UNITS = {"1", "s"}          # the units nepsolve writes that a UDUNITS/CF reader understands as they are


def unit_attrs(unit: str | None, long_name: str | None = None) -> dict:
    """CF-style attributes of a dataset in a model unit: `units` readable by UDUNITS ("1" for quantities
    measured in the model's own unit, e.g. energies in Ω = 1), the model unit itself as `model_units`,
    and `long_name`."""
    out = {}
    if unit is not None:
        out["units"] = unit if unit in UDUNITS_UNITS else "1"
        if unit not in UDUNITS_UNITS:
            out["model_units"] = unit
    if long_name:
        out["long_name"] = long_name
    return out


def _attr_str(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _root_attrs(f, kind: str, params: dict | None, extra: dict | None = None, units: str = UNITS,
                conventions: str = CONVENTIONS):
    f.attrs["kind"] = kind
    f.attrs["units"] = units
    f.attrs["conventions"] = conventions
    f.attrs["Conventions"] = "CF-1.10"
    if params is not None:
        f.attrs["params_json"] = json.dumps(params, sort_keys=True)
    for k, v in provenance().items():
        f.attrs[k] = v
    for k, v in (extra or {}).items():
        f.attrs[k] = json.dumps(v) if isinstance(v, (dict, list)) else v


def _put(f, name: str, data, scale=None, **attrs):
    data = np.asarray(data)
    parts = [(name + "_re", data.real), (name + "_im", data.imag)] if np.iscomplexobj(data) else [(name, data)]
    for key, arr in parts:
        ds = f.create_dataset(key, data=arr)
        if scale is not None:
            ds.dims[0].attach_scale(scale)
        for k, v in attrs.items():
            ds.attrs[k] = v


def write_solution(path, result: dict) -> None:
    """Δ(ω), Z(ω), φ(ω), ω̃(ω), F_el(ω) of a nonlinear solve, with the scalars as attributes."""
    arr = result["arrays"]
    scalars = {k: v for k, v in result.items() if k not in ("arrays", "params", "attempts")}
    with atomic_h5(path) as f:
        _root_attrs(f, "gap_solution", result["params"], {"result": scalars, "attempts": result.get("attempts", [])})
        w = f.create_dataset("omega", data=arr["omega"])
        w.make_scale("omega")
        w.attrs["units"] = "Omega"
        _put(f, "delta", arr["delta"], w, description="gap function Delta(w) = phi/Z")
        _put(f, "Z", arr["Z"], w, description="renormalization Z(w) = omega_tilde/w (NaN at w = 0)")
        _put(f, "phi", arr["phi"], w, description="anomalous self-energy phi^R(w)")
        _put(f, "omega_tilde", arr["omega_tilde"], w, description="w - Sigma_0^R(w)")
        _put(f, "F_el", arr["F_el"], w, description="electron distribution function F_el(w)")
        for k in ("delta0", "converged", "snes_reason", "iterations", "residual_norm"):
            f.attrs[k] = result[k]


def write_interband_solution(path, result: dict, units: str, conventions: str) -> None:
    """NESS and gap of the interband model on the momentum grid: k, weights, ε_c, ε_v, n_c(k), n_v(k),
    N_k = 1 − n_c − n_v, Δ_k (k-independent for the contact interaction) and the pair amplitude F_k;
    the scalars (Δ0, roots, μ_c, μ_v, ν, densities, invariants, SNES reason) as attributes."""
    arr = result["arrays"]
    scalars = {k: v for k, v in result.items() if k not in ("arrays", "params", "attempts")}
    with atomic_h5(path) as f:
        _root_attrs(f, "interband_solution", result["params"],
                    {"result": json_safe(scalars), "attempts": result.get("attempts", [])}, units, conventions)
        k = np.asarray(arr["k"])
        if k.ndim == 2:                                    # tb2d mesh: store the mesh, index by state
            f.create_dataset("k_mesh", data=k).attrs["description"] = "(k_x, k_y) of each state"
            kd = f.create_dataset("k", data=np.arange(k.shape[0], dtype=float))
            kd.attrs["description"] = "state index on the tb2d mesh (see k_mesh)"
        else:
            kd = f.create_dataset("k", data=k)
            kd.attrs["description"] = "momentum |k| of the NESS grid"
        kd.make_scale("k")
        desc = {"weights": "quadrature weights w_k, sum_k w_k <-> (1/V) sum_k",
                "eps_c": "lab-frame conduction energy", "eps_v": "lab-frame valence energy",
                "n_c": "conduction occupation n_c(k)", "n_v": "valence occupation n_v(k)",
                "N_k": "pair occupation N_k = 1 - n_c - n_v",
                "delta_k": "interband gap Delta_k (k-independent for the contact interaction)",
                "pair_amplitude_k": "<v_-k c_k> = Delta [1 - f(E+b) - f(E-b)]/(2E) (quasi level; NaN otherwise)"}
        for name, d in desc.items():
            _put(f, name, arr[name], kd, description=d)
        for key in ("delta0", "mu_c", "mu_v", "nu", "excited_density", "snes_reason"):
            if result.get(key) is not None:
                f.attrs[key] = result[key]


def json_types(x, nonfinite: str = "keep"):
    """Plain Python (JSON) types of nested results: NumPy scalars and arrays → Python.  Non-finite floats:
    'keep' them (files that store NaN/±inf themselves, e.g. the chunk journal), 'null' (None), or 'string'
    ("NaN", "Infinity", "-Infinity": explicit in strict JSON)."""
    if isinstance(x, dict):
        return {k: json_types(v, nonfinite) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [json_types(v, nonfinite) for v in x]
    if isinstance(x, (np.integer, np.bool_)):
        return x.item()
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if np.isfinite(x) or nonfinite == "keep":
            return x
        if nonfinite == "null":
            return None
        return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")
    return x


def json_plain(x):
    """`json_types` keeping non-finite floats."""
    return json_types(x, "keep")


def json_safe(x):
    """`json_types` with NaN/±inf → None."""
    return json_types(x, "null")


def write_scan(path, axis: str, values, records: list[dict], params: dict) -> None:
    """A 1D scan: one dataset per scalar observable along the swept parameter `axis`."""
    with atomic_h5(path) as f:
        _root_attrs(f, "scan", params, {"axis": axis})
        x = f.create_dataset(axis, data=np.asarray(values, dtype=float))
        x.make_scale(axis)
        keys = sorted({k for r in records for k, v in r.items()
                       if isinstance(v, (bool, int, float, np.floating, np.integer))})
        for k in keys:
            col = np.array([float(r.get(k, np.nan)) for r in records])
            _put(f, k, col, x)
        msgs = [str(r.get("message", "")) for r in records]
        f.create_dataset("message", data=np.array(msgs, dtype=h5py.string_dtype()))


def read_solution(path) -> dict:
    """Arrays and attributes of a file written by `write_solution` (complex parts recombined)."""
    out = {}
    with h5py.File(path, "r") as f:
        for k in f:
            if k.endswith("_im"):
                continue
            if k.endswith("_re"):
                out[k[:-3]] = f[k][()] + 1j * f[k[:-3] + "_im"][()]
            else:
                out[k] = f[k][()]
        out["attrs"] = dict(f.attrs)
    return out


# ------------------------------------------------------------------------------------ sweeps
STATUS_CODES = {"ok": 0, "failed": 1, "missing": 2, "complex": 3}
_STR = h5py.string_dtype()
CHUNK_FIELDS = ("value", "status", "snes_reason", "snes_reason_name", "iterations", "residual_norm",
                "wall_time", "message")
# Optional scalar observables of a point (float64; NaN where a record has none) are declared by each model
# (registry `observables`: name -> (units, description)).  They are stored in a chunk file, and aggregated,
# only if at least one record carries them.


def declared_observables() -> dict:
    """Every observable a registered model declares: name -> (units, description)."""
    from . import registry

    return registry.observables()


class ChunkFileError(RuntimeError):
    """A chunk file that is truncated, corrupted or does not belong to the plan."""


def payload_checksum(f) -> str:
    """SHA-256 of every dataset of an open HDF5 file (names sorted; strings as UTF-8, numbers as their bytes)."""
    h = hashlib.sha256()
    for name in sorted(f):
        data = f[name][()]
        h.update(name.encode() + b"\0" + str(data.dtype).encode() + str(data.shape).encode())
        if data.dtype == object or data.dtype.kind in "SU":
            for v in np.ravel(data):
                h.update((v.decode() if isinstance(v, bytes) else str(v)).encode() + b"\0")
        else:
            h.update(np.ascontiguousarray(data).tobytes())
    return h.hexdigest()


def write_chunk(path, plan: dict, chunk: int, records: list[dict], versions: dict | None = None) -> None:
    """Per-point records of one chunk, in the plan's order, with the plan hash, the code versions that made
    them and a checksum of the payload (atomic)."""
    from . import registry

    versions = versions or registry.code_versions(plan["config"]["model"])
    with atomic_h5(path) as f:
        f.attrs["kind"] = "chunk"
        f.attrs["chunk"] = chunk
        f.attrs["config_hash"] = plan["config_hash"]
        f.attrs["n_points"] = len(records)
        f.attrs["units"] = units_for(plan["config"]["model"])[0]
        for k, v in versions.items():
            f.attrs[k] = v
        f.create_dataset("id", data=np.array([r["id"] for r in records], dtype=object), dtype=_STR)
        f.create_dataset("index", data=np.array([r["index"] for r in records], dtype="i4"))
        f.create_dataset("value", data=np.array([r["value"] for r in records], dtype="f8"))
        f.create_dataset("status", data=np.array([STATUS_CODES[r["status"]] for r in records], dtype="i1"))
        f.create_dataset("snes_reason", data=np.array([r["snes_reason"] for r in records], dtype="i4"))
        for key in ("snes_reason_name", "message"):
            f.create_dataset(key, data=np.array([str(r[key]) for r in records], dtype=object), dtype=_STR)
        f.create_dataset("iterations", data=np.array([r["iterations"] for r in records], dtype="i4"))
        for key in ("residual_norm", "wall_time"):
            f.create_dataset(key, data=np.array([r[key] for r in records], dtype="f8"))
        for key in declared_observables():
            if any(key in r for r in records):
                f.create_dataset(key, data=np.array([r.get(key, np.nan) for r in records], dtype="f8"))
        f.attrs["checksum"] = payload_checksum(f)
        f.attrs["complete"] = True       # written last: a file without it was cut short


def read_chunk(path, plan: dict, chunk: int, versions: dict | None = None, ids: list | None = None) -> dict:
    """Arrays of a chunk file, checked against the plan (`ids`: the chunk's point ids, if the caller has
    them), the code versions (default: this code's for the plan's model) and its payload checksum; raises
    ChunkFileError naming the file and what is wrong."""
    from . import registry

    path = Path(path)
    versions = versions or registry.code_versions(plan["config"]["model"])
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("kind") != "chunk" or not f.attrs.get("complete", False):
                raise ChunkFileError(f"chunk file {path} is incomplete (no 'complete' mark): rerun the chunk")
            if f.attrs.get("config_hash") != plan["config_hash"]:
                raise ChunkFileError(f"chunk file {path} belongs to another config "
                                     f"(hash {f.attrs.get('config_hash')} != {plan['config_hash']})")
            for key, want in versions.items():
                have = _attr_str(f.attrs.get(key, "none"))
                if have != want:
                    raise ChunkFileError(f"chunk file {path} was made by {key} {have} (this code: {want}): "
                                         "its points must be recomputed")
            if _attr_str(f.attrs.get("checksum", "")) != payload_checksum(f):
                raise ChunkFileError(f"chunk file {path} is corrupted: checksum mismatch of its data")
            data = {"id": [s.decode() if isinstance(s, bytes) else s for s in f["id"][()]]}
            for key in CHUNK_FIELDS:
                arr = f[key][()]
                if arr.dtype == object:
                    arr = np.array([s.decode() if isinstance(s, bytes) else s for s in arr], dtype=object)
                data[key] = arr
            for key in declared_observables():
                if key in f:
                    data[key] = f[key][()]
    except ChunkFileError:
        raise
    except (OSError, KeyError, ValueError) as err:
        raise ChunkFileError(f"chunk file {path} is truncated or corrupted: {err}") from None
    bad = sorted(set(np.unique(data["status"]).tolist()) - {STATUS_CODES[k] for k in ("ok", "failed", "complex")})
    if bad:
        raise ChunkFileError(f"chunk file {path} is corrupted: status code(s) {bad} are not record statuses")
    from .plans import chunk_ids

    expected = chunk_ids(plan, chunk) if ids is None else list(ids)
    if data["id"] != expected:
        lost = sorted(set(expected) - set(data["id"]))
        dup = len(data["id"]) - len(set(data["id"]))
        raise ChunkFileError(f"chunk file {path} does not hold the plan's points "
                             f"({len(lost)} missing, {dup} duplicated)")
    return data


def axis_order(plan: dict) -> list[str]:
    """The sweep axes in array-dimension order (the config's order, stored in the plan)."""
    return list(plan["axis_order"])


def _reject(path) -> Path:
    """Move a chunk file that does not check out of the way (kept for inspection) and return where."""
    target = Path(str(path) + ".rejected")
    os.replace(path, target)
    return target


def write_phase_diagram(path, plan: dict, chunk_paths: dict, allow_missing: bool = False) -> dict:
    """Aggregate chunk files into one dataset per observable shaped by the sweep axes.

    `chunk_paths` maps chunk index → file.  Missing chunk files are an error unless `allow_missing`
    (then their points get status 2 = missing).  A chunk file that does not check (incomplete, corrupted,
    another plan or code version) is moved aside to `<name>.rejected` so that a rerun of the workflow
    recomputes it; the error names every such file and why.  Returns counts for a summary table.
    """
    from . import registry

    cfg = plan["config"]
    names = axis_order(plan)
    shape = tuple(len(plan["axes"][n]) for n in names)
    from .plans import points

    where = {}
    value = np.full(shape, np.nan)
    status = np.full(shape, STATUS_CODES["missing"], dtype="i1")
    reason = np.zeros(shape, dtype="i4")
    iters = np.zeros(shape, dtype="i4")
    resid = np.full(shape, np.nan)
    wall = np.full(shape, np.nan)
    texts = {k: np.full(shape, "", dtype=object) for k in ("snes_reason_name", "message", "point_id")}
    observables = {}                   # name -> array, created when a chunk carries the observable
    rejected = []
    for p in points(plan):
        where[p["id"]] = tuple(p["index"])
        texts["point_id"][where[p["id"]]] = p["id"]
    ids = list(where)                  # in point order: chunk c holds ids[start:stop]
    for c in range(len(plan["chunks"])):
        path_c = chunk_paths.get(c)
        if path_c is None or not Path(path_c).exists():
            if allow_missing:
                continue
            raise ChunkFileError(f"chunk file for chunk {c} is missing ({path_c})")
        try:
            lo, hi = plan["chunks"][c]
            d = read_chunk(path_c, plan, c, ids=ids[lo:hi])
        except ChunkFileError as err:
            rejected.append(f"{err} [moved to {_reject(path_c)}]")
            continue
        for k, pid in enumerate(d["id"]):
            ix = where[pid]
            value[ix], status[ix], reason[ix] = d["value"][k], d["status"][k], d["snes_reason"][k]
            iters[ix], resid[ix], wall[ix] = d["iterations"][k], d["residual_norm"][k], d["wall_time"][k]
            texts["snes_reason_name"][ix], texts["message"][ix] = d["snes_reason_name"][k], d["message"][k]
            for key in declared_observables():
                if key in d:
                    observables.setdefault(key, np.full(shape, np.nan))[ix] = d[key][k]
    if rejected:
        raise ChunkFileError(f"{len(rejected)} chunk file(s) rejected; rerun the workflow to recompute them:\n  "
                             + "\n  ".join(rejected))
    with atomic_h5(path) as f:
        # every parameter that is not an axis, defaults resolved (e.g. kernel_norm): what the points used
        fixed = dict(plan["base"])
        _root_attrs(f, "phase_diagram", fixed, {"study": cfg["study"], "model": cfg["model"],
                                             "quantity": cfg["quantity"], "axes": names,
                                             "config_json": json.dumps(cfg, sort_keys=True),
                                             "config_hash": plan["config_hash"],
                                             **registry.code_versions(cfg["model"])})

        spec = registry.get(cfg["model"])
        f.attrs["units"] = spec.units_text
        f.attrs["conventions"] = spec.conventions or spec.units_text
        f.attrs["Conventions"] = "CF-1.10"
        key_specs = spec.params.specs()
        scales = []
        for n in names:
            vals = plan["axes"][n]
            if all(isinstance(v, str) for v in vals):
                ds = f.create_dataset(n, data=np.array(vals, dtype=object), dtype=_STR)
                ds.attrs["long_name"] = key_specs[n].doc
            else:
                ds = f.create_dataset(n, data=np.asarray(vals, dtype="f8"))
                ds.attrs.update(unit_attrs(spec.unit_of(n) or "1", key_specs[n].doc))
            ds.make_scale(n)
            scales.append(ds)

        def put(name, arr, **attrs):
            ds = f.create_dataset(name, data=arr, dtype=_STR if arr.dtype == object else arr.dtype)
            for i, s in enumerate(scales):
                ds.dims[i].attach_scale(s)
            for k, v in attrs.items():
                ds.attrs[k] = v

        put(cfg["quantity"], value, **unit_attrs(spec.unit_of(cfg["quantity"]), spec.quantity(cfg["quantity"]).long_name))
        put("status", status, long_name="status of the point", flag_values=np.array([0, 1, 2, 3], dtype="i1"),
            flag_meanings="ok failed missing complex_leading_eigenvalue")
        put("snes_reason", reason, description="PETSc SNES converged reason (0: eigen route, no SNES)")
        put("iterations", iters, description="SNES iterations, or rho evaluations for critical searches")
        put("residual_norm", resid)
        put("wall_time", wall, units="s", long_name="wall time of the point")
        for k, arr in texts.items():
            put(k, arr)
        declared = declared_observables()
        for k, arr in observables.items():
            units, description = declared[k]
            put(k, arr, description=description, **unit_attrs(units, description))
    counts = {s: int(np.sum(status == code)) for s, code in STATUS_CODES.items()}
    counts.update(points=int(status.size), wall_time=float(np.nansum(wall)))
    return counts
