"""Run under mpiexec -n 2: the ξ-model normal state on a PETSc Vec distributed over 2 ranks equals
the serial solve; prints one JSON line from rank 0."""
import json
import sys

import numpy as np
from petsc4py import PETSc

import nepsolve
from nepsolve import api
from nepsolve.models.eliashberg_xi import XiEliashberg
from nepsolve.physics.params import EliashbergXiParams

p = EliashbergXiParams(lam=1.0, kappa=0.1, gamma=0.1, T_el=0.1, T_b=0.08, W=4.0, kernel="lorentzian", w=0.5,
                       n_xi=16, fel_mode="kinetic", n_omega=1025, omega_max=8.0)
comm = PETSc.COMM_WORLD
model = XiEliashberg(p)
par = nepsolve.normal_state(model, comm=comm)
ser = nepsolve.normal_state(model, comm=PETSc.COMM_SELF)
diff = float(np.max(np.abs(par.sigma - ser.sigma)) + np.max(np.abs(par.F - ser.F)))
lc = api.critical_coupling(p, comm=comm)["lambda_c"]
if comm.rank == 0:
    print(json.dumps({"ranks": comm.size, "sigma_F_diff": diff, "lambda_c": lc,
                      "lambda_c_serial": api.critical_coupling(p)["lambda_c"]}))
sys.stdout.flush()
