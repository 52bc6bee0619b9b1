"""nepsolve: steady-state (NESS) Keldysh–Eliashberg solvers.  The public Python API (docs/api.md):

    import nepsolve
    nepsolve.list_models()                              # registered models
    nepsolve.keys("eliashberg")                         # parameter keys with their meaning and allowed values
    r = nepsolve.critical("eliashberg", T_el=0.1, ...)  # λ_c (quantity="Tc": T_c), a Result
    s = nepsolve.solve("interband", preset="R1", g=1.2) # nonlinear solution, a Result
    r.to_dict(), s.to_xarray()

Energies in each model's unit (Ω = 1 for the Eliashberg models, t_c = 1 for the interband model).
"""
__version__ = "0.1.0"

from .public import critical, keys, list_models, normal_state, solve  # noqa: E402,F401
