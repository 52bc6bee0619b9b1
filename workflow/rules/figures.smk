# Figures of the study: the `figures:` block of its config (plus phase_diagram, which every study draws),
# each a figure its model registers (`nepsolve plot <phase_diagram.h5> --list`).  One rule makes any of
# them from the aggregated phase diagram; each writes only under results/<study>/.
import json
import re
import shlex

FIGURES = sweep.study_figures(config)       # name -> {"figure": registered figure, "args": {...}}
STUDY_FIGURES = list(FIGURES)


rule figure:
    input:
        pd=f"{RESULTS}/phase_diagram.h5",
        plan=f"{RESULTS}/plan.json",         # figures that re-solve a point read it next to the phase diagram
    output:
        png=f"{RESULTS}/{{fig}}.png",
        pdf=f"{RESULTS}/{{fig}}.pdf",
    log:
        f"{RESULTS}/logs/figure_{{fig}}.log",
    params:
        stem=lambda wc: f"{RESULTS}/{wc.fig}",
        figure=lambda wc: FIGURES[wc.fig]["figure"],
        args=lambda wc: shlex.quote(json.dumps(FIGURES[wc.fig]["args"], sort_keys=True)),   # changed args redraw
    wildcard_constraints:
        fig="|".join(re.escape(name) for name in FIGURES),
    shell:
        "nepsolve plot {input.pd} --reject-unreadable --figure {params.figure} --args {params.args} --out {params.stem} "
        "--format png --format pdf > {log} 2>&1"
