"""Flat-band, local-coupling Keldysh–Eliashberg NESS model (ELIASHBERG_SPEC §1, §3.2, §4, §6).

Units: energies and temperatures in units of the boson frequency Ω = 1.  Conventions (spec §0):
Keldysh/Kamenev, F_el = 1 − 2f, F_b = 1 + 2n_B, Nambu Ψ = (c↑, c†↓), real gauge for φ.

What the model offers the solvers (see `nepsolve.models.base`):
* `kinetic_problem()`       — F_el from the steady-state kinetic equation (spec §3.2), on [−2L, 2L];
* `gap_operator(F_ext)`     — the ℝ-linear gap operator 𝓛 of spec §6.1 around the normal state;
* `gap_problem(F_ext)`      — the nonlinear NESS equations of spec §4.3 (bath-fixed F_el: §4.2 form);
* `observables(...)`        — Δ(ω), Z(ω), F_el(ω), gap edge Δ0.
`F_ext` is the electron distribution on the 2-extended grid: tanh(ω/2T_el) in `fel_mode=bath`,
the solution of `kinetic_problem()` in `fel_mode=kinetic`.
"""
from __future__ import annotations

import numpy as np

from ...grids import Convolver, FrequencyGrid
from ...physics.boson import EinsteinBoson
from ...physics.distributions import fermion_F
from ...physics.params import EliashbergParams

PI = np.pi


def antisymmetrize(f: np.ndarray) -> np.ndarray:
    """Odd part in ω on an odd symmetric grid: enforces F_el(−ω) = −F_el(ω) (spec §8.6 pitfall 1)."""
    return 0.5 * (f - f[::-1])


def sqrt_upper(z: np.ndarray) -> np.ndarray:
    """√z on the branch with Im ≥ 0 (spec §8.6 pitfall 3)."""
    s = np.sqrt(z)
    return np.where(s.imag < 0, -s, s)


def gap_edge(omega: np.ndarray, delta: np.ndarray) -> float:
    """Δ0 with Re Δ(Δ0) = Δ0: first downward crossing of Re Δ(ω) − ω for ω > 0 (spec §6.2); 0 if none."""
    pos = omega > 0
    w, g = omega[pos], delta.real[pos] - omega[pos]
    idx = np.nonzero((g[:-1] > 0) & (g[1:] <= 0))[0]
    if idx.size == 0:
        return 0.0
    i = idx[0]
    return float(w[i] + g[i] * (w[i + 1] - w[i]) / (g[i] - g[i + 1]))


class EinsteinBathModel:
    """What every model of an Einstein boson on its bath shares: the ω grid, the boson spectra
    a(ν), n(ν), Λ^R(ν) (spec §1.3–1.5), their FFT convolvers, and the electron-bath F_bath."""

    def __init__(self, params: EliashbergParams):
        self.params = p = params
        self.grid = g = FrequencyGrid(p.n_omega, p.omega_max)
        self.omega = g.omega
        self.boson = self.make_boson(p)
        w = self.omega
        self.a, self.n, self.Lam = self.boson_kernels(w, g.dw)    # a(ν) odd, n(ν) = F_b a even ≥ 0, Λ^R(ν)
        kernels = {"n": self.n, "a": self.a, "Lam": self.Lam}
        self.conv_base = Convolver(g, kernels, p_in=1, p_out=1)   # decaying inputs
        self.conv_ext = Convolver(g, kernels, p_in=2, p_out=1)    # inputs → ±1 (F_el, N)
        self.w_ext = g.extended(2)
        self.F_bath_ext = fermion_F(self.w_ext, p.T_el)
        self.F_bath = g.center(self.F_bath_ext, 2)
        self.n_total = g.dw * np.sum(self.n)                 # ∫n dν, same quadrature as the convolutions
        self.Gamma_b = 0.5 * PI * self.n_total               # Γ_b = (π/2)∫n (spec §4.2)

    def boson_kernels(self, w: np.ndarray, dw: float):
        """a(ν), n(ν), Λ^R(ν) as the uniform-grid convolutions use them: point values (smooth spectra); a boson
        that offers `cell_kernels` (tabulated spectra) gives cell averages."""
        if hasattr(self.boson, "cell_kernels"):
            return self.boson.cell_kernels(w, dw)
        b = self.boson
        return b.eliashberg_function(w), b.noise(w), b.coupling_retarded(w)

    @staticmethod
    def make_boson(p):
        """The boson(s) whose a(ν), n(ν), Λ^R(ν) enter the equations: one Einstein mode (models with several
        channels or tabulated spectra override this)."""
        return EinsteinBoson(p.lam, p.kappa, p.T_b, p.drive_n, p.drive_omega, p.drive_sigma, p.Omega)


class FlatBandEliashberg(EinsteinBathModel):
    """Electrons on a bath (γ, T_el), an Einstein boson on its bath (κ, T_b), optional boson drive."""

    name = "eliashberg"

    def __init__(self, params: EliashbergParams):
        super().__init__(params)
        self.conv_kin = Convolver(self.grid, {"n": self.n, "a": self.a}, p_in=3, p_out=2)

    # ---------------------------------------------------------------- discretization hooks (GapProblem uses these)
    def base_part(self, F_ext: np.ndarray) -> np.ndarray:
        """The base-grid part [−L, L] of a distribution held on the 2-extended grid."""
        return self.grid.center(F_ext, 2)

    def far_one(self) -> np.ndarray:
        """Values beyond ±L of a function → 1 (Re N): ones on the 2-extended grid."""
        return np.ones(self.w_ext.size)

    def far_of(self, F_ext: np.ndarray) -> np.ndarray:
        """Values beyond ±L of a function that tends to the distribution F_el: F_el itself."""
        return F_ext

    def convolve(self, f: np.ndarray, kernels, far=None) -> list:
        """[∫dν f(ω − ν) k(ν) for k in kernels] on the base grid (one FFT of f shared by the kernels);
        f on the base grid, `far` its values beyond ±L (`far_one`, `far_of`) or None when f decays."""
        if far is None:
            c, spec = self.conv_base, self.conv_base.transform(f)
        else:
            c = self.conv_ext
            spec = c.transform(self.grid.embed(f, far))
        return [c.apply(spec * c.kernels[k]) for k in kernels]

    # ---------------------------------------------------------------- electron distribution (§3.2)
    def bath_distribution(self) -> np.ndarray:
        """F_el = F_bath = tanh(ω/2T_el) on the 2-extended grid (fel_mode = bath)."""
        return self.F_bath_ext.copy()

    def _kinetic_convolutions(self, F_ext: np.ndarray):
        """(n∗F)(ω) and (a∗F)(ω) on [−2L, 2L], with F ≡ sgn ω beyond the 2-extended grid."""
        g = self.grid
        spec = self.conv_kin.transform(g.embed(F_ext, np.sign(g.extended(3))))
        k = self.conv_kin.kernels
        return self.conv_kin.apply(spec * k["n"]).real, self.conv_kin.apply(spec * k["a"]).real

    def kinetic_map(self, F_ext: np.ndarray) -> np.ndarray:
        """One sweep of the kinetic equation in fixed-point form (spec §3.2):
        F = [γF_bath + (π/2)(n∗F)] / [γ + (π/2)(∫n + (a∗F))], on [−2L, 2L], F ≡ sgn ω beyond."""
        nF, aF = self._kinetic_convolutions(antisymmetrize(F_ext))
        gam = self.params.gamma
        return (gam * self.F_bath_ext + 0.5 * PI * nF) / (gam + 0.5 * PI * (self.n_total + aF))

    def kinetic_problem(self) -> "KineticProblem":
        return KineticProblem(self)

    # The normal-state roles shared with the ξ model (api: one code path for both).
    NORMAL_TOL = 1e-11              # SNES tolerance of the normal-state solve
    NORMAL_ANDERSON_FIRST = False   # Newton–Krylov ladder first (the kinetic equation is small and smooth)

    def normal_problem(self) -> "KineticProblem | None":
        """The normal-state problem to solve: the kinetic equation (fel_mode kinetic), or None when the
        normal state is fixed (fel_mode bath: `fixed_normal_state`)."""
        return KineticProblem(self) if self.params.fel_mode == "kinetic" else None

    def fixed_normal_state(self) -> np.ndarray:
        """F_el on the extended grid when no solve is needed (the bath distribution)."""
        return self.bath_distribution()

    def collision_integral(self, F_ext: np.ndarray) -> np.ndarray:
        """I_coll(ω) = (π/2)∫dν a(ν) K_NT(ω, ν) on the 2-extended grid (spec §3.2)."""
        nF, aF = self._kinetic_convolutions(F_ext)
        return 0.5 * PI * (nF - F_ext * (self.n_total + aF))

    # ---------------------------------------------------------------- normal state (§4.2, φ = 0)
    def normal_self_energy(self, F_ext: np.ndarray) -> np.ndarray:
        """Σ_0^R(ω) = −iγ − iΓ_b + (1/2)∫dν F_el(ω−ν) Λ^R(ν) on the base grid (spec §4.2)."""
        return -1j * (self.params.gamma + self.Gamma_b) + 0.5 * self.conv_ext(F_ext, "Lam")

    def scattering_rate(self, F_ext: np.ndarray) -> np.ndarray:
        """Γ_eph(ω) = (π/2)∫dν [n(ν) + F_el(ω−ν) a(ν)] ≥ 0 (spec §3.2)."""
        return 0.5 * PI * (self.n_total + self.conv_ext(F_ext, "a").real)

    # ---------------------------------------------------------------- linear gap problem (§6.1)
    def gap_operator(self, F_ext: np.ndarray, sector: str = "even") -> "GapOperator":
        """Linearized gap operator around the normal state with distribution F_ext (spec §6.1)."""
        omega_tilde = self.omega - self.normal_self_energy(F_ext)
        return GapOperator(self.grid, omega_tilde, self.grid.center(F_ext, 2), self.n, self.Lam, sector)

    def static_pairing(self, h1: np.ndarray, phi: np.ndarray, omega_tilde: np.ndarray):
        """φ from a static (instantaneous) pairing channel, given h1 = (i/2πN0)Ĝ^K_loc's τ1 part (= F Re P), φ and ω̃
        (their values at ±L continue the integrand): none here (the material model adds μ* and an attraction)."""
        return 0.0

    # ---------------------------------------------------------------- nonlinear problem (§4.3)
    def gap_problem(self, F_ext: np.ndarray, seed: float = 0.1) -> "GapProblem":
        return GapProblem(self, F_ext, seed)

    def observables(self, omega_tilde: np.ndarray, phi: np.ndarray, F_el: np.ndarray) -> dict:
        """Δ(ω) = ωφ/ω̃, Z(ω) = ω̃/ω (NaN at ω = 0), F_el(ω), gap edge Δ0 (spec §4.2, §6.2)."""
        w = self.omega
        with np.errstate(divide="ignore", invalid="ignore"):
            Z = np.where(w != 0, omega_tilde / np.where(w != 0, w, 1.0), np.nan + 0j)
        delta = w * phi / omega_tilde
        return {"omega": w, "delta": delta, "Z": Z, "phi": phi, "omega_tilde": omega_tilde,
                "F_el": F_el, "delta0": gap_edge(w, delta)}


class KineticProblem:
    """R(F) = F − 𝓜_kin(F) for the electron distribution on the 2-extended grid (spec §3.2)."""

    def __init__(self, model: FlatBandEliashberg):
        self.model = model
        self.size = model.w_ext.size

    def residual(self, x, out):
        out[:] = x - self.model.kinetic_map(x)

    def initial_guess(self):
        return self.model.F_bath_ext.copy()

    def solution(self, x) -> np.ndarray:
        """The normal state handed to the gap operator: F_el on the extended grid."""
        return x


class GapOperator:
    """ℝ-linear operator of the linearized gap equation, flat band (spec §6.1):

        𝓛[φ](ω) = (iπ/2)∫dν u(ω−ν) n(ν) − (1/2)∫dν F_el(ω−ν) Re u(ω−ν) Λ^R(ν),   u = w·φ/ω̃,

    with ω̃ = ω − Σ_0^R of the normal state and an optional window w(ω) (default 1; the BCS test
    uses a sharp cutoff).  Real representation: sector 'full' uses x = [Re φ(ω_j); Im φ(ω_j)] (2N);
    sector 'even' (default) restricts to the physical class φ(−ω) = φ(ω)* (Re φ even, Im φ odd),
    stored as [Re φ(ω ≥ 0); Im φ(ω > 0)] (N numbers).
    """

    def __init__(self, grid: FrequencyGrid, omega_tilde, F_el, noise, coupling, sector: str = "even",
                 window=None):
        if sector not in ("even", "full"):
            raise ValueError("sector must be 'even' or 'full'")
        self.sector = sector
        self.m, self.n_w = grid.m, grid.n
        self.omega_tilde = omega_tilde
        self.weight = 1.0 if window is None else window
        self.F_el = F_el
        self.size = self.n_w if sector == "even" else 2 * self.n_w
        self._conv = c = Convolver(grid, {"n": noise, "Lam": coupling})
        self._kn = 0.5j * PI * c.kernels["n"]
        self._kL = -0.5 * c.kernels["Lam"]

    def expand(self, y: np.ndarray) -> np.ndarray:
        """Complex φ on the full grid from the real representation."""
        if self.sector == "full":
            return y[: self.n_w] + 1j * y[self.n_w:]
        m = self.m
        re_pos, im_pos = y[: m + 1], y[m + 1:]
        re = np.concatenate([re_pos[:0:-1], re_pos])
        im = np.concatenate([-im_pos[::-1], [0.0], im_pos])
        return re + 1j * im

    def restrict(self, phi: np.ndarray) -> np.ndarray:
        if self.sector == "full":
            return np.concatenate([phi.real, phi.imag])
        m = self.m
        return np.concatenate([phi.real[m:], phi.imag[m + 1:]])

    def apply(self, phi: np.ndarray) -> np.ndarray:
        """𝓛[φ] for complex φ on the base grid."""
        u = self.weight * phi / self.omega_tilde
        c = self._conv
        return c.apply(c.transform(u) * self._kn + c.transform(self.F_el * u.real) * self._kL)

    def matvec(self, y: np.ndarray) -> np.ndarray:
        return self.restrict(self.apply(self.expand(np.asarray(y, dtype=float))))


class GapProblem:
    """Nonlinear flat-band NESS equations (spec §4.3) as R(x) = x − 𝓜(x).

    Unknowns (field-major blocks of length N): x = [Re Σ_0, Im Σ_0, Re φ, Im φ] and, when the
    electron distribution is self-consistent (fel_mode = kinetic), [K_0, K_1] of the Keldysh
    self-energy Σ̂^K = −2i(K_0τ_0 + K_1τ_1).  (K_2 = K_3 = 0 and τ_2, τ_3 parts of Σ̂^R vanish in the
    real gauge for a p-h symmetric band: the map is closed on this set.)  With fel_mode = bath the
    Keldysh block is fixed by the FDT form Ĥ = F_bath(Re N τ_0 + Re P τ_1) (spec §4.2).
    """

    def __init__(self, model: FlatBandEliashberg, F_ext: np.ndarray, seed: float = 0.1):
        self.model = model
        self.kinetic = model.params.fel_mode == "kinetic"
        self.F_ext = F_ext
        self.F = model.base_part(F_ext)
        self.n_w = model.grid.n
        self.n_blocks = 6 if self.kinetic else 4
        self.size = self.n_blocks * self.n_w
        self.seed = seed

    def unpack(self, x):
        N = self.n_w
        b = [x[i * N:(i + 1) * N] for i in range(self.n_blocks)]
        sigma0 = b[0] + 1j * b[1]
        phi = b[2] + 1j * b[3]
        K = (b[4], b[5]) if self.kinetic else None
        return sigma0, phi, K

    def pack(self, sigma0, phi, K=None):
        parts = [sigma0.real, sigma0.imag, phi.real, phi.imag]
        if self.kinetic:
            parts += [K[0], K[1]]
        return np.concatenate(parts)

    def keldysh_H(self, omega_tilde, phi, s, K):
        """Ĥ = (i/2πN0) Ĝ^K_loc = h_0τ_0 + h_1τ_1 from the exact ξ-integral of spec §4.1."""
        if not self.kinetic:
            return self.F * (omega_tilde / s).real, self.F * (phi / s).real
        K0, K1 = K
        I0 = PI / (2.0 * np.abs(s) ** 2 * s.imag)
        I2 = PI / (2.0 * s.imag)
        q = np.abs(omega_tilde) ** 2 + np.abs(phi) ** 2
        r = 2.0 * (omega_tilde * np.conj(phi)).real
        h0 = (I0 * (K0 * q + K1 * r) + I2 * K0) / PI
        h1 = (I0 * (K0 * r + K1 * q) - I2 * K1) / PI
        return h0, h1

    def fixed_point_map(self, x):
        m = self.model
        sigma0, phi, K = self.unpack(x)
        wt = m.omega - sigma0
        s = sqrt_upper(wt * wt - phi * phi)
        Nf, Pf = wt / s, phi / s
        h0, h1 = self.keldysh_H(wt, phi, s, K)
        one, far_F = m.far_one(), m.far_of(self.F_ext)
        kin = ("n",) if self.kinetic else ()
        h0_L, *h0_n = m.convolve(h0, ("Lam",) + kin, far_F)
        h1_L, *h1_n = m.convolve(h1, ("Lam",) + kin)
        (N_n,) = m.convolve(Nf, ("n",), one)
        (P_n,) = m.convolve(Pf, ("n",))
        sigma_new = -1j * m.params.gamma - 0.5j * PI * N_n + 0.5 * h0_L
        phi_new = 0.5j * PI * P_n - 0.5 * h1_L + m.static_pairing(h1, phi, wt)
        K_new = None
        if self.kinetic:
            (ReN_a,) = m.convolve(Nf.real, ("a",), one)
            (P_a,) = m.convolve(Pf.real, ("a",))
            K0 = m.params.gamma * self.F + 0.5 * PI * (h0_n[0] + ReN_a).real
            K1 = -0.5 * PI * (h1_n[0] + P_a).real
            K_new = (K0, K1)
        return self.pack(sigma_new, phi_new, K_new)

    def residual(self, x, out):
        out[:] = x - self.fixed_point_map(x)

    def normal_state(self):
        """Σ_0 and K of the normal state (φ = 0) on the base grid."""
        sigma0 = self.model.normal_self_energy(self.F_ext)
        K = (self.F * (-sigma0.imag), np.zeros(self.n_w)) if self.kinetic else None
        return sigma0, K

    def trivial_root(self):
        """The normal state as a packed vector: always a root (deflated in gap searches)."""
        sigma0, K = self.normal_state()
        return self.pack(sigma0, np.zeros(self.n_w, dtype=complex), K)

    def initial_guess(self):
        """Normal state plus a BCS-like seed φ = φ_0 Ω²/(Ω² + ω²) (spec §6.2)."""
        sigma0, K = self.normal_state()
        phi = self.seed / (1.0 + self.model.omega**2) + 0j
        return self.pack(sigma0, phi, K)

    def solution(self, x) -> dict:
        """Observables of a converged x (F_el from the Keldysh block when self-consistent)."""
        sigma0, phi, K = self.unpack(x)
        wt = self.model.omega - sigma0
        F_el = K[0] / (-sigma0.imag) if self.kinetic else self.F.copy()
        obs = self.model.observables(wt, phi, F_el)
        if self.kinetic:
            obs["K0"], obs["K1"] = K
        return obs
