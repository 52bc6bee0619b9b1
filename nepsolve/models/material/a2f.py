"""Reading and checking a tabulated Eliashberg function α²F(ν) (issue 14): a plain two-column text file (ν, α²F(ν)),
'#' comments and blank lines allowed, energies in `units` (meV by default), converted to meV.  Every defect is a
ParameterError naming the key ('a2f') and the line or the reason, raised before any solve."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np

from ...physics.spec import ParameterError
from ...physics.spectra import lambda_of, omega_log

MEV_PER = {"meV": 1.0, "eV": 1000.0, "THz": 4.135667696, "K": 0.08617333262, "cm-1": 0.12398419843}
K_PER_MEV = 1.0 / MEV_PER["K"]          # kelvin per meV (k_B = 0.08617333262 meV/K)


@dataclass(frozen=True, eq=False)
class Spectrum:
    """A checked α²F table in meV: nodes ν (from 0), values, its λ = 2∫α²F/ν, ω_log, top frequency, file digest."""

    nu: np.ndarray
    a2f: np.ndarray
    lam: float
    omega_log: float
    path: str
    sha256: str

    @property
    def top(self) -> float:
        return float(self.nu[-1])


_CACHE: dict = {}


def load_spectrum(path: str, units: str = "meV", key: str = "a2f") -> Spectrum:
    """The checked spectrum of `path` (cached by path, size, mtime and units)."""
    try:
        st = os.stat(path)
    except OSError as err:
        raise ParameterError(f"parameter '{key}' = {path!r}: cannot read the file ({err.strerror})") from None
    cache_key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, units)
    if cache_key not in _CACHE:
        _CACHE[cache_key] = _read(path, units, key)
    return _CACHE[cache_key]


def _read(path: str, units: str, key: str) -> Spectrum:
    if units not in MEV_PER:
        raise ParameterError(f"parameter 'units' = {units!r} is not allowed: must be one of {', '.join(MEV_PER)}")
    raw = open(path, "rb").read()
    rows, lines = [], []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parts = text.replace(",", " ").split()
        if len(parts) != 2:
            raise ParameterError(f"parameter '{key}': {path} line {number}: expected two columns (ν, α²F), "
                                 f"got {len(parts)}: {line.strip()!r}")
        try:
            nu, val = float(parts[0]), float(parts[1])
        except ValueError:
            raise ParameterError(f"parameter '{key}': {path} line {number}: not a number: {line.strip()!r}") from None
        if not (np.isfinite(nu) and np.isfinite(val)):
            raise ParameterError(f"parameter '{key}': {path} line {number}: not finite: {line.strip()!r}")
        if nu < 0 or val < 0:
            raise ParameterError(f"parameter '{key}': {path} line {number}: negative "
                                 f"{'frequency' if nu < 0 else 'α²F'} ({line.strip()!r}); α²F(ν) ≥ 0 for ν ≥ 0")
        if rows and nu <= rows[-1][0]:
            raise ParameterError(f"parameter '{key}': {path} line {number}: frequencies must increase strictly "
                                 f"(ν = {nu:g} after {rows[-1][0]:g})")
        rows.append((nu, val))
        lines.append(number)
    if len(rows) < 3:
        raise ParameterError(f"parameter '{key}': {path} has {len(rows)} data rows; at least 3 are needed")
    table = np.array(rows) * np.array([MEV_PER[units], 1.0])
    nu, a2f = table[:, 0], table[:, 1]
    if nu[0] > 0:                               # α²F vanishes at ν → 0: start the table there
        nu, a2f = np.concatenate([[0.0], nu]), np.concatenate([[0.0], a2f])
    elif a2f[0] > 0:
        raise ParameterError(f"parameter '{key}': {path} line {lines[0]}: α²F(0) = {a2f[0]:g} ≠ 0 makes "
                             "λ = 2∫α²F/ν infinite")
    lam = lambda_of(nu, a2f)
    if not lam > 0:
        raise ParameterError(f"parameter '{key}': {path}: λ = 2∫α²F(ν)/ν dν = 0 (the spectrum is empty)")
    return Spectrum(nu, a2f, lam, omega_log(nu, a2f), path, hashlib.sha256(raw).hexdigest())
