"""Figures of the interband studies (PORTA_SPEC §5.1), registered in `spec.FIGURES`: F2, F3, F5, F6, F8.
Energies in units of t_c = 1 and k in 1/a (the lattice constant).  Inputs are the aggregated phase diagrams
of the interband studies (config/interband_f*.yaml); F2 (`plot_ness_profiles`) makes its own four single
solves.  Parameters not in a study's `fixed` block take the model defaults (reference set R1, g = 1).

    plot_ness_profiles(path, out, cases=None)   F2: n_c(k), n_v(k), N_k per preset case (solved here)
    plot_interband_ness(cases, out)             F2 from solution files or solve results
    plot_interband_coupling(path, out)          F3;  plot_interband_recombination(path, out)  F5
    plot_interband_zeeman(path, out)            F6;  plot_interband_phase(path, out, x, y)     F8
    interband_bcs_slope(t_c, t_v), sarma_reference(Omega, delta_0), zeeman_curves(path)  (reference curves)
"""
from __future__ import annotations

import itertools
import json

import h5py
import numpy as np

from ...plot.common import (FAILED_STYLE, STATUS_OK, _attr, _fixed, _format_value, _save_all,
                            read_phase_diagram)
from ...plot.common import label as _label
from ...plot.phase_diagram import _curve_colors, _edges, _use_log

MODEL = "interband"


def label_ib(name: str) -> str:
    """Axis label of an interband key or observable, with units (t_c = 1), as the model registers it."""
    return _label(name, MODEL)


_IB_SYMBOL = {"g": "g", "T_ph": "$T_{ph}$", "omega_L": "$ω_L$", "Omega": "Ω", "gamma_r": "$γ_r$",
              "zeeman": "zeeman", "lineshape": "line shape", "lam_ph_c": "$λ_c$", "lam_ph_v": "$λ_v$"}


def _ib_default(key):
    """Model default of an interband key (reference set R1, g = 1)."""
    from ...physics.interband_params import InterbandParams

    return InterbandParams.__dataclass_fields__[key].default


def _ib_param(pd, key):
    """A parameter that is constant over a study: from `fixed`, else the model default."""
    fixed = _fixed(pd)
    return fixed[key] if key in fixed else _ib_default(key)


def _ib_check(pd, need):
    if pd["model"] and pd["model"] != MODEL:
        raise ValueError(f"{pd['path']}: model {pd['model']!r} is not {MODEL!r}")
    missing = [a for a in need if a not in pd["axes"]]
    if missing:
        raise ValueError(f"{pd['path']}: this figure needs the axis/axes {missing} (axes: {pd['axes']})")


def _ib_curves(pd, x):
    """[(label, {axis: value}, index tuple)] for every combination of the axes other than `x`;
    index selects the 1-D slice along x of any per-point array."""
    other = [a for a in pd["axes"] if a != x]
    out = []
    for combo in itertools.product(*(range(len(pd["coords"][a])) for a in other)):
        where = {a: pd["coords"][a][i] for a, i in zip(other, combo)}
        index = tuple(slice(None) if a == x else combo[other.index(a)] for a in pd["axes"])
        lab = ", ".join(f"{_IB_SYMBOL.get(a, a)} = {_format_value(v)}" for a, v in where.items())
        out.append((lab, where, index))
    return out


def _ib_array(pd, name, index):
    """1-D slice of a per-point dataset (the quantity: NaN where the point is not ok)."""
    if name == pd["quantity"]:
        arr = np.where(pd["status"] == STATUS_OK, pd["values"], np.nan)
    elif name in pd["data"]:
        arr = np.asarray(pd["data"][name], dtype=float)
    else:
        return None
    return arr[index]


def _ib_subtitle(pd, skip=()):
    fixed = {k: v for k, v in _fixed(pd).items() if k not in skip}
    text = ", ".join(f"{k} = {_format_value(v) if isinstance(v, (int, float, str)) else v}" for k, v in fixed.items())
    text = (text + "; " if text else "") + "other keys: R1 defaults (energies in $t_c$)"
    import textwrap

    return "\n".join(textwrap.wrap(text, width=90))


def _ib_failed(ax, x, status, y0, transform=None):
    """Red crosses at the abscissae of failed/missing points (at height y0 in axes coordinates)."""
    bad = np.asarray(status) != STATUS_OK
    if np.any(bad):
        import matplotlib.transforms as mtransforms

        trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
        ax.plot(np.asarray(x)[bad], np.full(int(bad.sum()), y0), transform=trans, clip_on=False,
                label="failed / missing", **FAILED_STYLE)


# -------------------------------------------------------------------------------------------- references

def interband_bcs_slope(t_c: float = 1.0, t_v: float = 0.4) -> float:
    """Weak-coupling BCS slope d ln Δ_0 / d(1/g) = −1/ρ_pair with ρ_pair = 1/(π v̄), v̄ = t_c + t_v
    (1D tight binding at k_F = π/2, both ±k; PORTA_SPEC §5.2): −π (t_c + t_v)."""
    return -np.pi * (t_c + t_v)


def sarma_reference(Omega, delta_0: float):
    """T → 0 closed forms for a uniform pseudo-Zeeman field (PORTA_SPEC T-E4), as arrays over Ω:
    BCS branch Δ = Δ_0 for Ω < Δ_0 (NaN beyond), Sarma branch Δ_S = √(Δ_0(2Ω − Δ_0)) for
    Δ_0/2 ≤ Ω ≤ Δ_0 (NaN outside)."""
    Om = np.asarray(Omega, dtype=float)
    bcs = np.where(Om < delta_0, delta_0, np.nan)
    with np.errstate(invalid="ignore"):
        sarma = np.where((Om >= 0.5 * delta_0) & (Om <= delta_0), np.sqrt(delta_0 * (2 * Om - delta_0)), np.nan)
    return bcs, sarma


def zeeman_curves(path) -> list[dict]:
    """F6 data: per combination of the non-Ω axes, {label, where, Omega, delta, sarma, status, delta_0,
    ref_bcs, ref_sarma}, with Δ_0 = Δ at the smallest Ω whose point is ok and gapped (NaN if none) and
    the T → 0 references of `sarma_reference` computed from that Δ_0 (absolute units, t_c)."""
    pd = read_phase_diagram(path)
    _ib_check(pd, ["Omega"])
    Om = pd["coords"]["Omega"].astype(float)
    order = np.argsort(Om)
    out = []
    for lab, where, index in _ib_curves(pd, "Omega"):
        d = _ib_array(pd, pd["quantity"], index)[order]
        s = _ib_array(pd, "delta_sarma", index)
        s = np.full_like(d, np.nan) if s is None else s[order]
        st = np.asarray(pd["status"][index])[order]
        gapped = np.flatnonzero(np.isfinite(d) & (d > 0))
        d0 = float(d[gapped[0]]) if gapped.size else float("nan")
        bcs, sar = sarma_reference(Om[order], d0) if np.isfinite(d0) else (np.full_like(d, np.nan),) * 2
        out.append({"label": lab, "where": where, "Omega": Om[order], "delta": d, "sarma": s, "status": st,
                    "delta_0": d0, "ref_bcs": bcs, "ref_sarma": sar})
    return out


# -------------------------------------------------------------------------------------------- figures

# F2 cases (PORTA_SPEC §5.2 presets at their T_ph = 0.02, g = 1): panel label -> preset and changed keys
NESS_CASES = {"R1": {"preset": "R1"}, "R2, K1": {"preset": "R2", "lineshape": "K1"},
              "R2, K2": {"preset": "R2", "lineshape": "K2"}, "R3": {"preset": "R3"}}


def _ness_profile(source):
    """(k, n_c, n_v, N_k, scalars, params) of a solution file (`nepsolve solve --model interband --out`)
    or of a solve result dict (`spec.solve`)."""
    if isinstance(source, dict):
        arr = source["arrays"]
        nc, nv = np.asarray(arr["n_c"]), np.asarray(arr["n_v"])
        N = np.asarray(arr["N_k"]) if "N_k" in arr else 1.0 - nc - nv
        return np.asarray(arr["k"]), nc, nv, N, source, source["params"]
    with h5py.File(source, "r") as f:
        if "n_c" not in f or "result" not in f.attrs:
            raise ValueError(f"{source}: not an interband solution file (no n_c / result)")
        k, nc, nv = f["k"][()], f["n_c"][()], f["n_v"][()]
        N = f["N_k"][()] if "N_k" in f else 1.0 - nc - nv
        res = json.loads(_attr(f.attrs["result"]))
        par = json.loads(_attr(f.attrs["params_json"])) if "params_json" in f.attrs else {}
    return k, nc, nv, N, res, par


def plot_ness_profiles(path, out, *, formats=None, cases=None):
    """F2 of a study: solves the NESS and gap of each case here (≈ 1 s each) and draws
    `plot_interband_ness`; `path` (the study's phase diagram) is not read: the figure belongs to the study
    whose config lists it; the scalars of every case go to `<out>.json`.  cases: {panel label: {"preset": name, other keys...}} (default NESS_CASES);
    a case whose NESS does not converge is drawn and says so in its title (with the solve's message)."""
    from .spec import solve
    from ...physics.interband_params import InterbandParams

    from ...io import json_safe, write_text_atomic
    from ...plot.common import _outputs

    results, summary = [], {}
    for lab, case in (cases or NESS_CASES).items():
        case = dict(case)
        preset = case.pop("preset", None)
        base = InterbandParams.preset(preset) if preset else InterbandParams()
        r = solve(base.replace(**case))
        results.append((lab, r))
        summary[lab] = {k: v for k, v in r.items() if k not in ("arrays", "attempts")}
        summary[lab]["max_abs_N_k"] = float(np.max(np.abs(r["arrays"]["N_k"])))
    paths = plot_interband_ness(results, out, formats=formats)
    target = f"{_outputs(out, formats)[0]}.json"          # the numbers of the panels (t_c = 1, k in 1/a)
    write_text_atomic(target, json.dumps(json_safe(summary), indent=1, sort_keys=True))
    return paths + [target]


def plot_interband_ness(cases, out, *, formats=None, title=None):
    """F2: NESS occupations n_c(k), n_v(k) and the pair factor N_k = 1 − n_c − n_v vs k, one panel per
    case.  cases: {label: source} or [(label, source)], each source a `nepsolve solve --model interband
    --out` file or a solve result dict.
    Marked: the resonance k_0 (dashed) and the Fermi points k_c, k_v (dotted).  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = list(cases.items()) if isinstance(cases, dict) else list(cases)
    if not items:
        raise ValueError("plot_interband_ness needs at least one case")
    n = len(items)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig, axs = plt.subplots(nrows, ncols, figsize=(6.4 * ncols, 4.2 * nrows), squeeze=False, layout="constrained")
    for ax, (lab, source) in zip(axs.flat, items):
        k, nc, nv, N, res, par = _ness_profile(source)
        ax.plot(k, nc, color="C0", label="$n_c(k)$")
        ax.plot(k, nv, color="C1", label="$n_v(k)$")
        ax.plot(k, N, color="k", linewidth=2, label="$N_k = 1 - n_c - n_v$")
        ax.axhline(0, color="0.6", linewidth=0.8)
        k0 = res.get("k0")
        if k0 is not None and np.isfinite(k0):
            ax.axvline(k0, color="C3", linestyle="--", linewidth=1.2, label=f"resonance $k_0$ = {k0:.3f}")
        for key, color, name in (("k_c", "C0", "$k_c$"), ("k_v", "C1", "$k_v$")):
            v = res.get(key)
            if v is not None and np.isfinite(v):
                ax.axvline(v, color=color, linestyle=":", linewidth=1.5, label=f"Fermi point {name} = {v:.3f}")
        ax.set_xlim(float(k.min()), float(k.max()))
        ax.set_ylim(-1.08, 1.08)
        ax.set_xlabel("k [1/a]")
        ax.set_ylabel("occupation")
        cls = {"same": "same concavity", "opposite": "opposite concavity"}.get(par.get("concavity"), "")
        if res.get("converged") is False:
            lab = f"{lab} — NESS NOT CONVERGED ({res.get('message', '')})"
        ax.set_title(f"{lab} ({cls}, {par.get('lineshape', '')}, $ω_L$ = {par.get('omega_L', float('nan')):.4g})\n"
                     f"$μ_c$ = {res.get('mu_c', float('nan')):.4g}, $μ_v$ = {res.get('mu_v', float('nan')):.4g}, "
                     f"$Δ_0$ = {res.get('delta0', float('nan')):.3g}, max|$N_k$| = "
                     f"{float(np.max(np.abs(N))):.3g}  [$t_c$]", fontsize="small")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small", loc="lower left")
    for ax in list(axs.flat)[n:]:
        ax.set_visible(False)
    T = par.get("T_ph")
    fig.suptitle(title or f"F2: normal NESS occupations (Level A kinetics, $T_{{ph}}$ = {T:g} $t_c$, "
                          f"g = {par.get('g', float('nan')):g})", fontsize="large")
    return _save_all(fig, out, formats)


def plot_interband_coupling(path, out, *, formats=None):
    """F3: ln Δ_0 vs 1/g, one curve per combination of the other axes (e.g. zeeman × T_ph), with the
    weak-coupling BCS reference slope −1/ρ_pair = −π(t_c + t_v) (derived, not fitted; anchored at the
    g = 1 point, else the middle gapped point, of the first curve).  Points with Δ_0 = 0 (no gap root) are
    marked below the curves; dotted lines at ln(1.764 T_ph) show where each temperature cuts the
    T = 0 law.  The legend gives each curve's least-squares slope over 3 T_ph < Δ_0 < 0.15 t_c for
    comparison.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.transforms as mtransforms

    pd = read_phase_diagram(path)
    _ib_check(pd, ["g"])
    g = pd["coords"]["g"].astype(float)
    if np.any(g <= 0):
        raise ValueError(f"{path}: F3 needs attractive couplings g > 0")
    x = 1.0 / g
    order = np.argsort(x)
    slope = interband_bcs_slope(float(_ib_param(pd, "t_c")), float(_ib_param(pd, "t_v")))
    fig, ax = plt.subplots(figsize=(8.5, 6), layout="constrained")
    curves = _ib_curves(pd, "g")
    colors = _curve_colors(len(curves))
    styles = ["o-", "s--", "^-.", "v:", "D-", "P--"]
    trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    anchor = None
    Ts = set()
    for j, (lab, where, index) in enumerate(curves):
        d = _ib_array(pd, pd["quantity"], index)[order]
        st = np.asarray(pd["status"][index])[order]
        xx = x[order]
        ok = np.isfinite(d) & (d > 0)
        T = float(where.get("T_ph", _ib_param(pd, "T_ph")))
        Ts.add(T)
        fit = ok & (d > 3 * T) & (d < 0.15)
        fit_txt = ""
        if fit.sum() >= 3:
            p = np.polyfit(xx[fit], np.log(d[fit]), 1)
            fit_txt = f"; fit slope {p[0]:.2f}"
        ax.plot(xx[ok], np.log(d[ok]), styles[j % len(styles)], color=colors[j], mfc="none" if j % 2 else None,
                label=lab + fit_txt)
        zero = np.isfinite(d) & (d == 0)
        if np.any(zero):
            ax.plot(xx[zero], np.full(int(zero.sum()), 0.025 + 0.03 * j), "x", color=colors[j], markersize=5,
                    transform=trans, clip_on=False)
        _ib_failed(ax, xx, st, 0.0)
        if anchor is None and np.any(ok):
            i1 = np.flatnonzero(ok & np.isclose(xx, 1.0))
            i = int(i1[0]) if i1.size else int(np.flatnonzero(ok)[int(ok.sum()) // 2])
            anchor = (xx[i], np.log(d[i]))
    if anchor is not None:
        xr = np.array([x.min(), x.max()])
        ax.plot(xr, anchor[1] + slope * (xr - anchor[0]), color="0.35", linewidth=2.5, alpha=0.6, zorder=0,
                label=f"BCS: slope $-1/ρ_{{pair}} = -π(t_c + t_v)$ = {slope:.3f} (anchored at 1/g = {anchor[0]:.3g})")
    for T in sorted(Ts):
        ax.axhline(np.log(1.764 * T), color="0.5", linestyle=":", linewidth=1)
        ax.text(x.min(), np.log(1.764 * T), f" ln(1.764 $T_{{ph}}$), $T_{{ph}}$ = {T:g}", fontsize="x-small",
                va="bottom", ha="left", color="0.4")
    ax.plot([], [], "x", color="0.3", markersize=5, label="x (bottom, curve colour): $Δ_0$ = 0, no gap root")
    ax.set_xlabel("1/g   [1/$t_c$]")
    ax.set_ylabel("ln($Δ_0$ / $t_c$)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small", loc="upper right")
    fig.suptitle("F3: gap vs pair coupling (pair-frame BCS on the kinetic NESS)\n" + _ib_subtitle(pd),
                 fontsize="medium")
    return _save_all(fig, out, formats)


def plot_interband_recombination(path, out, *, formats=None):
    """F5: Δ_0 vs γ_r (log axis), with the Fermi-point mismatch k_v − k_c and |ω_L − (μ_c − μ_v)| (against
    Ω, the threshold of zeeman = 'auto') in two further panels; one curve per combination of the other
    axes.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pd = read_phase_diagram(path)
    _ib_check(pd, ["gamma_r"])
    gr = pd["coords"]["gamma_r"].astype(float)
    order = np.argsort(gr)
    gr = gr[order]
    fig, axs = plt.subplots(1, 3, figsize=(16, 5), layout="constrained")
    curves = _ib_curves(pd, "gamma_r")
    colors = _curve_colors(len(curves))
    styles = ["o-", "s--", "^-.", "v:", "D-", "P--"]
    for j, (lab, where, index) in enumerate(curves):
        st = dict(color=colors[j], label=lab)
        d = _ib_array(pd, pd["quantity"], index)[order]
        axs[0].plot(gr, d, styles[j % len(styles)], **st)
        _ib_failed(axs[0], gr, np.asarray(pd["status"][index])[order], 0.0)
        m = _ib_array(pd, "mismatch", index)
        if m is not None:
            axs[1].plot(gr, np.abs(m[order]), styles[j % len(styles)], **st)
        dm = _ib_array(pd, "delta_mu_L", index)
        if dm is not None:
            axs[2].plot(gr, np.abs(dm[order]), styles[j % len(styles)], **st)
    Om = float(_ib_param(pd, "Omega")) if "Omega" not in pd["axes"] else None
    if Om is not None:
        axs[2].axhline(Om, color="C3", linestyle="--", label=f"Ω = {Om:g}: above it zeeman 'auto' drops the field")
    axs[0].set_ylabel(label_ib(pd["quantity"]))
    axs[0].set_ylim(bottom=0)
    axs[1].set_ylabel("|$k_v - k_c$|  [1/a]  (Fermi-point mismatch)")
    axs[2].set_ylabel("|$ω_L - (μ_c - μ_v)$|  [$t_c$]")
    for ax in axs:
        ax.set_xscale("log")
        ax.set_xlabel(label_ib("gamma_r"))
        ax.grid(alpha=0.3, which="both")
    for ax in axs[1:]:
        ax.set_yscale("log")
    for ax in (axs[0], axs[2]):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="x-small")
    axs[0].set_title("gap", fontsize="medium")
    same = "\n(g does not enter the NESS: curves differing only in g coincide)" if "g" in pd["axes"] else ""
    axs[1].set_title("mismatch of the quasi-Fermi surfaces" + same, fontsize="small")
    axs[2].set_title("quasi-Fermi splitting vs laser" + same, fontsize="small")
    fig.suptitle("F5: radiative recombination as pair breaker\n" + _ib_subtitle(pd), fontsize="medium")
    return _save_all(fig, out, formats)


def plot_interband_zeeman(path, out, *, formats=None):
    """F6: pseudo-Zeeman depairing.  Left: Δ (BCS root, filled) and the Sarma root (open) vs Ω with the
    T → 0 uniform-field references Δ = Δ_0 and Δ_S = √(Δ_0(2Ω − Δ_0)) (dashed, from each curve's own Δ_0,
    `zeeman_curves`); right: the same as Δ/Δ_0 vs Ω/Δ_0.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import matplotlib.transforms as mtransforms

    curves = zeeman_curves(path)
    pd = read_phase_diagram(path)
    fig, axs = plt.subplots(1, 2, figsize=(14, 5.6), layout="constrained")
    colors = _curve_colors(len(curves))
    xs = np.linspace(0.0, 1.0, 401)
    for j, c in enumerate(curves):
        col, d0, Om = colors[j], c["delta_0"], c["Omega"]
        lab = f"{c['label']} ($Δ_0$ = {d0:.4g})" if c["label"] else f"$Δ_0$ = {d0:.4g}"
        gap = np.where(c["delta"] > 0, c["delta"], np.nan)
        axs[0].plot(Om, gap, "o-", color=col, markersize=4, label=lab + ": BCS root")
        axs[0].plot(Om, c["sarma"], "o", color=col, mfc="none", markersize=6, label=lab + ": Sarma root")
        zero = np.isfinite(c["delta"]) & (c["delta"] == 0)
        ztrans = [mtransforms.blended_transform_factory(a.transData, a.transAxes) for a in axs]
        zy = np.full(int(zero.sum()), 0.03 + 0.035 * j)
        axs[0].plot(Om[zero], zy, "x", color=col, markersize=5, transform=ztrans[0], clip_on=False)
        _ib_failed(axs[0], Om, c["status"], 0.0)
        if np.isfinite(d0):
            Of = np.linspace(0, Om.max(), 801)
            b, s = sarma_reference(Of, d0)
            axs[0].plot(Of, b, "--", color=col, linewidth=1)
            axs[0].plot(Of, s, "--", color=col, linewidth=1)
            axs[1].plot(Om / d0, gap / d0, "o-", color=col, markersize=4, label=lab + ": BCS root")
            axs[1].plot(Om / d0, c["sarma"] / d0, "o", color=col, mfc="none", markersize=6, label=lab + ": Sarma root")
            axs[1].plot(Om[zero] / d0, zy, "x", color=col, markersize=5, transform=ztrans[1], clip_on=False)
    b, s = sarma_reference(xs, 1.0)
    axs[1].plot(xs, b, "k--", linewidth=1.2, label="T → 0, uniform field: Δ = $Δ_0$ (Ω < $Δ_0$)")
    axs[1].plot(xs, s, "k-.", linewidth=1.2, label="T → 0: $Δ_S = \\sqrt{Δ_0(2Ω - Δ_0)}$")
    axs[0].plot([], [], "k--", linewidth=1, label="T → 0 references (dashed, each curve's $Δ_0$)")
    for a in axs:
        a.plot([], [], "x", color="0.3", label="x (bottom, curve colour): no gap root (Δ = 0)")
    axs[0].set_xlabel(label_ib("Omega"))
    axs[0].set_ylabel("Δ [$t_c$]")
    axs[1].set_xlabel("Ω / $Δ_0$")
    axs[1].set_ylabel("Δ / $Δ_0$")
    for ax in axs:
        ax.set_ylim(bottom=-0.02 * max(1e-12, np.nanmax([np.nanmax(c["delta"]) for c in curves] + [0])) if ax is axs[0]
                    else -0.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small", loc="center left")
    fig.suptitle("F6: pseudo-Zeeman (drive) depairing and the Sarma branch; $Δ_0$ = Δ at the smallest Ω\n"
                 + _ib_subtitle(pd), fontsize="medium")
    return _save_all(fig, out, formats)


def plot_interband_phase(path, out, *, x="omega_L", y="T_ph", formats=None):
    """F8: Δ_0 as colour over two axes (default ω_L, T_ph; a positive, log-spaced axis spanning > 30× is drawn
    on a log scale), with the §4.2 Thouless boundary of the kinetic N_k, contour g_c_attractive = g
    (solid), and, when recorded, the quasi-equilibrium one, g_c_quasi = g (dashed).  Points with Δ_0 = 0
    are grey; failed points red crosses.  Returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pd = read_phase_diagram(path)
    _ib_check(pd, [x, y])
    extra = [a for a in pd["axes"] if a not in (x, y)]
    if any(len(pd["coords"][a]) > 1 for a in extra):
        raise ValueError(f"{path}: the (x, y) phase diagram takes the axes {x}, {y} only (extra: {extra})")
    index = tuple(slice(None) if a in (x, y) else 0 for a in pd["axes"])
    transpose = [a for a in pd["axes"] if a in (x, y)] == [x, y]       # -> arrays as (y, x)

    def grid(name):
        a = _ib_array(pd, name, index)
        return None if a is None else (a.T if transpose else a)

    xc, yc = pd["coords"][x].astype(float), pd["coords"][y].astype(float)
    ox, oy = np.argsort(xc), np.argsort(yc)
    xc, yc = xc[ox], yc[oy]
    D = grid(pd["quantity"])[np.ix_(oy, ox)]
    status = np.asarray(pd["status"][index])
    status = (status.T if transpose else status)[np.ix_(oy, ox)]
    g = float(_ib_param(pd, "g")) if "g" not in pd["axes"] else float(pd["coords"]["g"][0])
    logx, logy = _use_log(xc), _use_log(yc)
    fig, ax = plt.subplots(figsize=(9, 6.2), layout="constrained")
    cmap = matplotlib.colormaps["viridis"].with_extremes(under="0.85", bad="white")
    vmax = np.nanmax(D) if np.any(np.isfinite(D) & (D > 0)) else 1.0
    floor = 1e-9 * vmax
    mesh = ax.pcolormesh(_edges(xc, logx), _edges(yc, logy), np.where(np.isfinite(D), np.maximum(D, 0), np.nan),
                         cmap=cmap, vmin=floor, vmax=vmax, shading="flat")
    cb = fig.colorbar(mesh, ax=ax, extend="min")
    cb.set_label("$Δ_0$ [$t_c$]   (grey: $Δ_0$ = 0, no gap root)")
    X, Y = np.meshgrid(xc, yc)
    ax.plot(X.ravel(), Y.ravel(), ".", color="k", markersize=1.5, alpha=0.35)
    handles = [matplotlib.lines.Line2D([], [], marker=".", color="k", alpha=0.35, linestyle="none",
                                       label="computed points")]
    for name, style, text in (("g_c_attractive", "-", "Thouless (§4.2, kinetic $N_k$): $g_c^{att}$ = g"),
                              ("g_c_quasi", "--", "quasi-equilibrium gap eq. at Δ → 0: $g_c^{quasi}$ = g")):
        G = grid(name)
        if G is None:
            continue
        G = G[np.ix_(oy, ox)]
        G = np.where(np.isposinf(G), 1e6, G)
        if np.nanmin(G) < g < np.nanmax(G):
            ax.contour(X, Y, G - g, levels=[0.0], colors="red" if style == "-" else "orange", linewidths=2,
                       linestyles=style)
            handles.append(matplotlib.lines.Line2D([], [], color="red" if style == "-" else "orange", linewidth=2,
                                                   linestyle=style, label=text + f" = {g:g} (unstable on the side $g_c$ < g)"))
    bad = status != STATUS_OK
    if np.any(bad):
        ax.plot(X[bad], Y[bad], **FAILED_STYLE)
        handles.append(matplotlib.lines.Line2D([], [], label="failed / missing", **FAILED_STYLE))
    if x == "omega_L":
        E_c, E_v = float(_ib_param(pd, "E_c")), float(_ib_param(pd, "E_v"))
        ax.axvline(E_c - E_v, color="w", linestyle=":", linewidth=1.2)
        handles.append(matplotlib.lines.Line2D([], [], color="0.3", linestyle=":",
                                               label=f"$ω_L = E_c - E_v$ = {E_c - E_v:g} ($k_0$ = π/2, neutral matching)"))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(label_ib(x))
    ax.set_ylabel(label_ib(y))
    if handles:
        ax.legend(handles=handles, fontsize="x-small", loc="upper left", framealpha=0.85)
    fig.suptitle("F8: phase diagram, colour = $Δ_0$ (pair-frame BCS on the kinetic NESS)\n" + _ib_subtitle(pd),
                 fontsize="medium")
    return _save_all(fig, out, formats)
