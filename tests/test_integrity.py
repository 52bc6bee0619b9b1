"""Stored results are bound to the plan and to the code that made them, checked when read, and repaired by a
rerun; no rank of an MPI job is left waiting when another fails; a chunk runs in one process at a time.
Cheap points: the bcs model (closed forms), real MPI ranks, real HDF5 and journal files."""
import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from nepsolve import io, journal, plans, registry, sweep

BIN = Path(sys.executable).parent
CFG = {"study": "integrity", "model": "bcs", "quantity": "T_c", "fixed": {"lam": 0.3},
       "axes": {"Gamma": [0.0, 0.005, 0.01, 0.015], "h": [0.0, 0.01]},
       "chunking": {"points_per_chunk": 4, "ranks_per_chunk": 2, "ranks_per_point": 1}}


def run_chunk(plan_path, chunk, out, ranks=2, timeout=120, env=None):
    """`nepsolve sweep-chunk` under mpiexec, with a watchdog (a hang fails the test instead of blocking it)."""
    return subprocess.run(["timeout", "-k", "5", str(timeout), str(BIN / "mpiexec"), "-n", str(ranks),
                           str(BIN / "nepsolve"), "sweep-chunk", str(plan_path), "--chunk", str(chunk),
                           "--out", str(out)], capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.fixture
def planned(tmp_path):
    plan = sweep.make_plan(CFG)
    sweep.write_plan(plan, tmp_path / "plan.json")
    return plan, tmp_path / "plan.json", tmp_path / "chunks"


def chunk_paths(cdir, plan):
    return {c: cdir / f"chunk_{c:04d}.h5" for c in range(len(plan["chunks"]))}


def test_chunk_files_carry_versions_and_checksums_and_bad_ones_are_moved_aside(planned, tmp_path):
    plan, plan_path, cdir = planned
    for c in range(2):
        r = run_chunk(plan_path, c, cdir / f"chunk_{c:04d}.h5")
        assert r.returncode == 0, r.stderr
    paths = chunk_paths(cdir, plan)
    with h5py.File(paths[0]) as f:
        assert f.attrs["physics_version"] == registry.get("bcs").physics_version
        assert f.attrs["nepsolve_version"] == registry.code_versions("bcs")["nepsolve_version"]
    assert sorted(p.name for p in cdir.iterdir()) == ["chunk_0000.h5", "chunk_0001.h5"]   # journals removed
    io.write_phase_diagram(tmp_path / "pd.h5", plan, paths)
    with h5py.File(tmp_path / "pd.h5") as f:
        good = f["T_c"][()].copy()
        assert f.attrs["physics_version"] == registry.get("bcs").physics_version

    # 8 bytes of a value overwritten in place (the file stays a valid HDF5 file)
    with h5py.File(paths[0], "r") as f:
        offset = f["value"].id.get_offset()
    raw = bytearray(paths[0].read_bytes())
    raw[offset:offset + 8] = np.float64(0.123).tobytes()
    paths[0].write_bytes(bytes(raw))
    # a status byte set to 7, with the checksum recomputed (a deliberate edit)
    with h5py.File(paths[1], "a") as f:
        f["status"][0] = 7
        f.attrs["checksum"] = io.payload_checksum(f)
    with pytest.raises(io.ChunkFileError) as err:
        io.write_phase_diagram(tmp_path / "pd2.h5", plan, paths)
    text = str(err.value)
    assert "chunk_0000.h5 is corrupted: checksum mismatch" in text and "status code(s) [7]" in text
    assert not (tmp_path / "pd2.h5").exists()
    assert not paths[0].exists() and Path(str(paths[0]) + ".rejected").exists()      # moved aside, not deleted
    # a rerun repairs: the chunks are recomputed and the aggregate equals the first one
    for c in range(2):
        r = run_chunk(plan_path, c, paths[c])
        assert r.returncode == 0 and "0 already finished" in r.stderr, r.stderr
    io.write_phase_diagram(tmp_path / "pd3.h5", plan, paths)
    with h5py.File(tmp_path / "pd3.h5") as f:
        np.testing.assert_array_equal(f["T_c"][()], good)


def test_results_of_another_code_version_are_not_aggregated(planned, tmp_path):
    plan, plan_path, cdir = planned
    recs = [{"id": pid, "index": p["index"], "status": "ok", "value": 0.04, "snes_reason": 0,
             "snes_reason_name": "CLOSED_FORM", "iterations": 0, "residual_norm": 0.0, "wall_time": 0.01,
             "message": ""} for p in plans.points(plan, 0) for pid in [p["id"]]]
    old = {**registry.code_versions("bcs"), "physics_version": "0"}
    io.write_chunk(cdir / "chunk_0000.h5", plan, 0, recs, old)
    with pytest.raises(io.ChunkFileError, match="made by physics_version 0"):
        io.read_chunk(cdir / "chunk_0000.h5", plan, 0)
    # a journal record of another version is recomputed, not reused
    jpath = journal.path_for(cdir / "chunk_0001.h5")
    p1 = next(plans.points(plan, 1))
    rec = sweep.finished_record({**recs[0], "value": 99.0}, p1["id"], p1["index"], plan)
    journal.append(jpath, {**rec, "physics_version": "0"})
    r = run_chunk(plan_path, 1, cdir / "chunk_0001.h5")
    assert r.returncode == 0, r.stderr
    assert "made by physics_version 0" in r.stderr and "0 already finished" in r.stderr
    assert 99.0 not in io.read_chunk(cdir / "chunk_0001.h5", plan, 1)["value"]


def test_journal_lines_are_checked(planned):
    """A torn line, an edited value (checksum), a foreign record renamed to a plan id, a record of another
    plan and one without required fields are all refused with a reason; sound records are kept."""
    plan, _, cdir = planned
    cdir.mkdir()
    expect = sweep.journal_expectation(plan, 0)
    ids = plans.chunk_ids(plan, 0)
    index = expect["index"]
    base = {"status": "ok", "value": 0.04, "snes_reason": 0, "snes_reason_name": "CLOSED_FORM", "iterations": 0,
            "residual_norm": 0.0, "wall_time": 0.01, "message": ""}
    jpath = cdir / "chunk_0000.journal"
    journal.append(jpath, sweep.finished_record(base, ids[0], index[ids[0]], plan))          # sound
    line = journal.encode(sweep.finished_record(base, ids[1], index[ids[1]], plan))
    with jpath.open("ab") as fh:
        fh.write(line.replace(b'"value":0.04', b'"value":0.05'))                             # edited
    foreign = sweep.finished_record(base, ids[3], index[ids[3]], plan)
    foreign["id"] = ids[2]                                                                    # renamed
    journal.append(jpath, foreign)
    journal.append(jpath, {**sweep.finished_record(base, ids[3], index[ids[3]], plan), "config_hash": "0" * 16})
    journal.append(jpath, {"id": ids[3], "status": "ok"})
    with jpath.open("ab") as fh:
        fh.write(line[:30])                                                                   # torn
    records, problems = journal.read(jpath, expect)
    assert list(records) == [ids[0]]
    text = "\n".join(problems)
    for needle in ("checksum mismatch", "grid index", "another plan", "field 'index' missing", "torn line"):
        assert needle in text, needle


def test_an_error_on_one_rank_ends_the_whole_job(planned, tmp_path):
    """An error on one rank after the point loop (injected on rank 0, then on rank 1): the job ends with a
    non-zero exit and a message instead of leaving the other rank waiting; an output directory that cannot
    be created is refused on every rank before any point."""
    plan, plan_path, cdir = planned
    for rank in ("0", "1"):
        r = run_chunk(plan_path, 0, cdir / "chunk_0000.h5", timeout=90, env={"NEPSOLVE_FAULT_RANK": rank})
        assert r.returncode not in (0, 124, 137), (r.returncode, r.stderr[-2000:])          # not the watchdog
        assert f"[rank {rank}] RuntimeError: fault injected" in r.stderr and "aborting the MPI job" in r.stderr
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    r = run_chunk(plan_path, 0, blocker / "chunks" / "chunk_0000.h5", timeout=90)
    assert r.returncode == 2 and "chunk 0:" in r.stderr and "Not a directory" in r.stderr


def test_a_running_chunk_is_not_run_twice(planned):
    plan, plan_path, cdir = planned
    cdir.mkdir()
    lock = journal.RunLock(cdir / "chunk_0000.h5")      # as a running process holds it
    try:
        r = run_chunk(plan_path, 0, cdir / "chunk_0000.h5", ranks=1)
        assert r.returncode == 2 and "is being run by another process" in r.stderr
        assert not (cdir / "chunk_0000.journal").exists()
    finally:
        lock.release()
    assert run_chunk(plan_path, 0, cdir / "chunk_0000.h5", ranks=1).returncode == 0


def test_bad_plan_files_are_named_not_tracebacks(tmp_path, planned):
    plan, plan_path, _ = planned
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"config": plan["config"]}))
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**plan, "config": {**plan["config"], "quantity": "delta0"}}))
    for path, needle in ((bad, "is not a plan file"), (edited, "does not match its hash"),
                         (tmp_path / "none.json", "does not exist")):
        for cmd in (["aggregate", str(path), "--out", str(tmp_path / "x.h5")], ["progress", str(path)],
                    ["sweep-chunk", str(path), "--chunk", "0", "--out", str(tmp_path / "c.h5")]):
            r = subprocess.run([str(BIN / "nepsolve"), *cmd], capture_output=True, text=True)
            assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, (cmd, r.stderr)


def test_plans_store_no_per_point_entries(tmp_path):
    """A plan is compact (grid + chunk ranges): its file does not grow with the number of points beyond the
    axis values, and the derived points are the C-order grid with content-hashed ids."""
    sizes = {}
    for n_h in (10, 1000):
        cfg = {**CFG, "axes": {"Gamma": {"linspace": [0.0, 0.04, 100]}, "h": {"linspace": [0.0, 0.03, n_h]}},
               "chunking": {"points_per_chunk": 500, "ranks_per_chunk": 1, "ranks_per_point": 1}}
        plan = sweep.make_plan(cfg)
        sweep.write_plan(plan, tmp_path / f"p{n_h}.json")
        sizes[n_h] = (tmp_path / f"p{n_h}.json").stat().st_size
        assert plans.n_points(plan) == 100 * n_h and plan["chunks"][-1][1] == 100 * n_h
    # 100 000 points in < 100 kB: the axis values (in `axes` and the config) and chunk ranges only; one
    # entry per point would take > 10 MB
    assert sizes[1000] < 100_000 and sizes[1000] - sizes[10] < 2 * 30 * 990 + 40 * 200
    read = sweep.read_plan(tmp_path / "p1000.json")
    last = plans.point(read, plans.n_points(read) - 1)
    assert last["index"] == [99, 999] and last["params"]["Gamma"] == 0.04 and last["params"]["h"] == 0.03
    assert last["id"] == plans.point_id("bcs", "T_c", last["params"], {})


@pytest.mark.slow
def test_unreadable_phase_diagram_and_stale_temp_files_are_repaired_by_a_rerun(tmp_path):
    """A 0-byte phase_diagram.h5 (e.g. a full disk) used to stay "up to date": now the figure job that reads
    it names it and moves it aside, and the next run aggregates it again; temp files of an interrupted
    write are removed by the next write of the same file."""
    import shutil

    import yaml

    root = Path(__file__).resolve().parents[1]
    w = tmp_path / "w"
    w.mkdir()
    shutil.copy(root / "Snakefile", w)
    shutil.copytree(root / "workflow", w / "workflow")
    (w / "config").mkdir()
    (w / "config" / "demo.yaml").write_text(yaml.safe_dump({**CFG, "chunking": {"points_per_chunk": 8,
                                                                                "ranks_per_chunk": 2}}))
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}

    def snakemake():
        return subprocess.run(["timeout", "-k", "10", "600", str(BIN / "snakemake"), "--cores", "2"], cwd=w,
                              env=env, capture_output=True, text=True)
    assert snakemake().returncode == 0
    pd = w / "results" / "integrity" / "phase_diagram.h5"
    good = h5py.File(pd)["T_c"][()].copy()
    pd.write_bytes(b"")
    second = snakemake()
    assert second.returncode != 0
    assert "phase_diagram.h5.rejected" in (w / "results" / "integrity" / "logs" / "figure_phase_diagram.log").read_text()
    stale = pd.with_name(".phase_diagram.h5.killed.tmp")
    stale.write_bytes(b"half a file")
    assert snakemake().returncode == 0
    with h5py.File(pd) as f:
        np.testing.assert_array_equal(f["T_c"][()], good)
    assert not stale.exists()


def test_a_point_that_raises_is_a_record_naming_the_stage(monkeypatch):
    """An exception inside a quantity is a failed record with snes_reason_name EXCEPTION and the error
    (it used to be reason 0 with an empty name)."""
    from nepsolve.registry import Quantity

    spec = registry.get("bcs")

    def broken(params, petsc_options=None, comm=None):
        raise FloatingPointError("overflow in the test quantity")
    monkeypatch.setitem(spec.quantities, "T_c", Quantity("T_c", broken, "omega_D", "broken"))
    rec = sweep.evaluate_point("bcs", "T_c", spec.params().as_dict(), None)
    assert rec["status"] == "failed" and rec["snes_reason_name"] == "EXCEPTION"
    assert "T_c of model bcs: FloatingPointError: overflow in the test quantity" in rec["message"]
