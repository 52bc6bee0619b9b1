"""The material model (issue 14): boson channels with tabulated α²F(ν) or Lorentzian spectra, each on its own bath
and drive, Coulomb μ* and a static attraction with cutoff ω_c, electrons on a bath; flat band, real axis, with an
imaginary-axis reference (`matsubara`).  Energies in meV; registered by `spec`."""
