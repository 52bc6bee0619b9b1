"""Full nonlinear Nambu–Keldysh NESS equations of the ξ-resolved model (ELIASHBERG_SPEC §2.1–2.3, §6.2, §7).

Units and conventions as in `nepsolve.models.eliashberg_xi` (energies in units of Ω = 1; Kamenev
Keldysh; Nambu (c↑, c†↓); g²N0 factors absorbed into n, a, Λ^R).  Per row r of the kernel and
frequency ω (self-energies constant inside each ξ cell j, whose row is row(j)):

    Σ̂^R(r,ω) = −iγτ0 + Σ_j K_rj ∫dν τ3[½ Ĝ^R_j(ω−ν) n(ν) + (i/4π) Ĝ^K_j(ω−ν) Λ^R(ν)]τ3,
    Σ̂^K(r,ω) = −2iγF_bath(ω)τ0 + Σ_j K_rj ∫dν τ3 ½[Ĝ^K_j(ω−ν) n(ν) + (Ĝ^R_j − Ĝ^A_j)(ω−ν) a(ν)]τ3,

with the cell-integrated Nambu functions
    Ĝ^R_j(ω) = ρ_j ∫_{lo_j}^{hi_j} dξ [A − ξτ3]^{-1},  A = ωτ0 − Σ̂^R(row(j), ω),
    Ĝ^A_j = (Ĝ^R_j)†,   Ĝ^K_j = ρ_j ∫dξ G^R(ξ) Σ̂^K G^A(ξ).

ξ integrals, analytically (`nambu_cell_integrals`).  det(A − ξτ3) = −(ξ − r1)(ξ − r2) and
adj(A − ξτ3) = C(ξ) = [[A22 + ξ, −A12], [−A21, A11 − ξ]], so
    G^R(ξ) = M1/(ξ − r1) + M2/(ξ − r2),  M1 = −C(r1)/(r1 − r2),  M2 = C(r2)/(r1 − r2)
(exact for r1 ≠ r2 because C is linear in ξ), hence
    ∫G^R = Σ_i M_i [log(hi − r_i) − log(lo − r_i)],
    ∫G^R S G^A = Σ_{i,k} M_i S M_k† P(r_i, r_k*),   P(r, s) = ∫dξ/((ξ − r)(ξ − s)) (`cell_pair_generic`).
For a physical retarded self-energy (anti-Hermitian part −i·P with P ≥ γ) A − ξτ3 is invertible
for all real ξ, and v†(P − (Im ξ)τ3)v = 0 at a root forces |Im r_i| ≥ γ; by continuity from the
normal state one root lies in each half plane, so |r1 − r2| ≥ 2γ: the degenerate case r1 = r2
cannot occur at a solution.  It can occur at an unphysical Newton iterate.  Choice made there: where |r1 − r2| < δ = SPLIT·(1 + |r1| + |r2|)
(SPLIT = 3e-4) the roots are split symmetrically about their mean to the distance δ and to 2δ; the
partial fractions then integrate −C(ξ)/((ξ − r1')(ξ − r2')) *exactly*, whose deviation from the true
integrand is even in the splitting, so the Richardson combination (4·I(δ) − I(2δ))/3 removes its
O(δ²) part.  Measured against quadrature: ~1e-8 relative at exact degeneracy (cancellation
between the ~1/δ residues, ε_mach/δ², against the remaining O(δ⁴)), ~1e-13 elsewhere.

Non-decaying parts (diagonal Ĝ, and Ĝ^K → ±(Ĝ^R − Ĝ^A)) are evaluated on the 2-extended grid
[−2L, 2L] with the diagonal self-energies continued by their edge values (as in
`XiEliashberg.normal_map`) and convolved by `convolve_rows` (extended grid).  The anomalous self-energies decay and are
set to zero beyond ±L (default `anomalous_ext=False`): this is exactly the truncation of
`XiGapOperator` (conv_base) and of the flat-band `GapProblem`, so the linearization of this map
around the normal state *is* `XiGapOperator` (checked by finite differences to 1e-9, their own
accuracy, in all bath/kinetic × glue on/off modes) and the nonlinear threshold is the linear λ_c.  Measured
alternative (`anomalous_ext=True`, φ continued by its edge value): at λ = 1.2, κ = 0.2, T = γ = 0.05,
L = 10, W = 1e4 the solution moves by 2e-4·max|φ| (at the grid edges; 8e-5 for |ω| < 8) and
max|φ| by 6e-6 relative, i.e. below the truncation error of the grid itself.  Beyond ±L the
Keldysh self-energy takes the bath form Σ̂^K = F_bath(Σ̂^R − Σ̂^A).

Unknowns (real, row-major: x.reshape(rows, n_blocks, N)): per row the blocks
    Re Σ11, Im Σ11, Re Σ22, Im Σ22, Re φ12, Im φ12, Re φ21, Im φ21     (Σ̂^R = [[Σ11, φ12], [φ21, Σ22]])
followed by the Keldysh blocks that are unknowns, with Σ̂^K = −2i(K0τ0 + K1τ1 + K2τ2 + K3τ3):
  * fel_mode = 'kinetic': K0, K3 (diagonal: F_11 = (K0 + K3)/(−Im Σ11), F_22 = (K0 − K3)/(−Im Σ22));
  * glue = 'on':          K1, K2 (the anomalous Keldysh self-energy, Σ^K_12 = −2i(K1 − iK2)).
The layout is [.. 8 ..] + [K0, K1, K2, K3 restricted to the unknown ones], i.e. 12 blocks for
kinetic/on, 10 for kinetic/off and bath/on, 8 for bath/off.
Whatever is not an unknown takes the quasi-thermal form Σ̂^K = Σ̂^R F̂ − F̂ Σ̂^A, F̂ = diag(F_11, F_22):
  * fel_mode = 'bath': F_11 = F_22 = F_bath (diagonal Keldysh fixed, "heating off");
  * glue = 'off':      Σ^K_12 = F_22 φ^R_12 − F_11 φ^A_12, Σ^K_21 = F_11 φ^R_21 − F_22 φ^A_21
                       (δφ^K := 0 at every order; φ^A_12 = (φ^R_21)*, φ^A_21 = (φ^R_12)*).
With bath and glue off this is Ĝ^K = F_bath(Ĝ^R − Ĝ^A) (the flat band's bath mode, spec §4.2).
With bath and glue on, the anomalous Keldysh part stays an unknown, so that the linearization of
this map around the normal state is exactly `XiGapOperator` in every mode (its bath mode also keeps
φ^K): the nonlinear threshold and the linear λ_c are then the same also out of equilibrium.

Gauge: the equations are invariant under φ12 → e^{iθ}φ12, φ21 → e^{−iθ}φ21 (and Σ^K_12, Σ^K_21
alike); the phase is left free in x (a zero mode of the Jacobian that Newton–Krylov tolerates) and
fixed only in `solution` (φ12 real and positive at ω = 0 in the row nearest ξ = 0).
"""
from __future__ import annotations

import numpy as np

from ..eliashberg.flatband import gap_edge
from ...physics.params import ParameterError
from .model import PI, NormalState, XiEliashberg
from ..xi_grid import PointQuadrature, dd2

SPLIT = 3e-4          # relative root splitting at (near-)degenerate poles, see module docstring
TAU3 = np.array([[1.0, -1.0], [-1.0, 1.0]])[:, :, None]   # sign pattern of τ3 X τ3


# ----------------------------------------------------------------------- analytic cell integrals
def cell_pair_generic(r, s, lo, hi):
    """P(r, s) = ∫_lo^hi dξ / ((ξ − r)(ξ − s)) for Im r ≠ 0, Im s ≠ 0: the divided difference of the
    cell log (`xi_grid.dd2`: partial fractions, stable for nearly coincident same-side poles)."""
    return dd2(r, s, lo, hi)


def _mm(X, Y):
    """Batched 2×2 products; Nambu indices on axes (−3, −2), frequency last."""
    shape = np.broadcast_shapes(X.shape, Y.shape)
    out = np.empty(shape, dtype=complex)
    for a in (0, 1):
        for c in (0, 1):
            out[..., a, c, :] = X[..., a, 0, :] * Y[..., 0, c, :] + X[..., a, 1, :] * Y[..., 1, c, :]
    return out


def dagger(X):
    """Hermitian conjugate in Nambu space (axes −3, −2)."""
    return np.conj(np.swapaxes(X, -3, -2))


def nambu_poles(A):
    """Roots r1 (Im r1 ≥ Im r2), r2 of det(A − ξτ3) = −(ξ² − (A11 − A22)ξ − det A) (stable quadratic
    formula), and the mask of (near-)degenerate pairs |r1 − r2| < SPLIT·(1 + |r1| + |r2|)."""
    A11, A12, A21, A22 = A[..., 0, 0, :], A[..., 0, 1, :], A[..., 1, 0, :], A[..., 1, 1, :]
    p = A11 - A22
    det = A11 * A22 - A12 * A21
    sq = np.sqrt(p * p + 4.0 * det)
    sq = np.where((np.conj(p) * sq).real >= 0, sq, -sq)       # |p + sq| ≥ |p − sq|: no cancellation
    q = 0.5 * (p + sq)
    zero = q == 0
    other = np.where(zero, 0.0, -det / np.where(zero, 1.0, q))
    up = q.imag >= other.imag
    r1, r2 = np.where(up, q, other), np.where(up, other, q)
    close = np.abs(r1 - r2) < SPLIT * (1.0 + np.abs(r1) + np.abs(r2))
    return r1, r2, close


def _split(r1, r2, close, factor):
    """Roots moved symmetrically to the distance factor·SPLIT·(1 + |r1| + |r2|) where `close`."""
    d = r1 - r2
    ad = np.abs(d)
    u = np.where(ad > 0, d / np.where(ad > 0, ad, 1.0), 1j)
    half = 0.5 * factor * SPLIT * (1.0 + np.abs(r1) + np.abs(r2)) * u
    mid = 0.5 * (r1 + r2)
    return np.where(close, mid + half, r1), np.where(close, mid - half, r2)


def _adj(A, r):
    """C(r) = adj(A − rτ3) = [[A22 + r, −A12], [−A21, A11 − r]]."""
    out = np.empty(np.broadcast_shapes(A.shape, r.shape[:-1] + (1, 1) + r.shape[-1:]), dtype=complex)
    out[..., 0, 0, :] = A[..., 1, 1, :] + r
    out[..., 0, 1, :] = -A[..., 0, 1, :]
    out[..., 1, 0, :] = -A[..., 1, 0, :]
    out[..., 1, 1, :] = A[..., 0, 0, :] - r
    return out


def _partial_fractions(A, S, lo, hi, r1, r2):
    """∫G^R and ∫G^R S G^A from the residues M1, M2 at the (distinct) roots r1, r2."""
    ex = (..., None, None, slice(None))
    inv = 1.0 / (r1 - r2)
    M1 = -_adj(A, r1) * inv[ex]
    M2 = _adj(A, r2) * inv[ex]
    L1 = np.log(hi - r1) - np.log(lo - r1)            # ∫dξ/(ξ − r_i); for r_i* it is L_i* (ξ real)
    L2 = np.log(hi - r2) - np.log(lo - r2)
    GR = M1 * L1[ex] + M2 * L2[ex]
    if S is None:
        return GR, None
    T1, T2 = _mm(M1, S), _mm(M2, S)
    D1, D2 = dagger(M1), dagger(M2)
    # P(r, s) = [L(r) − L(s)]/(r − s) from the same four logs; P(r, r*) = Im L(r)/Im r
    P11 = L1.imag / r1.imag
    P22 = L2.imag / r2.imag
    s2 = np.conj(r2)
    P12 = dd2(r1, s2, lo, hi, L1, np.conj(L2))
    P21 = np.conj(P12)                                # P(r2, r1*) = P(r1, r2*)*
    GK = _mm(T1, D1 * P11[ex] + D2 * P12[ex]) + _mm(T2, D1 * P21[ex] + D2 * P22[ex])
    return GR, GK


def nambu_cell_integrals(A, S, lo, hi):
    """(∫_lo^hi dξ G^R(ξ), ∫_lo^hi dξ G^R(ξ) S G^A(ξ)) with G^R = (A − ξτ3)^{-1}, A and S constant 2×2.

    Arrays have the Nambu indices on axes (−3, −2) and frequency last, e.g. (cells, 2, 2, N);
    lo, hi broadcast against the per-component shape (cells, N).  S = None skips the second one.
    (Near-)degenerate roots: split by δ and 2δ and Richardson-extrapolated (module docstring)."""
    A = np.asarray(A, dtype=complex)
    r1, r2, close = nambu_poles(A)
    if not np.any(close):
        return _partial_fractions(A, S, lo, hi, r1, r2)
    one = _partial_fractions(A, S, lo, hi, *_split(r1, r2, close, 1.0))
    two = _partial_fractions(A, S, lo, hi, *_split(r1, r2, close, 2.0))
    mask = close[..., None, None, :]
    return tuple(None if g1 is None else np.where(mask, (4.0 * g1 - g2) / 3.0, g1) for g1, g2 in zip(one, two))


def point_functions(A, S, xi, rho):
    """(ρ G^R(ξ), ρ G^R(ξ) S G^A(ξ)) at the point ξ (ξ-local kernel), G^R = (A − ξτ3)^{-1} by the 2×2
    adjugate; axes as in `nambu_cell_integrals`."""
    M = A.copy()
    M[..., 0, 0, :] = A[..., 0, 0, :] - xi[..., 0, 0, :]
    M[..., 1, 1, :] = A[..., 1, 1, :] + xi[..., 0, 0, :]
    det = M[..., 0, 0, :] * M[..., 1, 1, :] - M[..., 0, 1, :] * M[..., 1, 0, :]
    G = np.empty_like(M)
    G[..., 0, 0, :], G[..., 1, 1, :] = M[..., 1, 1, :] / det, M[..., 0, 0, :] / det
    G[..., 0, 1, :], G[..., 1, 0, :] = -M[..., 0, 1, :] / det, -M[..., 1, 0, :] / det
    return rho * G, rho * _mm(_mm(G, S), dagger(G))


def check_supported(params) -> None:
    """The nonlinear set integrates the kernel outside the cells (local, uniform Lorentzian) or has none
    (ξ-local); the graded grid's exact kernel–Nambu-resolvent integrals are not built: ParameterError."""
    if params.kernel == "lorentzian" and params.xi_grid == "graded":
        raise ParameterError("the nonlinear ξ-resolved solve supports kernel = 'local', 'xi_local', or "
                             "'lorentzian' with xi_grid = 'uniform'; not the graded grid (its exact "
                             "kernel integration is built for the linear problem only)")


# ------------------------------------------------------------------------------ the problem
class XiGapProblem:
    """Nonlinear ξ-resolved NESS equations as R(x) = x − 𝓜(x) (module docstring for the layout)."""

    BASE_FIELDS = ("S11", "S22", "P12", "P21")

    def __init__(self, model: XiEliashberg, normal: NormalState, seed: float = 0.1,
                 anomalous_ext: bool = False):
        self.model = m = model
        self.normal = normal
        self.seed = seed
        self.kinetic = m.kinetic
        self.glue = m.params.glue == "on"
        self.anomalous_ext = anomalous_ext
        self.k_keys = tuple(k for k in ("K0", "K1", "K2", "K3")
                            if (self.kinetic and k in ("K0", "K3")) or (self.glue and k in ("K1", "K2")))
        self.n_rows, self.n_w = m.n_rows, m.grid.n
        self.n_blocks = 8 + len(self.k_keys)
        self.size = self.n_rows * self.n_blocks * self.n_w
        self.needs_keldysh = bool(self.k_keys)
        check_supported(m.params)
        self.row0 = m.row0                                           # nearest ξ = 0 (ties: ξ > 0)

    # -------------------------------------------------------------- representation
    def unpack(self, x):
        b = np.asarray(x, dtype=float).reshape(self.n_rows, self.n_blocks, self.n_w)
        sR = np.empty((self.n_rows, 2, 2, self.n_w), dtype=complex)
        sR[:, 0, 0] = b[:, 0] + 1j * b[:, 1]
        sR[:, 1, 1] = b[:, 2] + 1j * b[:, 3]
        sR[:, 0, 1] = b[:, 4] + 1j * b[:, 5]
        sR[:, 1, 0] = b[:, 6] + 1j * b[:, 7]
        K = {k: b[:, 8 + i] for i, k in enumerate(self.k_keys)}
        return sR, K

    def pack(self, sR, K=None):
        parts = [sR[:, 0, 0].real, sR[:, 0, 0].imag, sR[:, 1, 1].real, sR[:, 1, 1].imag,
                 sR[:, 0, 1].real, sR[:, 0, 1].imag, sR[:, 1, 0].real, sR[:, 1, 0].imag]
        parts += [K[k] for k in self.k_keys]
        return np.stack(parts, axis=1).ravel()

    @staticmethod
    def keldysh_to_K(sK):
        """K0..K3 of Σ̂^K = −2i(K0τ0 + K1τ1 + K2τ2 + K3τ3) (projection on the anti-Hermitian part)."""
        H = 0.5j * sK
        return {"K0": 0.5 * (H[:, 0, 0] + H[:, 1, 1]).real, "K3": 0.5 * (H[:, 0, 0] - H[:, 1, 1]).real,
                "K1": 0.5 * (H[:, 0, 1] + H[:, 1, 0]).real, "K2": 0.5 * (1j * (H[:, 0, 1] - H[:, 1, 0])).real}

    def distributions(self, sR, K):
        """(F_11, F_22) per row on the base grid."""
        m = self.model
        if self.kinetic:
            return (K["K0"] + K["K3"]) / (-sR[:, 0, 0].imag), (K["K0"] - K["K3"]) / (-sR[:, 1, 1].imag)
        F = np.broadcast_to(m.F_bath, (self.n_rows, self.n_w))
        return F, F

    # -------------------------------------------------------------- the map
    def _keldysh_ext(self, sR_ext, sR, K):
        """Σ̂^K(row, ω) on the 2-extended grid: quasi-thermal Σ̂^R F̂ − F̂ Σ̂^A with the unknown
        anomalous part (glue on) in the base window; bath form beyond ±L."""
        m = self.model
        F11, F22 = self.distributions(sR, K)
        outer = np.broadcast_to(m.F_bath_ext, (self.n_rows, m.w_ext.size))
        F11e, F22e = m.embed(F11, outer), m.embed(F22, outer)
        F = (F11e, F22e)
        sK = np.empty_like(sR_ext)
        for a in (0, 1):
            for b in (0, 1):
                sK[:, a, b] = sR_ext[:, a, b] * F[b] - F[a] * np.conj(sR_ext[:, b, a])
        if self.glue:
            k12 = -2j * (K["K1"] - 1j * K["K2"])
            k21 = -2j * (K["K1"] + 1j * K["K2"])
            sK[:, 0, 1] = m.embed(k12, sK[:, 0, 1])
            sK[:, 1, 0] = m.embed(k21, sK[:, 1, 0])
        return sK

    def nambu_functions(self, sR, K):
        """Cell-integrated Ĝ^R_j, Ĝ^K_j (× ρ_j) on the 2-extended grid, shape (cells, 2, 2, 4M+1)."""
        m = self.model
        sR_ext = m.extend(sR)
        pad = m.ext_pad
        if pad and not self.anomalous_ext:
            sR_ext[:, 0, 1, :pad] = sR_ext[:, 0, 1, -pad:] = 0.0
            sR_ext[:, 1, 0, :pad] = sR_ext[:, 1, 0, -pad:] = 0.0
        sK_ext = self._keldysh_ext(sR_ext, sR, K)
        A = -sR_ext[m.row_of_cell]
        A[:, 0, 0] += m.w_ext
        A[:, 1, 1] += m.w_ext
        S = sK_ext[m.row_of_cell]
        if isinstance(m.quad, PointQuadrature):           # ξ-local: G at the row's own ξ, no integral
            return point_functions(A, S, m.quad._xi[:, :, None, None], m.quad._rho[:, :, None, None])
        q = m.quad
        GR, GK = nambu_cell_integrals(A, S, q._lo, q._hi)
        rho = q._rho[:, :, None, None]
        return rho * GR, rho * GK

    def _contract(self, X):
        """Σ_j K_rj X_j over the cells (leading axis); the identity for one cell or the ξ-local rows."""
        q = self.model.quad
        if isinstance(q, PointQuadrature) or q.K.shape == (1, 1):
            return X
        return (q.K @ X.reshape(X.shape[0], -1)).reshape((q.n_rows,) + X.shape[1:])

    def self_energies(self, sR, K):
        """(Σ̂^R_new, Σ̂^K_new) on the base grid, shape (rows, 2, 2, N)."""
        m = self.model
        GR, GK = self.nambu_functions(sR, K)
        inputs = {"R": self._contract(GR), "K": self._contract(GK)}
        outputs = [{("R", "n"): 0.5, ("K", "Lam"): 0.25j / PI}]
        if self.needs_keldysh:
            inputs["D"] = self._contract(GR - dagger(GR))
            outputs.append({("K", "n"): 0.5, ("D", "a"): 0.5})
        conv = m.convolve_rows(inputs, outputs, far=self._far_values(inputs))
        gam = m.params.gamma
        eye = np.eye(2)[:, :, None]
        sR_new = -1j * gam * eye + TAU3 * conv[0]
        if m.static is not None:            # a static channel: constant off-diagonal Σ^R on its rows
            s12, s21, on = m.static.nonlinear(m, GK, sR)
            sR_new[:, 0, 1] += s12 * on[:, None]
            sR_new[:, 1, 0] += s21 * on[:, None]
        sK_new = (-2j * gam * m.F_bath * eye + TAU3 * conv[1]) if self.needs_keldysh else None
        return sR_new, sK_new

    def _far_values(self, inputs):
        """Beyond ±L on a grid without extension: Nambu functions continued by their edge values, the anomalous
        (off-diagonal) ones by 0 unless `anomalous_ext` — the uniform grid's extension (nambu_functions)."""
        if self.model.ext_pad or self.anomalous_ext:
            return None
        far = {}
        for name, f in inputs.items():
            lo, hi = f[..., 0].copy(), f[..., -1].copy()
            for edge in (lo, hi):
                edge[:, 0, 1] = edge[:, 1, 0] = 0.0
            far[name] = (lo, hi)
        return far

    def fixed_point_map(self, x):
        sR, K = self.unpack(x)
        sR_new, sK_new = self.self_energies(sR, K)
        K_new = self.keldysh_to_K(sK_new) if sK_new is not None else {}
        return self.pack(sR_new, K_new)

    def residual(self, x, out):
        out[:] = x - self.fixed_point_map(x)

    # -------------------------------------------------------------- roots and guesses
    def normal_fields(self):
        """Σ̂^R (φ = 0) and the Keldysh blocks of the normal state: Σ22(ω) = −Σ11(−ω)*,
        K_11 = F(−Im Σ11), K_22(ω) = −K_11(−ω) (spec §2.3)."""
        n = self.normal
        s11 = n.sigma
        sR = np.zeros((self.n_rows, 2, 2, self.n_w), dtype=complex)
        sR[:, 0, 0] = s11
        sR[:, 1, 1] = -np.conj(s11[:, ::-1])
        k11 = n.F * (-s11.imag)
        k22 = -k11[:, ::-1]
        zero = np.zeros_like(k11)
        K = {"K0": 0.5 * (k11 + k22), "K3": 0.5 * (k11 - k22), "K1": zero, "K2": zero}
        return sR, K

    def trivial_root(self):
        """The normal state (φ = 0) as a packed vector: always a root (deflated in gap searches)."""
        return self.pack(*self.normal_fields())

    def initial_guess(self):
        """Normal state plus the BCS-like seed φ12 = φ21 = seed/(1 + ω²) (spec §6.2)."""
        sR, K = self.normal_fields()
        phi = self.seed / (1.0 + self.model.omega ** 2)
        sR[:, 0, 1] = phi
        sR[:, 1, 0] = phi
        return self.pack(sR, K)

    # -------------------------------------------------------------- observables
    def solution(self, x) -> dict:
        """Observables at the row nearest ξ = 0 (`row`): φ = φ^R_12, ω̃ = ω − Σ0 with
        Σ0 = (Σ11 + Σ22)/2 (the τ0 part; equal to ω − Σ11 whenever the τ3 part χ = (Σ11 − Σ22)/2
        vanishes, as for the local kernel in a p-h symmetric band — with the Lorentzian kernel χ(ξ)
        is odd in ξ and nonzero off ξ = 0), Δ = ωφ/ω̃, Z = ω̃/ω (NaN at ω = 0), F_el = F_11, the gap
        edge Δ0.  Also `phi_rows`/`phi21_rows` = φ^R_12/φ^R_21 of every row, Σ11/Σ22 rows, the
        Keldysh blocks, and `symmetry_violation` = max|φ^R_21(ω) − φ^R_12(−ω)*| / max|φ^R_12|
        (spec §2.3, not imposed).  Gauge: φ12 real and positive at ω = 0 in that row
        (`gauge_phase` = the phase removed from φ12; φ21 gets the opposite one)."""
        m = self.model
        sR, K = self.unpack(x)
        r = self.row0
        p12, p21 = sR[:, 0, 1], sR[:, 1, 0]
        z = p12[r, m.grid.m]
        theta = float(np.angle(z)) if abs(z) > 0 else 0.0
        rot = np.exp(-1j * theta)
        p12, p21 = p12 * rot, p21 * np.conj(rot)
        scale = float(np.max(np.abs(p12)))
        viol = float(np.max(np.abs(p21 - np.conj(p12[:, ::-1]))) / scale) if scale > 0 else 0.0
        F11, _ = self.distributions(sR, K)
        w = m.omega
        wt = w - 0.5 * (sR[r, 0, 0] + sR[r, 1, 1])       # ω − Σ0; = ω − Σ11 when χ = 0 (local kernel)
        phi = p12[r]
        with np.errstate(divide="ignore", invalid="ignore"):
            Z = np.where(w != 0, wt / np.where(w != 0, w, 1.0), np.nan + 0j)
        delta = w * phi / wt
        out = {"omega": w, "delta": delta, "Z": Z, "phi": phi, "omega_tilde": wt,
               "F_el": np.array(F11[r], dtype=float), "delta0": gap_edge(w, delta),
               "phi_rows": p12, "phi21_rows": p21, "sigma11_rows": sR[:, 0, 0], "sigma22_rows": sR[:, 1, 1],
               "symmetry_violation": viol, "gauge_phase": theta, "row": r}
        for k, v in K.items():
            out[k] = v
        return out
