"""The sweep workflow on a real (one-node) SLURM cluster, started by tests/slurm_harness.py.

As root (CI) the harness installs/configures/starts munge + slurmctld + slurmd and stops them at the end of
the session; without root the tests run against an already running cluster or are skipped.
"""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slurm_harness import SlurmUnavailable, start_slurm, stop_slurm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent            # the venv's bin: snakemake, nepsolve, mpiexec, python
SNAKEMAKE_TIMEOUT = 1200                      # s, per snakemake run (wrapped in `timeout -k 10`)
LOCAL_SLURM_PROFILE = "tests/profiles/local-slurm"


@pytest.fixture(scope="session")
def slurm_cluster():
    try:
        info = start_slurm()
    except SlurmUnavailable as err:
        pytest.skip(f"SLURM not available: {err}")
    print(f"\n[slurm] cluster ready in {info['seconds']:.1f} s: started {info['started'] or 'nothing (reused)'}, "
          f"partition {info['partition']}, nodes {info['nodes']}")
    yield info
    stop_slurm(info)


def _env(workdir=None):
    """Environment for subprocesses: the venv first on PATH (SLURM jobs inherit it: sbatch --export=ALL),
    single-threaded BLAS, the copy's nepsolve ahead of the editable install, no SLURM_* leftovers of an
    enclosing allocation."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_", "SRUN_", "SALLOC_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '/usr/local/bin:/usr/bin:/bin')}"
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    if workdir is not None:
        env["PYTHONPATH"] = str(workdir)
    return env


def _squeue() -> str:
    out = subprocess.run(["squeue", "-o", "%i %j %T %D %C %r"], capture_output=True, text=True, timeout=30)
    return out.stdout + out.stderr


def _slurm_cmd(cmd, cwd, name, timeout=120):
    """Run sbatch/srun as job `name`; on a timeout cancel the job and show the queue (e.g. a job that
    can never start: reason PartitionConfig/Resources)."""
    try:
        return subprocess.run([cmd[0], f"--job-name={name}", *cmd[1:]], capture_output=True, text=True,
                              timeout=timeout, env=_env(), cwd=cwd)
    except subprocess.TimeoutExpired:
        queue = _squeue()
        subprocess.run(["scancel", f"--name={name}"], capture_output=True, timeout=30)
        pytest.fail(f"{' '.join(cmd)} did not finish within {timeout} s; squeue:\n{queue}")


@pytest.mark.slurm
def test_slurm_runs_mpi_job(slurm_cluster, tmp_path):
    os.chmod(tmp_path, 0o755)
    out = _slurm_cmd(["sbatch", "--wait", "-o", str(tmp_path / "hostname.out"), "--wrap", "hostname"],
                     tmp_path, "nepsolve-test-hostname")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "hostname.out").read_text().strip()

    code = "from mpi4py import MPI; print(MPI.COMM_WORLD.size)"
    out = _slurm_cmd(["srun", "-n", "2", "--mpi=pmi2", sys.executable, "-c", code], tmp_path,
                     "nepsolve-test-mpi")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.split() == ["2", "2"], out.stdout + out.stderr


# --------------------------------------------------------------------------------------------------
def _copy_repo(dest: Path) -> Path:
    """Copy the repository's files (tracked + untracked but not ignored: no .venv, results, .snakemake)."""
    dest.mkdir(parents=True)
    if (ROOT / ".git").exists():
        ls = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True, timeout=60)
        for rel in filter(None, ls.stdout.decode().split("\0")):
            src = ROOT / rel
            if src.is_file():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
    else:
        shutil.copytree(ROOT, dest, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns(".venv", "results", ".snakemake", "__pycache__", ".git"))
    # SLURM jobs run as the submitting user, slurmd as root: keep the tree readable for both
    for d, _dirs, _files in os.walk(dest):
        os.chmod(d, 0o755)
    return dest


def _snakemake(args, workdir: Path, label: str):
    cmd = ["timeout", "-k", "10", str(SNAKEMAKE_TIMEOUT), str(BIN / "snakemake"), *args]
    t0 = time.monotonic()
    out = subprocess.run(cmd, cwd=workdir, env=_env(workdir), capture_output=True, text=True,
                         timeout=SNAKEMAKE_TIMEOUT + 60)
    seconds = time.monotonic() - t0
    print(f"[slurm] {label}: {' '.join(args)} -> exit {out.returncode} in {seconds:.1f} s")
    return out, seconds


def _failure_report(out, workdir: Path) -> str:
    parts = [f"exit {out.returncode}", "--- stdout ---", out.stdout[-4000:], "--- stderr ---", out.stderr[-8000:],
             "--- squeue ---", _squeue()]
    for log in sorted(workdir.glob(".snakemake/slurm_logs/**/*.log")) + sorted(workdir.glob("results/*/logs/*")):
        parts += [f"--- {log.relative_to(workdir)} ---", log.read_text(errors="replace")[-3000:]]
    return "\n".join(parts)


def _cancel_jobs(out):
    """After a timeout, cancel the SLURM jobs snakemake had submitted (ids from its log)."""
    ids = sorted(set(re.findall(r"SLURM jobid (\d+)", (out.stdout or "") + (out.stderr or ""))))
    if ids:
        subprocess.run(["scancel", *ids], capture_output=True, timeout=60)


def _read_h5(path: Path):
    import h5py

    with h5py.File(path, "r") as f:
        attrs = {k: f.attrs[k] for k in f.attrs}
        data = {}
        for name, ds in f.items():
            if isinstance(ds, h5py.Dataset):
                data[name] = ds.asstr()[()] if h5py.check_string_dtype(ds.dtype) else ds[()]
    return attrs, data


IGNORED_DATASETS = {"wall_time"}   # differs run to run; provenance lives in attributes, not compared


def _compare_phase_diagrams(local: Path, slurm: Path):
    la, ld = _read_h5(local)
    sa, sd = _read_h5(slurm)
    for key in ("study", "model", "quantity", "axes", "units", "conventions", "config_json", "config_hash"):
        if key in la or key in sa:
            assert str(la.get(key)) == str(sa.get(key)), key
    assert set(ld) == set(sd), (sorted(ld), sorted(sd))
    quantity = str(la["quantity"])
    assert quantity in ld
    for name in sorted(set(ld) - IGNORED_DATASETS):
        a, b = np.asarray(ld[name]), np.asarray(sd[name])
        assert a.shape == b.shape, (name, a.shape, b.shape)
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=0, equal_nan=True, err_msg=name)
        else:
            np.testing.assert_array_equal(b, a, err_msg=name)
    return ld


@pytest.mark.slurm
def test_demo_study_through_slurm_matches_local_run(slurm_cluster, tmp_path_factory, record_property):
    for need in ("Snakefile", "config/demo.yaml"):
        if not (ROOT / need).exists():
            pytest.skip(f"workflow not present yet: {need} missing")
    base = tmp_path_factory.mktemp("slurm_e2e")
    os.chmod(base, 0o755)
    local_dir = _copy_repo(base / "local")
    slurm_dir = _copy_repo(base / "slurm")

    out, t_local = _snakemake(["--cores", "2", "--configfile", "config/demo.yaml"], local_dir, "local run")
    record_property("local_run_seconds", round(t_local, 1))
    assert out.returncode == 0, _failure_report(out, local_dir)

    # the profile holds `executor: slurm`, `jobs: 2` and the plugin options; nothing to repeat here
    out, t_slurm = _snakemake(["--workflow-profile", LOCAL_SLURM_PROFILE, "--configfile", "config/demo.yaml"],
                              slurm_dir, "SLURM run")
    record_property("slurm_run_seconds", round(t_slurm, 1))
    if out.returncode in (124, 137):
        _cancel_jobs(out)
    assert out.returncode == 0, _failure_report(out, slurm_dir)
    # the jobs really went through sbatch
    assert re.search(r"submitted with SLURM jobid \d+", out.stdout + out.stderr), _failure_report(out, slurm_dir)

    h5 = Path("results/demo/phase_diagram.h5")
    for d in (local_dir, slurm_dir):
        assert (d / h5).is_file(), f"{d / h5} missing"
        assert (d / "results/demo/phase_diagram.png").is_file()
    data = _compare_phase_diagrams(local_dir / h5, slurm_dir / h5)
    # a meaningful comparison: some points solved
    assert np.any(np.asarray(data["status"]) == 0), data["status"]
