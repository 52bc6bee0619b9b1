# nepsolve sweep workflow: plan → one MPI job per chunk → aggregate → the study's figures.
#   snakemake --configfile config/<study>.yaml        (local; profiles/default = workflow/profiles/default)
#   snakemake --workflow-profile cluster/slurm --configfile config/<study>.yaml   (SLURM; it replaces the local profile)
# The embedded default study is config/demo.yaml.  It is loaded only when no --configfile was given:
# snakemake deep-merges config files, which would mix the keys of two studies.
if not config:

    configfile: "config/demo.yaml"


include: "workflow/rules/common.smk"

# bookkeeping rules run where snakemake runs, not as cluster jobs
localrules: all, plan, aggregate, figure


include: "workflow/rules/sweep.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        f"{RESULTS}/phase_diagram.h5",
        expand(f"{RESULTS}/{{fig}}.{{ext}}", fig=STUDY_FIGURES, ext=["png", "pdf"]),   # figures.smk
