# nepsolve sweep workflow: plan → one MPI job per chunk → aggregate → phase-diagram figure.
#   snakemake --cores all --configfile config/<study>.yaml        (local; workflow/profiles/default)
#   snakemake --profile cluster/slurm --configfile config/<study>.yaml   (SLURM)
# The embedded default study is config/demo.yaml.
configfile: "config/demo.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/sweep.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        f"{RESULTS}/phase_diagram.h5",
        expand(f"{RESULTS}/phase_diagram.{{ext}}", ext=["png", "pdf"]),
