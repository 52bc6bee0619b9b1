rule phase_diagram_figure:
    input:
        f"{RESULTS}/phase_diagram.h5",
    output:
        png=f"{RESULTS}/phase_diagram.png",
        pdf=f"{RESULTS}/phase_diagram.pdf",
    shell:
        "nepsolve plot {input} --out {RESULTS}/phase_diagram --format png --format pdf"


import os

# Study-specific figures of the ξ-model studies (config/xi_*.yaml), keyed by the study name; `rule all`
# asks for FIGURES[STUDY] (PNG and PDF) next to the generic phase_diagram figure.  Each figure of
# XI_FIGURES is (plotting function of nepsolve.plot / nepsolve.plot_forward, keyword arguments).
XI_FIGURES = {
    "lambda_c_vs_Tb_ratio": ("plot.plot_decomposition", dict(x="T_b", x_scale="T_el", equilibrium_x=1.0)),
    "lambda_c_vs_drive": ("plot.plot_decomposition", dict(x="drive_n", equilibrium_x=0.0)),
    "decomposition_kappa0.1": ("plot.plot_decomposition", dict(x="drive_n", equilibrium_x=0.0, where={"kappa": 0.1},
                                                              columns="drive_omega")),
    "decomposition_kappa0.3": ("plot.plot_decomposition", dict(x="drive_n", equilibrium_x=0.0, where={"kappa": 0.3},
                                                              columns="drive_omega")),
    "glue_offset": ("plot_forward.plot_glue_offset", dict(x="drive_omega", y="drive_n")),
    "crossover": ("plot_forward.plot_crossover", dict()),
}
FIGURES = {
    "xi_tbias": ["lambda_c_vs_Tb_ratio"],
    "xi_drive": ["lambda_c_vs_drive", "distributions"],
    "xi_local_drive": ["decomposition_kappa0.1", "decomposition_kappa0.3", "glue_offset"],
    "xi_local_tbias": ["lambda_c_vs_Tb_ratio"],
    "xi_crossover": ["crossover"],
}
STUDY_FIGURES = FIGURES.get(STUDY, [])


rule xi_figure:
    # one figure of XI_FIGURES from the aggregated phase diagram
    input:
        f"{RESULTS}/phase_diagram.h5",
    output:
        png=f"{RESULTS}/{{xfig}}.png",
        pdf=f"{RESULTS}/{{xfig}}.pdf",
    log:
        f"{RESULTS}/logs/figure_{{xfig}}.log",
    wildcard_constraints:
        xfig="|".join(k.replace(".", r"\.") for k in XI_FIGURES),
    run:
        import importlib

        module, func = XI_FIGURES[wildcards.xfig][0].rsplit(".", 1)
        draw = getattr(importlib.import_module(f"nepsolve.{module}"), func)
        with open(log[0], "w") as fh:
            for path in draw(input[0], f"{RESULTS}/{wildcards.xfig}", formats=["png", "pdf"],
                             **XI_FIGURES[wildcards.xfig][1]):
                print(f"wrote {path}", file=fh)


rule xi_distributions:
    # F_el(ω) (self-consistent) vs tanh(ω/2T_el) and F_b(ν) vs coth(ν/2T_b) at a driven point
    input:
        pd=f"{RESULTS}/phase_diagram.h5",
        plan=f"{RESULTS}/plan.json",
        script=os.path.join(workflow.basedir, "workflow", "scripts", "xi_distributions.py"),   # edits rerun it
    output:
        png=f"{RESULTS}/distributions.png",
        pdf=f"{RESULTS}/distributions.pdf",
        json=f"{RESULTS}/distributions.json",
    params:
        drive_omega=2.0,
    shell:
        "python {input.script} {input.pd} {input.plan} --out {RESULTS}/distributions "
        "--drive-omega {params.drive_omega} --format png --format pdf --json {output.json}"


# ---------------------------------------------------------------------------------------------------
# Interband model (PORTA_SPEC §5.1), studies config/interband_f{3,5,6,8}.yaml; energies in t_c = 1.
# Figure F2 (NESS n_c, n_v, N_k vs k; four single solves, no sweep) hangs off the interband_f3 study:
#   snakemake --cores 1 --configfile config/interband_f3.yaml        (F3 and F2 with the sweep)
#   snakemake --cores 1 --configfile config/interband_f3.yaml results/interband_f3/F2_ness_profiles.png   (F2 only)
FIGURES.update({
    "interband_f3": ["F3_lnDelta_vs_inv_g", "F2_ness_profiles"],
    "interband_f5": ["F5_delta_vs_gamma_r"],
    "interband_f6": ["F6_delta_vs_Omega"],
    "interband_f8": ["F8_phase_omegaL_Tph"],
})
STUDY_FIGURES = FIGURES.get(STUDY, [])
INTERBAND_SCRIPT = os.path.join(workflow.basedir, "workflow", "scripts", "interband_figures.py")

# F2 cases: file name -> (panel label, `nepsolve solve` arguments); spec §5.2 presets at their T_ph = 0.02, g = 1
F2_CASES = {
    "R1": ("R1", "--preset R1"),
    "R2_K1": ("R2, K1", "--preset R2 --set lineshape=K1"),
    "R2_K2": ("R2, K2", "--preset R2 --set lineshape=K2"),
    "R3": ("R3", "--preset R3"),
}


rule interband_f2_solve:
    # one NESS + gap solve per case (≈ 1 s each)
    output:
        "results/interband_f2/{case}.h5",
    log:
        "results/interband_f2/{case}.json",
    wildcard_constraints:
        case="|".join(F2_CASES),
    params:
        args=lambda wc: F2_CASES[wc.case][1],
    shell:
        "nepsolve solve --model interband {params.args} --out {output} --json > {log}"


rule interband_f2_figure:
    input:
        h5=expand("results/interband_f2/{case}.h5", case=F2_CASES),
        script=INTERBAND_SCRIPT,
    output:   # fixed path (not {RESULTS}): F2 belongs to the interband_f3 study whatever the config
        png="results/interband_f3/F2_ness_profiles.png",
        pdf="results/interband_f3/F2_ness_profiles.pdf",
    params:
        cases=" ".join(f"--case '{label}=results/interband_f2/{case}.h5'" for case, (label, _) in F2_CASES.items()),
    shell:
        "python {input.script} F2 {params.cases} --out results/interband_f3/F2_ness_profiles --format png --format pdf"


rule interband_figure:
    # F3 ln Δ0 vs 1/g, F5 Δ0 vs γ_r, F6 Δ/Δ0 vs Ω/Δ0 (Sarma), F8 (ω_L, T_ph) phase diagram
    input:
        pd=f"{RESULTS}/phase_diagram.h5",
        script=INTERBAND_SCRIPT,
    output:
        png=f"{RESULTS}/{{fig}}_{{name}}.png",
        pdf=f"{RESULTS}/{{fig}}_{{name}}.pdf",
    wildcard_constraints:
        fig="F3|F5|F6|F8",
        name="[A-Za-z0-9_]+",
    shell:
        "python {input.script} {wildcards.fig} {input.pd} --out {RESULTS}/{wildcards.fig}_{wildcards.name} "
        "--format png --format pdf"
