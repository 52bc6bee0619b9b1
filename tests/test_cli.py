"""The command line: JSON outputs, HDF5 output, and bad input rejected with the key named."""
import json
import subprocess
import sys

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from nepsolve.cli import main

FAST = ["--set", "n_omega=4097", "--set", "omega_max=12", "--set", "kappa=0.2", "--set", "gamma=0.05",
        "--set", "T_el=0.05", "--set", "T_b=0.05"]


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_critical_json_and_matsubara_axis_agree():
    r = run("critical", *FAST, "--json")
    assert r.exit_code == 0, r.output
    real = json.loads(r.output)
    assert real["converged"] is True
    m = json.loads(run("critical", *FAST, "--axis", "matsubara", "--json").output)
    assert m["lambda_c"] == pytest.approx(real["lambda_c"], rel=1e-4)


def test_critical_Tc_json_real_and_matsubara():
    r = json.loads(run("critical", "--quantity", "Tc", *FAST, "--set", "lam=1.0", "--json").output)
    m = json.loads(run("critical", "--quantity", "Tc", *FAST, "--set", "lam=1.0", "--axis", "matsubara", "--json").output)
    assert r["converged"] and m["converged"]
    assert r["T_c"] == pytest.approx(m["T_c"], rel=2e-4)


def test_matsubara_axis_refuses_a_ness():
    r = CliRunner().invoke(main, ["critical", *FAST, "--set", "T_b=0.03", "--axis", "matsubara"])
    assert r.exit_code == 2 and "equilibrium" in r.output and "T_b" in r.output


def test_solve_json_and_hdf5(tmp_path):
    out = tmp_path / "gap.h5"
    r = run("solve", *FAST, "--set", "lam=1.2", "--json", "--out", str(out))
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    for key in ("delta0", "snes_reason", "iterations", "residual_norm"):
        assert key in res
    assert res["snes_reason"].startswith("CONVERGED") and res["delta0"] > 0
    with h5py.File(out) as f:
        for name in ("omega", "delta_re", "delta_im", "Z_re", "F_el"):
            assert name in f
        assert "Omega = 1" in f.attrs["units"]
        assert f.attrs["delta0"] == pytest.approx(res["delta0"])
        w, d = f["omega"][()], f["delta_re"][()]
        assert np.interp(res["delta0"], w, d) == pytest.approx(res["delta0"], rel=1e-3)   # Re Δ(Δ0) = Δ0
        assert f["delta_re"].dims[0][0].name == "/omega"


@pytest.mark.parametrize("setting,needle", [
    ("bogus=1", "unknown parameter 'bogus'"),
    ("T_el=-0.1", "'T_el'"),
    ("T_b=-1", "'T_b'"),
    ("gamma=0", "'gamma'"),
    ("gamma=-0.1", "'gamma'"),
    ("n_omega=4096", "'n_omega'"),
    ("fel_mode=hot", "'fel_mode'"),
    ("lam=abc", "'lam'"),
])
def test_bad_input_names_the_key(setting, needle):
    r = CliRunner().invoke(main, ["critical", *FAST, "--set", setting])
    assert r.exit_code == 2
    assert needle in r.output
    assert "Traceback" not in r.output


def test_grid_too_coarse_names_the_scale_and_the_fix():
    r = CliRunner().invoke(main, ["critical", *FAST, "--set", "gamma=0.001"])
    assert r.exit_code == 2
    assert "grid too coarse for 'gamma'" in r.output and "n_omega >=" in r.output


def test_console_entry_point_help_mentions_units():
    out = subprocess.run([sys.executable, "-m", "nepsolve", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "units of the bare boson" in out.stdout
    for cmd in ("critical", "solve", "scan", "keys"):
        h = subprocess.run([sys.executable, "-m", "nepsolve", cmd, "--help"], capture_output=True, text=True)
        assert h.returncode == 0 and "Ω = 1" in h.stdout


def test_config_file_with_petsc_options_and_set_override(tmp_path):
    cfg = tmp_path / "point.yaml"
    cfg.write_text("lam: 1.2\nkappa: 0.2\ngamma: 0.05\nT_el: 0.05\nT_b: 0.05\nn_omega: 4097\nomega_max: 12\n"
                   "petsc_options: -snes_type anderson -snes_anderson_m 8\n")
    r = run("solve", "--config", str(cfg), "--json", "--no-deflation", "--no-fallback")
    res = json.loads(r.output)
    assert res["converged"] and res["method"] == "anderson" and res["params"]["lam"] == 1.2
    r2 = json.loads(run("solve", "--config", str(cfg), "--set", "lam=1.3", "--json", "--no-deflation",
                        "--no-fallback", "--petsc-options", "-snes_type ngmres").output)
    assert r2["params"]["lam"] == 1.3 and r2["method"] == "ngmres"


def test_config_file_bad_key_is_named(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("lam: 1.0\nTel: 0.05\n")
    r = CliRunner().invoke(main, ["critical", "--config", str(cfg)])
    assert r.exit_code == 2 and "unknown parameter 'Tel'" in r.output
