"""Weak-coupling BCS with a pair-breaking rate and a Zeeman-like field: closed forms and digamma equations.
The cheap third model of the registry (scale tests of the sweep layer).  Energies in units of the pairing
cutoff ω_D = 1."""
