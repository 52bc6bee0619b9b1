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
def atomic_h5(path):
    """Open a temporary HDF5 file next to `path`; rename it over `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)        # mkstemp creates 0600; give results the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _root_attrs(f, kind: str, params: dict, extra: dict | None = None):
    f.attrs["kind"] = kind
    f.attrs["units"] = UNITS
    f.attrs["conventions"] = CONVENTIONS
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
