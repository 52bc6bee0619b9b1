"""Command line of nepsolve (thin: parse, validate, ask the model registry, print).

Units: each model's own energy unit (the registry's `energy_unit`; the Eliashberg models: the boson
frequency Ω = 1).  Nothing here names a model: choices, defaults and per-model help come from the registry.
"""
from __future__ import annotations

import json
import os
import sys

import click

from . import registry
from .physics.spec import ParameterError
from .physics.params import parse_assignments

UNITS_HELP = """\b
Units and conventions
  Energies, temperatures, rates and frequencies are in each model's unit
  (ħ = k_B = 1): """ + ", ".join(f"{n}: {m.energy_unit} = 1" for n, m in registry.models().items()) + """.
  Eliashberg models: units of the bare boson frequency Ω = 1; λ = −g²N0 D^R(0) = 2∫dν α²F(ν)/ν;
  Keldysh (Kamenev) conventions: F_el = 1 − 2f (tanh(ω/2T) in equilibrium),
  F_b = 1 + 2n_B; Δ(ω) = φ(ω)/Z(ω); the gap edge Δ0 solves Re Δ(Δ0) = Δ0.
"""


def _keys_help(model: str, click_block: bool = True) -> str:
    """The parameter table of a registered model (`click_block`: keep click from rewrapping it in --help)."""
    spec = registry.get(model)
    specs = spec.params.specs()
    lines = ["\b"] if click_block else []
    lines.append("Parameters (--set KEY=VALUE, repeatable); " + (spec.keys_heading or f"--model {model}:"))
    for k, s in specs.items():
        lines.append(f"  {k:<12} {s.doc}; {s.describe()}")
    return "\n".join(lines)


def _load_config(path):
    """A YAML mapping of model keys (see `nepsolve keys`) and optionally `petsc_options`."""
    from . import sweep

    if path is None:
        return {}, None
    try:
        data = sweep.load_yaml(path) or {}
    except sweep.SweepConfigError as err:
        raise click.UsageError(str(err)) from None
    if not isinstance(data, dict):
        raise click.UsageError(f"config {path} must be a mapping of KEY: VALUE")
    petsc = data.pop("petsc_options", None)
    if petsc is not None and not isinstance(petsc, (str, dict)):
        raise click.UsageError("config key 'petsc_options' must be a string ('-snes_type anderson ...') or a mapping")
    return data, petsc


def _inputs(sets, config, petsc_cli, model: str, preset: str | None = None):
    """(parameters, PETSc options): the preset (interband), then --config (YAML), overridden by --set and
    --petsc-options.  The first invalid key is named."""
    from .solvers.snes import parse_petsc_options, validate_petsc_options

    values, petsc_config = _load_config(config)
    values.pop("model", None)
    spec = registry.get(model)
    try:
        text = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in values.items()}   # YAML lists → JSON
        base = parse_assignments([f"{k}={v}" for k, v in text.items()], spec.base_params(preset), cls=spec.params)
        params = parse_assignments(sets, base)
    except ParameterError as err:
        raise click.UsageError(str(err)) from None
    try:
        petsc = {**parse_petsc_options(petsc_config), **parse_petsc_options(petsc_cli)}
        validate_petsc_options(petsc)
    except ValueError as err:
        raise click.UsageError(f"petsc options: {err}") from None
    return params, petsc


EXIT_CODES_HELP = """\b
Exit codes
  0  the requested quantity was obtained
  1  an unexpected error (or, under MPI, an error on any rank: the whole job is aborted)
  2  bad input (a key, value, option or file), refused before any solve
  3  the computation ran but did not obtain the quantity (not converged, no crossing, ...)
JSON output (--json): non-finite numbers are the strings "NaN", "Infinity", "-Infinity"."""

NOT_OBTAINED = 3


def _emit(result: dict, as_json: bool, keys: list[str], obtained: bool = True):
    """Print a result (JSON or a key table) and exit with code 3 if the requested quantity was not obtained."""
    clean = {k: v for k, v in result.items() if k != "arrays"}
    if as_json:
        click.echo(json.dumps(_jsonable(clean), sort_keys=True))
    else:
        for k in keys:
            if k in clean:
                click.echo(f"{k:>20}: {clean[k]}")
    if not obtained:
        click.echo(f"not obtained: {clean.get('message', '')}", err=True)
        sys.exit(NOT_OBTAINED)


def _jsonable(x):
    """JSON types with explicit non-finite numbers ("NaN", "Infinity", "-Infinity": JSON has none)."""
    from .io import json_types

    return json_types(x, "string")


def _writable_out(path) -> None:
    """Usage error (before any solve) if `path` cannot be written: its directory must already exist."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise click.UsageError(f"--out {path}: directory {parent} does not exist (it is not created)")
    if not os.access(parent, os.W_OK):
        raise click.UsageError(f"--out {path}: directory {parent} is not writable")


def _finite(x) -> bool:
    import math

    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


set_option = click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                          help="Set a model parameter (repeatable); see `nepsolve keys`.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
petsc_option = click.option("--petsc-options", default=None, metavar="'-key value ...'",
                            help="PETSc options for the SNES solves, e.g. '-snes_type anderson -snes_monitor'; "
                                 "parsed and checked by PETSc; they apply to every rung of the SNES ladder (the "
                                 "deflated stage of `solve` takes only monitor/view options).")
model_option = click.option(
    "--model", type=click.Choice(list(registry.models())), default=registry.default_model(), show_default=True,
    help="  ".join(f"{name}: {spec.summary}." for name, spec in registry.models().items()))
preset_option = click.option(
    "--preset", type=click.Choice(sorted({p for m in registry.models().values() for p in m.presets})), default=None,
    help="A reference parameter set of the model (" + "; ".join(
        f"{name}: {', '.join(m.presets)}" for name, m in registry.models().items() if m.presets)
    + "); then --config, then --set.")
config_option = click.option("--config", type=click.Path(exists=True, dir_okay=False), default=None,
                             help="YAML file of model keys and optional petsc_options; --set overrides it.")


@click.group(help=f"""nepsolve: steady-state (NESS) Keldysh–Eliashberg solvers.

Driven, dissipative electron systems: the models of the registry (`nepsolve keys --model NAME`):
{"  ".join(f"{name}: {spec.summary}." for name, spec in registry.models().items())}
Single points with `critical` and `solve`; grids with `plan`, `sweep-chunk`, `aggregate`, `plot`
(or the Snakemake workflow).

{UNITS_HELP}
{EXIT_CODES_HELP}""")
@click.version_option(package_name="nepsolve")
def main():
    pass


@main.command(help=f"""List the model parameters with their meaning and allowed values.

{UNITS_HELP}""")
@model_option
def keys(model):
    click.echo(_keys_help(model, click_block=False))


def _model_help(command: str) -> str:
    """The per-model paragraphs of a command's help, and the key tables of the models offering it."""
    names = registry.offering(command)
    paragraphs = list(dict.fromkeys(registry.get(n).help[command] for n in names if command in registry.get(n).help))
    tables = "\n\n".join(_keys_help(n) for n in names)
    return "\n\n".join(paragraphs) + f"\n\n{UNITS_HELP}\n{tables}"


@main.command(help=f"""Critical coupling λ_c (default) or critical temperature T_c.

λ_c: the coupling at which the largest real eigenvalue of the linearized (ℝ-linear) gap
operator equals 1, at fixed temperatures, bath rates and drive; `lam` is only the start value.
T_c (--quantity Tc): at fixed `lam`, the temperatures are raised until the instability.
--axis matsubara uses an independent imaginary-axis solver where the model has one (equilibrium).

{_model_help("critical")}""")
@model_option
@set_option
@config_option
@click.option("--quantity", type=click.Choice(["lambda_c", "Tc"]), default="lambda_c", show_default=True)
@click.option("--axis", type=click.Choice(["real", "matsubara"]), default="real", show_default=True)
@click.option("--decompose", is_flag=True,
              help="lambda_c only, models with a glue/heating decomposition: also λ_c with the glue off "
                   "(δφ^K := 0), with heating off (fel_mode bath) and with both off: adds lambda_c_glue_off, "
                   "lambda_c_heating_off, lambda_c_both_off and glue_offset_fraction = (glue off − full)/(glue off "
                   "− both off).")
@click.option("--tol", type=float, default=None,
              help="Relative accuracy target: the model refines its frequency grid (Δω halved, range +25 %) until "
                   "two successive results differ by less than TOL, and reports grid_error_estimate and the grids "
                   "(models: " + ", ".join(n for n, m in registry.models().items() if m.refines) + ").")
@json_option
@petsc_option
def critical(model, sets, config, quantity, axis, decompose, tol, as_json, petsc_options):
    spec = _offering(model, "critical", "use `nepsolve solve --model {model}`")
    if tol is not None and not (spec.refines and 0 < tol < 1):
        raise click.UsageError(f"--tol {tol}: needs 0 < TOL < 1 and a model that refines its discretization "
                               f"({', '.join(n for n, m in registry.models().items() if m.refines)})")
    p, petsc_options = _inputs(sets, config, petsc_options, model)
    try:
        result = spec.critical(p, quantity, petsc_options, axis=axis, decompose=decompose,
                               **({"tol": tol} if tol is not None else {}))
    except ParameterError as err:
        raise click.UsageError(str(err)) from None
    value = result.get("lambda_c" if quantity == "lambda_c" else "T_c")
    _emit(result, as_json, ["lambda_c", "lambda_c_glue_off", "lambda_c_heating_off", "lambda_c_both_off",
                            "glue_offset_fraction", "xi_star", "T_c", "converged", "status", "subspace_residual",
                            "grid_error_estimate", "grids", "warning", "message", "wall_time"],
          obtained=bool(result.get("converged")) and _finite(value))


def _offering(model: str, command: str, hint: str = ""):
    """The model's spec if it offers the single-point `command`; else a usage error naming those that do."""
    spec = registry.get(model)
    if getattr(spec, command) is None:
        raise click.UsageError(f"--model {model} has no `{command}` command (models with one: "
                               f"{', '.join(registry.offering(command))})" + ("; " + hint.format(model=model)
                                                                           if hint else ""))
    return spec


@main.command(help=f"""Solve the model's nonlinear steady-state equations with PETSc SNES and report the gap.

Prints the model's report (the gap delta0, SNES converged reason, iterations, residual, ...);
--out FILE.h5 stores the solution arrays (complex arrays as <name>_re/<name>_im).

{_model_help("solve")}""")
@model_option
@preset_option
@set_option
@config_option
@json_option
@petsc_option
@click.option("--quantity", type=click.Choice(sorted({q for m in registry.models().values() for q in m.solve_quantities})),
              default="delta0", show_default=True,
              help="What the solve reports besides the solution; per model: " + "; ".join(
                  f"{n}: {', '.join(m.solve_quantities)}" for n, m in registry.models().items() if m.solve))
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the solution to this HDF5 file.")
@click.option("--seed", type=float, default=0.1, show_default=True,
              help="Amplitude φ0 of the BCS-like seed φ0/(1+ω²) [Ω] (Eliashberg models).")
@click.option("--no-fallback", is_flag=True, help="Run only the first SNES method (or the one given in --petsc-options).")
@click.option("--warmup", type=int, default=0, show_default=True,
              help="Anderson iterations before Newton–Krylov (0: none; Eliashberg models).")
@click.option("--no-deflation", is_flag=True, help="Do not deflate the normal-state root (plain Newton from the seed).")
@click.option("--start", type=click.Choice(["eigen", "seed"]), default="eigen", show_default=True,
              help="Flat band: 'eigen' starts Newton–Krylov from the critical eigenvector with a BCS amplitude "
                   "(ρ at T and 2T), falling back to the seed-and-deflate search; 'seed' is that search alone "
                   "(--seed, --no-deflation apply to it).")
def solve(model, preset, sets, config, as_json, petsc_options, quantity, out, seed, no_fallback, warmup,
          no_deflation, start):
    spec = _offering(model, "solve")
    if quantity not in spec.solve_quantities:
        raise click.UsageError(f"--quantity {quantity}: --model {model} solves for {', '.join(spec.solve_quantities)} "
                               "(critical temperatures: `nepsolve critical --quantity Tc`)")
    p, petsc_options = _inputs(sets, config, petsc_options, model, preset)
    if out:
        _writable_out(out)
    try:
        result = spec.solve(p, petsc_options, quantity=quantity, seed=seed, fallback=not no_fallback,
                            warmup=warmup, deflate=not no_deflation, start=start)
    except ParameterError as err:         # e.g. a discretization the nonlinear set does not offer
        raise click.UsageError(str(err)) from None
    if out:
        spec.write_solution(out, result)
        result["out"] = out
    obtained = bool(result.get("converged")) and _finite(result.get("delta0"))
    if quantity == "Tc":
        obtained = obtained and bool(result.get("T_c_converged")) and _finite(result.get("T_c"))
    _emit(result, as_json, list(spec.report_keys), obtained=obtained)


@main.command(help=f"""λ_c along one parameter (a small scan; the sweep pipeline handles grids).

Example: nepsolve scan --axis T_b --values 0.03,0.05,0.08 --set T_el=0.05 --out results/scan.h5

{UNITS_HELP}""")
@model_option
@set_option
@config_option
@click.option("--axis", "axis_key", required=True, type=click.Choice(sorted({k for n in registry.offering("critical")
                                           for k, s in registry.get(n).params.specs().items() if s.kind is float})))
@click.option("--values", required=True, help="Comma-separated values of the swept parameter.")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@petsc_option
def scan(model, sets, config, axis_key, values, out, petsc_options):
    from . import io

    spec = _offering(model, "critical", "grids of other quantities run through the sweep pipeline "
                                        "(docs/sweep-contract.md)")
    base, petsc_options = _inputs(sets, config, petsc_options, model)
    _writable_out(out)
    if axis_key not in base.specs():
        raise click.UsageError(f"--axis {axis_key} is not a key of --model {model}; its keys: {', '.join(base.specs())}")
    try:
        vals = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise click.UsageError(f"--values must be comma-separated numbers, got {values!r}") from None
    points = []
    for v in vals:
        try:
            points.append(base.replace(**{axis_key: v}))
        except ParameterError as err:
            raise click.UsageError(str(err)) from None
    records = []
    from tqdm import tqdm

    with tqdm(points, desc=f"lambda_c vs {axis_key}", unit="point", file=sys.stderr) as bar:
        for p in bar:
            try:
                records.append(spec.critical(p, "lambda_c", petsc_options))
            except Exception as err:  # a failed point is recorded, not fatal
                records.append({"lambda_c": float("nan"), "converged": False, "message": f"{type(err).__name__}: {err}"})
    io.write_scan(out, axis_key, vals, records, base.as_dict())
    for v, r in zip(vals, records):
        click.echo(f"{axis_key} = {v:<10g} lambda_c = {r['lambda_c']:.6f}  {'ok' if r['converged'] else r['message']}")
    click.echo(f"wrote {out}")
    if not all(r["converged"] for r in records):
        sys.exit(NOT_OBTAINED)


# ------------------------------------------------------------------------------ sweeps
SWEEP_HELP = """Study configs (YAML): study, model, quantity (lambda_c | T_c | delta0), fixed (model keys),
axes (lists or {linspace|logspace: [lo, hi, n]}), chunking (points_per_chunk, ranks_per_chunk,
ranks_per_point), petsc_options.  See docs/sweep-contract.md."""


def _plan_from(config_path):
    from . import sweep

    try:
        return sweep.make_plan(sweep.load_yaml(config_path))
    except sweep.SweepConfigError as err:
        msg = str(err)
        raise click.UsageError(msg if msg.startswith(str(config_path)) else f"{config_path}: {msg}") from None


@main.command(help=f"""Validate a study config and print its size before anything runs.

Prints the number of points and chunks and a rough estimate of the core-hours (from this
project's measured timings); with --out writes the plan (points with content-hashed ids,
chunks) as JSON, which `sweep-chunk` and `aggregate` read.

{SWEEP_HELP}

{UNITS_HELP}""")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the plan JSON here.")
@json_option
def plan(config, out, as_json):
    from . import plans, sweep

    pl = _plan_from(config)
    if out:
        _writable_out(out)
        sweep.write_plan(pl, out)
    secs = sweep.estimate_seconds(pl)
    ch = pl["config"]["chunking"]
    per_chunk = sweep.chunk_seconds(pl)
    info = {"study": pl["config"]["study"], "points": plans.n_points(pl), "chunks": len(pl["chunks"]),
            "axes": {k: len(v) for k, v in pl["axes"].items()}, "ranks_per_chunk": ch["ranks_per_chunk"],
            "ranks_per_point": ch["ranks_per_point"], "estimated_core_hours": secs / 3600.0,
            "chunk_seconds_max": max(per_chunk), "chunk_seconds_mean": sum(per_chunk) / len(per_chunk),
            "config_hash": pl["config_hash"]}
    if as_json:
        click.echo(json.dumps(info, sort_keys=True))
    else:
        axes = " × ".join(f"{k}[{n}]" for k, n in info["axes"].items())
        click.echo(f"study {info['study']}: {info['points']} points ({axes}) in {info['chunks']} chunks of "
                   f"<= {ch['points_per_chunk']} points, {ch['ranks_per_chunk']} MPI ranks per chunk, "
                   f"{ch['ranks_per_point']} per point")
        click.echo(f"estimated cost: {secs / 3600.0:.3g} core-hours ({secs:.0f} core-seconds; calibrated on this "
                   f"machine's measured point times, expect within a factor 2)")
        click.echo(f"estimated wall time per chunk job: mean {info['chunk_seconds_mean']:.0f} s, longest "
                   f"{info['chunk_seconds_max']:.0f} s")
        if info["chunk_seconds_mean"] < sweep.SLURM_MIN_CHUNK_SECONDS:
            per = (info["chunk_seconds_mean"] - sweep.CHUNK_STARTUP_SECONDS) / max(ch["points_per_chunk"], 1)
            need = int(sweep.SLURM_MIN_CHUNK_SECONDS / max(per, 1e-9)) + 1
            click.echo(f"warning: on SLURM, chunks of {info['chunk_seconds_mean'] / 60:.1f} min are mostly scheduler "
                       f"overhead: aim for >= 10 min (chunking.points_per_chunk >= {need}); locally this is fine")


@main.command("sweep-chunk", help="""Run one chunk of a plan under MPI (mpiexec -n R nepsolve sweep-chunk ...).

COMM_WORLD is split into groups of ranks_per_point ranks; a group takes the next unfinished point by
claiming it in the chunk's journal <out-stem>.journal (one append-only, checksummed file per chunk; claims
of a killed run do not count).  Each finished point is appended to the journal at once, bound to the plan
and to the code version; a rerun skips finished points and recomputes records that do not check.  The
chunk file (with a checksum) is written when all points are done, and the journal removed.  A failing
point is recorded (status, PETSc reason, message); it never aborts the chunk.  A second process on a
running chunk is refused.  Any other error on any rank aborts the whole MPI job (exit code 1).""")
@click.argument("plan_path", metavar="PLAN", type=click.Path(exists=True, dir_okay=False))
@click.option("--chunk", type=int, required=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True)
def sweep_chunk(plan_path, chunk, out):
    from . import sweep

    pl = _read_plan(plan_path)
    try:
        sweep.run_chunk(pl, chunk, out)
    except sweep.SweepConfigError as err:          # raised alike on every rank, before any point
        raise click.UsageError(str(err)) from None
    except BaseException as err:                   # on one rank only: the others would wait forever
        _abort_mpi(err)


def _abort_mpi(err: BaseException):
    """Report an error of this rank and end the whole MPI job (MPI_Abort), so no rank is left waiting."""
    import traceback

    from mpi4py import MPI

    import time

    rank = MPI.COMM_WORLD.rank
    sys.stderr.flush()
    os.write(2, (f"[rank {rank}] {type(err).__name__}: {err}\n{traceback.format_exc(limit=6)}"
                 f"[rank {rank}] aborting the MPI job\n").encode())
    time.sleep(1.0)            # let mpiexec forward the message before the ranks are killed
    MPI.COMM_WORLD.Abort(1)


def _read_plan(path) -> dict:
    """A plan file, or a usage error saying what is wrong with it (no traceback)."""
    from . import sweep

    try:
        return sweep.read_plan(path)
    except sweep.SweepConfigError as err:
        raise click.UsageError(str(err)) from None


@main.command(help="""Aggregate chunk files into the phase-diagram HDF5 (one dataset per observable,
shaped by the sweep axes, with dimension scales; provenance on the root) and print a summary.""")
@click.argument("plan_path", metavar="PLAN", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--chunks-dir", type=click.Path(file_okay=False), default=None,
              help="Directory of chunk_NNNN.h5 files (default: <plan dir>/chunks).")
@click.option("--allow-missing", is_flag=True, help="Mark points of absent chunk files as missing instead of failing.")
def aggregate(plan_path, out, chunks_dir, allow_missing):
    from pathlib import Path

    from . import io

    pl = _read_plan(plan_path)
    _writable_out(out)
    cdir = Path(chunks_dir) if chunks_dir else Path(plan_path).parent / "chunks"
    paths = {c: cdir / f"chunk_{c:04d}.h5" for c in range(len(pl["chunks"]))}
    try:
        counts = io.write_phase_diagram(out, pl, paths, allow_missing=allow_missing)
    except io.ChunkFileError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"wrote {out}")
    click.echo(f"{'points':>10} {'ok':>6} {'failed':>7} {'missing':>8} {'solve time [s]':>15}")
    click.echo(f"{counts['points']:>10} {counts['ok']:>6} {counts['failed']:>7} {counts['missing']:>8} "
               f"{counts['wall_time']:>15.1f}")


@main.command(help="""Progress of a running (or killed) study: points done / total with a bar, ok and failed
counts, chunks finished, and an ETA in core-seconds from the mean time per finished point.""")
@click.argument("plan_path", metavar="PLAN", type=click.Path(exists=True, dir_okay=False))
@click.option("--chunks-dir", type=click.Path(file_okay=False), default=None)
def progress(plan_path, chunks_dir):
    from pathlib import Path

    from . import sweep

    pl = _read_plan(plan_path)
    p = sweep.progress(pl, chunks_dir or Path(plan_path).parent / "chunks")
    from tqdm import tqdm

    click.echo(tqdm.format_meter(p["done"], p["points"], 0, ncols=60, bar_format="{percentage:3.0f}% |{bar}|"))
    click.echo(f"{p['done']}/{p['points']} points ({p['ok']} ok, {p['failed']} failed), "
               f"{p['chunks_done']}/{p['chunks']} chunks written")
    if p["done"] < p["points"] and p["done"]:
        click.echo(f"mean {p['mean_point_seconds']:.2f} s per point; about {p['eta_core_seconds']:.0f} "
                   f"core-seconds to go")


@main.command(help="""Draw a figure of an aggregated phase-diagram HDF5 file (PNG and PDF by default).

FIGURE is one the file's model registers (default: phase_diagram, the quantity over the study's axes,
failed points marked); `--list` names them.  Study figures take keyword arguments (--args JSON), as the
`figures:` block of a study config gives them; the Snakemake rule `figure` calls this command.""")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Output path without extension.")
@click.option("--figure", default="phase_diagram", show_default=True, help="A figure the file's model registers.")
@click.option("--args", "args_json", default="{}", show_default=True, help="Keyword arguments of the figure (JSON).")
@click.option("--format", "formats", multiple=True, default=("png", "pdf"), show_default=True)
@click.option("--list", "list_figures", is_flag=True, help="List the figures of the file's model and exit.")
@click.option("--reject-unreadable", is_flag=True,
              help="Move an unreadable phase-diagram file aside (<file>.rejected), so that a rerun of the "
                   "workflow aggregates it again (the Snakemake rule `figure` uses this).")
def plot(path, out, figure, args_json, formats, list_figures, reject_unreadable):
    from . import plot as plotting
    from . import registry

    try:
        pd = plotting.read_phase_diagram(path)
    except ValueError as err:
        if reject_unreadable:
            os.replace(path, f"{path}.rejected")
            raise click.ClickException(f"{err} [moved to {path}.rejected: rerun to aggregate it again]") from None
        raise click.ClickException(str(err)) from None
    try:
        model = registry.get(pd["model"])
        if list_figures:
            for name, fig in model.all_figures().items():
                click.echo(f"{name:<16} {fig.summary}")
            return
        if out is None:
            raise click.UsageError("--out is required (output path without extension)")
        _writable_out(out)
        try:
            args = json.loads(args_json)
        except json.JSONDecodeError as err:
            raise click.UsageError(f"--args is not JSON: {err}") from None
        if not isinstance(args, dict):
            raise click.UsageError("--args must be a JSON object of keyword arguments")
        files = plotting.draw_figure(path, figure, out, formats=list(formats), **args)
    except (ValueError, TypeError) as err:
        raise click.ClickException(str(err)) from None
    for f in files:
        click.echo(f"wrote {f}")
    if figure == "phase_diagram":
        click.echo(plotting.summary_table(path))


if __name__ == "__main__":
    main()
