"""ξ-resolved (frequency–momentum) Keldysh–Eliashberg NESS model (ELIASHBERG_SPEC §2.2, §5, §5.6, §7).

Units: energies and temperatures in units of the boson frequency Ω = 1.  Conventions as in
`nepsolve.models.eliashberg` (Kamenev Keldysh, F_el = 1 − 2f, F_b = 1 + 2n_B, Nambu (c↑, c†↓)).

Electron states are labelled by ξ ∈ [−W, W] with DOS ν(ξ) = N0 ρ(ξ); the coupling is
V(ξ, ξ') = g² K(ξ − ξ') with K = 1 ('local', Holstein), a Lorentzian of width w ('lorentzian',
forward scattering; `kernel_norm` 'integral': ∫K dξ' = 1 [Ω], or 'peak': K(0) = 1) or δ(ξ − ξ')
('xi_local', the w → 0 limit of the integral-normalised Lorentzian, spec §5.6).  With
g²N0 D^K = −2πi n, g²N0 (D^R − D^A) = −2πi a and g²N0 D^R = Λ^R, spec eq. (2.2) reads

    Σ̂^R(ξ,ω) = −iγ + ∫dξ' ρ K ∫dν τ3[½ Ĝ^R(ξ',ω−ν) n(ν) + (i/4π) Ĝ^K(ξ',ω−ν) Λ^R(ν)]τ3,
    Σ̂^K(ξ,ω) = −2iγF_bath + ∫dξ' ρ K ∫dν τ3 ½[Ĝ^K n + (Ĝ^R − Ĝ^A) a](ξ',ω−ν;ν) τ3.

Discretization (`nepsolve.models.xi_grid`).  Self-energies live on "rows" ξ_i and are constant in
each ξ cell; the ξ' integrals of resolvent products are done analytically per cell, so cells need
not resolve the electron lifetime.  Local kernel: one row (with a flat DOS one exact cell).
Lorentzian: one row per cell; 'graded' cells (default; the kernel integrated exactly together with
the resolvents, so the cell width need not resolve w either) or 'uniform' cells (kernel averaged per
cell; needs cells ≤ w).  ξ-local: rows are points, no ξ' integral.  The ω convolutions are batched
FFTs over all rows at once.

Normal state: unknowns Σ^R_11(row, ω) and, for a self-consistent electron distribution
(fel_mode = 'kinetic'), K0 with Σ^K_11 = −2iK0, F_11 = K0/(−Im Σ^R_11).  Hole components follow
from the Nambu relations Σ^R_22(ξ,ω) = −Σ^R_11(ξ,−ω)*, F_22(ξ,ω) = −F_11(ξ,−ω) (spec §2.3).

Linear order in the anomalous self-energies (spec §5.1, §5.6, §6.1, §7): unknowns φ^R_12, φ^R_21 and
φ^K_12 (= Σ^K_12) on every (row, ω), with φ^K_21 := −(φ^K_12)* — the physical subspace: Σ̂^K is
anti-Hermitian.  (The four-field map leaves that subspace invariant, but its complement, a Hermitian
anomalous Keldysh part that no state has, carries eigenvalues above the physical one; spec §5.6.)
Advanced parts are φ^A_12 = (φ^R_21)*, φ^A_21 = (φ^R_12)*.  The non-thermal glue is
    δφ^K_12 = φ^K_12 − [F_22 φ^R_12 − F_11 φ^A_12]
(spec §5.1; for F_11 = F_22 = F_el it is φ^K − F_el(φ^R − φ^A)).  'glue = off' imposes δφ^K := 0,
i.e. the anomalous Keldysh part takes its quasi-thermal form Σ^K = Σ^R F̂ − F̂ Σ^A.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...physics.params import EliashbergXiParams
from ..eliashberg.flatband import EinsteinBathModel
from ..xi_grid import (PI, LorentzianQuadrature, PointQuadrature, SeparableQuadrature, XiCells,  # noqa: F401
                      dos_shape, graded_cells, split_cells, xi_cells)


def kernel_matrix(cells: XiCells, kernel: str, w: float, norm: str = "integral"):
    """K_ij = cell-j average of K(ξ_i − ξ') and the row of each cell (separable discretizations).

    'local': one row, K = 1.  'lorentzian' (uniform cells): one row per cell,
    K_ij = (w/h_j)[atan((ξ_i − lo_j)/w) − atan((ξ_i − hi_j)/w)] for K(0) = 1 ('peak'), divided by πw
    for ∫K = 1 ('integral')."""
    if kernel == "local":
        return np.ones((1, cells.n)), np.zeros(cells.n, dtype=int)
    xi = cells.centers[:, None]
    K = w * (np.arctan((xi - cells.lo[None, :]) / w) - np.arctan((xi - cells.hi[None, :]) / w))
    K = K / cells.widths[None, :]
    return (K / (PI * w) if norm == "integral" else K), np.arange(cells.n)


def make_quadrature(p: EliashbergXiParams, xi_rows=None, cut: float | None = None):
    """The ξ discretization of a parameter set (module docstring); `xi_rows`: the rows of the
    ξ-local kernel (default ξ = 0 alone).  `cut`: cell edges at ±cut, and for the local kernel two rows, |ξ| < cut
    (row 0) and |ξ| > cut (row 1) — a self-energy that differs inside and outside a band cutoff (material ξ model)."""
    if p.kernel == "xi_local":
        xi = np.atleast_1d(np.asarray([0.0] if xi_rows is None else xi_rows, dtype=float))
        return PointQuadrature(xi, dos_shape(xi, p.W, p.dos))
    cut = cut if cut is not None and cut < p.W else None
    if p.kernel == "lorentzian" and p.xi_grid == "graded":
        cells = graded_cells(p.W, p.central_cell, p.xi_growth, p.xi_hmax, p.dos)
        return LorentzianQuadrature(cells if cut is None else split_cells(cells, (-cut, cut), p.W, p.dos),
                                    p.w, p.kernel_norm)
    cells = xi_cells(p.W, p.xi_inner, p.n_xi, p.dos, single=p.kernel == "local" and p.dos == "flat")
    if cut is not None:
        cells = split_cells(cells, (-cut, cut), p.W, p.dos)
        if p.kernel == "local":
            outside = (np.abs(cells.centers) > cut).astype(int)
            q = SeparableQuadrature(cells, np.ones((2, cells.n)), outside)
            q.rows_xi = np.array([0.0, 0.5 * (cut + p.W)])
            return q
    K, row_of_cell = kernel_matrix(cells, p.kernel, p.w, p.kernel_norm)
    return SeparableQuadrature(cells, K, row_of_cell)


def _split(n: int, part: int, n_parts: int) -> slice:
    """Contiguous block `part` of range(n) split into n_parts nearly equal blocks."""
    q, r = divmod(n, n_parts)
    start = part * q + min(part, r)
    return slice(start, start + q + (1 if part < r else 0))


# ------------------------------------------------------------------------------------ the model
@dataclass
class NormalState:
    """Normal-state solution on the base grid: Σ^R_11(row, ω) and F_11(row, ω)."""

    sigma: np.ndarray            # (rows, N) complex
    F: np.ndarray                # (rows, N) real
    converged: bool = True
    info: dict | None = None


class XiEliashberg(EinsteinBathModel):
    """Electrons in a band (W, ρ(ξ)) on a bath (γ, T_el), coupled through K(ξ−ξ') to an Einstein
    boson on its bath (κ, T_b), optional incoherent boson drive (spec §1, §2.2, §5.6, §7).
    `xi_rows`: the rows of the ξ-local kernel (default ξ = 0); ignored by the other kernels."""

    name = "eliashberg-xi"
    static = None       # a static pairing channel (material ξ model: material.xi.BandStatic)

    def __init__(self, params: EliashbergXiParams, xi_rows=None):
        super().__init__(params)      # grid, boson spectra, convolvers (ext: normal state, base: anomalous)
        self._setup_xi(params, xi_rows)

    def _setup_xi(self, params: EliashbergXiParams, xi_rows=None):
        """The ξ discretization and its rows (the frequency discretization is the caller's)."""
        self.quad = q = make_quadrature(params, xi_rows, self.band_cut(params))
        self.n_rows = q.n_rows
        self.n_cells = q.n_cells
        self.row_of_cell = q.row_of_cell
        self.rows_xi = q.rows_xi
        self.kinetic = params.fel_mode == "kinetic"

    @staticmethod
    def band_cut(params) -> float | None:
        """|ξ| at which the self-energy may jump (a band cutoff of a static channel): none here."""
        return None

    # ------------------------------------------------------------------ discretization hooks
    # The uniform grid convolves by FFT on the 2-extended grid [−2L, 2L]; the graded grid (graded.py) reads its
    # inputs on the base grid and integrates the kernels exactly (ext_pad = 0).  The equations use these hooks only.
    @property
    def ext_pad(self) -> int:
        """Points added on each side of the base grid for the grid the normal-state convolutions read."""
        return self.grid.m

    def extend(self, f: np.ndarray) -> np.ndarray:
        """Rows on the base grid → the convolutions' input grid, continued by their edge values (asymptotics)."""
        pad = self.ext_pad
        return np.pad(f, [(0, 0)] * (f.ndim - 1) + [(pad, pad)], mode="edge")

    def embed(self, f: np.ndarray, outer: np.ndarray) -> np.ndarray:
        """f (base grid) inside `outer` (input grid): outer's values beyond ±L."""
        return self.grid.embed(f, outer)

    def convolve_rows(self, inputs: dict, outputs: list, extended: bool = True, far: dict | None = None) -> list:
        """[Σ coef·(f_name ∗ k) over {(name, kernel): coef} for each of `outputs`] on the base grid, every input
        transformed once; inputs (leading axes: rows) on the extended grid (`extended`, the normal state: zero beyond
        ±2L) or on the base grid (the decaying anomalous parts: zero beyond ±L).  `far`: values beyond the input
        grid of a grid without extension (graded.py); unused here."""
        c = self.conv_ext if extended else self.conv_base
        spec = {name: c.transform(f) for name, f in inputs.items()}
        return [c.apply(sum(coef * spec[n] * c.kernels[k] for (n, k), coef in out.items())) for out in outputs]

    def _to_cells(self, f_rows: np.ndarray) -> np.ndarray:
        return f_rows[self.row_of_cell]

    @staticmethod
    def hole(f_rows: np.ndarray) -> np.ndarray:
        """f(−ω) on an odd symmetric grid."""
        return f_rows[..., ::-1]

    @property
    def row0(self) -> int:
        """The row nearest ξ = 0 (ties: ξ > 0)."""
        x = self.rows_xi
        return int(np.argmin(np.abs(x) - 1e-9 * x))

    # ------------------------------------------------------------------ normal state (§2.2, §3.2)
    def distribution(self, sigma: np.ndarray, K0: np.ndarray | None) -> np.ndarray:
        """F_11(row, ω): tanh(ω/2T_el) (fel_mode bath) or K0/(−Im Σ^R_11) (kinetic)."""
        if K0 is None:
            return np.broadcast_to(self.F_bath, sigma.shape).copy()
        return K0 / (-sigma.imag)

    def normal_map(self, sigma: np.ndarray, K0: np.ndarray | None, cells: slice = slice(None),
                   rows: slice = slice(None), reduce=None):
        """One sweep of the normal-state equations: (Σ^R_11, K0) → (Σ^R_11, K0)_new on `rows`.

        Work split for a group of ranks (the model itself knows nothing of MPI): the ξ' quadrature is
        done for `cells` only, and `reduce` (e.g. an MPI Allreduce sum) completes it; the ω
        convolutions are done for `rows` only.  With T_ij = ∫_cell j ρ K(ξ_i − ξ') g^R_11:
        ∫ρK g^R = Σ_j T_ij,  ∫ρK g^K = Σ_j F_j (T_ij − T_ij*),  ∫ρK (g^R − g^A) = Σ_j (T_ij − T_ij*)."""
        own = self.row_of_cell[cells]
        F = self.distribution(sigma, K0)
        F_ext = self.embed(F, np.broadcast_to(self.F_bath_ext, (F.shape[0], self.w_ext.size)))
        a = self.w_ext[None, :] - self.extend(sigma)[own]
        sums = self.quad.resolvent_sums(a, np.stack([np.ones_like(a.real), F_ext[own]]), cells)
        if reduce is not None:
            sums = reduce(sums)
        sums = sums[:, rows]
        GR, GK = sums[0], 2j * sums[1].imag
        inputs = {"R": GR, "K": GK}
        outputs = [{("R", "n"): 0.5, ("K", "Lam"): 0.25j / PI}]
        if K0 is not None:
            inputs["S"] = 2j * GR.imag
            outputs.append({("K", "n"): 0.5, ("S", "a"): 0.5})
        conv = self.convolve_rows(inputs, outputs)
        sigma_new = -1j * self.params.gamma + conv[0]
        K0_new = None
        if K0 is not None:
            sigK = -2j * self.params.gamma * self.F_bath + conv[1]
            K0_new = (0.5j * sigK).real                                # Σ^K = −2i K0
        return sigma_new, K0_new

    # The normal-state roles shared with the flat band (api: one code path for both).
    NORMAL_TOL = 1e-12              # SNES tolerance of the normal-state solve
    NORMAL_ANDERSON_FIRST = True    # Anderson first: the ξ normal state is a large, smooth fixed point

    def normal_problem(self) -> "NormalProblem":
        """Σ^R_11(ξ, ω) (and F_el in kinetic mode): always solved, the band is finite."""
        return NormalProblem(self)

    def fixed_normal_state(self):
        raise RuntimeError("the ξ-resolved normal state is always solved (normal_problem)")

    def flat_band_guess(self) -> np.ndarray:
        """Σ^R of the infinite flat band (spec §4.2), broadcast to all rows: the starting point."""
        (lam,) = self.convolve_rows({"F": self.F_bath_ext}, [{("F", "Lam"): 0.5}])
        s = -1j * (self.params.gamma + self.Gamma_b) + lam
        return np.broadcast_to(s, (self.n_rows, s.size)).copy()

    # ------------------------------------------------------------------ linear gap problem (§5, §6.1)
    def gap_operator(self, normal: NormalState, glue: bool | None = None, physical: bool = True, *,
                     sector: str = "even") -> "XiGapOperator":
        """The linearized gap operator around `normal`; `physical=False` gives the unconstrained
        four-field map (with its spurious Hermitian-Keldysh sector; diagnostics and tests only).  Only the
        even sector exists here (`sector` is accepted for the flat band's signature)."""
        if sector != "even":
            raise ValueError(f"sector {sector!r}: the ξ-resolved operator has the even sector only")
        if glue is None:
            glue = self.params.glue == "on"
        return XiGapOperator(self, normal, glue, physical)

    def gap_problem(self, normal: NormalState, seed: float = 0.1):
        """The nonlinear Nambu–Keldysh set around `normal` (nonlinear.XiGapProblem)."""
        from .nonlinear import XiGapProblem

        return XiGapProblem(self, normal, seed)

    def scattering_rate(self, normal: NormalState) -> np.ndarray:
        """Γ(row, ω) = −Im Σ^R_11 − γ (electron–boson part of the inverse lifetime)."""
        return -normal.sigma.imag - self.params.gamma


class NormalProblem:
    """R(x) = x − 𝓜(x) for the normal state; x = rows × [Re Σ, Im Σ, (K0)] × ω (row-major)."""

    def __init__(self, model: XiEliashberg):
        self.model = model
        self.n_blocks = 3 if model.kinetic else 2
        self.n_w = model.grid.n
        self.size = model.n_rows * self.n_blocks * self.n_w

    def unpack(self, x):
        b = np.asarray(x).reshape(self.model.n_rows, self.n_blocks, self.n_w)
        return b[:, 0] + 1j * b[:, 1], (b[:, 2] if self.n_blocks == 3 else None)

    def pack(self, sigma, K0=None):
        parts = [sigma.real, sigma.imag] + ([K0] if self.n_blocks == 3 else [])
        return np.stack(parts, axis=1).ravel()

    def residual(self, x, out):
        sigma, K0 = self.unpack(x)
        out[:] = x - self.pack(*self.model.normal_map(sigma, K0))

    # -- work split over a group of ranks (used by nepsolve.solvers.distributed)
    @property
    def n_units(self) -> int:
        """Rows: the unit of ownership of the unknown vector."""
        return self.model.n_rows

    @property
    def unit_size(self) -> int:
        return self.n_blocks * self.n_w

    def residual_local(self, x, out_local, part: int, n_parts: int, reduce):
        """Residual of this part's rows (out_local), from the full x; cells are split the same way
        and `reduce` sums the partial ξ' quadratures over the parts."""
        sigma, K0 = self.unpack(x)
        cells = _split(self.model.n_cells, part, n_parts)
        rows = _split(self.model.n_rows, part, n_parts)
        s_new, k_new = self.model.normal_map(sigma, K0, cells, rows, reduce)
        n_own = rows.stop - rows.start
        if n_own == 0:
            return
        b = np.asarray(x).reshape(self.model.n_rows, self.n_blocks, self.n_w)[rows]
        parts = [s_new.real, s_new.imag] + ([k_new] if self.n_blocks == 3 else [])
        out_local[:] = (b - np.stack(parts, axis=1)).ravel()

    def initial_guess(self):
        s = self.model.flat_band_guess()
        return self.pack(s, self.model.F_bath * (-s.imag) if self.n_blocks == 3 else None)

    def solution(self, x) -> NormalState:
        sigma, K0 = self.unpack(x)
        return NormalState(sigma.copy(), self.model.distribution(sigma, K0))


class XiGapOperator:
    """ℝ-linear map of the anomalous self-energies around the normal state (spec §5.1–5.3, §5.6, §7).

    Cell integrals (ρ_j ∫_cell dξ' K(ξ_i − ξ') ·, self-energies constant in the cell; `xi_grid`):
        J_RR = ∫ g^R_11 g^R_22,   J_RA = ∫ g^R_11 g^A_22,   J_AR = J_RA*,   J_AA = J_RR*,
    with g^R_11 = 1/(a − ξ), a = ω − Σ^R_11;  g^R_22 = 1/(b + ξ), b = ω − Σ^R_22 = ω + Σ^R_11(−ω)*.
    Linear Dyson (Keldysh): Ḡ^R_12 = J_RR φ^R_12, Ḡ^A_12 = J_AA φ^A_12,
        Ḡ^K_12 = F_22 (J_RR − J_RA) φ^R_12 + F_11 (J_RA − J_AA) φ^A_12 + J_RA φ^K_12,
        Ḡ^K_21 = F_11 (J_RR − J_AR) φ^R_21 + F_22 (J_AR − J_AA) φ^A_21 + J_AR φ^K_21,
    and the τ3-sandwiched self-energies (off-diagonal sign −1):
        φ^R_new = −[½ Ḡ^R ∗ n + (i/4π) Ḡ^K ∗ Λ^R],   φ^K_new = −½[Ḡ^K ∗ n + (Ḡ^R − Ḡ^A) ∗ a].

    Unknowns (the physical subspace, spec §5.6): per row [Re, Im] × [φ^R_12, φ^R_21, φ^K_12] × ω with
    φ^K_21 := −(φ^K_12)*; glue off: [φ^R_12, φ^R_21] and φ^K = F_22 φ^R_12 − F_11 φ^A_12 (resp. 21).
    `physical=False`: the four independent fields [φ^R_12, φ^R_21, φ^K_12, φ^K_21] (not a state space:
    its Hermitian-Keldysh complement is spurious; kept to show it).  `subspace_check` applies the
    four-field map to an eigenvector and measures how well the image keeps Σ^K_21 = −(Σ^K_12)*.
    """

    def __init__(self, model: XiEliashberg, normal: NormalState, glue: bool = True, physical: bool = True):
        self.model = m = model
        self.glue = glue
        self.physical = physical
        self.n_w = m.grid.n
        self.n_rows = m.n_rows
        self.n_fields = (3 if physical else 4) if glue else 2
        self.size = self.n_rows * 2 * self.n_fields * self.n_w
        w = m.omega[None, :]
        sig = normal.sigma
        a = m._to_cells(w - sig)
        b = m._to_cells(w + np.conj(m.hole(sig)))
        self.T_RR = m.quad.pair_tensor(a, b)
        self.T_RA = m.quad.pair_tensor(a, np.conj(b))
        self.F11_rows = normal.F
        self.F22_rows = -m.hole(normal.F)
        self.on_rows = self.T_RR.on_rows
        self.static = m.static.linearized(m, a, b) if m.static is not None else None

    # -- representation
    def expand(self, y):
        b = np.asarray(y, dtype=float).reshape(self.n_rows, self.n_fields, 2, self.n_w)
        return [b[:, f, 0] + 1j * b[:, f, 1] for f in range(self.n_fields)]

    def restrict(self, fields):
        arr = np.stack([np.stack([f.real, f.imag], axis=1) for f in fields], axis=1)
        return arr.ravel()

    def thermal_keldysh(self, pR12, pR21):
        """φ^K of the quasi-thermal form Σ^K = Σ^R F̂ − F̂ Σ^A (δφ^K = 0)."""
        k12 = self.F22_rows * pR12 - self.F11_rows * np.conj(pR21)
        k21 = self.F11_rows * pR21 - self.F22_rows * np.conj(pR12)
        return k12, k21

    def four_fields(self, fields):
        """(φ^R_12, φ^R_21, φ^K_12, φ^K_21) of the unknowns."""
        if not self.glue:
            return list(fields) + list(self.thermal_keldysh(*fields))
        if self.physical:
            pR12, pR21, pK12 = fields
            return [pR12, pR21, pK12, -np.conj(pK12)]
        return list(fields)

    def delta_phi_K(self, fields):
        """(δφ^K_12, δφ^K_21): the non-thermal part of the anomalous Keldysh self-energy."""
        pR12, pR21, pK12, pK21 = self.four_fields(fields)
        k12, k21 = self.thermal_keldysh(pR12, pR21)
        return pK12 - k12, pK21 - k21

    # -- the map
    def four_field_map(self, pR12, pR21, pK12, pK21, cells: slice = slice(None), rows: slice = slice(None),
                       reduce=None, keldysh: bool = True):
        """The four-field map (all rows, or, for a group of ranks, the ξ' quadrature over `cells`
        completed by `reduce` and the ω convolutions for `rows` only).  Returns
        [φ^R_12, φ^R_21, φ^K_12, φ^K_21] (the Keldysh pair None when `keldysh` is False)."""
        m = self.model
        if self.on_rows:                    # row-diagonal tensors: nothing worth splitting
            cells, rows, reduce = slice(None), slice(None), None
            def to_in(f):
                return f
        else:
            def to_in(f):
                return m._to_cells(f)
        F11, F22 = to_in(self.F11_rows), to_in(self.F22_rows)
        r12, r21, k12, k21 = (to_in(f) for f in (pR12, pR21, pK12, pK21))
        a12, a21 = np.conj(r21), np.conj(r12)              # φ^A_12 = (φ^R_21)*, φ^A_21 = (φ^R_12)*
        # Σ_j J_RR(·) and Σ_j J_AA(·) = [Σ_j J_RR(·)*]* share one pass over J_RR; likewise J_RA, J_AR
        RR = self._contract(self.T_RR, [r12, F22 * r12, r21, F11 * r21]
                            + [np.conj(v) for v in (a12, F11 * a12, a21, F22 * a21)], cells)
        RA = self._contract(self.T_RA, [-F22 * r12 + F11 * a12 + k12, np.conj(-F11 * r21 + F22 * a21 + k21)], cells)
        RR[4:] = np.conj(RR[4:])
        RA[1:] = np.conj(RA[1:])
        parts = np.concatenate([RR, RA])
        if reduce is not None:
            parts = reduce(parts)
        parts = parts[:, rows]
        GR12, GK12a, GR21, GK21a, GA12, GK12b, GA21, GK21b, GK12c, GK21c = parts
        out = []
        for GR, GA, GK in ((GR12, GA12, GK12a + GK12c - GK12b), (GR21, GA21, GK21a + GK21c - GK21b)):
            inputs = {"R": GR, "K": GK}
            outputs = [{("R", "n"): -0.5, ("K", "Lam"): -0.25j / PI}]
            if keldysh:
                inputs["D"] = GR - GA
                outputs.append({("K", "n"): -0.5, ("D", "a"): -0.5})
            out.append(m.convolve_rows(inputs, outputs, extended=False) + ([] if keldysh else [None]))
        (R12, K12), (R21, K21) = out
        if self.static is not None:         # a static channel: constant outputs on its rows (material ξ model)
            s12, s21, on = self.static(pR12, pR21, pK12, pK21, self.F11_rows, self.F22_rows)
            R12, R21 = R12 + s12 * on[rows, None], R21 + s21 * on[rows, None]
        return [R12, R21, K12, K21]

    @staticmethod
    def _contract(T, vectors, cells):
        v = np.stack(vectors)
        return T.contract(v) if T.on_rows else T.contract(v, cells)

    def apply(self, fields, cells: slice = slice(None), rows: slice = slice(None), reduce=None):
        """The map on the unknowns (module docstring)."""
        out = self.four_field_map(*self.four_fields(fields), cells, rows, reduce, keldysh=self.glue)
        return out[:self.n_fields]

    def matvec(self, y):
        return self.restrict(self.apply(self.expand(y)))

    # -- invariants of an eigenvector
    def eigen_diagnostics(self, vec, rho, normal) -> dict:
        """The electron inverse lifetime Γ_el(0) = −Im Σ^R_11(ξ*, ω = 0) (bath + bosons) at the row ξ* of
        the eigenvector's largest |φ^R_12| (`xi_star`), the size of the non-thermal glue
        ‖δφ^K_12‖∞/‖φ^R_12‖∞ (`glue_ratio`, 0 with glue off) and the physical-subspace check of
        `subspace_check` (`subspace_residual`, `eigen_residual`)."""
        f = self.expand(vec.real)
        amp = np.max(np.abs(f[0]), axis=1)
        row = int(np.argmax(amp)) if self.n_rows > 1 else 0
        n_w = normal.sigma.shape[1]
        out = {"xi_star": float(self.model.rows_xi[row]), "Gamma_el0": float(-normal.sigma[row, (n_w - 1) // 2].imag)}
        if self.glue:
            d12, _ = self.delta_phi_K(f)
            out["glue_ratio"] = float(np.max(np.abs(d12)) / max(np.max(np.abs(f[0])), 1e-300))
        else:
            out["glue_ratio"] = 0.0
        out.update(self.subspace_check(vec, rho))
        return out

    def subspace_check(self, y, rho) -> dict:
        """Apply the four-field map to the eigenvector y (eigenvalue ρ; both complex for a complex
        eigenvalue, whose real and imaginary parts span an invariant plane) of this operator:
        `subspace_residual` = max|K21 + K12*|/max|K| of the image (Σ^K_21 = −(Σ^K_12)*, spec §2.3: zero
        when the physical subspace is invariant, as it must be), `eigen_residual` = max|𝓛v − ρv|/max|𝓛v|
        over the four fields.  For the unconstrained operator, `vector_relation` is the relation's
        violation by the eigenvector itself (order one for a spurious mode).  With glue off the residual is
        taken over φ^R only (φ^K is then the quasi-thermal F̂-form, not a mapped unknown)."""
        y = np.asarray(y)
        parts = [y.real] + ([y.imag] if np.iscomplexobj(y) else [])
        v = [self.four_fields(self.expand(p)) for p in parts]
        img = [self.four_field_map(*f) for f in v]

        def combine(x):          # real and imaginary parts of the real-linear images back to one vector
            return x[0] if len(x) == 1 else [a + 1j * b for a, b in zip(*x)]
        V, I = combine(v), combine(img)

        def relation(f):
            k = max(np.max(np.abs(f[2])), np.max(np.abs(f[3])), 1e-300)
            return float(np.max(np.abs(f[3] + np.conj(f[2]))) / k)
        own = 4 if self.glue else 2        # with glue off φ^K is not an unknown: it is F̂-made, not mapped
        big = max(max(np.max(np.abs(f)) for f in I[:own]), 1e-300)
        return {"subspace_residual": max(relation(f) for f in img),
                "eigen_residual": float(max(np.max(np.abs(i - rho * f)) for i, f in zip(I[:own], V[:own])) / big),
                "vector_relation": max(relation(f) for f in v)}

    # -- work split over a group of ranks (nepsolve.solvers.distributed.DistributedOperator)
    @property
    def n_units(self) -> int:
        return self.n_rows

    @property
    def unit_size(self) -> int:
        return 2 * self.n_fields * self.n_w

    def matvec_local(self, y, part: int, n_parts: int, reduce):
        """This part's rows of 𝓛y (row-major, so a contiguous slice of matvec(y))."""
        cells = _split(self.model.n_cells, part, n_parts)
        rows = _split(self.n_rows, part, n_parts)
        if self.on_rows:
            full = self.matvec(y)
            return full[rows.start * self.unit_size: rows.stop * self.unit_size]
        return self.restrict(self.apply(self.expand(y), cells, rows, reduce))
