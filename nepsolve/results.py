"""Result objects of the public Python API (`nepsolve.critical`, `nepsolve.solve`).

A Result holds the scalars of a computation (`.data`), its arrays (`.arrays`, e.g. Δ(ω) on the ω grid or
n_c(k) on the k grid), the model and quantity.  `.to_dict()` gives plain JSON-ready values; `.to_xarray()`
gives an xarray.Dataset with named coordinates (omega, k, xi where present) and a `units` attribute on
every variable whose unit the model declares (energies in the model's unit: Ω for the Eliashberg models,
t_c for the interband model).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COORDINATES = ("omega", "k", "xi")          # arrays that name a dimension when present


@dataclass
class Result:
    model: str
    quantity: str
    data: dict
    arrays: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)

    @property
    def converged(self) -> bool:
        return bool(self.data.get("converged", False))

    def to_dict(self) -> dict:
        """Scalars and lists as JSON-ready Python values (arrays are left out; see `.arrays`)."""
        from .io import json_safe

        return json_safe(dict(self.data))

    def _units(self) -> dict:
        from . import registry

        spec = registry.get(self.model)
        units = dict(spec.array_units)
        units.update({name: unit for name, (unit, _) in spec.observables.items()})
        for name, q in spec.quantities.items():
            units[name] = q.unit
        units["wall_time"] = "s"
        return units

    def to_xarray(self):
        """An xarray.Dataset: arrays on named coordinates (a 1-D array whose length matches a coordinate
        array takes its name; 2-D arrays of the ξ model are (xi, omega)), scalars as 0-d variables, strings
        and flags as attributes."""
        import xarray as xr

        units = self._units()
        coords = {c: np.asarray(self.arrays[c]) for c in COORDINATES
                  if c in self.arrays and np.ndim(self.arrays[c]) == 1}
        data_vars = {}
        for name, value in self.arrays.items():
            if name in coords:
                continue
            arr = np.asarray(value)
            dims = None
            for c, grid in coords.items():
                if arr.ndim == 1 and arr.shape[0] == grid.size:
                    dims = (c,)
                    break
            if dims is None and arr.ndim == 2 and "xi" in coords and "omega" in coords \
                    and arr.shape == (coords["xi"].size, coords["omega"].size):
                dims = ("xi", "omega")
            if dims is None:
                dims = tuple(f"{name}_dim{i}" for i in range(arr.ndim))
            data_vars[name] = xr.Variable(dims, arr, attrs={"units": units[name]} if name in units else {})
        attrs = {"model": self.model, "quantity": self.quantity}
        for name, value in self.data.items():
            if isinstance(value, (bool, np.bool_, str)):
                attrs[name] = str(value) if isinstance(value, str) else int(value)
            elif isinstance(value, (int, float, np.integer, np.floating)):
                data_vars[name] = xr.Variable((), value, attrs={"units": units[name]} if name in units else {})
        ds = xr.Dataset(data_vars, coords={c: xr.Variable((c,), g, attrs={"units": units.get(c, "")})
                                           for c, g in coords.items()}, attrs=attrs)
        return ds


def from_dict(model: str, quantity: str, result: dict) -> Result:
    """A Result from an api result dict (arrays moved from its 'arrays' key)."""
    data = {k: v for k, v in result.items() if k != "arrays"}
    return Result(model, quantity, data, dict(result.get("arrays") or {}))
