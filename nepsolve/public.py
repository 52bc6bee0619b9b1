"""The public Python API: thin functions over the model registry (see docs/api.md)."""
from __future__ import annotations

from . import registry
from .physics.spec import ParameterError
from .results import Result, from_dict

SOLVE_OPTIONS = ("seed", "fallback", "warmup", "deflate")      # solver options of `solve`, not model keys


def list_models() -> list[str]:
    """Names of the registered models."""
    return list(registry.models())


def keys(model: str) -> dict[str, str]:
    """The parameter keys of `model`: key -> meaning and allowed values (units in the text)."""
    return {k: f"{s.doc}; {s.describe()}" for k, s in registry.get(model).params.specs().items()}


def _params(model: str, preset: str | None, values: dict):
    """Validated parameters of `model`: its defaults (or a preset), overridden by `values`; unknown keys and
    out-of-range values raise ParameterError naming the key."""
    spec = registry.get(model)
    cls = spec.params
    specs = cls.specs()
    for k in values:
        if k not in specs:
            raise ParameterError(f"unknown parameter '{k}' of model {model!r}: allowed keys are {', '.join(specs)}")
    return cls(**{**spec.base_params(preset).given_dict(), **values})


def critical(model: str, quantity: str = "lambda_c", *, axis: str = "real", decompose: bool = False,
             tol: float | None = None, petsc_options=None, preset: str | None = None, **params) -> Result:
    """The critical point of `model` at `params`: quantity 'lambda_c' (coupling) or 'Tc' (temperature);
    axis 'matsubara' uses the imaginary-axis reference (equilibrium); `decompose` adds glue off / heating
    off / both off (ξ model); `tol` refines the frequency grid to that relative accuracy (Eliashberg models)."""
    spec = registry.get(model)
    if spec.critical is None:
        raise registry.RegistryError(f"model {model!r} has no critical-point search (models with one: "
                                     f"{', '.join(registry.offering('critical'))})")
    p = _params(model, preset, params)
    if tol is not None and not spec.refines:
        raise registry.RegistryError(f"model {model!r} does not refine a discretization (tol): models that do: "
                                     f"{', '.join(n for n, m in registry.models().items() if m.refines)}")
    extra = {"tol": tol} if tol is not None else {}
    return from_dict(model, quantity, spec.critical(p, quantity, petsc_options, axis=axis, decompose=decompose,
                                                    **extra))


def solve(model: str, quantity: str = "delta0", *, petsc_options=None, preset: str | None = None,
          **params_and_options) -> Result:
    """The nonlinear solution of `model` (Eliashberg: the gap equations, options seed/fallback/warmup/deflate;
    interband: the kinetic NESS and the interband gap, quantity 'Tc' adds T_c)."""
    spec = registry.get(model)
    if spec.solve is None:
        raise registry.RegistryError(f"model {model!r} has no nonlinear solve (models with one: "
                                     f"{', '.join(registry.offering('solve'))})")
    options = {k: params_and_options.pop(k) for k in SOLVE_OPTIONS if k in params_and_options}
    p = _params(model, preset, params_and_options)
    return from_dict(model, quantity, spec.solve(p, petsc_options, quantity=quantity, **options))


def normal_state(model_object, petsc_options=None, comm=None):
    """The normal NESS of an Eliashberg model object (flat band: F_el on the extended grid; ξ model: a
    NormalState), solved with the SNES ladder; RuntimeError if it does not converge."""
    from .api import NormalStateSolver

    return NormalStateSolver(petsc_options, comm)(model_object)
