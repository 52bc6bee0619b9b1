"""The ξ-resolved model on a graded frequency grid (ELIASHBERG_SPEC §2.2, §5, §5.6, §7; units Ω = 1).

Same equations and ξ discretization as `model.py`; the ω convolutions are product-integrated on the graded nodes
of `nepsolve.models.eliashberg.graded` (fine at ω = 0, the boson peaks and replicas, the gap edge, plus the ξ
model's own structure: the band edges ±W, the rows' resolvent peaks below the boson threshold, ξ-local rows —
`EliashbergXiParams.band_features`, `xi_row_features`).  There is no extended grid: the convolutions read their
inputs on the nodes and continue the non-decaying ones (diagonal Ĝ and Ĝ^K of a band wider than the grid) by
their edge values to ±∞ (the uniform path continues the self-energies by their edge values to ±2L and truncates
there); the anomalous parts decay and are zero beyond ±L, as on the uniform grid.
"""
from __future__ import annotations

import numpy as np

from ...physics.params import EliashbergXiParams
from ..eliashberg.graded import GradedEinsteinBath
from .model import XiEliashberg


class GradedXiEliashberg(GradedEinsteinBath, XiEliashberg):
    """`XiEliashberg` with product-integrated ω convolutions on graded nodes."""

    def __init__(self, params: EliashbergXiParams, xi_rows=None):     # noqa: no FFT grids (XiEliashberg.__init__)
        extra = params.xi_row_features([0.0] if xi_rows is None else xi_rows) if params.kernel == "xi_local" else ()
        self._setup_graded(params, tuple(extra))
        self._setup_xi(params, xi_rows)

    @property
    def ext_pad(self) -> int:
        return 0

    def embed(self, f: np.ndarray, outer: np.ndarray) -> np.ndarray:
        return np.array(f)

    def convolve_rows(self, inputs: dict, outputs: list, extended: bool = True, far: dict | None = None) -> list:
        """As `XiEliashberg.convolve_rows`, by product integration: inputs on the nodes, continued beyond ±L by their
        edge values (`extended`: the normal-state functions), by `far[name]` = (below, above) when given, or by 0
        (the decaying anomalous parts)."""
        done = {}

        def term(name, kernel):
            if (name, kernel) not in done:
                f = inputs[name]
                if far is not None and name in far:
                    beyond = far[name]
                else:
                    beyond = (f[..., 0], f[..., -1]) if extended else (0.0, 0.0)
                done[name, kernel] = self.conv(f, kernel, beyond)
            return done[name, kernel]

        return [sum(coef * term(n, k) for (n, k), coef in out.items()) for out in outputs]
