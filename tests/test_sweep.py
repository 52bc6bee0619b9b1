"""Sweep pipeline: validation before any job, MPI chunks, resume after SIGKILL, failures as data."""
import copy
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from nepsolve import io, plans, sweep

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "OPENBLAS_NUM_THREADS": "1"}

SMALL = {
    "study": "small", "model": "eliashberg", "quantity": "lambda_c",
    "fixed": {"T_el": 0.1, "kappa": 0.3, "gamma": 0.05, "n_omega": 2049, "omega_max": 10},
    "axes": {"T_b": [0.06, 0.1, 0.15], "fel_mode": ["bath", "kinetic"]},
    "chunking": {"points_per_chunk": 4, "ranks_per_chunk": 2, "ranks_per_point": 1},
}


def with_changes(base, path, value):
    cfg = copy.deepcopy(base)
    *head, last = path
    node = cfg
    for k in head:
        node = node[k]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return cfg


BAD = [
    (("bogus",), 1, "unknown config key 'bogus'"),
    (("fixed", "Tel"), 0.1, "'fixed.Tel'"),
    (("fixed", "gamma"), "strong", "'fixed.gamma'"),
    (("axes", "T_b"), [], "'axes.T_b' is empty"),
    (("axes", "T_b"), [0.1, -0.05], "'T_b'"),
    (("axes", "T_b"), {"logspace": [0, 1, 3]}, "'axes.T_b.logspace'"),
    (("chunking", "points_per_chunk"), 0, "'chunking.points_per_chunk'"),
    (("model",), "hubbard", "'model'"),
    (("quantity",), "gap", "'quantity'"),
    (("chunking", "ranks_per_point"), 3, "'chunking.ranks_per_point'"),
    (("fixed", "n_omega"), 1025, "grid too coarse"),
    (("figures",), {"extra": {"figure": "no_such_figure"}}, "'figures.extra.figure'"),
    (("figures",), {"extra": {"figure": "phase_diagram", "colour": "red"}}, "'figures.extra'"),
]


@pytest.mark.parametrize("path,value,needle", BAD)
def test_bad_config_is_rejected_naming_the_key(path, value, needle):
    with pytest.raises(sweep.SweepConfigError) as err:
        sweep.make_plan(with_changes(SMALL, path, value))
    assert needle in str(err.value)


def workdir(tmp_path, root, cfg: dict, name="w") -> Path:
    """A working copy of the workflow (Snakefile, rules, profiles) with one study config."""
    w = tmp_path / name
    w.mkdir()
    shutil.copy(root / "Snakefile", w)
    shutil.copytree(root / "workflow", w / "workflow")
    (w / "config").mkdir()
    (w / "config" / "demo.yaml").write_text(yaml.safe_dump(cfg))
    return w


def snakemake(w: Path, *args, timeout=600):
    return subprocess.run(["timeout", "-k", "10", str(timeout), str(BIN / "snakemake"), "--cores", "2", *args],
                          cwd=w, env=ENV, capture_output=True, text=True)


@pytest.mark.parametrize("path,value,needle", [BAD[2], BAD[3], BAD[6], BAD[9], BAD[11]])
def test_snakemake_rejects_bad_config_before_any_job(tmp_path, root, path, value, needle):
    w = workdir(tmp_path, root, with_changes(SMALL, path, value))
    out = snakemake(w, "--dry-run")
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "invalid study config" in text and needle in text
    assert not (w / "results").exists()


def test_plan_cli_prints_size_and_estimate(tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(yaml.safe_dump(SMALL))
    out = subprocess.run([str(BIN / "nepsolve"), "plan", str(cfg), "--json"], capture_output=True, text=True, env=ENV)
    info = json.loads(out.stdout)
    assert info["points"] == 6 and info["chunks"] == 2 and info["estimated_core_hours"] > 0
    bad = tmp_path / "b.yaml"
    bad.write_text(yaml.safe_dump(with_changes(SMALL, ("axes", "T_b"), [])))
    out = subprocess.run([str(BIN / "nepsolve"), "plan", str(bad)], capture_output=True, text=True, env=ENV)
    assert out.returncode == 2 and "'axes.T_b' is empty" in out.stderr


def test_point_ids_are_content_hashes():
    a = sweep.make_plan(SMALL)
    b = sweep.make_plan(with_changes(SMALL, ("chunking", "points_per_chunk"), 1))
    pa, pb = list(plans.points(a)), list(plans.points(b))
    assert [p["id"] for p in pa] == [p["id"] for p in pb]     # chunking is not content
    c = sweep.make_plan(with_changes(SMALL, ("fixed", "gamma"), 0.06))
    assert not set(p["id"] for p in pa) & set(p["id"] for p in plans.points(c))
    assert len(set(p["id"] for p in pa)) == len(pa)
    assert [p["params"]["T_b"] for p in pa[:2]] == [0.06, 0.06]       # C order, last axis fastest
    assert sum(plans.chunk_size(a, k) for k in range(len(a["chunks"]))) == len(pa) == plans.n_points(a)
    assert sum(len(plans.chunk_ids(b, k)) for k in range(len(b["chunks"]))) == len(pa)


def run_chunk_cli(plan_path, chunk, out, ranks):
    return subprocess.run([str(BIN / "mpiexec"), "-n", str(ranks), str(BIN / "nepsolve"), "sweep-chunk",
                           str(plan_path), "--chunk", str(chunk), "--out", str(out)],
                          capture_output=True, text=True, env=ENV, timeout=600)


def chunk_records(path):
    with h5py.File(path) as f:
        return {k: f[k][()] for k in f if k != "wall_time"}


@pytest.mark.mpi
@pytest.mark.parametrize("ranks_per_point", [1, 2])
def test_mpi_chunk_equals_serial_chunk(tmp_path, ranks_per_point):
    cfg = with_changes(SMALL, ("chunking", "ranks_per_point"), ranks_per_point)
    plan = sweep.make_plan(cfg)
    sweep.write_plan(plan, tmp_path / "plan.json")
    par = run_chunk_cli(tmp_path / "plan.json", 0, tmp_path / "par" / "chunk_0000.h5", 2)
    assert par.returncode == 0, par.stderr
    ser_plan = sweep.make_plan(with_changes(cfg, ("chunking", "ranks_per_point"), 1))
    sweep.write_plan(ser_plan, tmp_path / "plan1.json")
    ser = run_chunk_cli(tmp_path / "plan1.json", 0, tmp_path / "ser" / "chunk_0000.h5", 1)
    assert ser.returncode == 0, ser.stderr
    a, b = chunk_records(tmp_path / "par" / "chunk_0000.h5"), chunk_records(tmp_path / "ser" / "chunk_0000.h5")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert np.all(a["status"] == 0)
    assert f"group(s) of {ranks_per_point} rank(s)" in par.stderr


def test_ranks_per_point_must_divide_the_ranks(tmp_path):
    plan = sweep.make_plan(with_changes(SMALL, ("chunking", "ranks_per_point"), 2))
    sweep.write_plan(plan, tmp_path / "plan.json")
    out = run_chunk_cli(tmp_path / "plan.json", 0, tmp_path / "c" / "chunk_0000.h5", 3)
    assert out.returncode != 0 and "does not divide the 3 MPI ranks" in out.stderr


def test_failing_points_are_recorded_and_the_sweep_finishes(tmp_path, root):
    """A drive resonant with the boson pushes λ_c beyond the search range (no crossing: failed), and a
    Δ0 solve capped at one SNES iteration diverges (DIVERGED_MAX_IT); both are records, not crashes."""
    cfg = {"study": "fail", "model": "eliashberg", "quantity": "lambda_c",
           "fixed": {"T_el": 0.1, "T_b": 0.1, "kappa": 0.3, "gamma": 0.05, "n_omega": 2049, "omega_max": 10,
                     "drive_omega": 1.0, "drive_sigma": 0.3},
           "axes": {"drive_n": [0.0, 200.0]},
           "chunking": {"points_per_chunk": 2, "ranks_per_chunk": 2, "ranks_per_point": 1},
           "figures": {"again": {"figure": "phase_diagram"}}}
    w = workdir(tmp_path, root, cfg)
    out = snakemake(w)
    assert out.returncode == 0, out.stderr[-3000:]
    res = w / "results" / "fail"
    # every rule wrote its log; the study's figures (phase_diagram and the config's `again`) under the study
    logs = sorted(p.name for p in (res / "logs").iterdir())
    assert logs == ["aggregate.log", "chunk_0000.log", "figure_again.log", "figure_phase_diagram.log", "plan.log"]
    assert (res / "again.png").stat().st_size > 1000 and "wrote" in (res / "logs" / "figure_again.log").read_text()
    assert sorted(p.name for p in (w / "results").iterdir()) == ["fail"]
    with h5py.File(res / "phase_diagram.h5") as f:
        assert list(f["status"][()]) == [0, 1]
        assert np.isfinite(f["lambda_c"][0]) and np.isnan(f["lambda_c"][1])
        assert "no crossing" in f["message"][1].decode()
        # the stage that failed is named, with what rho did (not the normal state's CONVERGED reason)
        assert f["snes_reason_name"][1].decode() == "NO_CROSSING" and "rho went from" in f["message"][1].decode()
    assert (res / "phase_diagram.png").stat().st_size > 1000
    from nepsolve import plot

    _, fig = plot.plot_phase_diagram(res / "phase_diagram.h5", tmp_path / "p.png", return_figure=True)
    assert "failed (1)" in [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]

    d0 = {**cfg, "study": "fail_d0", "quantity": "delta0", "petsc_options": "-snes_max_it 1",
          "fixed": {**{k: v for k, v in cfg["fixed"].items() if k != "T_b"}, "lam": 0.3, "drive_n": 0.0},
          "axes": {"T_b": [0.1]}}
    rec = sweep.evaluate_point("eliashberg", "delta0", next(plans.points(sweep.make_plan(d0)))["params"],
                               {"snes_max_it": "1"})
    assert rec["status"] == "failed" and rec["snes_reason_name"] == "DIVERGED_MAX_IT" and rec["snes_reason"] < 0


def test_corrupted_or_truncated_chunk_is_named_at_aggregation(tmp_path):
    plan = sweep.make_plan(SMALL)
    plan_path = tmp_path / "plan.json"
    sweep.write_plan(plan, plan_path)
    cdir = tmp_path / "chunks"
    for c in range(len(plan["chunks"])):
        assert run_chunk_cli(plan_path, c, cdir / f"chunk_{c:04d}.h5", 2).returncode == 0
    good = subprocess.run([str(BIN / "nepsolve"), "aggregate", str(plan_path), "--out", str(tmp_path / "pd.h5")],
                          capture_output=True, text=True, env=ENV)
    assert good.returncode == 0 and "6" in good.stdout
    victim = cdir / "chunk_0001.h5"
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    bad = subprocess.run([str(BIN / "nepsolve"), "aggregate", str(plan_path), "--out", str(tmp_path / "pd2.h5")],
                         capture_output=True, text=True, env=ENV)
    assert bad.returncode != 0 and "chunk_0001.h5" in bad.stderr and "corrupted" in bad.stderr
    assert not (tmp_path / "pd2.h5").exists()
    with h5py.File(victim, "w") as f:      # a file cut short before the completion mark
        f.attrs["kind"] = "chunk"
    bad = subprocess.run([str(BIN / "nepsolve"), "aggregate", str(plan_path), "--out", str(tmp_path / "pd2.h5")],
                         capture_output=True, text=True, env=ENV)
    assert bad.returncode != 0 and "chunk_0001.h5 is incomplete" in bad.stderr


def test_killed_chunk_resumes_without_loss_or_duplication(tmp_path, root):
    """SIGKILL the ranks of a running chunk job; the rerun skips finished points, and the aggregate
    equals an uninterrupted run's (all records, except wall times)."""
    cfg = {**SMALL, "study": "kill",
           "fixed": {**SMALL["fixed"], "n_omega": 16385, "omega_max": 12},
           "axes": {"T_b": [0.05, 0.07, 0.09, 0.11, 0.13, 0.15], "fel_mode": ["kinetic"]},
           "chunking": {"points_per_chunk": 6, "ranks_per_chunk": 2, "ranks_per_point": 1}}
    ref = workdir(tmp_path, root, cfg, "ref")
    assert snakemake(ref).returncode == 0

    w = workdir(tmp_path, root, cfg, "killed")
    proc = subprocess.Popen([str(BIN / "snakemake"), "--cores", "2"], cwd=w, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    jpath = w / "results" / "kill" / "chunks" / "chunk_0000.journal"

    def records_in_journal():          # finished points (claims are the other entries)
        return sum(b'"config_hash"' in line for line in jpath.read_bytes().splitlines()) if jpath.exists() else 0

    deadline = time.time() + 300
    while time.time() < deadline and records_in_journal() < 2:
        time.sleep(0.05)
    finished_before = records_in_journal()
    assert 2 <= finished_before < 6, "the chunk must be killed mid-run"
    subprocess.run(["pkill", "-KILL", "-f", "sweep-chunk results/kill/plan.json"], cwd=w)
    proc.wait(timeout=120)
    assert proc.returncode != 0                            # the job died
    assert not (w / "results" / "kill" / "chunks" / "chunk_0000.h5").exists()
    with jpath.open("ab") as fh:                           # a write cut short by the kill: ignored
        fh.write(b"0123abcd {\"id\": \"trunc")
    again = snakemake(w)
    assert again.returncode == 0, again.stderr[-3000:]
    log = (w / "results" / "kill" / "logs" / "chunk_0000.log").read_text()
    finished_seen = int(log.split(" already finished")[0].split(", ")[-1])
    assert finished_seen >= finished_before               # the rerun skipped what was done
    assert "torn line" in log
    assert not jpath.exists() and not jpath.with_suffix(".lock").exists()    # one file per chunk remains
    assert sorted(p.name for p in jpath.parent.iterdir()) == ["chunk_0000.h5"]
    prog = subprocess.run([str(BIN / "nepsolve"), "progress", "results/kill/plan.json"], cwd=w, env=ENV,
                          capture_output=True, text=True)
    assert "6/6 points (6 ok, 0 failed), 1/1 chunks written" in prog.stdout
    a = h5py.File(ref / "results" / "kill" / "phase_diagram.h5")
    b = h5py.File(w / "results" / "kill" / "phase_diagram.h5")
    for k in ("lambda_c", "status", "snes_reason", "iterations", "point_id", "T_b", "fel_mode"):
        np.testing.assert_array_equal(a[k][()], b[k][()], err_msg=k)
    assert len(set(b["point_id"][()].ravel())) == 6


def test_aggregate_reads_as_xarray_with_named_coordinates(tmp_path):
    xr = pytest.importorskip("xarray")
    plan = sweep.make_plan(SMALL)
    sweep.write_plan(plan, tmp_path / "plan.json")
    for c in range(len(plan["chunks"])):
        assert run_chunk_cli(tmp_path / "plan.json", c, tmp_path / "chunks" / f"chunk_{c:04d}.h5", 2).returncode == 0
    paths = {c: tmp_path / "chunks" / f"chunk_{c:04d}.h5" for c in range(len(plan["chunks"]))}
    io.write_phase_diagram(tmp_path / "pd.h5", plan, paths)
    ds = xr.open_dataset(tmp_path / "pd.h5", engine="h5netcdf")
    assert ds["lambda_c"].dims == ("T_b", "fel_mode")
    assert list(ds["fel_mode"].values) == ["bath", "kinetic"]
    lc = ds["lambda_c"].sel(fel_mode="kinetic").values
    assert lc[0] < lc[1] < lc[2]                          # colder bosons pair better (spec T8a)
    for key in ("git_commit", "git_dirty", "petsc_version", "config_json", "config_hash", "nepsolve_version"):
        assert key in ds.attrs


def test_extra_observables_and_axis_order_survive_plan_json(tmp_path):
    """ξ-model observables (glue_ratio, Gamma_el0) go from the api result into the records, the chunk
    files and the aggregate (NaN where a record has none); a plan read back from plan.json (sorted keys)
    keeps the config's axis order.  No solver runs: records are synthetic."""
    from nepsolve import registry
    from nepsolve.models.eliashberg.quantities import scalar_observables

    result = {"rho_evaluations": 5, "glue_ratio": 0.02, "Gamma_el0": 0.06}
    fields = scalar_observables(result, registry.get("eliashberg-xi").observables)
    assert fields == {"glue_ratio": 0.02, "Gamma_el0": 0.06}
    assert scalar_observables(result, registry.get("eliashberg").observables) == {}   # flat band: none declared
    cfg = {"study": "xi", "model": "eliashberg-xi", "quantity": "lambda_c",
           "fixed": {"T_el": 0.1, "kappa": 0.3, "gamma": 0.05, "n_omega": 2049, "omega_max": 10},
           "axes": {"glue": ["on", "off"], "T_b": [0.06, 0.1, 0.15]},          # not in sorted order
           "chunking": {"points_per_chunk": 4, "ranks_per_chunk": 2, "ranks_per_point": 1}}
    sweep.write_plan(sweep.make_plan(cfg), tmp_path / "plan.json")
    plan = sweep.read_plan(tmp_path / "plan.json")
    assert list(plan["axes"]) == ["T_b", "glue"] and io.axis_order(plan) == ["glue", "T_b"]
    paths = {}
    for c in range(len(plan["chunks"])):
        recs = []
        for p in plans.points(plan, c):
            pid = p["id"]
            rec = {"id": pid, "index": p["index"], "status": "ok", "value": 1.0 + p["params"]["T_b"],
                   "snes_reason": 0, "snes_reason_name": "EIGEN", "iterations": 3, "residual_norm": 0.0,
                   "wall_time": 0.1, "message": "", **fields}
            if p["params"]["T_b"] == 0.1:
                del rec["Gamma_el0"]                                           # absent -> NaN
            recs.append(rec)
        paths[c] = tmp_path / f"chunk_{c:04d}.h5"
        io.write_chunk(paths[c], plan, c, recs)
    io.write_phase_diagram(tmp_path / "pd.h5", plan, paths)
    with h5py.File(tmp_path / "pd.h5") as f:
        assert json.loads(f.attrs["axes"]) == ["glue", "T_b"]
        assert f["lambda_c"].shape == f["glue_ratio"].shape == f["Gamma_el0"].shape == (2, 3)
        np.testing.assert_allclose(f["lambda_c"][0], [1.06, 1.1, 1.15])
        assert np.all(f["glue_ratio"][()] == 0.02) and f["Gamma_el0"].attrs["model_units"] == "Omega"
        assert np.isnan(f["Gamma_el0"][:, 1]).all() and np.all(f["Gamma_el0"][:, [0, 2]] == 0.06)
    flat = {**cfg, "model": "eliashberg", "axes": {"T_b": [0.06, 0.1]}}
    plan = sweep.make_plan(flat)
    recs = [{"id": p["id"], "index": p["index"], "status": "ok", "value": 1.0, "snes_reason": 0,
             "snes_reason_name": "EIGEN", "iterations": 3, "residual_norm": 0.0, "wall_time": 0.1, "message": ""}
            for p in plans.points(plan)]
    io.write_chunk(tmp_path / "flat.h5", plan, 0, recs)
    io.write_phase_diagram(tmp_path / "flat_pd.h5", plan, {0: tmp_path / "flat.h5"})
    with h5py.File(tmp_path / "flat_pd.h5") as f:
        assert "glue_ratio" not in f and "Gamma_el0" not in f                 # flat band: unchanged layout
