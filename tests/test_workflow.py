"""The workflow's ecosystem habits: the documented SLURM command gets the cluster profile's settings, and
`snakemake --lint` finds nothing but the conda/container advice."""
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def documented_slurm_command() -> list[str]:
    """The snakemake command of the README's SLURM section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Running on a SLURM cluster", 1)[1]
    line = next(ln for ln in section.splitlines() if ln.startswith("snakemake "))
    return shlex.split(line)[1:]


def test_documented_slurm_command_gets_the_cluster_profile(monkeypatch):
    """Parsed as snakemake parses it, from the repository: every setting of cluster/slurm/config.yaml is
    in effect (with `--profile` the local workflow profile's latency-wait 5 used to win over the 60)."""
    from snakemake.cli import parse_args

    monkeypatch.chdir(ROOT)
    profile = yaml.safe_load((ROOT / "cluster" / "slurm" / "config.yaml").read_text())
    _, args = parse_args(documented_slurm_command())
    assert args.latency_wait == profile["latency-wait"] == 60
    assert args.executor == profile["executor"] and args.jobs == profile["jobs"]
    assert args.keep_going is True and args.retries == profile["retries"]


def test_lint_is_clean_apart_from_software_deployment():
    for cfg in ("config/demo.yaml", "config/interband_f3.yaml", "config/xi_local_drive.yaml"):
        out = subprocess.run([str(BIN / "snakemake"), "--lint", "--configfile", cfg], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        lints = re.findall(r"^    \* (.+)$", out.stdout + out.stderr, re.M)
        assert lints and all(lint.startswith("Specify a conda environment or container") for lint in lints), lints


def test_chunk_jobs_pin_one_blas_thread_per_rank():
    out = subprocess.run([str(BIN / "snakemake"), "-n", "-p", "--forceall", "--configfile", "config/demo.yaml"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    chunk_cmds = [ln for ln in out.stdout.splitlines() if "sweep-chunk" in ln]
    assert chunk_cmds and all("OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1" in ln for ln in chunk_cmds)
