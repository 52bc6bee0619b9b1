"""nepsolve.plot (and the ξ-model figures) on synthetic aggregated phase-diagram files written in the layout of docs/sweep-contract.md."""
import json
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from nepsolve import plot
from nepsolve.models.eliashberg_xi import figures as xi_figures
from nepsolve.plot.phase_diagram import _use_log

STR = h5py.string_dtype()          # variable-length UTF-8, as the contract prescribes


def write_phase_diagram(path, axes: dict, quantity="lambda_c", status=None, seed=0, study="synthetic"):
    """Write an aggregated file: axes = {name: coordinates} in order; status (grid shape) 0/1/2."""
    rng = np.random.default_rng(seed)
    names = list(axes)
    shape = tuple(len(v) for v in axes.values())
    status = np.zeros(shape, np.int8) if status is None else np.asarray(status, np.int8)
    grids = np.meshgrid(*[np.arange(n, dtype=float) for n in shape], indexing="ij")
    values = 0.3 + sum((k + 1) * 0.1 * g for k, g in enumerate(grids)) + 0.01 * rng.random(shape)
    values = np.where(status == 0, values, np.nan)
    with h5py.File(path, "w") as f:
        f.attrs.update(study=study, model="eliashberg", quantity=quantity, axes=json.dumps(names),
                       units="Omega = 1", conventions="test", config_hash="0" * 16, git_dirty=False,
                       config_json=json.dumps({"study": study, "fixed": {"T_el": 0.05, "gamma": 0.05}}))
        scales = []
        for name, c in axes.items():
            if isinstance(c[0], str):
                ds = f.create_dataset(name, data=np.array(c, dtype=object), dtype=STR)
            else:
                ds = f.create_dataset(name, data=np.asarray(c, dtype=float))
            ds.make_scale(name)
            scales.append(ds)
        ids = np.array([f"p{i:04d}" for i in range(status.size)], dtype=object).reshape(shape)
        reason = np.where(status == 0, 3, np.where(status == 1, -3, 0)).astype(np.int32)
        per_point = {
            quantity: values,
            "status": status,
            "snes_reason": reason,
            "snes_reason_name": np.where(status == 0, "CONVERGED_FNORM_RELATIVE",
                                         np.where(status == 1, "DIVERGED_LINEAR_SOLVE", "")).astype(object),
            "iterations": np.where(status == 2, 0, 7).astype(np.int32),
            "residual_norm": np.where(status == 2, np.nan, 1e-10),
            "wall_time": np.where(status == 2, np.nan, 1.5),
            "point_id": ids,
            "message": np.where(status == 1, "did not converge", "").astype(object),
        }
        for name, data in per_point.items():
            ds = f.create_dataset(name, data=data, dtype=STR if data.dtype == object else None)
            for d, s in enumerate(scales):
                ds.dims[d].attach_scale(s)
        f["status"].attrs["flag_meanings"] = "ok failed missing"
        f["wall_time"].attrs["units"] = "s"
    return status


def head(path, n):
    with open(path, "rb") as fh:
        return fh.read(n)


def n_x_markers(fig):
    return sum(len(line.get_xdata()) for ax in fig.axes for line in ax.get_lines() if line.get_marker() == "x")


@pytest.fixture
def one_axis(tmp_path):
    p = tmp_path / "one.h5"
    st = write_phase_diagram(p, {"T_b": np.linspace(0.02, 0.1, 6)}, status=[0, 1, 0, 2, 0, 1])
    return p, st


def test_one_axis_png_pdf_and_markers(tmp_path, one_axis):
    src, st = one_axis
    paths, fig = plot.plot_phase_diagram(src, tmp_path / "out" / "pd.png", formats=("png", "pdf"),
                                         return_figure=True)
    assert paths == [str(tmp_path / "out" / "pd.png"), str(tmp_path / "out" / "pd.pdf")]
    assert head(paths[0], 8) == b"\x89PNG\r\n\x1a\n"
    assert head(paths[1], 5) == b"%PDF-"
    assert n_x_markers(fig) == int(np.sum(st != 0)) == 3
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "failed (2)" in legend and "missing (1)" in legend
    assert "Ω" in ax.get_xlabel() and "T_b" in ax.get_xlabel()
    assert "synthetic" in fig._suptitle.get_text()
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_default_format_and_extension(tmp_path, one_axis):
    src, _ = one_axis
    assert plot.plot_phase_diagram(src, tmp_path / "a") == [str(tmp_path / "a.png")]
    assert plot.plot_phase_diagram(src, tmp_path / "b.pdf") == [str(tmp_path / "b.pdf")]
    assert head(tmp_path / "b.pdf", 5) == b"%PDF-"


def test_read_phase_diagram_named_coordinates(tmp_path):
    p = tmp_path / "cat.h5"
    st = write_phase_diagram(p, {"T_b": [0.02, 0.04, 0.06], "fel_mode": ["bath", "kinetic"]},
                             status=[[0, 1], [0, 0], [2, 0]])
    pd = plot.read_phase_diagram(p)
    assert pd["axes"] == ["T_b", "fel_mode"]
    assert list(pd["coords"]) == ["T_b", "fel_mode"]
    np.testing.assert_allclose(pd["coords"]["T_b"], [0.02, 0.04, 0.06])
    assert list(pd["coords"]["fel_mode"]) == ["bath", "kinetic"]
    assert all(type(v) is np.str_ for v in pd["coords"]["fel_mode"])
    assert pd["quantity"] == "lambda_c" and pd["values"].shape == (3, 2)
    np.testing.assert_array_equal(pd["status"], st)
    assert np.isnan(pd["values"][st != 0]).all() and np.isfinite(pd["values"][st == 0]).all()
    assert pd["data"]["point_id"][0, 1] == "p0001"
    assert pd["study"] == "synthetic" and pd["attrs"]["git_dirty"] is False


def test_xarray_h5netcdf_reads_layout(tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    p = tmp_path / "cat.h5"
    write_phase_diagram(p, {"T_b": [0.02, 0.04, 0.06], "fel_mode": ["bath", "kinetic"]},
                        status=[[0, 1], [0, 0], [2, 0]])
    with xr.open_dataset(p, engine="h5netcdf") as ds:
        assert set(ds.coords) == {"T_b", "fel_mode"}
        assert ds["lambda_c"].dims == ("T_b", "fel_mode")
        assert ds["status"].dims == ("T_b", "fel_mode")
        assert list(ds["fel_mode"].values) == ["bath", "kinetic"]
        assert ds["point_id"].values[2, 1] == "p0005"
        assert float(ds["lambda_c"].sel(T_b=0.04, fel_mode="kinetic")) > 0
        assert np.issubdtype(ds["wall_time"].dtype, np.floating)   # units "s" must not be decoded as timedelta
        assert ds.attrs["quantity"] == "lambda_c"


def test_categorical_axis_gives_curves(tmp_path):
    p = tmp_path / "cat.h5"
    st = write_phase_diagram(p, {"T_b": np.linspace(0.02, 0.1, 7), "fel_mode": ["bath", "kinetic"]},
                             status=np.array([[0, 1], [0, 0], [2, 0], [0, 0], [0, 1], [0, 0], [0, 0]]))
    paths, fig = plot.plot_phase_diagram(p, tmp_path / "cat", return_figure=True)
    ax = fig.axes[0]
    assert not ax.collections                                 # curves, no heat map
    labels = [line.get_label() for line in ax.get_lines()]
    assert "fel_mode = bath" in labels and "fel_mode = kinetic" in labels
    assert n_x_markers(fig) == int(np.sum(st != 0)) == 3
    assert "T_b" in ax.get_xlabel()
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_two_numeric_axes_heatmap(tmp_path):
    p = tmp_path / "two.h5"
    st = np.zeros((6, 5), np.int8)
    st[1, 2] = st[4, 0] = 1
    st[5, 4] = 2
    write_phase_diagram(p, {"T_b": np.geomspace(0.01, 1.0, 6), "lam": np.linspace(0.5, 2.0, 5)}, status=st)
    paths, fig = plot.plot_phase_diagram(p, tmp_path / "two", return_figure=True)
    ax = fig.axes[0]
    from matplotlib.collections import QuadMesh
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    assert meshes[0].get_array().shape == (5, 6) and np.ma.count_masked(meshes[0].get_array()) == 3
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"      # geomspace over 100x, linspace
    assert n_x_markers(fig) == 3
    cbar_labels = [a.get_ylabel() for a in fig.axes[1:]]
    assert plot.label("lambda_c", "eliashberg") in cbar_labels
    assert len(ax.collections) > 1                                       # contour lines drawn
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_two_axes_few_values_gives_curves(tmp_path):
    p = tmp_path / "few.h5"
    write_phase_diagram(p, {"kappa": [0.1, 0.2, 0.3], "T_b": np.linspace(0.02, 0.1, 8)}, quantity="T_c")
    _, fig = plot.plot_phase_diagram(p, tmp_path / "few", return_figure=True)
    ax = fig.axes[0]
    assert "T_b" in ax.get_xlabel() and len(ax.get_lines()) == 3 and n_x_markers(fig) == 0
    assert ax.get_ylabel() == "$T_c$ [Ω]"
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_three_axes_small_multiples(tmp_path):
    p = tmp_path / "three.h5"
    st = np.zeros((5, 6, 2), np.int8)
    st[0, 0, 0] = st[3, 2, 1] = 1
    st[4, 5, 1] = 2
    write_phase_diagram(p, {"T_b": np.linspace(0.02, 0.1, 5), "lam": np.linspace(0.5, 2, 6),
                            "fel_mode": ["bath", "kinetic"]}, status=st)
    _, fig = plot.plot_phase_diagram(p, tmp_path / "three", formats=("png",), return_figure=True)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert sorted(ax.get_title(loc="left") for ax in panels) == ["fel_mode = bath", "fel_mode = kinetic"]
    assert n_x_markers(fig) == 3
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_too_many_panels(tmp_path):
    p = tmp_path / "many.h5"
    write_phase_diagram(p, {"T_b": np.linspace(0.02, 0.1, 13), "lam": np.linspace(0.5, 2, 13),
                            "kappa": np.linspace(0.1, 1, 13)})
    with pytest.raises(ValueError, match="many.h5.*13 panels"):
        plot.plot_phase_diagram(p, tmp_path / "many")
    assert not list(tmp_path.glob("many.*png"))
    # the panel axes are chosen to minimise the panel count: 13 x 13 x 2 -> 2 panels of 13 x 13 heat maps
    p2 = tmp_path / "reorder.h5"
    write_phase_diagram(p2, {"fel_mode": ["bath", "kinetic"], "T_b": np.linspace(0.02, 0.1, 13),
                             "lam": np.linspace(0.5, 2, 13)})
    _, fig = plot.plot_phase_diagram(p2, tmp_path / "reorder", return_figure=True)
    assert sorted(ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")) == ["fel_mode = bath", "fel_mode = kinetic"]
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_all_failed(tmp_path):
    p = tmp_path / "dead.h5"
    st = np.ones((5, 6), np.int8)
    st[0, 0] = 2
    write_phase_diagram(p, {"T_b": np.linspace(0.02, 0.1, 5), "lam": np.linspace(0.5, 2, 6)}, status=st)
    paths, fig = plot.plot_phase_diagram(p, tmp_path / "dead", return_figure=True)
    assert head(paths[0], 4) == b"\x89PNG"
    assert n_x_markers(fig) == 30
    assert any(t.get_text() == "no converged point" for ax in fig.axes for t in ax.texts)
    import matplotlib.pyplot as plt
    plt.close(fig)
    p1 = tmp_path / "dead1.h5"
    write_phase_diagram(p1, {"drive_n": [0.0, 0.1, 0.2]}, quantity="delta0", status=[1, 1, 2])
    _, fig = plot.plot_phase_diagram(p1, tmp_path / "dead1", return_figure=True)
    assert n_x_markers(fig) == 3
    assert any(t.get_text() == "no converged point" for t in fig.axes[0].texts)
    plt.close(fig)
    text = plot.summary_table(p)
    assert "no converged point" in text


def test_summary_table(tmp_path):
    p = tmp_path / "cat.h5"
    write_phase_diagram(p, {"T_b": [0.02, 0.04, 0.06], "fel_mode": ["bath", "kinetic"]},
                        status=[[0, 1], [0, 0], [2, 0]])
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in plot.summary_table(p).splitlines())
    assert rows["points total"] == "6" and rows["ok"] == "4" and rows["failed"] == "1" and rows["missing"] == "1"
    assert rows["wall time total [s]"] == "7.500"
    assert rows["wall time mean [s]"].startswith("1.500")
    pd = plot.read_phase_diagram(p)
    ok = pd["values"][pd["status"] == 0]
    assert float(rows["λ_c min"].split()[0]) == pytest.approx(ok.min(), rel=1e-5)
    assert float(rows["λ_c max"].split()[0]) == pytest.approx(ok.max(), rel=1e-5)
    assert "T_b = 0.02" in rows["λ_c min"]


def test_not_a_phase_diagram(tmp_path):
    p = tmp_path / "solution.h5"
    with h5py.File(p, "w") as f:
        f.attrs["kind"] = "gap_solution"
        f["omega"] = np.linspace(-1, 1, 5)
    with pytest.raises(ValueError, match="solution.h5.*not a phase-diagram file"):
        plot.read_phase_diagram(p)
    with pytest.raises(ValueError, match="not a phase-diagram file"):
        plot.plot_phase_diagram(p, tmp_path / "x")
    with pytest.raises(ValueError, match="not a phase-diagram file"):
        plot.summary_table(p)
    junk = tmp_path / "junk.h5"
    junk.write_text("hello")
    with pytest.raises(ValueError, match="junk.h5.*not a phase-diagram file"):
        plot.read_phase_diagram(junk)


def test_log_scale_rule():
    assert _use_log(np.geomspace(0.01, 1, 5))
    assert not _use_log(np.linspace(0.01, 1, 5))         # spans 100x but linearly spaced
    assert not _use_log(np.geomspace(0.1, 1, 5))         # only 10x
    assert not _use_log(np.array([-1.0, 1.0, 100.0]))
    assert not _use_log(np.array(["bath", "kinetic"]))
    assert plot.label("kappa", "eliashberg") == "κ [Ω]" and plot.label("whatever", "eliashberg") == "whatever"
    assert plot.label("Gamma", "bcs") == "Gamma [omega_D]" and plot.label("lam", "bcs") == "lam"   # registry units


def test_decomposition_figure(tmp_path):
    """ξ-model studies: curves full / glue off / heating off (/ both off) vs T_b/T_el, one panel per γ,
    the equilibrium point marked, the relative change below."""
    p = tmp_path / "xi.h5"
    write_phase_diagram(p, {"T_b": [0.025, 0.05, 0.1], "gamma": [0.03, 0.3], "glue": ["on", "off"],
                            "fel_mode": ["kinetic", "bath"]})
    pd = plot.read_phase_diagram(p)
    curves = xi_figures.decomposition(pd)
    assert set(curves) == {"full", "glue off", "heating off", "glue & heating off"}
    assert curves["full"].shape == (3, 2)
    paths = xi_figures.plot_decomposition(p, tmp_path / "dec", x="T_b", x_scale="T_el", equilibrium_x=1.0,
                                    formats=("png", "pdf"))
    assert [Path(q).suffix for q in paths] == [".png", ".pdf"]
    assert head(paths[0], 8) == b"\x89PNG\r\n\x1a\n" and head(paths[1], 5) == b"%PDF-"
    with pytest.raises(ValueError, match="not an axis"):
        xi_figures.plot_decomposition(p, tmp_path / "bad", x="drive_n")


def test_forward_scattering_figures_and_shifts(tmp_path):
    """ξ figures: the shifts are the stated ratios of the decomposition curves; the glue-offset maps
    (ω_d × n_d, equilibrium row n_d = 0 excluded) and the crossover figure (w × kernel) are drawn; a
    missing axis is named."""
    p = tmp_path / "drive.h5"
    write_phase_diagram(p, {"drive_omega": [1.5, 2.0], "drive_n": [0.0, 0.3, 1.0], "gamma": [0.05],
                            "glue": ["on", "off"], "fel_mode": ["kinetic", "bath"]})
    pd = plot.read_phase_diagram(p)
    c = xi_figures.decomposition(pd)
    sh = xi_figures.shifts(c)
    full, off, both = c["full"], c["glue off"], c["glue & heating off"]
    assert np.allclose(sh["offset"], (off - full) / (off - both))
    assert np.allclose(sh["glue"], full / off - 1) and np.allclose(sh["heating"], off / both - 1)
    sub = plot.subset(pd, gamma=0.05)
    assert sub["axes"] == ["drive_omega", "drive_n", "glue", "fel_mode"] and sub["values"].shape == (2, 3, 2, 2)
    with pytest.raises(ValueError, match="no value"):
        plot.subset(pd, gamma=0.1)
    paths = xi_figures.plot_glue_offset(p, tmp_path / "offset", formats=("png",))
    assert head(paths[0], 8) == b"\x89PNG\r\n\x1a\n"
    q = tmp_path / "cross.h5"
    write_phase_diagram(q, {"w": [0.005, 0.05, 0.5], "kernel": ["lorentzian", "xi_local"], "glue": ["on", "off"],
                            "fel_mode": ["kinetic", "bath"]})
    with pytest.raises(ValueError, match="Gamma_el0"):
        xi_figures.plot_crossover(q, tmp_path / "cross")
    with h5py.File(q, "a") as f:
        f.create_dataset("Gamma_el0", data=np.full((3, 2, 2, 2), 0.05))
    paths = xi_figures.plot_crossover(q, tmp_path / "cross", formats=("png",))
    assert head(paths[0], 8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="axes w and kernel"):
        xi_figures.plot_crossover(p, tmp_path / "bad")
    # the findings' table script reads the same file: one row per (ω_d, n_d), offset = the stated ratio
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "xi_tables.py"
    r = subprocess.run([sys.executable, str(script), str(p), "--equilibrium", "drive_n=0"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("|") and "---" not in line]
    assert len(rows) == 1 + 2 * 3


def test_distributions_figure(tmp_path):
    w = np.linspace(-5, 5, 201)
    nu = np.linspace(0.02, 5, 100)
    paths = xi_figures.plot_distributions(w, {"a": np.tanh(w / 0.2) * 0.9}, 0.05, nu, 1 / np.tanh(nu / 0.1), 0.05,
                                    tmp_path / "dist", formats=("png",))
    assert head(paths[0], 8) == b"\x89PNG\r\n\x1a\n"
