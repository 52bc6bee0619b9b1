"""Interband (PORTA_SPEC §5.1) figures F2, F3, F5, F6, F8 on tiny real inputs: 3–6 point sweeps computed
in-process (sweep.evaluate_point, no MPI) and aggregated with the pipeline's own writers, and two
`nepsolve solve --model interband --out` files; the registered figures through `nepsolve plot --figure`.  Energies in units of t_c = 1.  Runs in ≈ 15 s."""
import json
import subprocess

import h5py
import numpy as np
import pytest

from scipy.integrate import quad
from scipy.optimize import brentq

from nepsolve import io, sweep
from nepsolve.models.interband import figures as plot
from nepsolve.models.interband.bands import dispersions
from nepsolve.physics.interband_params import InterbandParams
from nepsolve import plans

from conftest import ROOT

BIN = ROOT / ".venv" / "bin"


def tiny_study(tmp_path, name, fixed, axes):
    """A real interband sweep (quantity delta0): every point solved here, then chunk + aggregate."""
    cfg = {"study": name, "model": "interband", "quantity": "delta0", "fixed": fixed, "axes": axes,
           "chunking": {"points_per_chunk": 100, "ranks_per_chunk": 1, "ranks_per_point": 1}}
    plan = sweep.make_plan(cfg)
    records = []
    for p in plans.points(plan, 0):
        pid = p["id"]
        rec = sweep.evaluate_point("interband", "delta0", p["params"], None)
        records.append({"id": pid, "index": p["index"], **rec})
    chunk = tmp_path / f"{name}_chunk.h5"
    io.write_chunk(chunk, plan, 0, records)
    out = tmp_path / f"{name}.h5"
    io.write_phase_diagram(out, plan, {0: chunk})
    return out


def independent_delta0(p, mu_c, mu_v, field):
    """The §4.5 gap equation 1 = g ∫_0^π dk/π [1 − f(E+b) − f(E−b)]/(2E), E = √(ξ⁺² + Δ²), b = √(ξ⁻² + field²),
    at the file's quasi-Fermi levels, by adaptive quadrature (break points at the pair Fermi points) and
    Brent: independent of the pipeline's refined-grid sums and root scan (1D tight binding only)."""
    kk = np.linspace(0.0, np.pi, 20001)
    ec, ev = dispersions(p, kk)
    xp = 0.5 * ((ec - mu_c) + (ev - mu_v))
    fermi = list(kk[np.nonzero(np.sign(xp[:-1]) != np.sign(xp[1:]))[0]])

    def integrand(k, d):
        ec, ev = dispersions(p, np.array([k]))
        xi_c, xi_v = ec[0] - mu_c, ev[0] - mu_v
        E, b = np.hypot(0.5 * (xi_c + xi_v), d), np.hypot(0.5 * (xi_c - xi_v), field)
        return 0.5 * (np.tanh((E + b) / (2 * p.T_ph)) + np.tanh((E - b) / (2 * p.T_ph))) / (2 * E) / np.pi

    def F(d):
        return 1.0 - p.g * quad(integrand, 0.0, np.pi, args=(d,), points=fermi, limit=400, epsabs=1e-12,
                                epsrel=1e-11)[0]
    return brentq(F, 1e-2, 1.0, xtol=1e-13)


def assert_written(paths, n=2):
    assert len(paths) == n
    for p in paths:
        with open(p, "rb") as fh:
            head = fh.read(8)
        assert head.startswith(b"\x89PNG") or head.startswith(b"%PDF")
        assert len(open(p, "rb").read()) > 5000


@pytest.fixture(scope="module")
def f6_file(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("f6")
    return tiny_study(tmp, "f6", {"g": 1.0, "zeeman": "on", "T_ph": 0.003},
                      {"Omega": [0.002, 0.05, 0.06, 0.09]})


def test_references():
    # ρ_pair = 1/(π v̄) = 0.2274 for v̄ = t_c + t_v = 1.4 (spec §5.2)
    assert plot.interband_bcs_slope(1.0, 0.4) == pytest.approx(-1 / 0.2274, rel=1e-3)
    bcs, sarma = plot.sarma_reference([0.2, 0.5, 0.75, 1.0, 1.2], 1.0)
    np.testing.assert_allclose(bcs[:3], 1.0)
    assert np.isnan(bcs[3:]).all()                              # BCS branch only for Ω < Δ_0
    assert np.isnan(sarma[0]) and np.isnan(sarma[4])
    np.testing.assert_allclose(sarma[1:4], [0.0, np.sqrt(0.5), 1.0])


def test_f6_reference_uses_the_data_delta0_and_matches_the_sarma_root(tmp_path, f6_file):
    curves = plot.zeeman_curves(f6_file)
    assert len(curves) == 1
    c = curves[0]
    with h5py.File(f6_file) as f:
        d = f["delta0"][()]
        sarma = f["delta_sarma"][()]
        mu_c, mu_v = f["mu_c"][0], f["mu_v"][0]
    # Δ_0 is the data's own Δ at the smallest Ω, and the reference is built from it; Δ_0 itself solves the
    # §4.5 equation at the data's quasi-Fermi levels (independent quadrature; measured agreement 2e-15)
    assert c["delta_0"] == d[0]
    p = InterbandParams(**{**InterbandParams().as_dict(), "g": 1.0, "zeeman": "on", "T_ph": 0.003, "Omega": 0.002})
    assert d[0] == pytest.approx(independent_delta0(p, mu_c, mu_v, 0.002), rel=1e-9)
    i = int(np.flatnonzero(np.isclose(c["Omega"], 0.05))[0])
    assert c["ref_sarma"][i] == pytest.approx(np.sqrt(d[0] * (2 * 0.05 - d[0])), rel=1e-12)
    assert c["ref_bcs"][i] == d[0]
    # physics: at T_ph = 0.003 ≪ Δ_0 the computed Sarma root is close to the T → 0 closed form,
    # the BCS branch is still Δ_0, and at Ω = 0.09 > Δ_0 there is no root
    assert sarma[i] == pytest.approx(c["ref_sarma"][i], rel=0.03)
    assert d[i] == pytest.approx(d[0], rel=1e-3)
    assert d[-1] == 0.0 and np.isnan(sarma[-1])
    assert_written(plot.plot_interband_zeeman(f6_file, tmp_path / "F6", formats=["png", "pdf"]))


def test_f3_slope_is_the_bcs_one(tmp_path):
    path = tiny_study(tmp_path, "f3", {"T_ph": 0.003, "zeeman": "off"}, {"g": [0.8, 1.0, 1.25]})
    with h5py.File(path) as f:
        d, g = f["delta0"][()], f["g"][()]
    assert np.all(d > 0)
    slope = np.polyfit(1 / g, np.log(d), 1)[0]
    assert slope == pytest.approx(plot.interband_bcs_slope(1.0, 0.4), rel=0.03)
    assert_written(plot.plot_interband_coupling(path, tmp_path / "F3.png", formats=["png", "pdf"]))


def test_f5_and_f8_figures(tmp_path):
    f5 = tiny_study(tmp_path, "f5", {"T_ph": 0.02}, {"gamma_r": [1e-4, 1e-2, 1.0]})
    with h5py.File(f5) as f:
        mismatch = np.abs(f["mismatch"][()])
    assert np.all(np.diff(mismatch) > 0)            # recombination pulls the quasi-Fermi surfaces apart
    assert_written(plot.plot_interband_recombination(f5, tmp_path / "F5", formats=["png", "pdf"]))
    f8 = tiny_study(tmp_path, "f8", {}, {"omega_L": [1.9, 2.0, 2.3], "T_ph": [0.003, 0.03]})
    assert_written(plot.plot_interband_phase(f8, tmp_path / "F8", formats=["png", "pdf"]))
    with pytest.raises(ValueError, match="Omega"):
        plot.zeeman_curves(f8)


def test_f2_from_solution_files_and_script(tmp_path, f6_file):
    cases = []
    for name, args in (("R1", ["--preset", "R1"]), ("R3", ["--preset", "R3"])):
        out = tmp_path / f"{name}.h5"
        r = subprocess.run([str(BIN / "nepsolve"), "solve", "--model", "interband", *args, "--out", str(out),
                            "--json"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["converged"]
        with h5py.File(out) as f:        # the model's own conventions, not the Eliashberg (Kamenev) text
            assert "PORTA_SPEC" in f.attrs["conventions"] and "Kamenev" not in f.attrs["conventions"]
            assert "t_c = 1" in f.attrs["units"] and f.attrs["Conventions"] == "CF-1.10"
        cases.append((name, str(out)))
    assert_written(plot.plot_interband_ness(cases, tmp_path / "F2", formats=["png", "pdf"]))
    # the registered figures, as the Snakemake rule `figure` draws them: F2 solving its own cases, F6
    drawn = plot.plot_ness_profiles(f6_file, tmp_path / "F2r", formats=["png"],
                                    cases={"R1": {"preset": "R1"}, "R2, K2": {"preset": "R2", "lineshape": "K2"}})
    assert_written(drawn[:1], n=1)
    numbers = json.loads(open(drawn[1]).read())
    assert set(numbers) == {"R1", "R2, K2"} and all(c["converged"] for c in numbers.values())
    r = subprocess.run([str(BIN / "nepsolve"), "plot", str(f6_file), "--figure", "zeeman", "--out",
                        str(tmp_path / "F6s"), "--format", "png"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert_written([tmp_path / "F6s.png"], n=1)
    r = subprocess.run([str(BIN / "nepsolve"), "plot", str(f6_file), "--figure", "decomposition", "--out",
                        str(tmp_path / "x")], capture_output=True, text=True)
    assert r.returncode != 0 and "has no figure 'decomposition'" in r.stderr and "zeeman" in r.stderr
