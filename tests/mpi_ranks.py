"""Run under `mpiexec -n 2`: each rank solves its own points (PETSc on COMM_SELF, as in a sweep
chunk), rank 0 gathers.  Also checks that PETSc was built against the same MPI (COMM_WORLD size)."""
import json
import sys

from mpi4py import MPI
from petsc4py import PETSc

from nepsolve import api
from nepsolve.physics.params import EliashbergParams

comm = MPI.COMM_WORLD
assert PETSc.COMM_WORLD.getSize() == comm.size, "PETSc was built without this MPI"
T_b_values = [float(v) for v in sys.argv[1].split(",")]
base = EliashbergParams(lam=1.0, kappa=0.3, gamma=0.05, T_el=0.1, T_b=0.1, fel_mode="kinetic",
                        n_omega=4097, omega_max=12.0)
mine = {i: api.critical_coupling(base.replace(T_b=tb))["lambda_c"]
        for i, tb in enumerate(T_b_values) if i % comm.size == comm.rank}
# a collective PETSc operation on COMM_WORLD: both ranks must take part
v = PETSc.Vec().createMPI(2 * comm.size, comm=PETSc.COMM_WORLD)
v.set(1.0)
total = v.sum()
parts = comm.gather(mine, root=0)
if comm.rank == 0:
    merged = {k: val for p in parts for k, val in p.items()}
    print(json.dumps({"size": comm.size, "petsc_size": PETSc.COMM_WORLD.getSize(), "vec_sum": total,
                      "lambda_c": [merged[i] for i in range(len(T_b_values))]}))
