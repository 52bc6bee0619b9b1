"""The model contract, checked for every registered model (so a new model is tested from its first day):
keys validated before any job, a point solved through the registry, records written to a chunk and
aggregated into a phase diagram with the model's units, and the figure drawn.  Plus the registry's
errors for unknown models and unsupported (model, quantity) pairs."""
import h5py
import numpy as np
import pytest

from nepsolve import io, plot, registry, sweep

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
    for p in plan["points"]:
        rec = sweep.evaluate_point(name, plan["config"]["quantity"], p["params"], None)
        assert rec["status"] == "ok", rec
        assert np.isfinite(rec["value"]) and rec["wall_time"] > 0
        records.append({"id": p["id"], "index": p["index"], **rec})
    chunk = tmp_path / "chunk_0000.h5"
    io.write_chunk(chunk, plan, 0, records)
    out = tmp_path / "phase_diagram.h5"
    counts = io.write_phase_diagram(out, plan, {0: chunk})
    assert counts["ok"] == len(plan["points"])
    q = plan["config"]["quantity"]
    with h5py.File(out) as f:
        assert f.attrs["units"] == spec.units_text
        np.testing.assert_array_equal(f[q][()], [r["value"] for r in records])
        for key in spec.observables:
            if key in f:
                assert f[key].attrs["units"] == spec.observables[key][0]
    files = plot.plot_phase_diagram(out, tmp_path / "figure", formats=("png",))
    assert files and all(open(f, "rb").read(4) == b"\x89PNG" for f in files)
