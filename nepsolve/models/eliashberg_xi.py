"""ξ-resolved (frequency–momentum) Keldysh–Eliashberg NESS model (ELIASHBERG_SPEC §2.2, §5, §7).

Units: energies and temperatures in units of the boson frequency Ω = 1.  Conventions as in
`nepsolve.models.eliashberg` (Kamenev Keldysh, F_el = 1 − 2f, F_b = 1 + 2n_B, Nambu (c↑, c†↓)).

Electron states are labelled by ξ ∈ [−W, W] with DOS ν(ξ) = N0 ρ(ξ); the coupling is
V(ξ, ξ') = g² K(ξ − ξ') with K = 1 ('local', Holstein) or K = w²/((ξ−ξ')² + w²) ('lorentzian',
forward scattering; K(0) = 1, so λ keeps its local meaning for states at ξ' ≈ ξ).  With
g²N0 D^K = −2πi n, g²N0 (D^R − D^A) = −2πi a and g²N0 D^R = Λ^R, spec eq. (2.2) reads

    Σ̂^R(ξ,ω) = −iγ + ∫dξ' ρ K ∫dν τ3[½ Ĝ^R(ξ',ω−ν) n(ν) + (i/4π) Ĝ^K(ξ',ω−ν) Λ^R(ν)]τ3,
    Σ̂^K(ξ,ω) = −2iγF_bath + ∫dξ' ρ K ∫dν τ3 ½[Ĝ^K n + (Ĝ^R − Ĝ^A) a](ξ',ω−ν;ν) τ3.

Discretization (spec §7).  ξ is cut into cells (uniform in the inner window |ξ| ≤ min(W, L),
geometrically growing beyond).  Self-energies are constant within a cell; the resolvent products
are integrated over each cell *analytically* (partial fractions and complex logarithms), so the
cells need not resolve the electron lifetime Γ ≪ Δξ.  For the local kernel with a flat DOS the
self-energies do not depend on ξ and the whole band is one cell: every ξ integral is then exact.
Self-energies live on "rows": one row for the local kernel, one per cell for the Lorentzian one.
The ω convolutions are batched FFTs over all rows at once.

Normal state: unknowns Σ^R_11(row, ω) and, for a self-consistent electron distribution
(fel_mode = 'kinetic'), K0 with Σ^K_11 = −2iK0, F_11 = K0/(−Im Σ^R_11).  Hole components follow
from the Nambu relations Σ^R_22(ξ,ω) = −Σ^R_11(ξ,−ω)*, F_22(ξ,ω) = −F_11(ξ,−ω) (spec §2.3).

Linear order in the anomalous self-energies (spec §5.1, §6.1, §7): four independent complex
unknowns φ^R_12, φ^R_21, φ^K_12 (= Σ^K_12), φ^K_21 on every (row, ω); advanced parts are
φ^A_12 = (φ^R_21)*, φ^A_21 = (φ^R_12)*.  The non-thermal glue is
    δφ^K_12 = φ^K_12 − [F_22 φ^R_12 − F_11 φ^A_12]
(spec §5.1; for F_11 = F_22 = F_el it is φ^K − F_el(φ^R − φ^A)).  'glue = off' imposes δφ^K := 0,
i.e. the anomalous Keldysh part takes its quasi-thermal form Σ^K = Σ^R F̂ − F̂ Σ^A.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..physics.params import EliashbergXiParams
from .eliashberg import EinsteinBathModel

PI = np.pi
OUTER_RATIO = 1.3          # growth ratio of the ξ cells outside the inner window


# ------------------------------------------------------------------------------------ ξ cells
@dataclass(frozen=True)
class XiCells:
    """Cells [lo_j, hi_j] covering [−W, W], with the cell-averaged DOS shape ρ_j."""

    lo: np.ndarray
    hi: np.ndarray
    rho: np.ndarray

    @property
    def n(self) -> int:
        return self.lo.size

    @property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.lo + self.hi)

    @property
    def widths(self) -> np.ndarray:
        return self.hi - self.lo


def _semicircle_average(lo, hi, W):
    """(1/(hi−lo))∫_lo^hi √(1 − ξ²/W²) dξ."""
    def prim(x):
        x = np.clip(x / W, -1.0, 1.0)
        return 0.5 * W * (x * np.sqrt(1.0 - x * x) + np.arcsin(x))
    return (prim(hi) - prim(lo)) / (hi - lo)


def xi_cells(W: float, inner: float, n_inner: int, dos: str = "flat", single: bool = False,
             ratio: float = OUTER_RATIO) -> XiCells:
    """Cell edges: n_inner uniform cells on [−inner, inner], then cells growing by `ratio` to ±W.
    `single=True` gives one cell [−W, W] (exact for a ξ-independent self-energy and flat DOS)."""
    if single:
        edges = np.array([-W, W])
    else:
        inner = min(inner, W)
        h = 2.0 * inner / n_inner
        pos = [inner]
        step = h
        while pos[-1] < W:
            step *= ratio
            nxt = pos[-1] + step
            if W - nxt < 0.5 * step:     # no sliver of a cell at the band edge
                nxt = W
            pos.append(min(nxt, W))
        outer = np.array(pos[1:])
        edges = np.concatenate([-outer[::-1], np.linspace(-inner, inner, n_inner + 1), outer])
    lo, hi = edges[:-1], edges[1:]
    rho = np.ones(lo.size) if dos == "flat" else _semicircle_average(lo, hi, W)
    return XiCells(lo, hi, rho)


def kernel_matrix(cells: XiCells, kernel: str, w: float):
    """K_ij = cell-j average of K(ξ_i − ξ') and the row of each cell.

    'local': one row, K = 1.  'lorentzian': one row per cell,
    K_ij = (w/h_j)[atan((ξ_i − lo_j)/w) − atan((ξ_i − hi_j)/w)]."""
    if kernel == "local":
        return np.ones((1, cells.n)), np.zeros(cells.n, dtype=int)
    xi = cells.centers[:, None]
    K = w * (np.arctan((xi - cells.lo[None, :]) / w) - np.arctan((xi - cells.hi[None, :]) / w))
    return K / cells.widths[None, :], np.arange(cells.n)


# --------------------------------------------------------------------- analytic cell integrals
def cell_resolvent(a, lo, hi):
    """∫_lo^hi dξ/(a − ξ) = log(a − lo) − log(a − hi), Im a ≠ 0 (principal logs are continuous
    along real ξ because Im(a − ξ) has a fixed sign)."""
    return np.log(a - lo) - np.log(a - hi)


def cell_pair(a, c, lo, hi):
    """∫_lo^hi dξ / ((a − ξ)(c + ξ)) for Im a ≠ 0, Im c ≠ 0 (a resolvent of particles at ξ = a and
    of holes at ξ = −c; spec §5.4 J integrals).  Partial fractions:
        1/((a−ξ)(c+ξ)) = [1/(a−ξ) + 1/(c+ξ)]/(a+c)  ⇒  [log(c+ξ) − log(a−ξ)]/(a+c);
    for |a + c| ≪ |ξ − a| the series (1/ε)log(1 + ε/u) = 1/u − ε/2u² + ε²/3u³, u = ξ − a, ε = a + c.
    (a + c → 0 needs both poles, ξ = a and ξ = −c, on the same side of the real axis; only then is
    the series used — with the poles on opposite sides the logs carry the ±2πi/ε residue term.)"""
    a, c = np.broadcast_arrays(np.asarray(a, complex), np.asarray(c, complex))
    eps = a + c
    u_lo, u_hi = lo - a, hi - a
    umin = np.minimum(np.abs(u_lo), np.abs(u_hi))
    small = (np.abs(eps) < 1e-4 * umin) & (a.imag * c.imag < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = (np.log(c + hi) - np.log(a - hi) - np.log(c + lo) + np.log(a - lo)) / eps

    def series(u):
        return 1.0 / u - eps / (2 * u * u) + eps * eps / (3 * u ** 3)
    return np.where(small, series(u_hi) - series(u_lo), logs)


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
    boson on its bath (κ, T_b), optional incoherent boson drive (spec §1, §2.2, §7)."""

    name = "eliashberg-xi"

    def __init__(self, params: EliashbergXiParams):
        super().__init__(params)      # grid, boson spectra, convolvers (ext: normal state, base: anomalous)
        p = params
        single = p.kernel == "local" and p.dos == "flat"
        self.cells = xi_cells(p.W, p.xi_inner, p.n_xi, p.dos, single=single)
        self.K, self.row_of_cell = kernel_matrix(self.cells, p.kernel, p.w)
        self.n_rows = self.K.shape[0]
        self.lo = self.cells.lo[:, None]
        self.hi = self.cells.hi[:, None]
        self.rho = self.cells.rho[:, None]
        self.kinetic = p.fel_mode == "kinetic"

    # ------------------------------------------------------------------ helpers
    def _extend(self, f_rows: np.ndarray) -> np.ndarray:
        """Rows on the base grid → 2-extended grid, continued by their edge values (asymptotics)."""
        m = self.grid.m
        return np.pad(f_rows, ((0, 0), (m, m)), mode="edge")

    def _to_cells(self, f_rows: np.ndarray) -> np.ndarray:
        return f_rows[self.row_of_cell]

    def _contract(self, f_cells: np.ndarray) -> np.ndarray:
        """Σ_j K_ij f_j: the ξ' quadrature (f already integrated over each cell, times ρ_j)."""
        if self.n_rows == 1 and self.cells.n == 1:
            return f_cells
        return self.K @ f_cells

    @staticmethod
    def hole(f_rows: np.ndarray) -> np.ndarray:
        """f(−ω) on an odd symmetric grid."""
        return f_rows[..., ::-1]

    # ------------------------------------------------------------------ normal state (§2.2, §3.2)
    def distribution(self, sigma: np.ndarray, K0: np.ndarray | None) -> np.ndarray:
        """F_11(row, ω): tanh(ω/2T_el) (fel_mode bath) or K0/(−Im Σ^R_11) (kinetic)."""
        if K0 is None:
            return np.broadcast_to(self.F_bath, sigma.shape).copy()
        return K0 / (-sigma.imag)

    def normal_map(self, sigma: np.ndarray, K0: np.ndarray | None, cells: slice = slice(None),
                   rows: slice = slice(None), reduce=None):
        """One sweep of the normal-state equations: (Σ^R_11, K0) → (Σ^R_11, K0)_new on `rows`.

        Work split for a group of ranks (the model itself knows nothing of MPI): the cell
        integrals are computed for `cells` only, contracted with K[:, cells], and `reduce` (e.g. an
        MPI Allreduce sum) completes the ξ' sum; the ω convolutions are done for `rows` only."""
        g = self.grid
        ce = self.conv_ext
        own = self.row_of_cell[cells]
        F = self.distribution(sigma, K0)
        F_ext = g.embed(F, np.broadcast_to(self.F_bath_ext, (F.shape[0], self.w_ext.size)))
        a = self.w_ext[None, :] - self._extend(sigma)[own]
        GR = self.rho[cells] * cell_resolvent(a, self.lo[cells], self.hi[cells])   # ∫ρ g^R_11 per cell
        spec_ra = 2j * GR.imag                                                    # ∫ρ (g^R − g^A)_11
        GK = F_ext[own] * spec_ra                                                 # ∫ρ g^K_11 = F(g^R − g^A)
        K = self.K[:, cells]
        parts = [K @ GR, K @ GK] + ([K @ spec_ra] if K0 is not None else [])
        if reduce is not None:
            parts = [reduce(x) for x in parts]
        parts = [x[rows] for x in parts]
        k = ce.kernels
        tR, tK = ce.transform(parts[0]), ce.transform(parts[1])
        sigma_new = -1j * self.params.gamma + ce.apply(0.5 * tR * k["n"] + (0.25j / PI) * tK * k["Lam"])
        K0_new = None
        if K0 is not None:
            tS = ce.transform(parts[2])
            sigK = -2j * self.params.gamma * self.F_bath + 0.5 * ce.apply(tK * k["n"] + tS * k["a"])
            K0_new = (0.5j * sigK).real                                # Σ^K = −2i K0
        return sigma_new, K0_new

    def normal_problem(self) -> "NormalProblem":
        return NormalProblem(self)

    def flat_band_guess(self) -> np.ndarray:
        """Σ^R of the infinite flat band (spec §4.2), broadcast to all rows: the starting point."""
        s = -1j * (self.params.gamma + self.Gamma_b) + 0.5 * self.conv_ext(self.F_bath_ext, "Lam")
        return np.broadcast_to(s, (self.n_rows, s.size)).copy()

    # ------------------------------------------------------------------ linear gap problem (§5, §6.1)
    def gap_operator(self, normal: NormalState, glue: bool | None = None) -> "XiGapOperator":
        if glue is None:
            glue = self.params.glue == "on"
        return XiGapOperator(self, normal, glue)

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
        cells = _split(self.model.cells.n, part, n_parts)
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
    """ℝ-linear map of the four anomalous self-energies around the normal state (spec §5.1–5.3, §7).

    Cell integrals (ρ_j ∫_cell dξ, self-energies constant in the cell):
        J_RR = ∫ g^R_11 g^R_22,   J_RA = ∫ g^R_11 g^A_22,   J_AR = J_RA*,   J_AA = J_RR*,
    with g^R_11 = 1/(a − ξ), a = ω − Σ^R_11;  g^R_22 = 1/(b + ξ), b = ω − Σ^R_22 = ω + Σ^R_11(−ω)*.
    Linear Dyson (Keldysh): Ḡ^R_12 = J_RR φ^R_12, Ḡ^A_12 = J_AA φ^A_12,
        Ḡ^K_12 = F_22 (J_RR − J_RA) φ^R_12 + F_11 (J_RA − J_AA) φ^A_12 + J_RA φ^K_12,
        Ḡ^K_21 = F_11 (J_RR − J_AR) φ^R_21 + F_22 (J_AR − J_AA) φ^A_21 + J_AR φ^K_21,
    and the τ3-sandwiched self-energies (off-diagonal sign −1):
        φ^R_new = −K·[½ Ḡ^R ∗ n + (i/4π) Ḡ^K ∗ Λ^R],   φ^K_new = −K·½[Ḡ^K ∗ n + (Ḡ^R − Ḡ^A) ∗ a].
    Real representation, row-major: per row [Re, Im] × [φ^R_12, φ^R_21, (φ^K_12, φ^K_21)] × ω.
    With glue off only φ^R_12, φ^R_21 are unknowns and φ^K = F_22 φ^R_12 − F_11 φ^A_12 (resp. 21).
    """

    def __init__(self, model: XiEliashberg, normal: NormalState, glue: bool = True):
        self.model = m = model
        self.glue = glue
        self.n_w = m.grid.n
        self.n_rows = m.n_rows
        self.n_fields = 4 if glue else 2
        self.size = self.n_rows * 2 * self.n_fields * self.n_w
        w = m.omega[None, :]
        sig = normal.sigma
        a = m._to_cells(w - sig)
        b = m._to_cells(w + np.conj(m.hole(sig)))
        self.J_RR = m.rho * cell_pair(a, b, m.lo, m.hi)
        self.J_RA = m.rho * cell_pair(a, np.conj(b), m.lo, m.hi)
        self.F11_rows = normal.F
        self.F22_rows = -m.hole(normal.F)
        self.F11 = m._to_cells(self.F11_rows)
        self.F22 = m._to_cells(self.F22_rows)
        # One row (local kernel): φ and F are the same in every cell, so the cell sums can be
        # taken once here: Σ_j J_j φ = (Σ_j J_j) φ.
        self.pre_summed = m.n_rows == 1
        if self.pre_summed:
            self.J_RR = self.J_RR.sum(axis=0, keepdims=True)
            self.J_RA = self.J_RA.sum(axis=0, keepdims=True)
            self.F11, self.F22 = self.F11_rows, self.F22_rows
        c = m.conv_base
        self._kn, self._ka, self._kL = c.kernels["n"], c.kernels["a"], c.kernels["Lam"]

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

    def delta_phi_K(self, fields):
        """(δφ^K_12, δφ^K_21): the non-thermal part of the anomalous Keldysh self-energy."""
        pR12, pR21, pK12, pK21 = fields
        k12, k21 = self.thermal_keldysh(pR12, pR21)
        return pK12 - k12, pK21 - k21

    # -- the map
    def apply(self, fields, cells: slice = slice(None), rows: slice = slice(None), reduce=None):
        """The map on all rows; or, for a group of ranks, the ξ' quadrature over `cells` completed
        by `reduce` (a sum over the group) and the ω convolutions for `rows` only."""
        m = self.model
        c = m.conv_base
        if self.pre_summed:                 # one row: nothing worth splitting
            cells, rows, reduce = slice(None), slice(None), None
        if self.glue:
            pR12, pR21, pK12, pK21 = fields
        else:
            pR12, pR21 = fields
            pK12, pK21 = self.thermal_keldysh(pR12, pR21)
        if self.pre_summed:
            to_cells, contract = (lambda f: f), (lambda f: f)
        else:
            own, K = m.row_of_cell[cells], m.K[:, cells]

            def to_cells(f):
                return f[own]

            def contract(f):
                f = K @ f
                return (reduce(f) if reduce is not None else f)[rows]
        r12, r21 = to_cells(pR12), to_cells(pR21)
        k12, k21 = to_cells(pK12), to_cells(pK21)
        a12, a21 = np.conj(r21), np.conj(r12)              # φ^A_12 = (φ^R_21)*, φ^A_21 = (φ^R_12)*
        JRR, JRA = self.J_RR[cells], self.J_RA[cells]
        JAA, JAR = np.conj(JRR), np.conj(JRA)
        F11, F22 = self.F11[cells], self.F22[cells]
        out = []
        for (pr, pa, pk, Fa, Fb, Jra) in ((r12, a12, k12, F22, F11, JRA), (r21, a21, k21, F11, F22, JAR)):
            GR = JRR * pr
            GA = JAA * pa
            GK = Fa * (JRR - Jra) * pr + Fb * (Jra - JAA) * pa + Jra * pk
            tR = c.transform(contract(GR))
            tK = c.transform(contract(GK))
            phiR = -c.apply(0.5 * tR * self._kn + (0.25j / PI) * tK * self._kL)
            if self.glue:
                tS = c.transform(contract(GR - GA))
                phiK = -0.5 * c.apply(tK * self._kn + tS * self._ka)
                out.append((phiR, phiK))
            else:
                out.append((phiR, None))
        (R12, K12), (R21, K21) = out
        return [R12, R21, K12, K21] if self.glue else [R12, R21]

    def matvec(self, y):
        return self.restrict(self.apply(self.expand(y)))

    # -- work split over a group of ranks (nepsolve.solvers.distributed.DistributedOperator)
    @property
    def n_units(self) -> int:
        return self.n_rows

    @property
    def unit_size(self) -> int:
        return 2 * self.n_fields * self.n_w

    def matvec_local(self, y, part: int, n_parts: int, reduce):
        """This part's rows of 𝓛y (row-major, so a contiguous slice of matvec(y))."""
        cells = _split(self.model.cells.n, part, n_parts)
        rows = _split(self.n_rows, part, n_parts)
        if self.pre_summed:
            full = self.matvec(y)
            return full[rows.start * self.unit_size: rows.stop * self.unit_size]
        return self.restrict(self.apply(self.expand(y), cells, rows, reduce))
