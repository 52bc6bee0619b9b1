"""Flat-band Eliashberg model (ELIASHBERG_SPEC §2.1–§6); registered by `spec`."""
from .flatband import (PI, EinsteinBathModel, FlatBandEliashberg, GapOperator, GapProblem,  # noqa: F401
                       KineticProblem, antisymmetrize, gap_edge, sqrt_upper)
