"""The model registry: one contract that the CLI, the sweep, the HDF5 writer and the figures consult.

A model is a package under `nepsolve/models/` whose module `spec` calls `register(ModelSpec(...))` at
import.  Everything above the models asks the registry what exists (names, parameter classes, units,
quantities, observables, costs, solution writers) instead of naming models; `models()` discovers the
packages on first use, so adding a model adds one package and touches no other file.

Units: each model states its energy unit (`energy_unit`, CF-style string written to HDF5 attributes) and
a sentence describing its conventions (`units_text`).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np


class RegistryError(ValueError):
    """An unknown model, or a (model, quantity) pair the model does not offer; the message lists what exists."""


@dataclass(frozen=True)
class Quantity:
    """One thing a model computes for a parameter point.

    `compute(params, petsc_options, comm=None) -> dict` returns the fields of a sweep record: `value`,
    `status` ('ok' | 'failed' | 'complex'), `message`, `snes_reason`, `snes_reason_name`, `iterations`,
    `residual_norm`, and any scalar observables the model declares.  It never raises for a point that
    merely fails to converge (that is a record); it may raise for a broken input, which the caller records.
    """
    name: str
    compute: Callable[..., dict]
    unit: str                        # CF unit of the value, e.g. "1" or "Omega"
    long_name: str
    multi_rank: bool = False         # can share one point over a group of MPI ranks (ranks_per_point > 1)


@dataclass(frozen=True)
class Figure:
    """One figure a model can draw from the aggregated phase diagram of a study.

    `draw` names the function as "module:function"; it is imported on use (figure modules import
    matplotlib) and called as `function(phase_diagram_path, out_stem, formats=[...], **args)` with the
    study config's arguments, writes only next to `out_stem` and returns the written paths."""
    draw: str
    summary: str

    def function(self) -> Callable[..., list]:
        module, name = self.draw.split(":")
        return getattr(importlib.import_module(module), name)


# every model's studies can draw the generic phase diagram (nepsolve.plot.phase_diagram)
GENERIC_FIGURES = {"phase_diagram": Figure("nepsolve.plot.phase_diagram:plot_phase_diagram",
                                           "the quantity over the study's axes (lines, heat maps, panels)")}


@dataclass(frozen=True)
class ModelSpec:
    """What one model offers (see the module docstring)."""
    name: str
    summary: str                                   # one line for --help and error messages
    params: type                                   # the parameter class (specs(), preset(), as_dict())
    energy_unit: str                               # "Omega", "t_c", ...
    units_text: str                                # the units sentence written to files
    quantities: Mapping[str, Quantity]
    observables: Mapping[str, tuple[str, str]] = field(default_factory=dict)   # name -> (unit, long_name)
    presets: tuple[str, ...] = ()
    cost: Callable[[dict, str], float] | None = None      # rough core-seconds of one point (params, quantity)
    keys_heading: str = ""                                 # first line of `nepsolve keys --model <name>`
    check_point: Callable[[object, str], None] | None = None   # (params, quantity): ParameterError if unsupported
    # a cheap point (seconds) for the contract tests: {"quantity": ..., "fixed": {...}, "axis": (key, [v1, v2])}
    example: Mapping = field(default_factory=dict)
    # single-point commands (CLI `critical` / `solve`, the Python API); None: the model does not offer it.
    # critical(params, quantity, petsc_options, axis="real", decompose=False[, tol=None]) -> dict
    # (quantity: lambda_c | Tc; `tol` only for models with refines=True: refine the discretization to it)
    critical: Callable[..., dict] | None = None
    refines: bool = False
    # solve(params, petsc_options, **options) -> dict; options the model does not use are ignored
    solve: Callable[..., dict] | None = None
    write_solution: Callable[[object, dict], None] | None = None   # (path, solve result) -> HDF5 file
    report_keys: tuple[str, ...] = ()             # keys the CLI prints for `solve` (without --json)
    array_units: Mapping[str, str] = field(default_factory=dict)   # units of the arrays of a solve result
    build: Callable[..., object] | None = None     # build(params, **options) -> the model object (api layer)
    key_units: Mapping[str, str] = field(default_factory=dict)   # numeric keys not in energy_unit, e.g. "1"
    conventions: str = ""                          # the model's conventions sentence written to files
    default: bool = False                          # the CLI's default --model (one model sets it)
    help: Mapping[str, str] = field(default_factory=dict)        # command ('critical', 'solve') -> CLI paragraph
    solve_quantities: tuple[str, ...] = ("delta0",)              # what `solve --quantity` may ask of this model
    # bumped by the model whenever its results change: records and chunk files made by another physics
    # version are not aggregated (and are recomputed by a rerun)
    physics_version: str = "1"
    # critical_rows(params, pinned) -> None | rows: a row-decoupled kernel searched row by row (api layer)
    critical_rows: Callable[..., object] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)      # figure label (with unit) of keys/quantities
    figures: Mapping[str, Figure] = field(default_factory=dict)  # the model's own figures (besides GENERIC)
    # axes -> value the generic phase-diagram figure fixes when a study has too many panels
    figure_slice: Mapping[str, str] = field(default_factory=dict)

    def unit_of(self, name: str) -> str | None:
        """CF unit of a quantity, observable or parameter key of this model (None: not a numeric name)."""
        if name in self.quantities:
            return self.quantities[name].unit
        if name in self.observables:
            return self.observables[name][0]
        spec = self.params.specs().get(name)
        if spec is None or spec.choices:
            return None
        return self.key_units.get(name, self.energy_unit)

    def all_figures(self) -> dict[str, Figure]:
        """The generic figures and the model's own."""
        return {**GENERIC_FIGURES, **self.figures}

    def figure(self, name: str) -> Figure:
        """The figure `name`, or a RegistryError listing the figures this model draws."""
        figures = self.all_figures()
        try:
            return figures[name]
        except KeyError:
            raise RegistryError(f"model {self.name!r} has no figure {name!r}: it draws "
                                f"{', '.join(figures)}") from None

    def base_params(self, preset: str | None = None):
        """The model's default parameters, or those of `preset` (ParameterError naming the presets it has)."""
        if preset is None:
            return self.params()
        if preset not in self.presets:
            from .physics.spec import ParameterError

            raise ParameterError(f"preset {preset!r} is not a preset of model {self.name!r} (its presets: "
                                 f"{', '.join(self.presets) or 'none'})")
        return self.params.preset(preset)

    def quantity(self, name: str) -> Quantity:
        """The quantity `name`, or a RegistryError listing the ones this model offers."""
        try:
            return self.quantities[name]
        except KeyError:
            raise RegistryError(f"model {self.name!r} does not compute quantity {name!r}: it offers "
                                f"{', '.join(self.quantities)}") from None


def scalar_observables(result: dict, names) -> dict:
    """The declared observables `names` that `result` carries as numbers (float; bools and missing left out):
    the observable fields of a sweep record."""
    return {k: float(result[k]) for k in names
            if isinstance(result.get(k), (int, float, np.floating, np.integer)) and not isinstance(result[k], bool)}


_MODELS: dict[str, ModelSpec] = {}
_DISCOVERED = False


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model (called by its package's `spec` module at import); a second model of the same name is an error."""
    old = _MODELS.get(spec.name)
    if old is not None and old is not spec and old.params is not spec.params:
        raise RegistryError(f"model {spec.name!r} is registered twice")
    _MODELS[spec.name] = spec
    return spec


def _discover() -> None:
    """Import `nepsolve.models.<package>.spec` for every package that has one."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    pkg = importlib.import_module(f"{__package__}.models")

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.ispkg and importlib.util.find_spec(f"{pkg.__name__}.{info.name}.spec") is not None:
            importlib.import_module(f"{pkg.__name__}.{info.name}.spec")
    _DISCOVERED = True


def models() -> dict[str, ModelSpec]:
    """All registered models by name (in registration order)."""
    _discover()
    return dict(_MODELS)


def get(name: str) -> ModelSpec:
    """The model `name`, or a RegistryError listing the registered models."""
    all_models = models()
    try:
        return all_models[name]
    except KeyError:
        raise RegistryError(f"unknown model {name!r}: registered models are {', '.join(all_models)}") from None


def quantity(model: str, name: str) -> Quantity:
    """The quantity `name` of `model` (errors list what exists)."""
    return get(model).quantity(name)


def all_quantities() -> tuple[str, ...]:
    """Every quantity name some model offers."""
    seen: dict[str, None] = {}
    for spec in models().values():
        seen.update(dict.fromkeys(spec.quantities))
    return tuple(seen)


def observables() -> dict[str, tuple[str, str]]:
    """Every observable any model declares: name -> (unit, long_name)."""
    out: dict[str, tuple[str, str]] = {}
    for spec in models().values():
        out.update(spec.observables)
    return out


def model_of_params(params) -> ModelSpec:
    """The model whose parameter class is exactly the type of `params`."""
    specs = list(models().values())
    for spec in specs:
        if type(params) is spec.params:
            return spec
    raise RegistryError(f"no registered model has parameter class {type(params).__name__}")


def code_versions(model: str) -> dict:
    """What binds a stored result to the code that made it: the nepsolve version and the model's
    physics version."""
    from . import __version__

    return {"nepsolve_version": __version__, "physics_version": str(get(model).physics_version)}


def default_model() -> str:
    """The model the CLI uses when none is given (the one registered with default=True)."""
    marked = [name for name, spec in models().items() if spec.default]
    if len(marked) != 1:
        raise RegistryError(f"exactly one model must be registered with default=True, found {marked}")
    return marked[0]


def offering(what: str) -> list[str]:
    """Names of the models that offer the single-point command `what` ('critical' or 'solve')."""
    return [name for name, spec in models().items() if getattr(spec, what) is not None]
