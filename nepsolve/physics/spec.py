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
        if self.kind is str and not self.choices:
            return "a string"
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
        if self.kind is str and not self.choices:          # free text (a path, a JSON list): checked by the model
            if not isinstance(value, str):
                raise ParameterError(f"parameter '{key}' = {value!r} is not a string")
            return value
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
    of the model), `replace` and `as_dict` over exactly those keys.

    Keys in AUTO_KEYS may be left None: the class then chooses them from the other parameters
    (`resolve_auto`, e.g. a frequency grid fine enough for the temperatures and rates) and remembers which
    ones it chose (`auto_keys`), so that `replace` chooses them again for the new parameters and
    `given_dict` reports them as None (not given)."""

    AUTO_KEYS: tuple = ()

    def check_keys(self, keys=None):
        specs = self.specs()
        for key in (specs if keys is None else keys):
            if getattr(self, key) is None and key in self.AUTO_KEYS:
                continue                      # chosen by resolve_auto, checked then
            object.__setattr__(self, key, specs[key].check(key, getattr(self, key)))

    def resolve_auto(self) -> None:
        """Choose the AUTO_KEYS left None (models with AUTO_KEYS override this)."""

    def finish_auto(self) -> None:
        """Check the other keys, choose the auto keys, then check those (call from __post_init__)."""
        missing = [k for k in self.AUTO_KEYS if getattr(self, k) is None]
        self.check_keys()
        self.resolve_auto()
        object.__setattr__(self, "_auto", frozenset(missing))
        self.check_keys(missing)

    @property
    def auto_keys(self) -> frozenset:
        return getattr(self, "_auto", frozenset())

    def pinned(self):
        """The same parameters with the chosen keys given explicitly (they stay fixed under `replace`)."""
        return dataclasses.replace(self, **{k: getattr(self, k) for k in self.auto_keys})

    def replace(self, **changes):
        return dataclasses.replace(self, **{**{k: None for k in self.auto_keys}, **changes})

    def as_dict(self) -> dict:
        """Every key with the value in use (chosen ones included)."""
        return {k: getattr(self, k) for k in self.specs()}

    def given_dict(self) -> dict:
        """Every key as given: None for keys the class chose (AUTO_KEYS left None)."""
        return {k: (None if k in self.auto_keys else getattr(self, k)) for k in self.specs()}
