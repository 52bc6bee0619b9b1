# Config validation and the sweep plan, computed once when the workflow is parsed, so that a bad
# config stops the run before any job starts: first nepsolve's own checks (they name the offending
# key and check every point's model parameters), then the JSON schema of workflow/schemas.
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from nepsolve import registry, sweep

try:
    for path in workflow.configfiles:       # YAML details snakemake's loader lets through (keys given twice)
        sweep.load_yaml(path)
    PLAN = sweep.make_plan(config)
except sweep.SweepConfigError as err:
    raise WorkflowError(f"invalid study config: {err}")
validate(config, workflow.source_path("../schemas/config.schema.yaml"))

STUDY = PLAN["config"]["study"]
RESULTS = f"results/{STUDY}"
N_CHUNKS = len(PLAN["chunks"])
RANKS = PLAN["config"]["chunking"]["ranks_per_chunk"]
CHUNKS = [f"{c:04d}" for c in range(N_CHUNKS)]
CODE_VERSIONS = " ".join(f"{k}={v}" for k, v in registry.code_versions(PLAN["config"]["model"]).items())
