"""Sweeps: study config → points → chunks → per-point records (docs/sweep-contract.md).

* `validate_config` checks a study config completely (every key named in the error), including every
  point's model parameters, so that bad input fails before any job starts.
* `make_plan` expands the axes (lists, linspace, logspace) in C order into points with content-hashed
  ids (model, quantity, all parameters, PETSc options) and cuts them into chunks.
* `run_chunk` runs one chunk under MPI: COMM_WORLD is split into groups of `ranks_per_point` ranks;
  each group claims the next unfinished point in the chunk's journal (`nepsolve.journal`: one
  append-only, checksummed file per chunk; claims under an flock, tagged with a token of this run, so
  claims left by a killed run do not count), so slow points (near a phase boundary) do not hold up the
  others.  (A one-sided MPI counter was measured first: without an MPI progress thread a fetch-and-add
  stalls until the target rank finishes its own point, which serialized two groups.)  Every finished
  point is appended to the journal at once, bound to the plan and to the code (nepsolve version, the
  model's physics version); a rerun skips those points and recomputes any record that does not check.
  When all points are done, rank 0 writes the chunk file atomically (with a checksum) and removes the
  journal.  A point that fails is a record, never an abort; a second process on a running chunk is refused.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from . import io, journal, plans, registry
from .physics.params import ParameterError, Spec

TOP_KEYS = ("study", "model", "quantity", "fixed", "axes", "chunking", "petsc_options", "figures", "max_points")
MAX_POINTS = 10**6        # default limit of points per study (config key `max_points` raises it)
CHUNK_KEYS = {"points_per_chunk": 8, "ranks_per_chunk": 2, "ranks_per_point": 1}


class SweepConfigError(ValueError):
    """Invalid study config; the message names the key and what is allowed."""


# ------------------------------------------------------------------------------------ config
def _checked(where: str, key: str, value, spec: Spec):
    """One model value from a config, checked by its Spec; errors name the config path."""
    if spec.kind is not str and isinstance(value, (str, bool)):
        try:
            as_number = float(value) if isinstance(value, str) else None
        except ValueError:
            as_number = None
        if as_number is not None:
            raise SweepConfigError(f"'{where}' = {value!r} was read as text, not a number: YAML reads an exponent "
                                   f"without a decimal point as a string; write {as_number!r}")
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


def load_yaml(path) -> dict:
    """A YAML file as a mapping; a key given twice in one mapping is an error naming the key and its line
    (PyYAML, and so Snakemake, would silently keep the second)."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise SweepConfigError(f"{path}: key {key!r} is given twice (lines {seen[key] + 1} and "
                                       f"{key_node.start_mark.line + 1})")
            seen[key] = key_node.start_mark.line
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        with open(path) as fh:
            data = yaml.load(fh, Loader=StrictLoader)
    except OSError as err:
        raise SweepConfigError(f"cannot read {path}: {err}") from None
    except yaml.YAMLError as err:
        raise SweepConfigError(f"{path} is not valid YAML: {err}") from None
    return data


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
    if not isinstance(study, str) or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", study):
        raise SweepConfigError(f"'study' = {study!r} must be one path component: letters, digits, '_', '-', "
                               "'.', not starting with '.' or '-' (outputs go to results/<study>/)")
    try:
        model = registry.get(config["model"])
        model.quantity(config["quantity"])
    except registry.RegistryError as err:
        key = "model" if config["model"] not in registry.models() else "quantity"
        raise SweepConfigError(f"'{key}': {err}") from None
    specs = model.params.specs()
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
    _check_size(config, model, resolved_axes, fixed)
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
    from .solvers.snes import parse_petsc_options, validate_petsc_options

    try:
        petsc = parse_petsc_options(petsc)
        validate_petsc_options(petsc)
    except ValueError as err:
        raise SweepConfigError(f"'petsc_options': {err}") from None
    study_figures(config)      # checked here; not part of the resolved config (figures do not change points)
    return {"study": study, "model": config["model"], "quantity": config["quantity"], "fixed": dict(fixed),
            "axes": resolved_axes, "chunking": chunking, "petsc_options": petsc}


def study_figures(config: dict) -> dict[str, dict]:
    """The figures a study draws: output name -> {"figure": registered figure, "args": {...}}.

    Every study draws `phase_diagram`; its config may add more under `figures`, a mapping of output names
    (files results/<study>/<name>.png|pdf) to the figure's keyword arguments, with `figure:` naming the
    registered figure when it differs from the output name.  Unknown figures (for the study's model) and
    arguments the figure does not take raise SweepConfigError naming the key."""
    import inspect

    model = registry.get(config["model"])
    given = config.get("figures") or {}
    if not isinstance(given, dict):
        raise SweepConfigError("'figures' must be a mapping of output names to figure arguments")
    out = {"phase_diagram": {"figure": "phase_diagram", "args": {}}}
    for name, entry in given.items():
        where = f"figures.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise SweepConfigError(f"'{where}': a figure name is letters, digits, '_', '-', '.'")
        entry = dict(entry or {})
        if not all(isinstance(k, str) for k in entry):
            raise SweepConfigError(f"'{where}': argument names must be strings")
        figure = entry.pop("figure", name)
        try:
            draw = model.figure(figure).function()
        except registry.RegistryError as err:
            raise SweepConfigError(f"'{where}.figure': {err}") from None
        try:
            inspect.signature(draw).bind("phase_diagram.h5", "out", formats=None, **entry)
        except TypeError as err:
            params = [p for p in inspect.signature(draw).parameters if p not in ("path", "out", "formats")]
            raise SweepConfigError(f"'{where}': {err} (figure {figure!r} takes {', '.join(params) or 'no arguments'})") from None
        out[name] = {"figure": figure, "args": entry}
    return out


def _check_size(config: dict, model, axes: dict, fixed: dict) -> None:
    """Refuse a study of more points than `max_points` (default MAX_POINTS) before planning it, with the
    cost estimate of its first point times the number of points."""
    limit = config.get("max_points", MAX_POINTS)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise SweepConfigError(f"'max_points' = {limit!r} must be an integer >= 1")
    n = int(np.prod([len(v) for v in axes.values()], dtype=float))
    if n <= limit:
        return
    try:
        first = model.params(**{**model.params().given_dict(), **fixed, **{k: v[0] for k, v in axes.items()}}).as_dict()
        secs = model.cost(first, config["quantity"]) * n if model.cost else float("nan")
    except Exception:
        secs = float("nan")
    raise SweepConfigError(f"the study has {n:,} points, more than 'max_points' = {limit:,} (about {secs / 3600:.3g} "
                           f"core-hours at the first point's cost): split it, or set max_points if you mean it")


def config_hash(resolved: dict) -> str:
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------ plan
point_id = plans.point_id


def make_plan(config: dict) -> dict:
    """Validated config → the compact plan (see nepsolve.plans): {'format', 'config', 'config_hash', 'axes',
    'axis_order', 'shape', 'base', 'chunks'} (JSON-ready).  Every point's parameters are checked here (the
    model's own checks, and `check_point` for the quantity), before any job; none is stored."""
    cfg = validate_config(config)
    model = registry.get(cfg["model"])
    params_cls = model.params
    names = list(cfg["axes"])
    shape = [len(cfg["axes"][n]) for n in names]
    base = {**params_cls().given_dict(), **cfg["fixed"]}       # keys a model chooses stay None (chosen per point)
    check = model.check_point
    first = None
    for values in itertools.product(*(cfg["axes"][n] for n in names)):
        try:
            p = params_cls(**{**base, **dict(zip(names, values))})
            if check is not None:
                check(p, cfg["quantity"])
        except ParameterError as err:
            where = ", ".join(f"{k}={v!r}" for k, v in zip(names, values))
            raise SweepConfigError(f"point ({where}), quantity '{cfg['quantity']}': {err}") from None
        if first is None:
            first = p.given_dict()
    resolved = {k: v for k, v in first.items() if k not in names}      # defaults and fixed, as checked
    n = int(np.prod(shape, dtype=np.int64))
    per = cfg["chunking"]["points_per_chunk"]
    return {"format": plans.FORMAT, "config": cfg, "config_hash": config_hash(cfg), "axes": cfg["axes"],
            "axis_order": names, "shape": shape, "base": resolved,
            "chunks": [[lo, min(lo + per, n)] for lo in range(0, n, per)]}


def write_plan(plan: dict, path, log=None) -> None:
    """Write the plan (atomic); with `log`, a one-line summary of it to that file."""
    io.write_text_atomic(path, json.dumps(plan, indent=1, sort_keys=True))
    if log is not None:
        io.write_text_atomic(log, f"plan {plan['config_hash']}: {plans.n_points(plan)} points in "
                                  f"{len(plan['chunks'])} chunks, estimated {estimate_seconds(plan):.0f} "
                                  f"core-seconds -> {path}\n")


PLAN_KEYS = ("format", "config", "config_hash", "axes", "axis_order", "shape", "base", "chunks")


def read_plan(path) -> dict:
    """A plan written by `write_plan`; SweepConfigError naming the file if it is not one."""
    try:
        with open(path) as fh:
            plan = json.load(fh)
    except (OSError, ValueError) as err:
        raise SweepConfigError(f"{path} is not a readable plan file: {err}") from None
    missing = [k for k in PLAN_KEYS if not isinstance(plan, dict) or k not in plan]
    if missing:
        raise SweepConfigError(f"{path} is not a plan file (no {', '.join(missing)}): write one with "
                               "`nepsolve plan CONFIG --out plan.json`")
    if plan["format"] != plans.FORMAT:
        raise SweepConfigError(f"{path}: plan format {plan['format']} (this code reads {plans.FORMAT}): re-plan it")
    if plan["config_hash"] != config_hash(plan["config"]):
        raise SweepConfigError(f"{path}: the plan's config does not match its hash (edited by hand?): re-plan it")
    return plan


# start-up of one chunk job (interpreter, imports, MPI and PETSc initialisation, plan reading), wall seconds:
# measured 0.96 s (bcs) and 1.26 s (flat band) for `mpiexec -n 2 nepsolve sweep-chunk` on one point
CHUNK_STARTUP_SECONDS = 1.1
COST_SAMPLES_PER_CHUNK = 2000     # cost estimates of larger chunks use a regular sample of their points
SLURM_MIN_CHUNK_SECONDS = 600     # a SLURM chunk job shorter than this is mostly scheduler overhead


def _resolved(model, params_iter):
    """Parameters with the keys the model chooses (left None in the plan) filled in, for its cost model."""
    auto = model.params.AUTO_KEYS if hasattr(model.params, "AUTO_KEYS") else ()
    for p in params_iter:
        yield model.params(**p).as_dict() if any(p.get(k) is None for k in auto) else p


def _chunk_costs(plan: dict) -> list[float]:
    """Core-seconds of each chunk's points by the model's cost estimate (registry `cost`; large chunks: a
    regular sample of their points)."""
    model = registry.get(plan["config"]["model"])
    q = plan["config"]["quantity"]
    if not model.cost:
        return [0.0] * len(plan["chunks"])
    out = []
    for lo, hi in plan["chunks"]:
        flats = range(lo, hi, max(1, (hi - lo) // COST_SAMPLES_PER_CHUNK))
        out.append(sum(model.cost(p, q) for p in _resolved(model, plans.params_of(plan, flats))) * (hi - lo) / len(flats))
    return out


def chunk_seconds(plan: dict) -> list[float]:
    """Estimated wall time of each chunk job: its start-up plus its points' costs spread over the chunk's
    groups of ranks (ranks_per_chunk / ranks_per_point groups; a point shared by a group costs its time /
    ranks_per_point only for quantities that use several ranks)."""
    q, ch = plan["config"]["quantity"], plan["config"]["chunking"]
    groups = ch["ranks_per_chunk"] // ch["ranks_per_point"]
    share = ch["ranks_per_point"] if registry.quantity(plan["config"]["model"], q).multi_rank else 1
    return [CHUNK_STARTUP_SECONDS + cost / share / min(groups, hi - lo)
            for cost, (lo, hi) in zip(_chunk_costs(plan), plan["chunks"])]


def estimate_seconds(plan: dict) -> float:
    """Rough cost of all points on one core, plus every rank's start-up of every chunk job (the model's own
    per-point estimates, calibrated on this machine's measured timings; expect a factor 2 either way)."""
    if not registry.get(plan["config"]["model"]).cost:
        return 0.0
    starts = CHUNK_STARTUP_SECONDS * plan["config"]["chunking"]["ranks_per_chunk"] * len(plan["chunks"])
    return sum(_chunk_costs(plan)) + starts


# ------------------------------------------------------------------------------------ points
def evaluate_point(model: str, quantity: str, params: dict, petsc_options, comm=None) -> dict:
    """Compute one point with the model's registered quantity; every failure becomes a record (status
    'failed', reason, message).  `comm`: the point's group of ranks (quantities registered multi_rank)."""
    spec = registry.get(model)
    t0 = time.perf_counter()
    rec = {"status": "failed", "value": float("nan"), "snes_reason": 0, "snes_reason_name": "",
           "iterations": 0, "residual_norm": float("nan"), "message": ""}
    try:
        rec.update(spec.quantity(quantity).compute(spec.params(**params), petsc_options, comm=comm))
        if rec["status"] == "failed":
            rec["value"] = float("nan")
    except Exception as exc:  # a point never kills a sweep
        rec.update(status="failed", value=float("nan"), snes_reason=0, snes_reason_name="EXCEPTION",
                   message=f"{quantity} of model {model}: {type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=4))
    rec["wall_time"] = time.perf_counter() - t0
    return rec


# ------------------------------------------------------------------------------------ records
code_versions = registry.code_versions


def journal_expectation(plan: dict, chunk: int, points: list | None = None) -> dict:
    """What a journal record of chunk `chunk` must match (see journal.check_record); `points`: the chunk's
    points if the caller has them already (their ids are content hashes, not free to recompute)."""
    points = plans.points(plan, chunk) if points is None else points
    return {"config_hash": plan["config_hash"], "versions": code_versions(plan["config"]["model"]),
            "index": {p["id"]: p["index"] for p in points}}


def finished_record(rec: dict, pid: str, index, plan: dict) -> dict:
    """A point's record as the journal stores it: JSON-plain fields, plan and code binding."""
    out = io.json_plain(rec)
    out.update(id=pid, index=list(index), config_hash=plan["config_hash"], schema=journal.SCHEMA,
               **code_versions(plan["config"]["model"]))
    for key in ("snes_reason", "iterations"):
        out[key] = int(out.get(key) or 0)
    for key in ("snes_reason_name", "message"):
        out[key] = str(out.get(key) or "")
    return out


# ------------------------------------------------------------------------------------ MPI chunk
def _setup_chunk(plan: dict, chunk: int, out_path, expect: dict, n_groups: int, log) -> dict:
    """Rank 0: lock the chunk, read its journal, report unusable lines; the points still to run."""
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    lock = journal.RunLock(out_path)
    jpath = journal.path_for(out_path)
    done, problems = journal.read(jpath, expect)
    ids = list(expect["index"])
    todo = [i for i in ids if i not in done]
    for why in problems[:10]:
        print(f"[chunk {chunk}] journal {jpath.name}: {why}; that point is recomputed", file=log, flush=True)
    if len(problems) > 10:
        print(f"[chunk {chunk}] journal {jpath.name}: {len(problems) - 10} more unusable lines", file=log, flush=True)
    print(f"[chunk {chunk}] {len(ids)} points, {len(ids) - len(todo)} already finished, "
          f"{len(todo)} to run on {n_groups} group(s) of {plan['config']['chunking']['ranks_per_point']} rank(s)",
          file=log, flush=True)
    return {"lock": lock, "todo": todo}


def _next_point(reader: journal.Reader, todo: list, run: str):
    """Claim the next point of `todo` that no group of this run has claimed or finished (None: none left)."""
    with journal.Locked(reader.path):
        reader.update()
        for pid in todo:
            if pid not in reader.claimed and pid not in reader.records:
                journal.append(reader.path, {"claim": pid, "run": run})
                reader.claimed.add(pid)
                return pid
    return None


def _injected_fault(rank: int) -> None:
    """Test hook: NEPSOLVE_FAULT_RANK=r raises on rank r after the point loop (the abort path of
    `nepsolve sweep-chunk` is tested with it: an error on one rank must end the whole job)."""
    if os.environ.get("NEPSOLVE_FAULT_RANK") == str(rank):
        raise RuntimeError(f"fault injected on rank {rank} (NEPSOLVE_FAULT_RANK)")


def run_chunk(plan: dict, chunk: int, out_path, comm=None, log=sys.stderr) -> dict:
    """Run chunk `chunk` of `plan` on `comm` (default COMM_WORLD); returns a summary on rank 0.
    Errors of the set-up (a busy chunk, an unusable output path) are raised on every rank alike."""
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
    by_id = {p["id"]: p for p in plans.points(plan, chunk)}
    ids = list(by_id)
    expect = journal_expectation(plan, chunk, list(by_id.values()))
    jpath = journal.path_for(out_path)
    setup, error = None, None
    if comm.rank == 0:
        try:
            setup = _setup_chunk(plan, chunk, out_path, expect, comm.size // rpp, log)
        except (journal.ChunkBusyError, OSError) as err:
            error = f"chunk {chunk}: {err}"
    error = comm.bcast(error, root=0)
    if error:
        group.Free()
        raise SweepConfigError(error)
    todo = comm.bcast(setup["todo"] if comm.rank == 0 else None, root=0)
    # multi-rank quantities (registry) use the whole group (PETSc Vec over it); other points run on its first rank
    shared = rpp > 1 and registry.quantity(cfg["model"], cfg["quantity"]).multi_rank
    pgroup = None
    if shared:
        from petsc4py import PETSc
        pgroup = PETSc.Comm(group)
    run = comm.bcast(os.urandom(6).hex() if comm.rank == 0 else None, root=0)
    reader = journal.Reader(jpath, expect, run) if group.rank == 0 else None
    comm.Barrier()
    t_start = time.perf_counter()
    n_done = len(ids) - len(todo)
    while True:
        pid = _next_point(reader, todo, run) if group.rank == 0 else None
        pid = group.bcast(pid, root=0)
        if pid is None:
            break
        point = by_id[pid]
        if shared:          # every rank of the group works on the point (distributed Vec)
            rec = evaluate_point(cfg["model"], cfg["quantity"], point["params"], cfg["petsc_options"], pgroup)
        else:
            rec = evaluate_point(cfg["model"], cfg["quantity"], point["params"], cfg["petsc_options"]) \
                if group.rank == 0 else None
        if group.rank == 0:
            journal.append(jpath, finished_record(rec, pid, point["index"], plan))
            reader.update()
            n_done = len(ids) - len(todo) + sum(1 for i in todo if i in reader.records)
            elapsed = time.perf_counter() - t_start
            ran = max(n_done - (len(ids) - len(todo)), 1)
            eta = elapsed / ran * (len(ids) - n_done)
            print(f"[chunk {chunk}] {n_done}/{len(ids)} points  ({rec['status']}, {rec['wall_time']:.2f} s)  "
                  f"ETA {eta:.0f} s", file=log, flush=True)
    comm.Barrier()
    _injected_fault(comm.rank)
    summary = None
    if comm.rank == 0:
        records, problems = journal.read(jpath, expect)
        missing = [i for i in ids if i not in records]
        if missing:
            raise RuntimeError(f"chunk {chunk}: {len(missing)} record(s) missing after the run "
                               f"(e.g. {missing[0]}; {'; '.join(problems[:3])})")
        ordered = [records[i] for i in ids]
        io.write_chunk(out_path, plan, chunk, ordered, code_versions(cfg["model"]))
        jpath.unlink(missing_ok=True)
        setup["lock"].release()
        ok = sum(r["status"] == "ok" for r in ordered)
        summary = {"chunk": chunk, "points": len(ordered), "ok": ok, "failed": len(ordered) - ok,
                   "wall_time": time.perf_counter() - t_start}
        print(f"[chunk {chunk}] done: {ok} ok, {len(ordered) - ok} failed, "
              f"{summary['wall_time']:.1f} s", file=log, flush=True)
    group.Free()
    return comm.bcast(summary, root=0)


def progress(plan: dict, chunks_dir) -> dict:
    """Points finished so far (chunk files for finished chunks, journals for running or killed ones),
    ok/failed counts and an ETA."""
    chunks_dir = Path(chunks_dir)
    done = ok = 0
    times = []
    chunk_files = 0
    for c in range(len(plan["chunks"])):
        cpath = chunks_dir / f"chunk_{c:04d}.h5"
        try:
            data = io.read_chunk(cpath, plan, c, code_versions(plan["config"]["model"]))
        except (io.ChunkFileError, FileNotFoundError):
            data = None
        if data is not None:
            chunk_files += 1
            done += plans.chunk_size(plan, c)
            ok += int(np.sum(data["status"] == io.STATUS_CODES["ok"]))
            times.extend(data["wall_time"].tolist())
            continue
        jpath = journal.path_for(cpath)
        records = journal.read(jpath, journal_expectation(plan, c))[0] if jpath.exists() else {}
        done += len(records)
        ok += sum(r["status"] == "ok" for r in records.values())
        times.extend(r["wall_time"] for r in records.values())
    total = plans.n_points(plan)
    mean = float(np.mean(times)) if times else float("nan")
    return {"points": total, "done": done, "ok": ok, "failed": done - ok, "chunks": len(plan["chunks"]),
            "chunks_done": chunk_files, "mean_point_seconds": mean,
            "eta_core_seconds": mean * (total - done) if times else float("nan")}
