"""ξ discretizations of the frequency–momentum model (ELIASHBERG_SPEC §2.2, §5.6, §7).

Units: energies in units of the boson frequency Ω = 1.

The ξ-resolved self-energies need, for every row ξ_i (a state whose self-energy is computed) and
frequency ω, ξ' integrals of the form

    T_ij(ω) = ∫_{cell j} dξ' ρ(ξ') K(ξ_i − ξ') R_j(ξ', ω),

where R_j is a product of one or two normal-state resolvents whose self-energies are constant in
cell j (g^R_11 = 1/(a − ξ'), g^R_22 = 1/(b + ξ'), ...).  Three discretizations, one interface
(`resolvent_sums`, `pair_tensor`; the tensors offer `contract` and `contract_conj`):

* `SeparableQuadrature` — K_ij is taken out of the integral: K_ij × ∫_cell ρ R_j.  Exact for the
  local kernel (K = 1).  For the Lorentzian kernel this is the cell-averaged kernel of the uniform
  cells ('xi_grid = uniform', the original discretization; needs cells narrower than w).
* `LorentzianQuadrature` — the Lorentzian K(x) = C·(w/π)/(x² + w²) integrated *with* the resolvents:
  partial fractions over all poles, those of the resolvents (ξ' = a, −b, −b*) and those of the kernel
  (ξ' = ξ_i ± iw), so any cell width is exact for a cell-constant self-energy ('xi_grid = graded').
* `PointQuadrature` — the ξ-local limit V = g² δ(ξ − ξ') (spec §5.6): no integral, T_ii = ρ(ξ_i) R_i(ξ_i).

Cell integrals are divided differences of the cell logarithm (`cell_log`):

    ∫_lo^hi dξ Π_k 1/(ξ − p_k) = L[p_1, …, p_m],   L(p) = ∫_lo^hi dξ/(ξ − p) = log((hi − p)/(lo − p)),

computed stably when poles on the same side of the real axis nearly coincide (`dd2`, `dd3`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PI = np.pi
OUTER_RATIO = 1.3          # growth ratio of the uniform discretization's cells beyond its inner window
CLOSE = 1e-2               # two poles closer than CLOSE × (distance to the cell ends), off the cut: ratio form
CLUSTER = 0.1              # three poles within CLUSTER × (distance to the cell ends), off the cut: pivot form
SERIES = 2e-2              # |t| below which log(1+t)/t and its divided difference use their series


# =========================================================================================== cells
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


def dos_shape(xi, W: float, dos: str = "flat"):
    """ρ(ξ) = ν(ξ)/N0 at points: 1 ('flat') or √(1 − ξ²/W²) ('semicircle'); 0 outside the band."""
    xi = np.asarray(xi, dtype=float)
    inside = np.abs(xi) <= W
    if dos == "flat":
        return np.where(inside, 1.0, 0.0)
    return np.where(inside, np.sqrt(np.clip(1.0 - (xi / W) ** 2, 0.0, None)), 0.0)


def _semicircle_average(lo, hi, W):
    """(1/(hi−lo))∫_lo^hi √(1 − ξ²/W²) dξ."""
    def prim(x):
        x = np.clip(x / W, -1.0, 1.0)
        return 0.5 * W * (x * np.sqrt(1.0 - x * x) + np.arcsin(x))
    return (prim(hi) - prim(lo)) / (hi - lo)


def _cells(edges: np.ndarray, W: float, dos: str) -> XiCells:
    lo, hi = edges[:-1], edges[1:]
    rho = np.ones(lo.size) if dos == "flat" else _semicircle_average(lo, hi, W)
    return XiCells(lo, hi, rho)


def _outward(start: float, first: float, ratio: float, W: float, hmax: float = np.inf) -> list:
    """Edges from `start` to W: widths first·ratio^k capped at hmax, no sliver cell at the band edge."""
    pos, step = [start], first
    while pos[-1] < W:
        nxt = pos[-1] + step
        if W - nxt < 0.5 * min(step * ratio, hmax):
            nxt = W
        pos.append(min(nxt, W))
        step = min(step * ratio, hmax)
    return pos


def xi_cells(W: float, inner: float, n_inner: int, dos: str = "flat", single: bool = False,
             ratio: float = OUTER_RATIO) -> XiCells:
    """Uniform discretization: n_inner equal cells on [−inner, inner], then cells growing by `ratio`
    to ±W.  `single=True` gives one cell [−W, W] (exact for a ξ-independent self-energy, flat DOS)."""
    if single:
        return _cells(np.array([-W, W]), W, dos)
    inner = min(inner, W)
    h = 2.0 * inner / n_inner
    outer = np.array(_outward(inner, h * ratio, ratio, W)[1:])
    edges = np.concatenate([-outer[::-1], np.linspace(-inner, inner, n_inner + 1), outer])
    return _cells(edges, W, dos)


def graded_cells(W: float, h0: float, growth: float, hmax: float, dos: str = "flat") -> XiCells:
    """Graded discretization (spec §5.6): a central cell [−h0/2, h0/2] (a row at ξ = 0), then cell
    widths growing geometrically by `growth` up to `hmax`, symmetric, to ±W."""
    h0 = min(h0, 2.0 * W)
    right = np.array(_outward(0.5 * h0, h0 * growth, growth, W, max(hmax, h0))) if h0 < 2 * W else np.array([W])
    edges = np.concatenate([-right[::-1], right])
    return _cells(edges, W, dos)


def split_cells(cells: XiCells, points, W: float, dos: str = "flat") -> XiCells:
    """The cells with extra edges at `points` inside (−W, W) (a cell straddling a point becomes two): rows that a
    cutoff at ±ξ_c must not straddle (material ξ model, band cutoff of the static channel)."""
    edges = np.concatenate([cells.lo, cells.hi[-1:]])
    extra = [x for x in np.atleast_1d(points) if -W < x < W and np.min(np.abs(edges - x)) > 1e-12 * W]
    return _cells(np.sort(np.concatenate([edges, extra])), W, dos) if extra else cells


# ================================================================ divided differences of the cell log
def log1p(z):
    """log(1 + z) for complex z, accurate also for |z| ≪ 1 (numpy's complex log1p is not)."""
    z = np.array(z, dtype=complex, ndmin=1)
    small = np.abs(z) < SERIES
    out = np.log(1.0 + np.where(small, 0.0, z))
    if np.any(small):
        zs = z[small]
        acc = np.zeros_like(zs)
        for n in range(12, 0, -1):            # z − z²/2 + z³/3 − …, Horner; |z| < 2e-2: 12 terms ≪ 1e-16
            acc = zs * ((1.0 if n % 2 else -1.0) / n + acc)
        out[small] = acc
    return out


def _phi1(t):
    """φ1(t) = log(1 + t)/t (φ1(0) = 1)."""
    t = np.array(t, dtype=complex, ndmin=1)
    small = np.abs(t) < SERIES
    with np.errstate(divide="ignore", invalid="ignore"):
        out = log1p(t) / np.where(small, 1.0, t)
    if np.any(small):
        ts = t[small]
        acc = np.zeros_like(ts)
        for n in range(12, -1, -1):           # Σ (−t)^n/(n + 1)
            acc = (1.0 if n % 2 == 0 else -1.0) / (n + 1) + ts * acc
        out[small] = acc
    return out


def _phi1_dd(t1, t3):
    """Divided difference (φ1(t1) − φ1(t3))/(t1 − t3): series Σ_{n≥1} (−1)^n h_{n−1}(t1, t3)/(n + 1)
    (h_k the complete homogeneous polynomial) when both |t| < SERIES, else the difference quotient."""
    t1, t3 = np.broadcast_arrays(np.array(t1, complex, ndmin=1), np.array(t3, complex, ndmin=1))
    small = (np.abs(t1) < SERIES) & (np.abs(t3) < SERIES)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (_phi1(t1) - _phi1(t3)) / np.where(small, 1.0, t1 - t3)
    if np.any(small):
        a, b = t1[small], t3[small]
        h = np.ones_like(a)                  # h_0
        acc = np.zeros_like(a)
        for n in range(1, 14):
            acc = acc + ((-1.0) ** n / (n + 1)) * h
            h = h * b + a ** n               # h_n(a, b) = b·h_{n−1} + a^n
        out[small] = acc
    return out


def cell_log(p, lo, hi):
    """L(p) = ∫_lo^hi dξ/(ξ − p) = log((hi − p)/(lo − p)) for Im p ≠ 0.  (hi − p and lo − p lie in the
    same open half plane, so the log of the ratio is the difference of the principal logs.)"""
    p = np.asarray(p, dtype=complex)
    return log1p((hi - lo) / (lo - p))


def _end_distance(p, lo, hi):
    return np.minimum(np.abs(p - lo), np.abs(p - hi))


def _off_cut(lo, hi, *pts):
    """True where L is analytic on the hull of the points: all in one half plane, or (a cluster
    small next to its distance to the cell ends) crossing the real axis outside [lo, hi]."""
    same = np.all([np.sign(p.imag) == np.sign(pts[0].imag) for p in pts[1:]], axis=0)
    centre = sum(p.real for p in pts) / len(pts)
    return same | (centre < lo) | (centre > hi)


def _dd2_ratio(p, q, lo, hi):
    """L[p, q] = log(ρ(p)/ρ(q))/(p − q), ρ(x) = (hi − x)/(lo − x), valid off the cut; with
    ρ(p)/ρ(q) = 1 + z, z = h(p − q)/((lo − p)(hi − q)), it is φ1(z)·h/((lo − p)(hi − q)) — one log,
    no cancellation for p → q (φ1(0) = 1 gives L'(p))."""
    d = (hi - lo) / ((lo - p) * (hi - q))
    return _phi1(d * (p - q)) * d


def dd2(p, q, lo, hi, Lp=None, Lq=None):
    """∫_lo^hi dξ / ((ξ − p)(ξ − q)) = (L(p) − L(q))/(p − q), Im p, Im q ≠ 0.

    The difference quotient is used where it is accurate: |p − q| ≥ CLOSE × (distance to the cell
    ends), or poles pinching the cell from opposite sides (a genuine ~2πi/(p − q) peak).  Nearly
    coincident poles elsewhere (the J_RA case at ω → 0, a resolvent pole next to a kernel pole)
    take the ratio form `_dd2_ratio`, exact for p = q too.  `Lp`, `Lq`: precomputed L(p), L(q)
    (broadcastable), to save logarithms in large tensors."""
    shape = np.broadcast_shapes(np.shape(p), np.shape(q), np.shape(lo), np.shape(hi))
    p, q, lo, hi = (np.broadcast_to(np.array(x, ndmin=1), shape or (1,)) for x in (p, q, lo, hi))
    p, q = p.astype(complex), q.astype(complex)
    Lp = cell_log(p, lo, hi) if Lp is None else Lp
    Lq = cell_log(q, lo, hi) if Lq is None else Lq
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray((Lp - Lq) / (p - q))
    close = (np.abs(p - q) < CLOSE * _end_distance(p, lo, hi)) & _off_cut(lo, hi, p, q)
    if np.any(close):
        out = np.array(np.broadcast_to(out, p.shape))
        out[close] = _dd2_ratio(p[close], q[close], lo[close], hi[close])
    return out.reshape(shape)


def _dd3_cluster(p, q, r, lo, hi):
    """L[p, q, r] for three poles close together off the cut.  L = ℓ_hi − ℓ_lo with ℓ_c(x) = log(c − x);
    with u = c − x, ℓ_c[x1, x2, x3] = log[u1, u2, u3] = φ1[t1, t3]/u2², t_k = (x2 − x_k)/(c − x2) (only
    the ratios u_k/u2 = 1 + t_k, near 1, enter a logarithm).  The pivot x2 is the point outside the
    most distant pair, so |t1 − t3| ≥ max|t_k| and the difference quotient never cancels badly."""
    pts = np.stack([p, q, r])
    d01, d02, d12 = np.abs(p - q), np.abs(p - r), np.abs(q - r)
    pivot = np.where((d02 >= d01) & (d02 >= d12), 1, np.where(d01 >= d12, 2, 0))
    others = np.array([[1, 2], [0, 2], [0, 1]])[pivot]           # (…, 2)
    x2 = np.take_along_axis(pts, pivot[None], 0)[0]
    x1 = np.take_along_axis(pts, others[None, ..., 0], 0)[0]
    x3 = np.take_along_axis(pts, others[None, ..., 1], 0)[0]
    out = 0.0
    for c, sign in ((hi, 1.0), (lo, -1.0)):
        u2 = c - x2
        out = out + sign * _phi1_dd((x2 - x1) / u2, (x2 - x3) / u2) / (u2 * u2)
    return out


def dd3(p, q, r, lo, hi, Lpq=None):
    """∫_lo^hi dξ / ((ξ − p)(ξ − q)(ξ − r)) = L[p, q, r] (Im ≠ 0), by the recursion through the point
    between the most distant pair, e.g. (L[p, q] − L[q, r])/(p − r) when |p − r| is the largest
    distance (the divisor is then never the small one).  Three same-side poles that cluster
    (largest distance < CLUSTER × distance to the cell ends, off the cut) take `_dd3_cluster`.
    `Lpq`: a precomputed L[p, q] (the cell integral of two resolvents, reused for several r)."""
    shape = np.broadcast_shapes(np.shape(p), np.shape(q), np.shape(r), np.shape(lo), np.shape(hi))
    p, q, r, lo, hi = (np.broadcast_to(np.array(x, ndmin=1), shape or (1,)) for x in (p, q, r, lo, hi))
    p, q, r = p.astype(complex), q.astype(complex), r.astype(complex)
    Lp, Lq, Lr = cell_log(p, lo, hi), cell_log(q, lo, hi), cell_log(r, lo, hi)
    Lpq = dd2(p, q, lo, hi, Lp, Lq) if Lpq is None else np.broadcast_to(Lpq, shape or (1,))
    Lpr = dd2(p, r, lo, hi, Lp, Lr)
    Lqr = dd2(q, r, lo, hi, Lq, Lr)
    d_pq, d_pr, d_qr = np.abs(p - q), np.abs(p - r), np.abs(q - r)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((d_pr >= d_pq) & (d_pr >= d_qr), (Lpq - Lqr) / (p - r),          # q between
                       np.where(d_pq >= d_qr, (Lpr - Lqr) / (p - q),                     # r between
                                (Lpq - Lpr) / (q - r)))                                 # p between
    dmax = np.maximum(np.maximum(d_pq, d_pr), d_qr)
    dist = np.minimum(np.minimum(_end_distance(p, lo, hi), _end_distance(q, lo, hi)), _end_distance(r, lo, hi))
    cluster = (dmax < CLUSTER * dist) & _off_cut(lo, hi, p, q, r)
    if np.any(cluster):
        out = np.array(out)
        # a cell small next to the distance of the cluster: the ℓ_hi and ℓ_lo parts of the pivot form
        # nearly cancel, but the integrand is smooth there and Gauss–Legendre is exact to round-off
        seg = np.minimum(np.minimum(_segment_distance(p, lo, hi), _segment_distance(q, lo, hi)),
                         _segment_distance(r, lo, hi))
        far = cluster & (seg > FAR * (hi - lo))
        near = cluster & ~far
        if np.any(near):
            out[near] = _dd3_cluster(p[near], q[near], r[near], lo[near], hi[near])
        if np.any(far):
            out[far] = _gauss_cell((p[far], q[far], r[far]), lo[far], hi[far])
    return out.reshape(shape)


FAR = 2.0                  # poles farther than FAR × (cell width) from the cell: Gauss–Legendre
_GL = np.polynomial.legendre.leggauss(24)     # ρ_Bernstein ≥ 8 at FAR = 2: error ~ 8^-48


def _segment_distance(p, lo, hi):
    return np.abs(p - np.clip(p.real, lo, hi))


def _gauss_cell(poles, lo, hi):
    """∫_lo^hi dξ Π_k 1/(ξ − p_k) by 24-point Gauss–Legendre (poles far from the cell only)."""
    t, wts = _GL
    x = 0.5 * (lo + hi)[:, None] + 0.5 * (hi - lo)[:, None] * t[None, :]
    f = np.ones_like(x, dtype=complex)
    for p in poles:
        f = f / (x - p[:, None])
    return 0.5 * (hi - lo) * (f @ wts)


def cell_resolvent(a, lo, hi):
    """∫_lo^hi dξ/(a − ξ) = −L(a), Im a ≠ 0."""
    return -cell_log(a, lo, hi)


def cell_pair(a, c, lo, hi):
    """∫_lo^hi dξ / ((a − ξ)(c + ξ)) = −L[a, −c] for Im a, Im c ≠ 0: particles at ξ = a, holes at
    ξ = −c (spec §5.4 J integrals; J_RR with c = b, J_RA with c = b*)."""
    return -dd2(a, -np.asarray(c), lo, hi)


# ================================================================================ ξ' contractions
class DiagonalTensor:
    """T_ij(ω) = δ_ij C_i(ω): inputs are indexed by rows (`on_rows`).  The ξ-local model, and any
    one-row model whose cells all share the row (their integrals pre-summed)."""

    on_rows = True

    def __init__(self, C):
        self.C = C                    # (rows, ω)

    def contract(self, v):
        return self.C * v

    def contract_conj(self, v):
        return np.conj(self.C) * v


class SeparableTensor:
    """T_ij(ω) = K_ij C_j(ω): a kernel matrix (rows × cells) times cell integrals (cells × ω)."""

    on_rows = False

    def __init__(self, K, C):
        self.K, self.C = K, C

    def contract(self, v, cells: slice = slice(None)):
        return self.K[:, cells] @ (self.C[cells] * v[..., cells, :])

    def contract_conj(self, v, cells: slice = slice(None)):
        return self.K[:, cells] @ (np.conj(self.C[cells]) * v[..., cells, :])


class DenseTensor:
    """T_ij(ω) stored frequency-major, (ω, rows, cells): contractions are batched matrix products."""

    on_rows = False

    def __init__(self, T):
        self.T = T

    def contract(self, v, cells: slice = slice(None)):
        """Σ_j T_ij(ω) v_j(ω) for v of shape (…, cells, ω) → (…, rows, ω)."""
        v = np.asarray(v)[..., cells, :]
        lead = v.shape[:-2]
        V = np.moveaxis(v.reshape((-1,) + v.shape[-2:]), -1, 0)           # (ω, k, cells)
        out = np.matmul(self.T[:, :, cells], np.swapaxes(V, 1, 2))           # (ω, rows, k)
        return np.moveaxis(out, 0, -1).swapaxes(0, 1).reshape(lead + (self.T.shape[1], self.T.shape[0]))

    def contract_conj(self, v, cells: slice = slice(None)):
        return np.conj(self.contract(np.conj(v), cells))


# ================================================================================== quadratures
class SeparableQuadrature:
    """Kernel outside the cell integral: T_ij = K_ij ρ_j ∫_cell R_j (exact for K = 1)."""

    def __init__(self, cells: XiCells, K: np.ndarray, row_of_cell: np.ndarray):
        self.cells, self.K, self.row_of_cell = cells, K, row_of_cell
        self.n_rows, self.n_cells = K.shape[0], cells.n
        self.rows_xi = cells.centers if self.n_rows > 1 else np.zeros(1)
        self._lo, self._hi, self._rho = cells.lo[:, None], cells.hi[:, None], cells.rho[:, None]

    def resolvent_sums(self, a, V, cells: slice = slice(None)):
        """Σ_j T_ij(ω) V_kj(ω), T = ∫K ρ g^R_11 with g^R_11 = 1/(a_j − ξ'); a (cells, ω), V (k, cells, ω)."""
        C = self._rho[cells] * cell_resolvent(a, self._lo[cells], self._hi[cells])
        return self.K[:, cells] @ (C * V)

    def pair_tensor(self, a, c):
        """T_ij = ∫K ρ /((a_j − ξ')(c_j + ξ')) (a, c of shape (cells, ω))."""
        C = self._rho * cell_pair(a, c, self._lo, self._hi)
        if self.n_rows == 1:            # every cell on the one row: pre-sum the cell integrals
            return DiagonalTensor(self.K @ C)
        return SeparableTensor(self.K, C)


class LorentzianQuadrature:
    """Lorentzian kernel integrated with the resolvents (spec §5.6): K(x) = C·(w/π)/(x² + w²) with
    C = 1 ('integral': ∫K = 1, V → g²δ(ξ − ξ') as w → 0) or C = πw ('peak': K(0) = 1).  With
    s± = ξ_i ± iw,  (w/π)/((ξ_i − ξ')² + w²) = [1/(ξ' − s+) − 1/(ξ' − s−)]/(2πi),  so every product
    integral is a difference of divided differences of the cell log over the resolvent poles and s±:
        ∫ K g^R_11 = −(C/2πi)(L[a, s+] − L[a, s−]),   ∫ K/((a − ξ')(c + ξ')) = −(C/2πi)(L[a, −c, s+] − L[a, −c, s−]).
    One row per cell, at its centre.  Tensors are rows × cells × ω: work is done in frequency blocks."""

    BLOCK = 256

    def __init__(self, cells: XiCells, w: float, norm: str = "integral"):
        self.cells = cells
        self.n_rows = self.n_cells = cells.n
        self.row_of_cell = np.arange(cells.n)
        self.rows_xi = cells.centers
        self.w = w
        self.scale = (1.0 if norm == "integral" else PI * w) / (2j * PI)
        lo, hi = cells.lo[None, None, :], cells.hi[None, None, :]
        self._lo, self._hi = lo, hi
        self._rho = cells.rho[None, None, :]
        self._s = [(self.rows_xi + sgn * 1j * w)[None, :, None] for sgn in (1.0, -1.0)]   # (1, rows, 1)
        self._Ls = [cell_log(s, lo, hi) for s in self._s]                                 # (1, rows, cells)

    def _blocks(self, n):
        for start in range(0, n, self.BLOCK):
            yield slice(start, min(start + self.BLOCK, n))

    def resolvent_sums(self, a, V, cells: slice = slice(None)):
        """Σ_j T_ij V_kj with T_ij = ∫K ρ_j g^R_11: the two kernel terms over one denominator,
            L[a, s+] − L[a, s−] = [2iw L(a) + (L(s+) − L(s−)) d − iw (L(s+) + L(s−))]/(d² + w²),  d = ξ_i − a,
        (d² + w² = (a − s+)(a − s−) vanishes only at a = s+, where the numerator does too: those few
        elements, |a − s+| < CLOSE × (distance to the cell ends), take the stable `dd2`)."""
        lo, hi, rho = self._lo[..., cells], self._hi[..., cells], self._rho[..., cells]
        (sp, sm), (Lsp, Lsm) = self._s, [L[..., cells] for L in self._Ls]
        f = -self.scale * rho                                   # −C ρ_j/(2πi), (1, 1, cells)
        A = f * (Lsp - Lsm)                                     # (1, rows, cells)
        B = f * (-1j * self.w) * (Lsp + Lsm)
        # |a − s+| ≥ |d² + w²|/|a − s−| and |a − s−| ≥ w + γ_min: flag |d² + w²| < CLOSE·D·(w + Im a)
        D = CLOSE * np.minimum(np.abs(sp - lo), np.abs(sp - hi))  # (1, rows, cells)
        xi = self.rows_xi[None, :, None]
        k, n = V.shape[0], a.shape[-1]
        out = np.empty((k, self.n_rows, n), dtype=complex)
        for b in self._blocks(n):
            Ab = a[:, b].T[:, None, :]                                          # (ωb, 1, cells)
            La = cell_log(Ab, lo, hi)
            d = xi - Ab
            T = A * d
            T += B
            T += (2j * self.w) * f * La
            den = d * d
            den += self.w ** 2
            with np.errstate(divide="ignore", invalid="ignore"):
                T /= den
            bad = np.abs(den) < D * (self.w + Ab.imag)
            if np.any(bad):
                idx = np.nonzero(bad)
                ab = np.broadcast_to(Ab, bad.shape)[idx]
                lo_b, hi_b = np.broadcast_to(lo, bad.shape)[idx], np.broadcast_to(hi, bad.shape)[idx]
                T[idx] = np.broadcast_to(f, bad.shape)[idx] * (
                    dd2(ab, np.broadcast_to(sp, bad.shape)[idx], lo_b, hi_b)
                    - dd2(ab, np.broadcast_to(sm, bad.shape)[idx], lo_b, hi_b))
            out[:, :, b] = np.moveaxis(np.matmul(T, V[:, :, b].transpose(2, 1, 0)), 0, -1).swapaxes(0, 1)
        return out

    def pair_tensor(self, a, c):
        """T_ij = ∫K ρ_j /((a_j − ξ')(c_j + ξ')) = −(C ρ_j/2πi) Σ± ±L[a, c', s±], c' = −c, by the recursion
        L[a, c', s] = (L[a, c'] − L[c', s])/(a − s) with the stable L[a, c'] of the cell (`dd2`); elements
        with |a − s| or |c' − s| < CLOSE × (distance of s to the cell ends) take the stable `dd3`."""
        n = a.shape[-1]
        T = np.zeros((n, self.n_rows, self.n_cells), dtype=complex)
        lo, hi = self._lo, self._hi
        f = -self.scale * self._rho
        for b in self._blocks(n):
            A, Cm = a[:, b].T[:, None, :], -c[:, b].T[:, None, :]          # (ωb, 1, cells)
            Lac = dd2(A, Cm, lo, hi)
            Lc = cell_log(Cm, lo, hi)
            for s, Ls, sign in ((self._s[0], self._Ls[0], 1.0), (self._s[1], self._Ls[1], -1.0)):
                D = CLOSE * np.minimum(np.abs(s - lo), np.abs(s - hi))
                e = Cm - s
                g = A - s
                with np.errstate(divide="ignore", invalid="ignore"):
                    t = (Lac - (Lc - Ls) / e) / g
                bad = (np.abs(e) < D) | (np.abs(g) < D)
                if np.any(bad):
                    idx = np.nonzero(bad)
                    def pick(x):
                        return np.broadcast_to(x, bad.shape)[idx]
                    t[idx] = dd3(pick(A), pick(Cm), pick(s), pick(lo), pick(hi), pick(Lac))
                T[b] += sign * t
        T *= f
        return DenseTensor(T)


class PointQuadrature:
    """The ξ-local limit V = g²δ(ξ − ξ') (spec §5.6): every row ξ_i sees only itself,
    T_ii = ρ(ξ_i) R_i(ξ_i).  The "cells" are the rows."""

    def __init__(self, xi, rho):
        self.rows_xi = np.asarray(xi, dtype=float)
        self.n_rows = self.n_cells = self.rows_xi.size
        self.row_of_cell = np.arange(self.n_rows)
        self._xi, self._rho = self.rows_xi[:, None], np.asarray(rho, dtype=float)[:, None]

    def resolvent_sums(self, a, V, cells: slice = slice(None)):
        out = np.zeros((V.shape[0], self.n_rows, a.shape[-1]), dtype=complex)
        out[:, cells] = self._rho[cells] / (a - self._xi[cells]) * V
        return out

    def pair_tensor(self, a, c):
        return DiagonalTensor(self._rho / ((a - self._xi) * (c + self._xi)))
