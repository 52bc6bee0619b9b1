"""The journal of a running chunk: one append-only file per chunk (`chunk_NNNN.journal`, JSON lines) that
holds the claims and the finished records of its points, instead of one file per point (parallel file
systems choke on millions of small files).

Every line is `<sha256 prefix> <json>` with the checksum of the JSON text, so a torn or edited line is
detected and ignored (its point is recomputed).  Two kinds of entries:

* `{"claim": id, "run": token}`: a group of ranks of run `token` takes point `id`.  Claims are appended
  under an exclusive `flock` of the journal, after reading the lines appended since the group's last look,
  so two groups never take the same point; claims of another run (a killed one) do not count.
* a record (`"id"` present): the result of a point, bound to the code that made it and to the plan: it
  must carry the plan's `config_hash`, the point's `index`, the record `schema`, the `nepsolve_version`
  and the model's `physics_version`, and the fields of `REQUIRED` with their types.  A record that fails
  any check is reported by `read` and not used: a rerun recomputes its point.

When the chunk file is complete the journal is removed: a rerun of a finished chunk (e.g. `--forceall`)
recomputes it, and a chunk file rejected at aggregation is recomputed by the next run.  `RunLock` keeps a
second process off a chunk that is running.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

SCHEMA = 2
_NUM = (int, float)
REQUIRED = {"id": str, "index": list, "status": str, "value": _NUM, "snes_reason": int, "snes_reason_name": str,
            "iterations": int, "residual_norm": _NUM, "wall_time": _NUM, "message": str, "config_hash": str,
            "schema": int, "nepsolve_version": str, "physics_version": str}
STATUSES = ("ok", "failed", "complex")


class ChunkBusyError(RuntimeError):
    """Another process is running this chunk."""


def path_for(chunk_path) -> Path:
    return Path(chunk_path).with_suffix(".journal")


def encode(entry: dict) -> bytes:
    """One journal line: checksum, space, canonical JSON (NaN and ±inf as JSON extensions)."""
    text = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return f"{hashlib.sha256(text.encode()).hexdigest()[:24]} {text}\n".encode()


def decode(line: bytes):
    """(entry, None) for a sound line, (None, reason) for a torn or altered one."""
    if not line.endswith(b"\n"):
        return None, "torn line (no end of line: a write was cut short)"
    try:
        sha, text = line[:-1].decode().split(" ", 1)
    except (UnicodeDecodeError, ValueError):
        return None, "unreadable line"
    if hashlib.sha256(text.encode()).hexdigest()[:24] != sha:
        return None, "checksum mismatch"
    try:
        entry = json.loads(text)
    except ValueError:
        return None, "not JSON"
    return (entry, None) if isinstance(entry, dict) else (None, "not an object")


def append(path, entry: dict) -> None:
    """Append one entry durably (O_APPEND, one write of the whole line, fsync)."""
    data = encode(entry)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def check_record(rec: dict, expect: dict) -> str | None:
    """Why a record may not be used for this plan and code (None: it may).  `expect`: config_hash,
    versions {nepsolve_version, physics_version} and index {id: grid index} of the chunk's points."""
    for key, kind in REQUIRED.items():
        if key not in rec:
            return f"field {key!r} missing"
        if not isinstance(rec[key], kind) or isinstance(rec[key], bool):
            return f"field {key!r} = {rec[key]!r} has the wrong type"
    if rec["schema"] != SCHEMA:
        return f"record schema {rec['schema']} (this code reads {SCHEMA})"
    if rec["config_hash"] != expect["config_hash"]:
        return f"belongs to another plan (config hash {rec['config_hash']})"
    if rec["id"] not in expect["index"]:
        return f"point {rec['id']} is not a point of this chunk"
    if rec["index"] != expect["index"][rec["id"]]:
        return f"grid index {rec['index']} is not the plan's {expect['index'][rec['id']]}"
    if rec["status"] not in STATUSES:
        return f"status {rec['status']!r} is not one of {', '.join(STATUSES)}"
    for key, want in expect["versions"].items():
        if rec[key] != want:
            return f"made by {key} {rec[key]} (this code: {want})"
    return None


class Reader:
    """Incremental reader of a journal: `update()` reads the lines appended since the last call."""

    def __init__(self, path, expect: dict, run: str | None = None):
        self.path, self.expect, self.run = Path(path), expect, run
        self.offset = 0
        self.records: dict[str, dict] = {}
        self.claimed: set[str] = set()
        self.problems: list[str] = []
        self.line_no = 0

    def update(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                lines = fh.readlines()
        except FileNotFoundError:
            return
        for line in lines:
            if not line.endswith(b"\n"):
                break                           # a line being written (or torn): read it next time
            self.offset += len(line)
            self.line_no += 1
            entry, why = decode(line)
            if entry is None:
                self.problems.append(f"line {self.line_no}: {why}")
            elif "claim" in entry:
                if entry.get("run") == self.run:
                    self.claimed.add(entry["claim"])
            else:
                why = check_record(entry, self.expect)
                if why is not None:
                    self.problems.append(f"line {self.line_no}: {why}")
                elif entry["id"] in self.records:
                    self.problems.append(f"line {self.line_no}: second record of point {entry['id']} (first kept)")
                else:
                    self.records[entry["id"]] = entry

    def torn_tail(self) -> bool:
        """True if the journal ends in an incomplete line (a killed write)."""
        try:
            return self.path.stat().st_size > self.offset
        except FileNotFoundError:
            return False


def read(path, expect: dict) -> tuple[dict[str, dict], list[str]]:
    """The usable records of a journal by point id, and the reasons the other lines were not used."""
    r = Reader(path, expect)
    r.update()
    if r.torn_tail():
        r.problems.append(f"line {r.line_no + 1}: torn line (a write was cut short)")
    return r.records, r.problems


class Locked:
    """Exclusive flock of a file for a `with` block (blocking)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class RunLock:
    """Held by rank 0 while a chunk runs (`chunk_NNNN.lock`, non-blocking flock, released by the kernel if
    the process dies); a second run of the same chunk gets ChunkBusyError instead of computing every point
    again."""

    def __init__(self, chunk_path):
        self.path = Path(chunk_path).with_suffix(".lock")
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise ChunkBusyError(f"{Path(chunk_path).name} is being run by another process (lock {self.path})") \
                from None

    def release(self, remove: bool = True) -> None:
        if remove:
            self.path.unlink(missing_ok=True)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
