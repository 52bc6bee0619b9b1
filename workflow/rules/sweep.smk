import os

rule plan:
    output:
        f"{RESULTS}/plan.json",
    log:
        f"{RESULTS}/logs/plan.log",
    params:
        config_hash=PLAN["config_hash"],   # a changed config re-plans (and re-runs changed points only)
        plan_format=PLAN["format"],        # so does a new plan format
    run:
        sweep.write_plan(PLAN, output[0], log=log[0])


rule chunk:
    input:
        f"{RESULTS}/plan.json",
    output:
        f"{RESULTS}/chunks/chunk_{{chunk}}.h5",
    log:
        f"{RESULTS}/logs/chunk_{{chunk}}.log",
    params:
        code=CODE_VERSIONS,      # results of another nepsolve / physics version are recomputed
    threads: RANKS
    resources:
        tasks=RANKS,
        mpi="mpiexec",
    shell:
        # one BLAS/OpenMP thread per MPI rank: the ranks are the parallelism
        "export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; "
        "{resources.mpi} -n {resources.tasks} nepsolve sweep-chunk {input} --chunk $((10#{wildcards.chunk})) "
        "--out {output} 2>&1 | tee {log}; test ${{PIPESTATUS[0]}} -eq 0"


rule aggregate:
    input:
        plan=f"{RESULTS}/plan.json",
        chunks=expand(f"{RESULTS}/chunks/chunk_{{chunk}}.h5", chunk=CHUNKS),
    output:
        f"{RESULTS}/phase_diagram.h5",
    log:
        f"{RESULTS}/logs/aggregate.log",
    params:
        chunks_dir=lambda wildcards, input: os.path.dirname(input.chunks[0]),
    shell:
        "nepsolve aggregate {input.plan} --out {output} --chunks-dir {params.chunks_dir} 2>&1 | tee {log}; "
        "test ${{PIPESTATUS[0]}} -eq 0"
