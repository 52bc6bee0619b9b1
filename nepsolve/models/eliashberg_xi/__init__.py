"""ξ-resolved Eliashberg model (ELIASHBERG_SPEC §2.2, §5, §5.6, §7): the linear problem (`model`) and the
nonlinear Nambu–Keldysh set (`nonlinear`); registered by `spec`."""
from ..xi_grid import cell_pair, cell_resolvent, xi_cells  # noqa: F401
from .model import (NormalProblem, NormalState, XiEliashberg, XiGapOperator, kernel_matrix,  # noqa: F401
                    make_quadrature)
