"""Input that used to be accepted and gave wrong or confusing results is refused before any job, naming
the key or option; PETSc options go through PETSc's own parser."""
import subprocess
import sys
from pathlib import Path

import pytest

from nepsolve import sweep
from nepsolve.solvers.snes import parse_petsc_options, validate_petsc_options

BIN = Path(sys.executable).parent
BASE = {"study": "inp", "model": "bcs", "quantity": "T_c", "fixed": {"lam": 0.3}, "axes": {"Gamma": [0.0, 0.01]}}


def nepsolve(*args):
    return subprocess.run([str(BIN / "nepsolve"), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("change,needle", [
    ({"study": ".."}, "one path component"),
    ({"study": "."}, "one path component"),
    ({"study": "a/b"}, "one path component"),
    ({"petsc_options": "-snes_type nonsense"}, "PETSc rejects the options -snes_type nonsense"),
    ({"petsc_options": "-pc_type nonsense"}, "PETSc rejects"),
    ({"fixed": {"lam": "5e-2"}}, "read as text, not a number"),
    ({"axes": {"Gamma": {"linspace": [0, 0.01, 2000]}, "h": {"linspace": [0, 0.01, 1000]}}},
     "more than 'max_points' = 1,000,000"),
    ({"max_points": 1}, "more than 'max_points' = 1 "),
])
def test_bad_input_is_refused_naming_it(change, needle):
    with pytest.raises(sweep.SweepConfigError) as err:
        sweep.make_plan({**BASE, **change})
    assert needle in str(err.value)


def test_max_points_can_be_raised_and_does_not_change_the_hash():
    a = sweep.make_plan(BASE)
    b = sweep.make_plan({**BASE, "max_points": 5})
    assert a["config_hash"] == b["config_hash"]


def test_keys_given_twice_are_refused(tmp_path):
    cfg = tmp_path / "dup.yaml"
    cfg.write_text("study: dup\nmodel: bcs\nquantity: T_c\nfixed: {lam: 0.3}\naxes:\n  Gamma: [0.0]\n  Gamma: [0.1]\n")
    r = nepsolve("plan", str(cfg))
    assert r.returncode == 2 and "key 'Gamma' is given twice (lines 6 and 7)" in r.stderr
    sets = tmp_path / "point.yaml"
    sets.write_text("lam: 0.3\nlam: 0.4\n")
    r = nepsolve("critical", "--model", "bcs", "--config", str(sets))
    assert r.returncode == 2 and "given twice" in r.stderr


def test_petsc_options_are_parsed_by_petsc():
    assert parse_petsc_options("-snes_type anderson -snes_monitor -snes_atol 1e-8") == \
        {"snes_type": "anderson", "snes_monitor": None, "snes_atol": "1e-8"}
    assert parse_petsc_options({"snes_monitor": None, "snes_max_it": 3}) == {"snes_monitor": None, "snes_max_it": "3"}
    validate_petsc_options({"snes_type": "anderson", "snes_monitor": None})
    with pytest.raises(ValueError, match="nonsense"):
        validate_petsc_options({"ksp_type": "nonsense"})


def test_monitor_options_work_in_the_cli():
    """`-snes_monitor` used to crash every command ('Unsupported viewer true'); a rejected type is a usage error."""
    r = nepsolve("critical", "--set", "fel_mode=kinetic", "--set", "n_omega=2049", "--set", "omega_max=10",
                 "--petsc-options", "-snes_monitor", "--json")
    assert r.returncode == 0, r.stderr
    assert "SNES Function norm" in r.stdout + r.stderr
    r = nepsolve("solve", "--petsc-options", "-snes_type nonsense")
    assert r.returncode == 2 and "Unable to find requested SNES type nonsense" in r.stderr


def test_grid_advice_stays_in_the_allowed_range():
    r = nepsolve("critical", "--set", "kappa=1e-9", "--set", "frequency_grid=uniform")
    assert r.returncode == 2 and "even the largest grid" in r.stderr and "raise 'kappa'" in r.stderr
    r = nepsolve("critical", "--set", "kappa=1e-3", "--set", "n_omega=8193")      # an explicit grid is checked
    assert r.returncode == 2 and "use n_omega >= 160001" in r.stderr


def test_exit_codes_and_explicit_non_finite_json(tmp_path):
    """Exit 0 only when the quantity was obtained (3: ran without obtaining it); NaN is "NaN" in JSON."""
    import json

    no_crossing = ["--set", "T_el=0.1", "--set", "T_b=0.1", "--set", "kappa=0.3", "--set", "gamma=0.05",
                   "--set", "n_omega=2049", "--set", "omega_max=10", "--set", "drive_omega=1.0",
                   "--set", "drive_sigma=0.3", "--set", "drive_n=200", "--set", "fel_mode=bath"]
    r = nepsolve("critical", *no_crossing, "--json")
    assert r.returncode == 3, (r.returncode, r.stderr[-500:])
    out = json.loads(r.stdout)
    assert out["converged"] is False and out["lambda_c"] == "NaN" and "not obtained" in r.stderr
    r = nepsolve("critical", "--model", "bcs", "--set", "T=0.01", "--json")
    assert r.returncode == 0 and isinstance(json.loads(r.stdout)["lambda_c"], float)


def test_out_is_checked_before_the_solve_and_never_creates_directories(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "x.h5"
    for cmd in (["solve", "--model", "bcs"], ["scan", "--axis", "T_b", "--values", "0.05"]):
        r = nepsolve(*cmd, "--out", str(target))
        assert r.returncode == 2 and "does not exist (it is not created)" in r.stderr, r.stderr
    assert not (tmp_path / "no").exists()
    r = nepsolve("solve", "--model", "bcs", "--out", str(tmp_path / "x.h5"))
    assert r.returncode == 0 and (tmp_path / "x.h5").exists()


def test_a_grid_not_given_is_chosen_not_rejected():
    """Issue 13 (first part): without n_omega/omega_max the model default is used when it resolves the
    scales, else the smallest 2^k + 1 that does; the result reports the grid; explicit grids are unchanged."""
    import json

    from nepsolve.physics.params import EliashbergParams

    U = {"frequency_grid": "uniform"}                 # the uniform grid chosen when n_omega is not given
    assert (EliashbergParams(**U).n_omega, EliashbergParams(**U).omega_max) == (8193, 16.0)
    p = EliashbergParams(gamma=0.01, **U)            # 5·16/0.01 → 16001 points needed
    assert p.n_omega == 16385 and p.dw <= 0.01 / 5 and p.auto_keys == {"n_omega", "omega_max", "grid_T"}
    assert p.replace(gamma=0.05).n_omega == 8193      # chosen again for the new parameters
    assert EliashbergParams(drive_n=1.0, drive_omega=8.0, **U).omega_max == 19.0
    g = EliashbergParams(gamma=0.01)                 # nothing given: the graded grid (issue 13)
    assert g.frequency_grid == "graded" and g.n_omega is None and g.omega_max == 64.0
    assert g.auto_keys == {"frequency_grid", "n_omega", "omega_max", "grid_T"}
    with pytest.raises(Exception, match="use n_omega >= 16001"):
        EliashbergParams(gamma=0.01, n_omega=8193)
    r = nepsolve("critical", "--set", "gamma=0.01", "--set", "n_omega=2049", "--set", "omega_max=8", "--json")
    assert r.returncode == 2
    r = nepsolve("critical", "--model", "eliashberg", "--set", "gamma=0.02", "--set", "T_el=0.1", "--set", "T_b=0.1",
                 "--set", "kappa=0.3", "--set", "frequency_grid=uniform", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["params"]["n_omega"] == 8193
