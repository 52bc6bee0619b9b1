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
# asks for FIGURES[STUDY] (PNG and PDF) next to the generic phase_diagram figure.
FIGURES = {
    "xi_tbias": ["lambda_c_vs_Tb_ratio"],
    "xi_drive": ["lambda_c_vs_drive", "distributions"],
    "xi_gluemap": ["gluemap"],
}
STUDY_FIGURES = FIGURES.get(STUDY, [])


rule xi_tbias_figure:
    # λ_c vs T_b/T_el, one panel per (γ, kernel), curves full / glue off / heating off
    input:
        f"{RESULTS}/phase_diagram.h5",
    output:
        png=f"{RESULTS}/lambda_c_vs_Tb_ratio.png",
        pdf=f"{RESULTS}/lambda_c_vs_Tb_ratio.pdf",
    run:
        from nepsolve import plot

        plot.plot_decomposition(input[0], f"{RESULTS}/lambda_c_vs_Tb_ratio", x="T_b", x_scale="T_el",
                                equilibrium_x=1.0, formats=["png", "pdf"])


rule xi_drive_figure:
    # λ_c vs drive occupation n_d, one panel per (ω_d, kernel), decomposition curves
    input:
        f"{RESULTS}/phase_diagram.h5",
    output:
        png=f"{RESULTS}/lambda_c_vs_drive.png",
        pdf=f"{RESULTS}/lambda_c_vs_drive.pdf",
    run:
        from nepsolve import plot

        plot.plot_decomposition(input[0], f"{RESULTS}/lambda_c_vs_drive", x="drive_n", equilibrium_x=0.0,
                                formats=["png", "pdf"])


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


rule xi_gluemap_figure:
    # λ_c(full) − λ_c(glue off) vs w/Γ_el, one curve per Ω/W
    input:
        f"{RESULTS}/phase_diagram.h5",
    output:
        png=f"{RESULTS}/gluemap.png",
        pdf=f"{RESULTS}/gluemap.pdf",
    run:
        from nepsolve import plot

        plot.plot_gluemap(input[0], f"{RESULTS}/gluemap", formats=["png", "pdf"])
