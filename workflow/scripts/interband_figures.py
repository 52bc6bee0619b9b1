"""Figures of the interband (PORTA_SPEC §5.1) studies, from aggregated phase diagrams or solution files.
Energies in units of t_c = 1, k in 1/a.  Called by workflow/rules/figures.smk; usable by hand:

    python workflow/scripts/interband_figures.py F2 --case R1=results/interband_f2/R1.h5 \
        --case "R2 (K1)=results/interband_f2/R2_K1.h5" ... --out results/interband_f3/F2_ness_profiles \
        --format png --format pdf
    python workflow/scripts/interband_figures.py F3 results/interband_f3/phase_diagram.h5 \
        --out results/interband_f3/F3_lnDelta_vs_inv_g --format png --format pdf
    (F5, F6, F8 likewise: plot_interband_recombination, plot_interband_zeeman, plot_interband_phase)
"""
from __future__ import annotations

import argparse
import sys

from nepsolve import plot

FIGURES = {
    "F3": plot.plot_interband_coupling,
    "F5": plot.plot_interband_recombination,
    "F6": plot.plot_interband_zeeman,
    "F8": plot.plot_interband_phase,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("figure", choices=["F2", *FIGURES])
    ap.add_argument("path", nargs="?", help="aggregated phase_diagram.h5 (F3, F5, F6, F8)")
    ap.add_argument("--case", action="append", default=[], metavar="LABEL=FILE.h5",
                    help="F2: a `nepsolve solve --model interband --out` file and its panel label (repeatable)")
    ap.add_argument("--out", required=True, help="output stem (the extension comes from --format)")
    ap.add_argument("--format", action="append", dest="formats", default=None)
    a = ap.parse_args(argv)
    if a.figure == "F2":
        if not a.case:
            ap.error("F2 needs at least one --case LABEL=FILE.h5")
        cases = [tuple(c.split("=", 1)) for c in a.case]
        if any(len(c) != 2 for c in cases):
            ap.error("--case must be LABEL=FILE.h5")
        written = plot.plot_interband_ness(cases, a.out, formats=a.formats)
    else:
        if not a.path:
            ap.error(f"{a.figure} needs the aggregated phase_diagram.h5")
        written = FIGURES[a.figure](a.path, a.out, formats=a.formats)
    for w in written:
        print(f"wrote {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
