"""The material model resolved in ξ (issue 14): the ξ-resolved Keldysh–Eliashberg equations (ELIASHBERG_SPEC §2.2,
§5, §5.6, §7; `nepsolve.models.eliashberg_xi`) with the boson channels of `material.params` (tabulated α²F or
Lorentzian modes, each on its own bath and drive) and a static pairing channel with a *band* cutoff.  Energies in meV.

Static channel (BCS form).  V_s(ξ, ξ') = −λ_s θ(ω_c − |ξ|) θ(ω_c − |ξ'|) (per N0; λ_s = lam_static − μ*, > 0
attractive), instantaneous: D^R = const, no D^K, so in the self-energy of spec eq. (2.2) Λ^R → −λ_s θθ and n = a = 0.
Only the anomalous part is kept (the diagonal Hartree–Fock term is a chemical-potential shift, zero in a
particle–hole symmetric band):
    Σ^R_12(ξ) = θ(ω_c − |ξ|) (iλ_s/4π) ∫dω' ∫_{|ξ'|<ω_c} dξ' ρ(ξ') G^K_12(ξ', ω'),   likewise 21;  Σ^K_s = 0.
The ω' integral needs no cutoff: for a real constant φ, G^K_12 ~ Γ/ω'³ (the retarded and advanced parts cancel);
it runs over the base grid [−L, L] (trapezoid).  The cells are split at ±ω_c (`make_quadrature(cut=…)`); the local
kernel then has two rows, inside and outside the cutoff, since the gap jumps there.  In equilibrium at W → ∞,
γ → 0 it is the BCS gap equation 1 = λ_s ∫_0^{ω_c} dξ tanh(ξ/2T)/ξ; the imaginary-axis reference with bosons is
`material.matsubara.band_pair_eigenvalue`.  The Matsubara-defined μ* (sharp frequency cutoff) is the flat-band
material model's; with kernel 'xi_local' (rows decoupled) a band-cutoff channel, which couples all |ξ'| < ω_c, is
refused.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...physics.params import XI_SPECS, EliashbergXiParams
from ...physics.spec import ParameterError, Spec
from ..eliashberg_xi.model import PI, XiEliashberg
from ..xi_grid import cell_pair
from .model import MaterialFlatBand, log_tail_nodes
from .params import MATERIAL_SPECS, MaterialParams

_XI_KEYS = ("W", "dos", "kernel", "kernel_norm", "w", "xi_grid", "xi_h0", "xi_growth", "xi_hmax", "n_xi", "glue")
MATERIAL_XI_SPECS: dict[str, Spec] = {
    **MATERIAL_SPECS,
    **{k: XI_SPECS[k] for k in _XI_KEYS},
    "W": Spec(float, "band half-width W [meV] (electron states at −W ≤ ξ ≤ W)", 0.0, 1e6),
    "w": Spec(float, "width w of the Lorentzian kernel [meV]", 0.0, 1e6),
    "kernel_norm": Spec(str, "Lorentzian normalisation: 'integral' (∫K dξ' = 1 meV: λ of the Lorentzian and ξ-local "
                        "kernels is per meV of ξ', so its values differ from --model eliashberg-xi's per Ω) or 'peak' "
                        "(K(0) = 1)", choices=("integral", "peak")),
    "xi_h0": Spec(float, "graded ξ grid: width of the central cell [meV]; 0 = automatic, max(w, γ)/4 capped at 0.1",
                  0.0, 1e3, lo_open=False),
    "xi_hmax": Spec(float, "graded ξ grid: largest cell width [meV]", 0.0, 1e3),
    "mustar": Spec(float, "Coulomb repulsion μ* of the static channel, here with the band cutoff |ξ|, |ξ'| < omega_c "
                   "(the Matsubara-defined μ* is --model material's)", 0.0, 5.0, lo_open=False),
    "lam_static": Spec(float, "static attractive coupling λ_s (BCS: V = −λ_s/N0 for |ξ|, |ξ'| < omega_c)", 0.0, 5.0,
                       lo_open=False),
    "omega_c": Spec(float, "band cutoff ω_c of the static channel [meV] (|ξ| < ω_c); not given: 10 × the highest "
                    "boson frequency", 0.0, 1e5),
    "omega_max": Spec(float, "half-range L of the frequency grid [meV]; not given: max(8 × the highest boson "
                      "frequency, 2ω_c with a static channel, 2(ω_d + 6σ_d)); must be ≥ 2 × the highest boson "
                      "frequency", 0.0, 1e5),
}


@dataclass(frozen=True)
class MaterialXiParams(MaterialParams, EliashbergXiParams):
    """The material model's channels and static channel on the ξ-resolved model's band and kernel; energies in meV."""

    W: float = 200.0
    kernel: str = "local"
    w: float = 1.0
    xi_hmax: float = 5.0

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        return MATERIAL_XI_SPECS

    frequency_cutoff = False          # the static channel is cut in ξ, not in Matsubara frequency

    def static_range(self) -> float:
        """The grid range a band-cutoff static channel needs: the ω' integral of G^K_12 is carried by |ω'| ≲ ω_c."""
        return 2.0 * self.omega_c

    def check_grid(self, factor: float = EliashbergXiParams.GRID_FACTOR):
        super().check_grid(factor)
        if self.static_lam != 0.0 and self.kernel == "xi_local":
            raise ParameterError("parameters 'mustar'/'lam_static' with kernel = 'xi_local': a band-cutoff static "
                                 "channel couples every |ξ'| < omega_c, which the decoupled ξ-local rows cannot carry; "
                                 "use kernel 'local' or 'lorentzian'")


class BandStatic:
    """The static channel with band cutoff (module docstring): inside cells j (|ξ_j| < ω_c), inside rows, the
    trapezoid weights of the base frequency grid [−L, L], and the tail beyond ±L.

    Tail.  φ does not decay (the static part is constant), and G^K_12 ~ Γφ·2ω_c/ω³ costs ∝ Γω_c/L² if cut at ±L
    (measured: λ_c 9e-3 high at L = 2ω_c on a nearly static-driven instability).  Beyond ±L the self-energies take
    their edge values (as the normal state's continuation), F_11 = F_22 = ±1 and Σ^K its bath form, so at linear
    order in φ the integrand is ±[φ^R_12 C_RR − φ^A_12 C_RR*] with C_RR(ω) = ρ_j∫dξ'/((ω − Σ11 − ξ')(ω − Σ22 + ξ'))
    (likewise 21), and I±_j = ∫_{|ω|>L} C_RR is done once per normal state on log-spaced nodes to 1e6 L.  Measured
    (ω_b = 0.5, κ = γ = T = 0.1, λ_s = 0.2, ω_c = 15, W = 200 meV; λ_c = 0.506 is 10× as sensitive as ρ there): with
    the tail λ_c at L = 2ω_c is 5e-5 from L = 8ω_c, and 1.9e-4 (ρ: 2e-5) from the band-cutoff Matsubara solver
    (converged in its sums to 1e-5); without it 9e-3, 1.9e-3, 3.4e-4 at L = 2, 4, 8 ω_c."""

    TAIL_NODES = 400

    def __init__(self, model: XiEliashberg, lam_s: float, cut: float):
        q = model.quad
        self.lam_s = lam_s
        self.cells_in = np.nonzero(np.abs(q.cells.centers) < cut)[0]
        self.rows_in = (np.abs(np.asarray(q.rows_xi)) < cut).astype(float)
        c = q.cells
        self._lo, self._hi, self._rho = (x[self.cells_in, None] for x in (c.lo, c.hi, c.rho))
        wt = np.full(model.grid.n, model.grid.dw)
        wt[[0, -1]] *= 0.5
        self.wt = wt
        self.coef = 1j * lam_s / (4.0 * PI)
        L = float(model.omega[-1])
        x, self._w = log_tail_nodes(L, self.TAIL_NODES)
        self._dx = x - L                                                  # distance beyond the edge

    def tail_integrals(self, a_edges, b_edges):
        """I± per inside cell: ∫ C_RR over ω > L (+) and ω < −L (−), with a = ω − Σ11, b = ω − Σ22 continued from
        their edge values (a_edges = (a(−L), a(L)) per inside cell)."""
        out = []
        for side, (a0, b0) in ((+1, (a_edges[1], b_edges[1])), (-1, (a_edges[0], b_edges[0]))):
            a = a0[:, None] + side * self._dx[None, :]
            b = b0[:, None] + side * self._dx[None, :]
            out.append(self._rho[:, 0] * (cell_pair(a, b, self._lo, self._hi) @ self._w))
        return out                                                         # [I+, I−], each (cells_in,)

    @staticmethod
    def tail_sum(I, r12_edges, a12_edges):
        """Σ_j Σ± (±1)[φ^R_j(±L) I±_j − φ^A_j(±L) (I±_j)*] (edges = (value at −L, value at +L) per inside cell)."""
        (Ip, Im) = I
        return (np.sum(r12_edges[1] * Ip - a12_edges[1] * np.conj(Ip))
                - np.sum(r12_edges[0] * Im - a12_edges[0] * np.conj(Im)))

    def linearized(self, model: XiEliashberg, a: np.ndarray, b: np.ndarray) -> "LinearBandStatic":
        """Its linear form around a normal state with g^R_11 = 1/(a − ξ), g^R_22 = 1/(b + ξ) per cell."""
        j = self.cells_in
        C_RR = self._rho * cell_pair(a[j], b[j], self._lo, self._hi)
        C_RA = self._rho * cell_pair(a[j], np.conj(b[j]), self._lo, self._hi)
        I = self.tail_integrals((a[j, 0], a[j, -1]), (b[j, 0], b[j, -1]))
        return LinearBandStatic(self, model, C_RR, C_RA, I)

    def nonlinear(self, model: XiEliashberg, GK: np.ndarray, sR: np.ndarray):
        """(Σ^R_12, Σ^R_21, rows mask) from the cell-integrated Ĝ^K_j (cells, 2, 2, input grid) in [−L, L], plus the
        tail beyond (class docstring) from the edge values of Σ̂^R (rows, 2, 2, N)."""
        pad = model.ext_pad
        G = GK[self.cells_in][..., pad:GK.shape[-1] - pad] if pad else GK[self.cells_in]
        s = np.sum(G, axis=0) @ self.wt
        rows = model.row_of_cell[self.cells_in]
        e = sR[rows][..., [0, -1]]                                          # (cells_in, 2, 2, 2 edges)
        w_e = np.array([model.omega[0], model.omega[-1]])
        a, b = w_e - e[:, 0, 0], w_e - e[:, 1, 1]
        I = self.tail_integrals((a[:, 0], a[:, 1]), (b[:, 0], b[:, 1]))
        p12, p21 = e[:, 0, 1], e[:, 1, 0]
        t12 = self.tail_sum(I, (p12[:, 0], p12[:, 1]), (np.conj(p21[:, 0]), np.conj(p21[:, 1])))
        t21 = self.tail_sum(I, (p21[:, 0], p21[:, 1]), (np.conj(p12[:, 0]), np.conj(p12[:, 1])))
        return self.coef * (s[0, 1] + t12), self.coef * (s[1, 0] + t21), self.rows_in


class LinearBandStatic:
    """φ_s of the linearized map: G^K_12 of the inside cells from the pair integrals (XiGapOperator's J sums with
    the kernel replaced by the cutoff), integrated over ω' in [−L, L], plus the tail beyond."""

    def __init__(self, static: BandStatic, model: XiEliashberg, C_RR, C_RA, I):
        self.s, self.model, self.C_RR, self.C_RA, self.I = static, model, C_RR, C_RA, I

    def __call__(self, pR12, pR21, pK12, pK21, F11_rows, F22_rows):
        m, j = self.model, self.s.cells_in
        r12, r21, k12, k21, F11, F22 = (m._to_cells(f)[j] for f in (pR12, pR21, pK12, pK21, F11_rows, F22_rows))
        a12, a21 = np.conj(r21), np.conj(r12)
        RR, RA = self.C_RR, self.C_RA
        g12 = RR * F22 * r12 + RA * (-F22 * r12 + F11 * a12 + k12) - np.conj(RR) * F11 * a12
        g21 = RR * F11 * r21 + np.conj(RA) * (-F11 * r21 + F22 * a21 + k21) - np.conj(RR) * F22 * a21
        wt = self.s.wt

        def edges(f):
            return f[:, 0], f[:, -1]
        t12 = self.s.tail_sum(self.I, edges(r12), edges(a12))
        t21 = self.s.tail_sum(self.I, edges(r21), edges(a21))
        return (self.s.coef * (np.sum(g12, axis=0) @ wt + t12), self.s.coef * (np.sum(g21, axis=0) @ wt + t21),
                self.s.rows_in)


class MaterialXi(XiEliashberg):
    """The ξ-resolved model with the material channels (`make_boson`) and a band-cutoff static channel."""

    name = "material-xi"
    make_boson = staticmethod(MaterialFlatBand.make_boson)

    def __init__(self, params: MaterialXiParams, xi_rows=None):
        super().__init__(params, xi_rows)
        if params.static_lam != 0.0:
            self.static = BandStatic(self, params.static_lam, params.omega_c)

    @staticmethod
    def band_cut(params) -> float | None:
        return params.omega_c if params.static_lam != 0.0 else None
