"""Validated parameter keys shared by all models: `Spec` (allowed values of one key) and the
error every check raises (`ParameterError`, whose message names the key and what is allowed)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np


class ParameterError(ValueError):
    """Invalid model parameter; the message names the key and what is allowed."""


@dataclass(frozen=True)
class Spec:
    """Allowed values of one key: a numeric interval (open/closed ends), or a set of choices."""

    kind: type
    doc: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = True
    hi_open: bool = False
    choices: tuple = ()
    odd: bool = False

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        parts = []
        if self.lo is not None:
            parts.append(f"{'>' if self.lo_open else '>='} {self.lo:g}")
        if self.hi is not None:
            parts.append(f"{'<' if self.hi_open else '<='} {self.hi:g}")
        what = "an odd integer" if self.odd else ("an integer" if self.kind is int else "a number")
        return what + (" " + " and ".join(parts) if parts else "")

    def check(self, key: str, value):
        if self.choices:
            if value not in self.choices:
                raise ParameterError(f"parameter '{key}' = {value!r} is not allowed: must be {self.describe()}")
            return value
        try:
            if self.kind is int:
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError
                value = int(value)
            else:
                value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"parameter '{key}' = {value!r} is not {self.describe()}") from None
        bad = not np.isfinite(value)
        if self.lo is not None:
            bad |= value <= self.lo if self.lo_open else value < self.lo
        if self.hi is not None:
            bad |= value >= self.hi if self.hi_open else value > self.hi
        if self.odd and value % 2 == 0:
            bad = True
        if bad:
            raise ParameterError(f"parameter '{key}' = {value!r} is out of range: must be {self.describe()}")
        return value


class ValidatedParams:
    """Mixin of the frozen parameter dataclasses: every key checked by its Spec (`specs()`, a classmethod
    of the model), `replace` and `as_dict` over exactly those keys."""

    def check_keys(self):
        for key, spec in self.specs().items():
            object.__setattr__(self, key, spec.check(key, getattr(self, key)))

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.specs()}
