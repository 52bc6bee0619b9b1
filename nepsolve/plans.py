"""The points of a sweep plan, derived on demand from its compact form (docs/sweep-contract.md).

A plan stores no per-point entries (a 10⁶-point study would need a gigabyte of them): its `axis_order`
and `shape` define the grid in C order (last axis fastest), `base` holds every parameter that is not an
axis (defaults and `fixed`, resolved), and `chunks` are ranges [start, stop) of flat point numbers.  A
point's parameters are `base` with its axis values; its id is the content hash of model, quantity,
parameters and PETSc options (re-chunking keeps ids, any parameter change changes them).
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterator

import numpy as np

FORMAT = 2


def point_id(model: str, quantity: str, params: dict, petsc: dict) -> str:
    """Content hash of everything that determines a point's result."""
    blob = json.dumps({"model": model, "quantity": quantity, "params": params, "petsc": petsc}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def n_points(plan: dict) -> int:
    return int(np.prod(plan["shape"], dtype=np.int64))


def point(plan: dict, flat: int) -> dict:
    """Point number `flat` (C order): {'index', 'params', 'id'}."""
    index = [int(i) for i in np.unravel_index(flat, plan["shape"])]
    params = dict(plan["base"])
    for name, i in zip(plan["axis_order"], index):
        params[name] = plan["axes"][name][i]
    cfg = plan["config"]
    return {"index": index, "params": params,
            "id": point_id(cfg["model"], cfg["quantity"], params, cfg["petsc_options"])}


def params_of(plan: dict, flats) -> Iterator[dict]:
    """The parameters of the points numbered `flats` (no ids: cheap)."""
    names, axes, base = plan["axis_order"], plan["axes"], plan["base"]
    for flat in flats:
        params = dict(base)
        for name, i in zip(names, np.unravel_index(flat, plan["shape"])):
            params[name] = axes[name][int(i)]
        yield params


def points(plan: dict, chunk: int | None = None) -> Iterator[dict]:
    """The points of the plan, or of one chunk, in order."""
    lo, hi = (0, n_points(plan)) if chunk is None else plan["chunks"][chunk]
    for flat in range(lo, hi):
        yield point(plan, flat)


def chunk_ids(plan: dict, chunk: int) -> list[str]:
    return [p["id"] for p in points(plan, chunk)]


def chunk_size(plan: dict, chunk: int) -> int:
    lo, hi = plan["chunks"][chunk]
    return hi - lo
