"""Markdown tables of a ξ-model decomposition study, read from its aggregated phase diagram (the numbers
quoted in docs/findings.md come from here):

    python workflow/scripts/xi_tables.py results/xi_local_drive/phase_diagram.h5 [--equilibrium drive_n=0]

One row per point of the non-decomposition axes: λ_c of full / glue off / heating off / both off, the
equilibrium λ_c (the point with the --equilibrium value on its axis, others equal), full vs equilibrium,
heating shift λ_c(glue off)/λ_c(both off) − 1, glue shift λ_c(full)/λ_c(glue off) − 1, the offset fraction
(glue off − full)/(glue off − both off), Γ_el(0) and ξ* of the full point, and the largest
subspace residual over the four.  Failed points print their status.  Energies in units of Ω = 1.
"""
from __future__ import annotations

import argparse
import itertools

import numpy as np

from nepsolve.models.eliashberg_xi.figures import decomposition, shifts
from nepsolve.plot.common import _format_value, read_phase_diagram

STATUS = {0: "ok", 1: "failed", 2: "missing", 3: "complex"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--equilibrium", default=None, help="AXIS=VALUE of the equilibrium points (e.g. drive_n=0)")
    args = ap.parse_args()
    pd = read_phase_diagram(args.path)
    curves = decomposition(pd)
    sh = shifts(curves)
    rest = [a for a in pd["axes"] if a not in ("glue", "fel_mode")]
    extra = {k: decomposition({**pd, "values": np.asarray(pd["data"][k], float),
                               "status": np.zeros_like(pd["status"])})
             for k in ("Gamma_el0", "xi_star", "subspace_residual") if k in pd["data"]}
    stat = {name: decomposition({**pd, "values": pd["status"].astype(float), "status": np.zeros_like(pd["status"])})[name]
            for name in curves}
    eq_axis, eq_value = (args.equilibrium.split("=") if args.equilibrium else (None, None))
    head = rest + ["full", "glue off", "heating off", "both off", "eq", "full/eq−1 %", "heating %", "glue %",
                   "offset", "Γ_el(0)", "ξ*", "max subspace res."]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for idx in itertools.product(*(range(len(pd["coords"][a])) for a in rest)):
        vals = {name: curves[name][idx] for name in curves}
        eq = np.nan
        if eq_axis in rest:
            k = rest.index(eq_axis)
            c = pd["coords"][eq_axis]
            hit = np.flatnonzero(np.isclose(c.astype(float), float(eq_value)))
            if hit.size:
                eq = curves["full"][idx[:k] + (int(hit[0]),) + idx[k + 1:]]

        def cell(name):
            v = vals[name]
            s = int(stat[name][idx])
            return f"{v:.5f}" if np.isfinite(v) else STATUS.get(s, str(s))
        row = [_format_value(pd["coords"][a][i]) for a, i in zip(rest, idx)]
        row += [cell(n) for n in ("full", "glue off", "heating off", "glue & heating off")]
        row += [f"{eq:.5f}" if np.isfinite(eq) else "", f"{100 * (vals['full'] / eq - 1):+.2f}" if np.isfinite(eq) else "",
                f"{100 * sh['heating'][idx]:+.2f}", f"{100 * sh['glue'][idx]:+.2f}",
                f"{sh['offset'][idx]:.2f}" if abs(sh["heating"][idx]) > 1e-6 else "–"]   # no heating: 0/0
        row += [f"{extra['Gamma_el0']['full'][idx]:.4f}" if "Gamma_el0" in extra else "",
                f"{extra['xi_star']['full'][idx]:.3g}" if "xi_star" in extra else "",
                f"{max([extra['subspace_residual'][n][idx] for n in curves], key=lambda v: -1 if v != v else v):.1e}"
                if "subspace_residual" in extra else ""]
        print("| " + " | ".join(row).replace("nan", "–") + " |")


if __name__ == "__main__":
    main()
