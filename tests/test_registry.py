"""The model contract, checked for every registered model (so a new model is tested from its first day):
keys validated before any job, a point solved through the registry, records written to a chunk and
aggregated into a phase diagram with the model's units, and the figure drawn.  Plus the registry's
errors for unknown models and unsupported (model, quantity) pairs."""
import h5py
import numpy as np
import pytest

from nepsolve import io, plans, plot, registry, sweep

MODELS = sorted(registry.models())


def test_unknown_model_and_unsupported_quantity_list_what_exists():
    with pytest.raises(registry.RegistryError) as err:
        registry.get("hubbard")
    for name in MODELS:
        assert name in str(err.value)
    for name, spec in registry.models().items():
        missing = [q for q in registry.all_quantities() if q not in spec.quantities]
        for q in missing:
            with pytest.raises(registry.RegistryError) as err:
                registry.quantity(name, q)
            assert all(offered in str(err.value) for offered in spec.quantities)


def study(name, spec, **changes):
    ex = spec.example
    key, values = ex["axis"]
    cfg = {"study": f"contract_{name.replace('-', '_')}", "model": name, "quantity": ex["quantity"],
           "fixed": dict(ex["fixed"]), "axes": {key: list(values)},
           "chunking": {"points_per_chunk": 8, "ranks_per_chunk": 1, "ranks_per_point": 1}}
    cfg.update(changes)
    return cfg


@pytest.mark.parametrize("name", MODELS)
def test_contract_keys_are_validated_before_any_job(name):
    spec = registry.get(name)
    assert spec.example, f"model {name} registers no example point"
    for key, s in spec.params.specs().items():
        assert s.doc, f"{name}: key {key} has no description"
    cfg = study(name, spec)
    cfg["fixed"]["no_such_key"] = 1.0
    with pytest.raises(sweep.SweepConfigError, match="fixed.no_such_key"):
        sweep.make_plan(cfg)
    absent = next(q for q in ("lambda_c", "delta0", "T_c", "no_such_quantity") if q not in spec.quantities)
    with pytest.raises(sweep.SweepConfigError, match="'quantity'"):
        sweep.make_plan(study(name, spec, quantity=absent))
    plan = sweep.make_plan(study(name, spec))
    assert sweep.estimate_seconds(plan) > 0


@pytest.mark.parametrize("name", MODELS)
def test_contract_point_record_aggregate_and_figure(name, tmp_path):
    """Each example point solved through the registry, written, aggregated and drawn (real HDF5 files)."""
    spec = registry.get(name)
    plan = sweep.make_plan(study(name, spec))
    records = []
    for p in plans.points(plan):
        rec = sweep.evaluate_point(name, plan["config"]["quantity"], p["params"], None)
        assert rec["status"] == "ok", rec
        assert np.isfinite(rec["value"]) and rec["wall_time"] > 0
        records.append({"id": p["id"], "index": p["index"], **rec})
    chunk = tmp_path / "chunk_0000.h5"
    io.write_chunk(chunk, plan, 0, records)
    out = tmp_path / "phase_diagram.h5"
    counts = io.write_phase_diagram(out, plan, {0: chunk})
    assert counts["ok"] == plans.n_points(plan)
    q = plan["config"]["quantity"]
    with h5py.File(out) as f:
        assert f.attrs["units"] == spec.units_text
        np.testing.assert_array_equal(f[q][()], [r["value"] for r in records])
        def model_unit(ds):          # CF: `units` readable by UDUNITS ("1"), the model unit in model_units
            return ds.attrs.get("model_units", ds.attrs["units"])
        assert f.attrs["Conventions"] == "CF-1.10"
        for key in spec.observables:
            if key in f:
                assert model_unit(f[key]) == spec.observables[key][0] and f[key].attrs["units"] in ("1", "s")
        assert model_unit(f[q]) == spec.quantities[q].unit and f[q].attrs["long_name"]
        axis = spec.example["axis"][0]
        assert model_unit(f[axis]) == spec.unit_of(axis) != None and f[axis].attrs["long_name"]
    files = plot.plot_phase_diagram(out, tmp_path / "figure", formats=("png",))
    assert files and all(open(f, "rb").read(4) == b"\x89PNG" for f in files)


@pytest.mark.parametrize("name", MODELS)
def test_contract_figures_resolve_and_study_figures_are_checked(name):
    """Every registered figure imports and takes (path, out, formats=...); a study's `figures:` block is
    checked against the registry (unknown figure, unknown argument) before any job, naming the key, and does
    not change the config hash (existing chunks stay valid)."""
    import inspect

    spec = registry.get(name)
    assert "phase_diagram" in spec.all_figures()
    for fig_name, fig in spec.all_figures().items():
        params = inspect.signature(fig.function()).parameters
        assert list(params)[:2] == ["path", "out"] and "formats" in params, (name, fig_name)
        assert fig.summary
    base = sweep.make_plan(study(name, spec))
    cfg = study(name, spec, figures={"extra": {"figure": "phase_diagram"}})
    assert sweep.make_plan(cfg)["config_hash"] == base["config_hash"]
    assert list(sweep.study_figures(cfg)) == ["phase_diagram", "extra"]
    with pytest.raises(sweep.SweepConfigError, match="figures.bad.figure.*phase_diagram"):
        sweep.make_plan(study(name, spec, figures={"bad": {"figure": "no_such_figure"}}))
    with pytest.raises(sweep.SweepConfigError, match="'figures.bad'.*no_such_arg"):
        sweep.make_plan(study(name, spec, figures={"bad": {"figure": "phase_diagram", "no_such_arg": 1}}))


@pytest.mark.parametrize("name", MODELS)
def test_contract_units_and_labels(name):
    """Every numeric key, quantity and observable has a unit in the registry; labels carry it."""
    spec = registry.get(name)
    for key, s in spec.params.specs().items():
        assert (spec.unit_of(key) is None) == bool(s.choices), (name, key)
    for q in spec.quantities:
        assert spec.unit_of(q) == spec.quantities[q].unit
        unit = spec.unit_of(q)
        if unit != "1" and q not in spec.labels:
            assert plot.label(q, name).endswith(f"[{unit}]")


def test_no_model_name_outside_its_package():
    """Above the models nothing names a model: no model name as a string literal (or `--model <name>`) in
    nepsolve/ outside nepsolve/models/<package>/, in the Snakefile or in workflow/.  Docstrings and
    comments may mention models; code may not branch on them."""
    import ast
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    names = set(MODELS)
    packages = {registry.get(n).solve.__module__.split(".")[2] if registry.get(n).solve else None for n in names}
    offenders = []
    files = [p for p in (root / "nepsolve").rglob("*.py") if "models" not in p.relative_to(root / "nepsolve").parts[:1]]
    for path in files:
        tree = ast.parse(path.read_text())
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                text = node.value
                if text in names or re.search(r"--model[ =](" + "|".join(map(re.escape, names)) + r")\b", text):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}: {text[:60]!r}")
    for path in [root / "Snakefile", *(root / "workflow").rglob("*.smk"), *(root / "workflow").rglob("*.py")]:
        for i, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"[\"'](" + "|".join(map(re.escape, names)) + r")[\"']", code):
                offenders.append(f"{path.relative_to(root)}:{i}: {line.strip()[:60]!r}")
    assert not offenders, "model names outside their packages:\n" + "\n".join(offenders)
    assert packages          # the registry found the model packages
