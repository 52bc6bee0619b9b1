rule phase_diagram_figure:
    input:
        f"{RESULTS}/phase_diagram.h5",
    output:
        png=f"{RESULTS}/phase_diagram.png",
        pdf=f"{RESULTS}/phase_diagram.pdf",
    shell:
        "nepsolve plot {input} --out {RESULTS}/phase_diagram --format png --format pdf"
