"""Model-agnostic solvers: PETSc SNES for nonlinear problems, eigen and root searches for critical points."""
