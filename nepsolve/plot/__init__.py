"""Figures of nepsolve: the generic layer (reading an aggregated phase diagram, labels and units from the
model registry, the phase-diagram figure of any model, the text summary).  A model's own figures live in
its package (`nepsolve/models/<name>/figures.py`) and are registered in its spec (`ModelSpec.figures`);
`draw_figure` draws any registered figure of a study.

    read_phase_diagram(path) -> dict
    plot_phase_diagram(path, out, formats=None, return_figure=False) -> list[str] | (list[str], Figure)
    summary_table(path) -> str
    draw_figure(path, figure, out, formats=None, **args) -> list[str]
    label(name, model), symbol(name, model), subset(pd, **where), axis_first(pd, name)
"""
from __future__ import annotations

from .. import registry
from .common import (STATUS_COMPLEX, STATUS_FAILED, STATUS_MISSING, STATUS_OK, axis_first, label,
                     read_phase_diagram, subset, symbol)
from .phase_diagram import plot_phase_diagram, summary_table

__all__ = ["read_phase_diagram", "plot_phase_diagram", "summary_table", "draw_figure", "label", "symbol",
           "subset", "axis_first", "STATUS_OK", "STATUS_FAILED", "STATUS_MISSING", "STATUS_COMPLEX"]


def draw_figure(path, figure: str, out, formats=None, **args) -> list[str]:
    """Draw the registered figure `figure` of the model of the phase diagram `path` (RegistryError listing
    the model's figures if it has no such figure); returns the written paths."""
    pd_model = read_phase_diagram(path)["model"]
    draw = registry.get(pd_model).figure(figure).function()
    return draw(path, out, formats=formats, **args)
