"""Sweeps: study config → points → chunks → per-point records (docs/sweep-contract.md).

* `validate_config` checks a study config completely (every key named in the error), including every
  point's model parameters, so that bad input fails before any job starts.
* `make_plan` expands the axes (lists, linspace, logspace) in C order into points with content-hashed
  ids (model, quantity, all parameters, PETSc options) and cuts them into chunks.
* `run_chunk` runs one chunk under MPI: COMM_WORLD is split into groups of `ranks_per_point` ranks;
  each group claims the next unfinished point by creating a claim file atomically (O_CREAT|O_EXCL,
  tagged with a token of this run, so claims left by a killed run do not count), so slow points
  (near a phase boundary) do not hold up the others.  (A one-sided MPI counter was measured first:
  without an MPI progress thread a fetch-and-add stalls until the target rank finishes its own point,
  which serialized two groups; claim files need no MPI progress at all.)  Every finished point is written
  at once, atomically, to `<chunk>.d/<id>.json`; a rerun skips those points.  When all points are
  done, rank 0 assembles the chunk file atomically.  A point that fails is a record, never an abort.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from . import io
from .physics.params import MODEL_PARAMS, ParameterError, Spec

QUANTITIES = ("lambda_c", "T_c", "delta0")
MODELS = {name: (cls, cls.specs()) for name, cls in MODEL_PARAMS.items()}
TOP_KEYS = ("study", "model", "quantity", "fixed", "axes", "chunking", "petsc_options")
CHUNK_KEYS = {"points_per_chunk": 8, "ranks_per_chunk": 2, "ranks_per_point": 1}


class SweepConfigError(ValueError):
    """Invalid study config; the message names the key and what is allowed."""


# ------------------------------------------------------------------------------------ config
def _checked(where: str, key: str, value, spec: Spec):
    """One model value from a config, checked by its Spec; errors name the config path."""
    if spec.kind is not str and isinstance(value, (str, bool)):
        raise SweepConfigError(f"'{where}' = {value!r} is not a number")
    try:
        return spec.check(key, value)
    except ParameterError as err:
        raise SweepConfigError(f"'{where}': {err}") from None


def _axis_values(name: str, spec, key_spec: Spec) -> list:
    """Values of one axis: a non-empty list, or {linspace|logspace: [lo, hi, n]}."""
    where = f"axes.{name}"
    if isinstance(spec, dict):
        if len(spec) != 1 or next(iter(spec)) not in ("linspace", "logspace"):
            raise SweepConfigError(f"'{where}' must be a list or one of {{linspace: [lo, hi, n]}}, "
                                   f"{{logspace: [lo, hi, n]}}; got keys {sorted(spec)}")
        how, args = next(iter(spec.items()))
        if not (isinstance(args, list) and len(args) == 3):
            raise SweepConfigError(f"'{where}.{how}' must be [lo, hi, n]")
        lo, hi, n = args
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise SweepConfigError(f"'{where}.{how}': n must be an integer >= 1, got {n!r}")
        try:
            lo, hi = float(lo), float(hi)
        except (TypeError, ValueError):
            raise SweepConfigError(f"'{where}.{how}': lo and hi must be numbers") from None
        if how == "logspace":
            if lo <= 0 or hi <= 0:
                raise SweepConfigError(f"'{where}.logspace': lo and hi must be > 0 (values, not exponents)")
            values = np.geomspace(lo, hi, n)
        else:
            values = np.linspace(lo, hi, n)
        values = [float(v) for v in values]
    elif isinstance(spec, list):
        values = spec
    else:
        raise SweepConfigError(f"'{where}' must be a list or a linspace/logspace mapping, got {type(spec).__name__}")
    if not values:
        raise SweepConfigError(f"'{where}' is empty: an axis needs at least one value")
    checked = [_checked(where, name, v, key_spec) for v in values]
    if len(set(checked)) != len(checked):
        raise SweepConfigError(f"'{where}' has repeated values")
    return checked


def validate_config(config: dict) -> dict:
    """Check a study config and return it resolved (axis values expanded, chunking defaults filled)."""
    if not isinstance(config, dict):
        raise SweepConfigError("a study config must be a mapping")
    for key in config:
        if key not in TOP_KEYS:
            raise SweepConfigError(f"unknown config key '{key}': allowed keys are {', '.join(TOP_KEYS)}")
    for key in ("study", "model", "quantity", "axes"):
        if key not in config:
            raise SweepConfigError(f"config key '{key}' is missing")
    study = config["study"]
    if not isinstance(study, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", study):
        raise SweepConfigError(f"'study' = {study!r} must be a name of letters, digits, '_', '-', '.'")
    if config["model"] not in MODELS:
        raise SweepConfigError(f"'model' = {config['model']!r} is unknown: allowed models are {', '.join(MODELS)}")
    _, specs = MODELS[config["model"]]
    if config["quantity"] not in QUANTITIES:
        raise SweepConfigError(f"'quantity' = {config['quantity']!r} is not allowed: one of {', '.join(QUANTITIES)}")
    if config["model"] == "interband" and config["quantity"] == "lambda_c":
        raise SweepConfigError("'quantity' = 'lambda_c' is not defined for model 'interband': use delta0 or T_c "
                               "(the Thouless couplings g_c_attractive/g_c_repulsive are recorded with every point)")
    fixed = config.get("fixed") or {}
    if not isinstance(fixed, dict):
        raise SweepConfigError("'fixed' must be a mapping of model keys to values")
    for k, v in fixed.items():
        if k not in specs:
            raise SweepConfigError(f"unknown model key 'fixed.{k}': allowed keys are {', '.join(specs)}")
        _checked(f"fixed.{k}", k, v, specs[k])
    axes = config["axes"]
    if not isinstance(axes, dict) or not axes:
        raise SweepConfigError("'axes' must be a non-empty mapping of model keys to values")
    resolved_axes = {}
    for name, spec in axes.items():
        if name not in specs:
            raise SweepConfigError(f"unknown model key 'axes.{name}': allowed keys are {', '.join(specs)}")
        if name in fixed:
            raise SweepConfigError(f"'{name}' is both in 'fixed' and in 'axes'")
        resolved_axes[name] = _axis_values(name, spec, specs[name])
    chunking = dict(CHUNK_KEYS)
    given = config.get("chunking") or {}
    if not isinstance(given, dict):
        raise SweepConfigError("'chunking' must be a mapping")
    for k, v in given.items():
        if k not in CHUNK_KEYS:
            raise SweepConfigError(f"unknown config key 'chunking.{k}': allowed keys are {', '.join(CHUNK_KEYS)}")
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise SweepConfigError(f"'chunking.{k}' = {v!r} must be an integer >= 1")
        chunking[k] = v
    if chunking["ranks_per_chunk"] % chunking["ranks_per_point"]:
        raise SweepConfigError(
            f"'chunking.ranks_per_point' = {chunking['ranks_per_point']} must divide "
            f"'chunking.ranks_per_chunk' = {chunking['ranks_per_chunk']}")
    petsc = config.get("petsc_options", "") or ""
    if not isinstance(petsc, (str, dict)):
        raise SweepConfigError("'petsc_options' must be a string ('-snes_type anderson ...') or a mapping")
    from .solvers.snes import parse_petsc_options

    try:
        petsc = parse_petsc_options(petsc)
    except ValueError as err:
        raise SweepConfigError(f"'petsc_options': {err}") from None
    return {"study": study, "model": config["model"], "quantity": config["quantity"], "fixed": dict(fixed),
            "axes": resolved_axes, "chunking": chunking, "petsc_options": petsc}


def config_hash(resolved: dict) -> str:
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------ plan
def point_id(model: str, quantity: str, params: dict, petsc: dict) -> str:
    """Content hash of everything that determines a point's result."""
    blob = json.dumps({"model": model, "quantity": quantity, "params": params, "petsc": petsc}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def make_plan(config: dict) -> dict:
    """Validated config → {'config', 'config_hash', 'axes', 'points', 'chunks'} (JSON-ready)."""
    cfg = validate_config(config)
    params_cls, _ = MODELS[cfg["model"]]
    names = list(cfg["axes"])
    shape = [len(cfg["axes"][n]) for n in names]
    defaults = params_cls().as_dict()
    points = []
    for index in np.ndindex(*shape):
        values = {n: cfg["axes"][n][i] for n, i in zip(names, index)}
        where = ", ".join(f"{k}={v!r}" for k, v in values.items())
        try:
            params = params_cls(**{**defaults, **cfg["fixed"], **values}).as_dict()
        except ParameterError as err:
            raise SweepConfigError(f"point ({where}): {err}") from None
        if (cfg["quantity"] == "delta0" and params.get("kernel") == "lorentzian"
                and params.get("xi_grid") == "graded"):
            raise SweepConfigError(f"point ({where}): quantity 'delta0' (the nonlinear ξ-resolved solve) needs "
                                   "'xi_grid' = 'uniform' with kernel 'lorentzian' (the graded grid's exact kernel "
                                   "integration is built for the linear problem, lambda_c and T_c)")
        points.append({"index": [int(i) for i in index], "params": params,
                       "id": point_id(cfg["model"], cfg["quantity"], params, cfg["petsc_options"])})
    ids = [p["id"] for p in points]
    if len(set(ids)) != len(ids):
        raise SweepConfigError("two points of the sweep have identical parameters")
    per = cfg["chunking"]["points_per_chunk"]
    chunks = [ids[i:i + per] for i in range(0, len(ids), per)]
    return {"config": cfg, "config_hash": config_hash(cfg), "axes": cfg["axes"], "points": points,
            "chunks": chunks}


def write_plan(plan: dict, path) -> None:
    io.write_text_atomic(path, json.dumps(plan, indent=1, sort_keys=True))


def read_plan(path) -> dict:
    with open(path) as fh:
        return json.load(fh)


def estimate_seconds(plan: dict) -> float:
    """Rough cost of all points on one core, calibrated on measured point times (demo: 0.2 s bath and
    0.5 s kinetic at N_ω = 4097): 6e-5 s per frequency point (× log₂N/12), ×2.5 self-consistent F_el,
    T_c ×1.5, Δ0 ×3.  Points near threshold or at large λ_c cost more; expect a factor 2 either way."""
    q = plan["config"]["quantity"]
    factor = {"lambda_c": 1.0, "T_c": 1.5, "delta0": 3.0}[q]
    total = 0.0
    for p in plan["points"]:
        if "n_k" in p["params"]:            # interband: dense O(n_k²) Newton, ~0.1 s at n_k = 241 (measured)
            nk = p["params"]["n_k"] ** (2 if p["params"]["band"] == "tb2d" else 1)
            total += 2e-6 * nk**2 * (1 + 2e-3 * nk) * {"lambda_c": 1, "T_c": 25, "delta0": 1}[q] + 0.05
            continue
        n = p["params"]["n_omega"]
        kin = 2.5 if p["params"]["fel_mode"] == "kinetic" else 1.0
        total += 6e-5 * n * math.log2(n) / 12.0 * kin * factor * _xi_cost_factor(p["params"])
    return total


def _xi_cost_factor(params: dict) -> float:
    """ξ model, relative to the flat band at the same N_ω (measured at N_ω = 1331 on this machine):
    local kernel ≈ 8× (one row); xi_local ≈ 30× (a scan of ≈ 16 independent rows, ≈ 2 s per λ_c);
    Lorentzian on uniform cells ≈ 8 × 0.6 per row; Lorentzian on graded cells ≈ 0.3 × cells²
    (rows × cells × ω tensors: ≈ 50 s per λ_c at 50 cells)."""
    if "W" not in params:
        return 1.0
    if params["kernel"] == "local":
        return 8.0
    if params["kernel"] == "xi_local":
        return 30.0
    if params.get("xi_grid", "uniform") == "graded":
        from .models.xi_grid import graded_cells
        from .physics.params import EliashbergXiParams

        p = EliashbergXiParams(**params)
        n = graded_cells(p.W, p.central_cell, p.xi_growth, p.xi_hmax).n
        return 0.3 * n * n
    inner = min(params["W"], params["omega_max"])
    outer = 2 * math.ceil(math.log(params["W"] / inner) / math.log(1.3)) if params["W"] > inner else 0
    return 8.0 * max(1.0, 0.6 * (params["n_xi"] + outer))


# ------------------------------------------------------------------------------------ points
def _critical_fields(r: dict) -> dict:
    """Solver fields of a critical-point search: ρ evaluations; the kinetic SNES solve if there was one
    (bath-fixed F_el has no SNES: reason 0, name 'EIGEN'); and the extra scalar observables of the
    result when the model reports them (ξ model: `glue_ratio`, `Gamma_el0`; io.OBSERVABLES)."""
    out = {"iterations": r["rho_evaluations"], "snes_reason": r.get("kinetic_snes_reason_code", 0),
           "snes_reason_name": r.get("kinetic_snes_reason", "EIGEN"),
           "residual_norm": r.get("kinetic_residual_norm", float("nan"))}
    for key in io.OBSERVABLES:
        if isinstance(r.get(key), (int, float, np.floating, np.integer)) and not isinstance(r.get(key), bool):
            out[key] = float(r[key])
    return out


def evaluate_point(model: str, quantity: str, params: dict, petsc_options, comm=None) -> dict:
    """Compute one point; every failure becomes a record (status 'failed', reason, message).
    `comm`: the point's group of ranks (ξ model, λ_c: the normal state is a distributed Vec)."""
    from . import api

    params_cls, _ = MODELS[model]
    t0 = time.perf_counter()
    rec = {"status": "failed", "value": float("nan"), "snes_reason": 0, "snes_reason_name": "",
           "iterations": 0, "residual_norm": float("nan"), "message": ""}
    try:
        p = params_cls(**params)
        if model == "interband":
            rec.update(_interband_point(p, quantity, petsc_options))
        elif quantity == "lambda_c":
            r = api.critical_coupling(p, petsc_options, comm=comm)
            rec.update(value=r["lambda_c"], message=r["message"], **_critical_fields(r))
        elif quantity == "T_c":
            r = api.critical_temperature(p, petsc_options)
            rec.update(value=r["T_c"], message=r["message"], **_critical_fields(r))
        else:
            r = api.solve_gap(p, petsc_options)
            rec.update(value=r["delta0"], iterations=r["iterations"], snes_reason=r["snes_reason_code"],
                       snes_reason_name=r["snes_reason"], residual_norm=r["residual_norm"],
                       message=r["message"] or r["snes_reason"])
        if model != "interband":
            rec["status"] = "ok" if r["converged"] and np.isfinite(rec["value"]) else "failed"
            if rec["status"] == "ok" and r.get("status") == "complex_leading":
                rec["status"] = "complex"          # the real crossing is kept; the message says why
                rec["message"] = r["warning"]
        if rec["status"] == "failed":
            rec["value"] = float("nan")
    except Exception as exc:  # a point never kills a sweep
        rec["message"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc(limit=4)
    rec["wall_time"] = time.perf_counter() - t0
    return rec


def _interband_point(p, quantity: str, petsc_options) -> dict:
    """One interband point: Δ0 (quasi or Keldysh level) or T_c, plus the NESS observables (io.OBSERVABLES).
    The status is 'failed' (with the PETSc reason) if the NESS or the gap/T_c search did not converge."""
    from . import api

    r = api.solve_interband(p, petsc_options)
    rec = {"snes_reason": r["snes_reason_code"], "snes_reason_name": r["snes_reason"],
           "iterations": r["iterations"], "residual_norm": r["residual_norm"], "message": r["message"] or r["snes_reason"]}
    roots = r.get("delta_roots") or []
    extra = {"delta_sarma": roots[1] if len(roots) > 1 else float("nan")}
    for key in io.OBSERVABLES:
        v = extra.get(key, r.get(key))
        if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool):
            rec[key] = float(v)
    ok = bool(r["converged"])
    if quantity == "T_c":
        tc = api.interband_critical_temperature(p, petsc_options)
        rec["value"] = tc["T_c"]
        rec["message"] = tc["message"]
        ok = ok and tc["converged"]
    elif quantity == "delta0":
        rec["value"] = r["delta0"]
    else:
        raise ValueError("model interband computes quantity delta0 or T_c, not lambda_c")
    rec["status"] = "ok" if ok and np.isfinite(rec["value"]) else "failed"
    if rec["status"] == "failed":
        rec["value"] = float("nan")
    return rec


# ------------------------------------------------------------------------------------ files
def records_dir(chunk_path) -> Path:
    p = Path(chunk_path)
    return p.with_name(p.stem + ".d")


def load_record(path):
    """A finished point's record, or None if the file is absent or unreadable (then it is recomputed)."""
    try:
        with open(path) as fh:
            rec = json.load(fh)
        return rec if isinstance(rec, dict) and "status" in rec else None
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------------------------ MPI chunk
def _claim(rdir: Path, pid: str, token: str) -> bool:
    """Atomically claim point `pid` for this run; False if another group of this run has it."""
    try:
        fd = os.open(rdir / f"{pid}.claim-{token}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def run_chunk(plan: dict, chunk: int, out_path, comm=None, log=sys.stderr) -> dict:
    """Run chunk `chunk` of `plan` on `comm` (default COMM_WORLD); returns a summary on rank 0."""
    from mpi4py import MPI
    from petsc4py import PETSc  # noqa: F401  (PetscInitialize is collective: every rank, before any point)

    comm = comm or MPI.COMM_WORLD
    cfg = plan["config"]
    rpp = cfg["chunking"]["ranks_per_point"]
    if comm.size % rpp:
        raise SweepConfigError(f"'chunking.ranks_per_point' = {rpp} does not divide the {comm.size} MPI ranks")
    if not 0 <= chunk < len(plan["chunks"]):
        raise SweepConfigError(f"chunk {chunk} does not exist: the plan has {len(plan['chunks'])} chunks")
    group = comm.Split(comm.rank // rpp, comm.rank)
    by_id = {p["id"]: p for p in plan["points"]}
    ids = plan["chunks"][chunk]
    rdir = records_dir(out_path)
    todo = None
    if comm.rank == 0:
        rdir.mkdir(parents=True, exist_ok=True)
        todo = [i for i in ids if load_record(rdir / f"{i}.json") is None]
        print(f"[chunk {chunk}] {len(ids)} points, {len(ids) - len(todo)} already finished, "
              f"{len(todo)} to run on {comm.size // rpp} group(s) of {rpp} rank(s)", file=log, flush=True)
    # ξ-model λ_c points use the whole group (PETSc Vec over it); other points run on its first rank
    shared = rpp > 1 and cfg["model"] == "eliashberg-xi" and cfg["quantity"] == "lambda_c"
    pgroup = None
    if shared:
        from petsc4py import PETSc
        pgroup = PETSc.Comm(group)
    token = comm.bcast(os.urandom(6).hex() if comm.rank == 0 else None, root=0)
    todo = comm.bcast(todo, root=0)
    comm.Barrier()
    t_start = time.perf_counter()
    for pid in todo:
        mine = _claim(rdir, pid, token) if group.rank == 0 else None
        if not group.bcast(mine, root=0):
            continue
        point = by_id[pid]
        if shared:          # every rank of the group works on the point (distributed Vec)
            rec = evaluate_point(cfg["model"], cfg["quantity"], point["params"], cfg["petsc_options"], pgroup)
        else:
            rec = evaluate_point(cfg["model"], cfg["quantity"], point["params"], cfg["petsc_options"]) \
                if group.rank == 0 else None
        if group.rank == 0:
            rec.update(id=pid, index=point["index"])
            io.write_text_atomic(rdir / f"{pid}.json", json.dumps(rec, sort_keys=True))
            done = sum(1 for i in ids if (rdir / f"{i}.json").exists())
            elapsed = time.perf_counter() - t_start
            ran = max(done - (len(ids) - len(todo)), 1)
            eta = elapsed / ran * (len(ids) - done)
            print(f"[chunk {chunk}] {done}/{len(ids)} points  ({rec['status']}, {rec['wall_time']:.2f} s)  "
                  f"ETA {eta:.0f} s", file=log, flush=True)
        group.Barrier()
    comm.Barrier()
    if comm.rank == 0:
        for claim in rdir.glob("*.claim-*"):
            claim.unlink(missing_ok=True)
    summary = None
    if comm.rank == 0:
        records = []
        for i in ids:
            rec = load_record(rdir / f"{i}.json")
            if rec is None:
                raise RuntimeError(f"record of point {i} missing after the chunk finished ({rdir})")
            records.append(rec)
        io.write_chunk(out_path, plan, chunk, records)
        ok = sum(r["status"] == "ok" for r in records)
        summary = {"chunk": chunk, "points": len(records), "ok": ok, "failed": len(records) - ok,
                   "wall_time": time.perf_counter() - t_start}
        print(f"[chunk {chunk}] done: {ok} ok, {len(records) - ok} failed, "
              f"{summary['wall_time']:.1f} s", file=log, flush=True)
    group.Free()
    return comm.bcast(summary, root=0)


def progress(plan: dict, chunks_dir) -> dict:
    """Points finished so far (from the per-point records), ok/failed counts and an ETA."""
    chunks_dir = Path(chunks_dir)
    done = ok = 0
    times = []
    chunk_files = 0
    for c, ids in enumerate(plan["chunks"]):
        chunk_files += (chunks_dir / f"chunk_{c:04d}.h5").exists()
        rdir = chunks_dir / f"chunk_{c:04d}.d"
        for i in ids:
            rec = load_record(rdir / f"{i}.json")
            if rec is not None:
                done += 1
                ok += rec["status"] == "ok"
                times.append(rec.get("wall_time", 0.0))
    total = len(plan["points"])
    mean = float(np.mean(times)) if times else float("nan")
    return {"points": total, "done": done, "ok": ok, "failed": done - ok, "chunks": len(plan["chunks"]),
            "chunks_done": chunk_files, "mean_point_seconds": mean,
            "eta_core_seconds": mean * (total - done) if times else float("nan")}
